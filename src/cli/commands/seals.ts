import { join, resolve } from 'node:path'
import { loadConfig } from '../../config.js'
import { openDataCatalogue } from '../data-dir.js'
import { createLogger } from '../../logger.js'
import { OcflObjectReader } from '../../ocfl/index.js'
import { Revalidation } from '../../preservation/revalidate.js'
import { LocalBlobStore } from '../../storage/index.js'
import { emptyTrustStore, loadTrustDir, loadTrustStore, verifyFile, type FileSealReport } from '../../seals/index.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai seals verify <file> [--trust DIR] [--json] [--origin born-digital|digitized] [--at TIME]
       lantai seals revalidate <package-id> [--json]
       lantai seals revalidate --review [--json]

Verifies every electronic seal and signature in a file — PDF (PAdES), OFD (SES seals, SM2/SM3), or a
CMS/PKCS#7 .p7s (detached over the file without .p7s, or enveloping) — against the trusted roots and
seal-making systems in --trust (default ./certs), with the revocation data found there and in the
signature, and decides about paper (research-seals.md §6):
  paper_waived    a born-digital PDF/A or OFD with a seal that passed over the whole final document
  dual_set        scans of paper, unsigned files, and seals that could not be verified yet (provisional)
  paper_required  a seal failed: the file may have been changed after signing (integrity alert)

options:
  --trust DIR      trust configuration: DIR/roots, DIR/seal-makers, DIR/revocation (see certs/README.md)
  --origin KIND    what the submitter declared: born-digital or digitized (数字化)
  --at TIME        validate as of this ISO time instead of now
  --json           print the full report (signatures, chains, revocation, timestamps, decision)

exit status: 0 every signature TOTAL_PASSED, 1 a signature failed or is indeterminate, or none was
found, 2 usage error or a file that cannot be read.

seals revalidate re-checks the seals of a stored package's latest version in the data directory
LANTAI_DATA against the trust store as it is now (LANTAI_TRUST, default ./certs), records the new
decisions and a seals.revalidated event, and prints what changed. --review does so for every package
with a provisional decision (the review queue, rule R4). Runs beside a running service.
exit status: 0 done, 1 an integrity alert, 2 usage error.`

export const sealsCommand: Command = {
  name: 'seals',
  summary: 'verify the electronic seals and signatures of a file and decide about paper',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      trust: { type: 'string' }, json: { type: 'boolean', default: false }, origin: { type: 'string' }, at: { type: 'string' }, review: { type: 'boolean', default: false }
    })
    if (positionals[0] === 'revalidate') return await revalidate(positionals.slice(1), values.json === true, values.review === true)
    if (positionals[0] !== 'verify' || positionals.length !== 2) throw new UsageError('usage: lantai seals verify <file> | lantai seals revalidate <package-id>')
    const origin = values.origin
    if (origin !== undefined && origin !== 'born-digital' && origin !== 'digitized') throw new UsageError('--origin is born-digital or digitized')
    const at = values.at === undefined ? undefined : new Date(values.at)
    if (at !== undefined && Number.isNaN(at.getTime())) throw new UsageError(`--at is an ISO time, not ${JSON.stringify(values.at)}`)
    const trustDir = resolve(values.trust ?? 'certs')
    const trust = values.trust === undefined ? await loadTrustStore(trustDir).catch(() => emptyTrustStore()) : await loadTrustStore(trustDir)
    const report = await verifyFile(positionals[1] as string, { trust, validationTime: at, declaredOrigin: origin })
    process.stdout.write((values.json ? JSON.stringify(reportJson(report), null, 2) : reportText(positionals[1] as string, report)) + '\n')
    const all = report.signatures.length > 0 && report.signatures.every(s => s.indication === 'TOTAL_PASSED')
    return all ? 0 : 1
  }
}

async function revalidate (ids: string[], json: boolean, review: boolean): Promise<number> {
  if (review === (ids.length === 1) || ids.length > 1) throw new UsageError('usage: lantai seals revalidate <package-id> | lantai seals revalidate --review')
  const config = loadConfig()
  const catalogue = openDataCatalogue(config)
  try {
    const revalidation = new Revalidation({
      catalogue,
      reader: new OcflObjectReader(new LocalBlobStore(join(config.dataDir, 'store'))),
      loadTrust: async () => await loadTrustDir(config.trustDir),
      scratchRoot: join(config.dataDir, 'scratch'),
      log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
    })
    const targets = review ? catalogue.sealDecisions.packagesAwaitingReview() : ids
    for (const id of targets) if (catalogue.packages.get(id) === null) throw new UsageError(`no package ${id}`)
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
    catalogue.close()
  }
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
