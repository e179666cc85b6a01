import { join, resolve } from 'node:path'
import { loadConfig } from '../../config.js'
import { createLogger } from '../../logger.js'
import { Revalidation } from '../../preservation/revalidate.js'
import { openRuntime } from '../../runtime.js'
import {
  addToTrustDir, emptyTrustStore, loadTrustStore, readCertificateFile, verifyFile, type FileSealReport
} from '../../seals/index.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai seals verify <file> [--trust DIR] [--json] [--origin born-digital|digitized] [--at TIME]
       lantai seals revalidate <package-id> [--json]
       lantai seals revalidate --review [--json]
       lantai seals trust add <file.p12|.pfx|.pem|.cer|.der> [--password-env VAR] [--trust DIR] [--seal-maker]
用法:  lantai seals verify <文件> | seals revalidate <数据包编号> | seals revalidate --review | seals trust add <证书文件>

Verifies every electronic seal and signature in a file — PDF (PAdES), OFD (SES seals, SM2/SM3), or a
CMS/PKCS#7 signature, known by its bytes under any name (detached: over the file of the same name
without .p7s/.p7m/.p7/.pkcs7/.cms; or enveloping) — against the trusted roots and
seal-making systems in --trust (default ./certs), with the revocation data found there and in the
signature, and decides about paper (research-seals.md §6):
  paper_waived    a born-digital PDF/A or OFD with a seal that passed over the whole final document
  dual_set        scans of paper, unsigned files, and seals that could not be verified yet (provisional)
  paper_required  a seal failed: the file may have been changed after signing (integrity alert)
验证文件（PDF 的 PAdES、OFD 的 SES 电子印章（SM2/SM3）、按字节识别的 CMS/PKCS#7 签名）中的每个电子印章和签名，
对照 --trust 中的受信根证书和制章系统及其吊销数据，并作出纸质件决定：paper_waived 免交纸质件（原生电子
PDF/A 或 OFD，印章覆盖最终全文且验证通过）；dual_set 双套制（纸质扫描件、未签名文件、暂无法验证的印章，为临时决定）；
paper_required 须交纸质件（印章验证失败：文件可能在签署后被改动，发出完整性警报）。

options 选项:
  --trust DIR      trust configuration: DIR/roots, DIR/seal-makers, DIR/revocation (see certs/README.md)
  --origin KIND    what the submitter declared: born-digital or digitized (数字化)
  --at TIME        validate as of this ISO time instead of now
  --json           print the full report (signatures, chains, revocation, timestamps, decision)
                   信任配置目录；提交方声明的来源；按该时间验证；以 JSON 输出完整报告

exit status: 0 every signature TOTAL_PASSED, 1 a signature failed or is indeterminate, or none was
found, 2 usage error or a file that cannot be read.
退出码: 0 全部签名通过，1 有签名失败、无法确定或没有签名，2 用法错误或文件不可读。

seals revalidate re-checks the seals of a stored package's latest version in the data directory
LANTAI_DATA against the trust store as it is now (LANTAI_TRUST, default ./certs), records the new
decisions and a seals.revalidated event, and prints what changed. --review does so for every package
with a provisional decision (the review queue, rule R4). Runs beside a running service.
exit status: 0 done, 1 an integrity alert, 2 usage error.
seals revalidate 按当前信任库重新验证数据目录中已存数据包最新版本的印章，记录新的决定和 seals.revalidated 事件并列出变化；
--review 对所有临时决定的数据包（复核队列，规则 R4）执行。退出码: 0 完成，1 有完整性警报，2 用法错误。

seals trust add copies the certificates of a PKCS#12 key store (.p12/.pfx, as a center receives its seal
key; its password from the environment variable named by --password-env, else empty) or of a PEM/DER
certificate file into the trust directory (--trust, default ./certs), as DER named by sha256: a
self-signed certificate into roots/ (a trust anchor), the others into revocation/ (they help build
paths), or all into seal-makers/ with --seal-maker. A private key is never copied. Prints one line per
certificate. exit status: 0 done, 2 usage error or a file that cannot be read (a wrong password).
seals trust add 把 PKCS#12 密钥库（.p12/.pfx，口令取自 --password-env 指定的环境变量）或 PEM/DER 证书文件中的证书
（绝不复制私钥）以 sha256 命名的 DER 文件放入信任目录：自签名证书放入 roots/，其他放入 revocation/，加 --seal-maker 则全部放入
seal-makers/。退出码: 0 完成，2 用法错误或文件不可读（如口令错误）。`

export const sealsCommand: Command = {
  name: 'seals',
  summary: 'verify the electronic seals and signatures of a file and decide about paper',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      trust: { type: 'string' }, json: { type: 'boolean', default: false }, origin: { type: 'string' }, at: { type: 'string' }, review: { type: 'boolean', default: false },
      'password-env': { type: 'string' }, 'seal-maker': { type: 'boolean', default: false }
    })
    if (positionals[0] === 'revalidate') return await revalidate(positionals.slice(1), values.json === true, values.review === true)
    if (positionals[0] === 'trust') return await trustAdd(positionals.slice(1), values.trust, values['password-env'], values['seal-maker'] === true)
    if (positionals[0] !== 'verify' || positionals.length !== 2) throw new UsageError('usage: lantai seals verify <file> | lantai seals revalidate <package-id>', '用法：lantai seals verify <文件> | lantai seals revalidate <数据包编号>')
    const origin = values.origin
    if (origin !== undefined && origin !== 'born-digital' && origin !== 'digitized') throw new UsageError('--origin is born-digital or digitized', '--origin 只能是 born-digital（原生电子）或 digitized（数字化）')
    const at = values.at === undefined ? undefined : new Date(values.at)
    if (at !== undefined && Number.isNaN(at.getTime())) throw new UsageError(`--at is an ISO time, not ${JSON.stringify(values.at)}`, `--at 须为 ISO 时间，而不是 ${JSON.stringify(values.at)}`)
    const trustDir = resolve(values.trust ?? 'certs')
    const trust = values.trust === undefined ? await loadTrustStore(trustDir).catch(() => emptyTrustStore()) : await loadTrustStore(trustDir)
    const report = await verifyFile(positionals[1] as string, { trust, validationTime: at, declaredOrigin: origin })
    process.stdout.write((values.json ? JSON.stringify(reportJson(report), null, 2) : reportText(positionals[1] as string, report)) + '\n')
    const all = report.signatures.length > 0 && report.signatures.every(s => s.indication === 'TOTAL_PASSED')
    return all ? 0 : 1
  }
}

async function revalidate (ids: string[], json: boolean, review: boolean): Promise<number> {
  if (review === (ids.length === 1) || ids.length > 1) throw new UsageError('usage: lantai seals revalidate <package-id> | lantai seals revalidate --review', '用法：lantai seals revalidate <数据包编号> | lantai seals revalidate --review')
  const config = loadConfig()
  const runtime = await openRuntime(config, { mode: 'existing' })
  const { catalogue } = runtime
  try {
    const revalidation = new Revalidation({
      catalogue,
      // a package may hold thousands of signed files: checked on worker threads as in the service
      sealVerifier: runtime.sealVerifier,
      reader: runtime.reader,
      loadTrust: async () => await runtime.loadTrust(),
      scratchRoot: runtime.scratchRoot,
      log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
    })
    const targets = review ? await catalogue.sealDecisions.packagesAwaitingReview() : ids
    for (const id of targets) if (await catalogue.packages.get(id) === null) throw new UsageError(`no package ${id}`, `没有数据包 ${id}`)
    const results = []
    for (const id of targets) results.push(await revalidation.run(id, { agent: 'cli' }))
    if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n')
    else {
      if (results.length === 0) process.stdout.write('no package has a provisional decision\n')
      for (const r of results) {
        const s = r.summary
        process.stdout.write(`${r.packageId} v${r.version}: checked ${r.checked} files; ${s.paperWaived} paper waived, ${s.dualSet} dual set, ${s.paperRequired} paper required, ${s.reviewQueue.length} provisional, ${s.integrityAlerts.length} integrity alerts\n`)
        for (const c of r.changed) process.stdout.write(`  ${c.path}: ${c.from} -> ${c.to} (${c.rule}) ${c.reason}\n`)
      }
    }
    return results.some(r => r.summary.integrityAlerts.length > 0) ? 1 : 0
  } finally {
    await runtime.close()
  }
}

async function trustAdd (args: string[], trust: string | undefined, passwordEnv: string | undefined, sealMaker: boolean): Promise<number> {
  if (args[0] !== 'add' || args.length !== 2) throw new UsageError('usage: lantai seals trust add <file.p12|.pfx|.pem|.cer|.der> [--password-env VAR] [--trust DIR]', '用法：lantai seals trust add <证书文件> [--password-env 变量名] [--trust 目录]')
  const file = args[1] as string
  // the password is named, never given on the command line, where ps and shell history would show it
  const password = passwordEnv === undefined ? '' : process.env[passwordEnv]
  if (password === undefined) throw new UsageError(`--password-env ${passwordEnv ?? ''}: that environment variable is not set`, `--password-env ${passwordEnv ?? ''}：该环境变量未设置`)
  const contents = await readCertificateFile(file, password)
  const dir = resolve(trust ?? 'certs')
  const roles = { root: 'root (trust anchor)', 'seal-maker': 'seal-making system', path: 'path only' }
  for (const a of await addToTrustDir(dir, contents.certificates, { sealMaker })) {
    process.stdout.write(`${a.added ? 'added  ' : 'present'} ${join(dir, a.file)}  ${roles[a.role]}  ${a.subject}\n`)
  }
  if (contents.hasPrivateKey) process.stdout.write(`the private key in ${file} was not copied\n`)
  return 0
}

function reportJson (r: FileSealReport): object {
  const b64 = (list: Uint8Array[]): string[] => list.map(x => Buffer.from(x).toString('base64'))
  return {
    format: r.format, archivalFormat: r.archivalFormat, decision: r.decision, originHints: r.originHints, signatures: r.signatures,
    evidence: { certificates: b64(r.evidence.certificates), crls: b64(r.evidence.crls), ocspResponses: b64(r.evidence.ocspResponses), timestamps: b64(r.evidence.timestamps) }
  }
}

function reportText (file: string, r: FileSealReport): string {
  const d = r.decision
  const lines = [`${d.outcome.toUpperCase()} (${d.rule}${d.provisional ? ', provisional' : ''}${d.integrityAlert ? ', INTEGRITY ALERT' : ''})  ${file}  [${r.format}${r.archivalFormat ? ', archival format' : ''}]`, `  ${d.reason}`]
  if (r.signatures.length === 0) lines.push('  no seal or signature found')
  for (const s of r.signatures) {
    lines.push('', `  ${s.indication}${s.subIndication === null ? '' : `/${s.subIndication}`}  ${s.kind} ${s.id} (${s.format})`)
    if (s.seal !== undefined) lines.push(`    seal: ${s.seal.name} [${s.seal.esId}] ${s.seal.version}, maker signature ${s.seal.makerSignatureValid ? 'valid' : 'INVALID'}`)
    if (s.signer !== null) lines.push(`    signer: ${s.signer.subject}`)
    if (s.anchor !== null) lines.push(`    anchor: ${s.anchor.subject}`)
    lines.push(`    scope: ${s.scope.description}${s.scope.wholeDocument ? '' : ' (NOT the whole document)'}`)
    lines.push(`    best signature time: ${s.bestSignatureTime}${s.timestamps.length > 0 ? ` (timestamp by ${s.timestamps[0]?.tsa ?? '?'})` : ''}`)
    for (const rev of s.revocation) lines.push(`    revocation: ${rev.source} ${rev.status}${rev.revocationTime === undefined ? '' : ` since ${rev.revocationTime}`}`)
    for (const reason of s.reasons) lines.push(`    ! ${reason}`)
    for (const w of s.warnings) lines.push(`    warning: ${w}`)
  }
  return lines.join('\n')
}
