// Part 5 of `npm run bench`: seal checks on a submission of 1,000 signed PDFs. The PDFs are written and
// signed by the test code (test/fixtures/pdf.ts: `openssl cms -sign`, `openssl ts` for PAdES-T) with the
// test PKI of scripts/make-test-pki.sh; the trust store is that PKI's root, intermediate, CRLs and OCSP
// response, loaded from a certs/-style directory by loadTrustStore. Our side is checkSeals, the seal stage
// of ingest, with the service's verifier pool (one worker thread) in a child (bench/seals-run.ts); the
// peer is `openssl cms -verify` once per signature over the same CMS and signed bytes, with the same root
// and CRLs; sha256sum over the PDFs is the floor (reading).
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { buildTestPki, TestPdf } from '../test/fixtures/pdf.js'
import { median, progress, REPO, run, sh, warm } from './util.js'

export const SEAL_FILES = 1000
/** Filler per PDF: 100 KB ±80%, so the files are 20–180 KB plus the page and signatures. */
const MEAN_FILLER = 100_000

export interface SealsRun {
  files: number
  signatures: number
  passed: number
  paperWaived: number
  ms: number
  /** The main thread's event-loop utilization while checkSeals ran (verification is in the pool's worker). */
  mainThreadBusy: number
  maxRssMB: number
  wallMs: number
  problems: string[]
}

export interface SealsOutcome {
  files: number
  signatures: number
  timestamped: number
  bytes: number
  runs: SealsRun[]
  /** `openssl cms -verify` per signature, all of them, one after another. */
  peerMs: number[]
  /** sha256sum over the same PDFs. */
  floorMs: number[]
  /** How long making the PKI and the PDFs took (not part of any timing). */
  buildMs: number
}

interface Layout { submission: string, trust: string, peerScript: string, peerDir: string, files: number, signatures: number, timestamped: number, bytes: number }

async function build (root: string, count: number): Promise<Layout> {
  const dir = join(root, 'seals')
  const submission = join(dir, 'submission')
  const trust = join(dir, 'trust')
  const peerDir = join(dir, 'peer')
  await mkdir(join(trust, 'roots'), { recursive: true })
  await mkdir(join(trust, 'revocation'), { recursive: true })
  await mkdir(peerDir, { recursive: true })

  progress('seals: making the test PKI (scripts/make-test-pki.sh)')
  const pkiDir = join(dir, 'pki')
  await mkdir(pkiDir)
  const pki = buildTestPki(pkiDir)
  // certs/README.md layout: roots/ are anchors; revocation/ holds intermediates, CRLs and OCSP responses
  await writeFile(join(trust, 'roots', 'root.der'), pki.der('certs/root.der'))
  await writeFile(join(trust, 'revocation', 'inter.der'), pki.der('certs/inter.der'))
  await writeFile(join(trust, 'revocation', 'inter.crl'), pki.der('crl/inter.crl'))
  await writeFile(join(trust, 'revocation', 'root.crl'), pki.der('crl/root.crl'))
  await writeFile(join(trust, 'revocation', 'seal.ocsp'), pki.der('ocsp/seal.ocsp'))
  // openssl reads CRLs from the CAfile as well: the same root and CRLs as our trust store
  await sh(`cat certs/root.pem crl/root.crl.pem crl/inter.crl.pem > '${join(peerDir, 'ca.pem')}'`, pkiDir)

  // Every 5th file has a second signature (the ECDSA seal), every 10th first signature is PAdES-T.
  const weights = Array.from({ length: count }, () => 0.2 + Math.random() * 1.6)
  const peerLines = ['exec 2>/dev/null', 'set -e']
  let signatures = 0
  let timestamped = 0
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const sub = `d${String(Math.floor(i / 100)).padStart(2, '0')}`
    if (i % 100 === 0) await mkdir(join(submission, sub), { recursive: true })
    const pdf = new TestPdf({ pdfa: true, filler: Math.floor((weights[i] ?? 1) * MEAN_FILLER) })
    pdf.sign(pki, i % 10 === 0 ? { signatureTimestamp: 'valid' } : {})
    if (i % 5 === 4) pdf.sign(pki, { signer: 'sealec' })
    const name = `f${String(i).padStart(4, '0')}.pdf`
    await writeFile(join(submission, sub, name), pdf.bytes)
    bytes += pdf.bytes.length
    for (const [k, s] of pdf.signed.entries()) {
      const base = `${String(i).padStart(4, '0')}-${k + 1}`
      await writeFile(join(peerDir, `${base}.p7s`), s.cms)
      await writeFile(join(peerDir, `${base}.bin`), s.signedBytes)
      // -cades: also check the ESS signing-certificate-v2 binding, as cms.ts does
      peerLines.push(`openssl cms -verify -binary -cades -inform DER -in ${base}.p7s -content ${base}.bin -CAfile ca.pem -purpose any -crl_check_all -out /dev/null`)
      signatures++
      if (s.timestamp !== undefined) timestamped++
    }
    if ((i + 1) % 50 === 0) progress(`seals: ${i + 1} of ${count} signed PDFs written`)
  }
  const peerScript = join(peerDir, 'verify.sh')
  await writeFile(peerScript, peerLines.join('\n') + '\n')
  await rm(pkiDir, { recursive: true, force: true })
  return { submission, trust, peerScript, peerDir, files: count, signatures, timestamped, bytes }
}

export async function benchSeals (root: string, runs: number, count = SEAL_FILES): Promise<SealsOutcome> {
  const started = performance.now()
  const layout = await build(root, count)
  const buildMs = Math.round(performance.now() - started)
  progress('seals: warming the page cache')
  await warm(layout.submission)
  await warm(layout.peerDir)
  const results: SealsRun[] = []
  const peerMs: number[] = []
  const floorMs: number[] = []
  for (let r = 1; r <= runs; r++) {
    progress(`seals: checkSeals, run ${r} of ${runs}`)
    const t0 = performance.now()
    const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'seals-run.ts'), layout.submission, layout.trust], REPO)
    const wallMs = Math.round(performance.now() - t0)
    results.push({ ...(JSON.parse(out.trim().split('\n').pop() ?? '') as Omit<SealsRun, 'wallMs'>), wallMs })
    progress(`seals: peer openssl cms -verify × ${layout.signatures}, run ${r} of ${runs}`)
    const t1 = performance.now()
    await run('sh', [layout.peerScript], layout.peerDir, true)
    peerMs.push(Math.round(performance.now() - t1))
    progress(`seals: sha256sum, run ${r} of ${runs}`)
    const t2 = performance.now()
    await sh('find . -type f -print0 | xargs -0 sha256sum > /dev/null', layout.submission)
    floorMs.push(Math.round(performance.now() - t2))
  }
  await rm(join(root, 'seals'), { recursive: true, force: true })
  return { files: layout.files, signatures: layout.signatures, timestamped: layout.timestamped, bytes: layout.bytes, runs: results, peerMs, floorMs, buildMs }
}

/** The bench fails when a good signature is not TOTAL_PASSED or a good file does not get paper waived. */
export const sealsWrong = (o: SealsOutcome): boolean =>
  o.runs.some(r => r.files !== o.files || r.signatures !== o.signatures || r.passed !== o.signatures || r.paperWaived !== o.files)

export function sealsRows (o: SealsOutcome): string[][] {
  const ms = median(o.runs.map(r => r.ms))
  const peer = median(o.peerMs)
  const floor = median(o.floorMs)
  const rate = (n: number, t: number): string => (n / (t / 1000)).toFixed(0)
  const worst = o.runs.reduce((a, b) => (b.passed < a.passed ? b : a))
  const busy = Math.max(...o.runs.map(r => r.mainThreadBusy))
  return [[
    'checkSeals (child)', String(ms), String(median(o.runs.map(r => r.wallMs))), rate(o.signatures, ms), rate(o.files, ms),
    String(Math.max(...o.runs.map(r => r.maxRssMB))), `${(busy * 100).toFixed(0)}%`, '1.00',
    worst.passed === o.signatures && worst.paperWaived === o.files
      ? `${o.signatures} TOTAL_PASSED, ${o.files} paper waived`
      : `${o.signatures - worst.passed} NOT passed, ${worst.paperWaived} waived: ${worst.problems.slice(0, 3).join(' | ')}`
  ], [
    'openssl cms -verify', String(peer), '', rate(o.signatures, peer), rate(o.files, peer), '', '', (peer / ms).toFixed(2), `${o.signatures} verified`
  ], [
    'sha256sum (floor)', String(floor), '', '', rate(o.files, floor), '', '', (floor / ms).toFixed(2), ''
  ]]
}
