import { loadConfig } from '../../config.js'
import { runDrill } from '../../drills/drill.js'
import { verifyReport } from '../../drills/report.js'
import { chooseTarget } from '../../drills/target.js'
import { LantaiError } from '../../errors.js'
import { findNode } from '../../recovery/find-node.js'
import { openNodeStore } from '../../replication/index.js'
import { checkpointSignerOf, openRuntime } from '../../runtime.js'
import { intOption, parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai drill run [--sample N] [--target NODE] [--json]
       lantai drill verify ID
用法:  lantai drill run [--sample 数量] [--target 节点] [--json]
       lantai drill verify 编号

run: restores a sample of packages (least recently drilled first) from one node into a clean
temporary location, validates every object, its digests against the catalogue and its BagIt export,
and prints RTO (time to restore) and RPO (the node's replication lag). The report is signed with the
center's key (LANTAI_AUDIT_KEY, LANTAI_AUDIT_CERT), kept as an event and shown at GET /v1/drills.
verify: checks a kept report's signature against the certificate it carries.
run：从一个节点将抽样的数据包（最久未演练者优先）恢复到干净的临时位置，校验每个对象、其与目录库一致的摘要
及其 BagIt 导出，并输出 RTO（恢复用时）和 RPO（该节点的复制滞后）。报告以中心密钥签名，记为事件，
可在 GET /v1/drills 查看。verify：按报告所附证书核验其签名。

options 选项:
  --sample N      packages to restore (default 3) 抽样数量（默认 3）
  --target NODE   the node to restore from (default: the first active node that is not the primary)
                  恢复来源节点（默认：第一个非主节点的在用节点）
  --json          print the report as JSON 以 JSON 输出报告

exit status 退出码: 0 passed 通过, 1 failed (a package did not restore whole) 未通过,
2 usage, configuration or an unreachable node 用法、配置错误或节点无法访问.`

export const drillCommand: Command = {
  name: 'drill',
  summary: 'DR drills: restore a sample from a node and measure RTO/RPO (`drill run`), check a report (`drill verify`)',
  summaryZh: '灾备演练：从节点恢复抽样并测量 RTO/RPO（`drill run`），核验报告（`drill verify`）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { sample: { type: 'string' }, target: { type: 'string' }, json: { type: 'boolean', default: false } })
    const [sub, id, ...rest] = positionals
    if (sub !== 'run' && sub !== 'verify') throw new UsageError('give a subcommand: run or verify', '请给出子命令：run 或 verify')
    const config = loadConfig()
    const runtime = await openRuntime(config, { mode: 'existing' })
    try {
      if (sub === 'verify') {
        if (id === undefined || rest.length > 0) throw new UsageError('give one drill id', '请给出一个演练编号')
        const drill = await runtime.catalogue.drills.get(id)
        if (drill === null) throw new LantaiError('DRILL_NOT_FOUND', id, { id })
        const check = verifyReport(drill.report, drill)
        process.stdout.write(`drill ${id}: signature ${check} (${drill.algorithm}) 签名${check === 'valid' ? '有效' : check === 'unsigned' ? '未签名' : '无效'}\n`)
        return check === 'valid' ? 0 : 1
      }
      if (id !== undefined) throw new UsageError('drill run takes no positional argument', 'drill run 不接受位置参数')
      const sample = intOption(values.sample, 'sample') ?? 3
      const target = values.target ?? (await chooseTarget(runtime.catalogue))?.id
      if (target === undefined) throw new UsageError('no node to drill: give --target NODE', '没有可演练的节点：请用 --target 指定')
      const node = await findNode(target, { catalogue: runtime.catalogue, policiesDir: config.policiesDir, env: process.env })
      const { store, close } = openNodeStore(node, { secretOf: name => process.env[name], dataDir: config.dataDir })
      try {
        const signer = checkpointSignerOf(config)
        const { drill, report } = await runDrill({ catalogue: runtime.catalogue, source: store, node: node.id, sample, scratch: runtime.scratchRoot, pool: runtime.pool, signer, agent: 'cli' })
        if (values.json) process.stdout.write(JSON.stringify({ ...report, algorithm: drill.algorithm, signature: drill.signature }, null, 2) + '\n')
        else {
          process.stdout.write(`drill ${drill.id} on ${drill.nodeId}: ${drill.outcome.toUpperCase()}, ${report.sample} packages\n`)
          process.stdout.write(`RTO ${report.rtoMs} ms; RPO ${report.rpoMs === null ? '0 (every version verified on the node)' : `${report.rpoMs} ms`}\n`)
          process.stdout.write(`演练 ${drill.outcome === 'passed' ? '通过' : '未通过'}；RTO ${report.rtoMs} 毫秒；RPO ${report.rpoMs ?? 0} 毫秒；报告${drill.algorithm === 'none' ? '未签名（未配置 LANTAI_AUDIT_KEY）' : `已签名（${drill.algorithm}）`}\n`)
          for (const p of report.packages) {
            const why = [...p.ocflErrors, ...p.digestMismatches.map(d => `DIGEST ${d}`), ...p.bag.errors.map(e => `BAG ${e}`)]
            process.stdout.write(`  ${p.outcome === 'passed' ? 'ok    ' : 'FAILED'} ${p.projectCode} v${p.restoredHead ?? '-'}/${p.head} ${p.files} files ${p.ms} ms${why.length === 0 ? '' : ': ' + why.join('; ')}\n`)
          }
        }
        return drill.outcome === 'passed' ? 0 : 1
      } finally {
        close()
      }
    } finally {
      await runtime.close()
    }
  }
}
