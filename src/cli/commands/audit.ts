import { X509Certificate } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { verifyTrail, type VerifyReport } from '../../audit/index.js'
import type { AuditCheckpoint } from '../../catalogue/index.js'
import { loadConfig } from '../../config.js'
import { LantaiError } from '../../errors.js'
import { openRuntime } from '../../runtime.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai audit verify [--checkpoints FILE] [--json]
       lantai audit checkpoint create
       lantai audit checkpoint export [--out FILE]
用法:  lantai audit verify [--checkpoints 文件] [--json]
       lantai audit checkpoint create
       lantai audit checkpoint export [--out 文件]

verify: recomputes the audit trail's hash chain from row 1 in the catalogue of LANTAI_DATA (or
LANTAI_DATABASE_URL), checks every checkpoint's signature and head, and names the first row that was
edited, deleted, inserted or reordered. It only reads, so it works even when the triggers that guard
the trail were dropped. With --checkpoints, checkpoints exported earlier are held against the trail
too (an intruder cannot remove those). When LANTAI_AUDIT_CERT is set, checkpoints signed by any other
certificate are reported.
checkpoint create: signs the chain's head now (LANTAI_AUDIT_KEY, LANTAI_AUDIT_CERT).
checkpoint export: writes every checkpoint as JSON (stdout, or --out FILE), to keep outside the system.
verify：从第 1 行起重新计算审计日志的哈希链，校验每个检查点的签名与链头，并指出第一处被修改、删除、插入或
调换次序的行；只读取数据，即使守护日志的触发器已被删除也能发现篡改。--checkpoints 可同时核对先前导出、
保存在系统之外的检查点。设置了 LANTAI_AUDIT_CERT 时，由其他证书签名的检查点会被报告。
checkpoint create：立即对链头签名。checkpoint export：以 JSON 导出全部检查点，供系统外保存。

options 选项:
  --checkpoints FILE  an export of lantai audit checkpoint export 先前导出的检查点文件
  --out FILE          write the export here 导出到该文件
  --json              print the result as JSON 以 JSON 输出结果

exit status 退出码: 0 the trail is intact 日志完好（checkpoint: done 完成）, 1 a break or a bad checkpoint
was found 发现断链或无效检查点, 2 usage error, configuration or data directory problem 用法、配置或数据目录错误.`

function render (r: VerifyReport): string {
  const lines: string[] = []
  if (r.firstBreak !== null) lines.push(`AUDIT_ROW_${r.firstBreak.kind.toUpperCase()} row ${r.firstBreak.seq}: ${r.firstBreak.message}`)
  for (const p of r.checkpointProblems) lines.push(`AUDIT_CHECKPOINT_${p.kind.toUpperCase().replace(/-/g, '_')} checkpoint ${p.seq}: ${p.message}`)
  for (const w of r.warnings) lines.push(`warning: ${w}`)
  lines.push(r.ok
    ? `audit trail intact 审计日志完好: ${r.rows} rows, head ${r.head?.hash ?? '-'}, ${r.checkpoints.total} checkpoints (${r.checkpoints.signed} signed)`
    : `audit trail NOT intact 审计日志已被篡改: ${r.rows} rows verified before the first break`)
  return lines.join('\n') + '\n'
}

async function readExport (file: string): Promise<AuditCheckpoint[]> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { checkpoints?: unknown }
    if (!Array.isArray(parsed.checkpoints)) throw new Error('no "checkpoints" array')
    return parsed.checkpoints as AuditCheckpoint[]
  } catch (err) {
    throw new LantaiError('AUDIT_CHECKPOINTS_INVALID', `${file}: ${(err as Error).message}`, { file }, { cause: err })
  }
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the hash-chained audit trail; sign and export its checkpoints',
  summaryZh: '校验哈希链审计日志；签署并导出检查点',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false }, checkpoints: { type: 'string' }, out: { type: 'string' } })
    const [verb, sub] = positionals
    const isVerify = verb === 'verify' && positionals.length === 1
    const isCheckpoint = verb === 'checkpoint' && (sub === 'create' || sub === 'export') && positionals.length === 2
    if (!isVerify && !isCheckpoint) throw new UsageError('subcommands: audit verify | audit checkpoint create | audit checkpoint export', '子命令：audit verify | audit checkpoint create | audit checkpoint export')
    const config = loadConfig()
    const exported = values.checkpoints === undefined ? undefined : await readExport(values.checkpoints)
    const runtime = await openRuntime(config, { mode: 'existing' })
    try {
      if (isVerify) {
        const centerFingerprint = config.auditCert === null ? null : new X509Certificate(await readFile(config.auditCert)).fingerprint256
        const report = await verifyTrail(runtime.catalogue.audit, { exported, centerFingerprint })
        process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : render(report))
        return report.ok ? 0 : 1
      }
      if (sub === 'create') {
        const cp = await runtime.audit.checkpoint()
        process.stdout.write(cp === null ? 'the audit trail is empty: nothing to sign 审计日志为空\n' : `checkpoint ${cp.seq} ${cp.headHash} (${cp.algorithm})\n`)
        return 0
      }
      const checkpoints = await runtime.catalogue.audit.checkpoints()
      const text = JSON.stringify({ format: 'lantai-audit-checkpoints-v1', exportedAt: new Date().toISOString(), checkpoints }, null, 2) + '\n'
      if (values.out === undefined) process.stdout.write(text)
      else await writeFile(values.out, text, { flag: 'w' })
      return 0
    } finally {
      await runtime.close()
    }
  }
}
