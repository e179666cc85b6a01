import t from 'tap'
import { decidePaper, type DecisionInput } from '../../src/seals/decision.js'
import { emptyEvidence, type FileVerification, type SignatureReport } from '../../src/seals/report.js'

// research-seals.md §6, case by case. The decision is a pure function of verification results, so its
// table is tested here on reports as verifiers produce them; test/seals/{cms,pdf,ofd}.test.ts and
// test/cli/seals.test.ts reach the same rules from real signed files.

const sig = (over: Partial<SignatureReport> = {}): SignatureReport => ({
  kind: 'pades', id: 'Signature1', format: 'PAdES-BASELINE-T', indication: 'TOTAL_PASSED', subIndication: null,
  reasons: [], warnings: [], digestAlgorithm: 'sha256', signatureAlgorithm: 'RSA', signer: null, chain: [], anchor: null,
  claimedSigningTime: null, bestSignatureTime: '2026-01-01T00:00:00Z', validationTime: '2026-11-24T00:00:00Z',
  revocation: [], timestamps: [], scope: { wholeDocument: true, description: 'whole file' }, ...over
})
const file = (signatures: SignatureReport[], originHints: string[] = []): FileVerification => ({ format: 'pdf', signatures, evidence: emptyEvidence(), originHints })
const decide = (v: FileVerification, extra: Partial<DecisionInput> = {}) => decidePaper({ verification: v, archivalFormat: true, ...extra })

t.test('R1: a born-digital PDF/A with a TOTAL_PASSED signature over the whole document waives paper', async t => {
  t.match(decide(file([sig()])), { outcome: 'paper_waived', rule: 'R1', provisional: false, integrityAlert: false })
})

t.test('R1 needs an archival format', async t => {
  t.match(decide(file([sig()]), { archivalFormat: false }), { outcome: 'dual_set', reason: /archival format/ })
})

t.test('R1 needs the signature to cover the final document', async t => {
  const later = sig({ scope: { wholeDocument: false, description: 'revision 1 of 2', laterChanges: ['annotation'] } })
  t.match(decide(file([later])), { outcome: 'dual_set', reason: /do not cover the final document/ })
})

t.test('R0: a scan is dual set even when its signature passes', async t => {
  t.match(decide(file([sig()]), { declaredOrigin: 'digitized' }), { outcome: 'dual_set', rule: 'R0' })
  t.match(decide(file([sig()], ['Producer: ScanSnap Manager'])), { outcome: 'dual_set', rule: 'R0', reason: /ScanSnap/ })
  t.match(decide(file([sig()], ['Producer: ScanSnap Manager']), { declaredOrigin: 'born-digital' }), { outcome: 'paper_waived' }, 'a declaration outranks a heuristic')
})

t.test('R3: any TOTAL_FAILED signature raises an integrity alert, and paper is required', async t => {
  const d = decide(file([sig(), sig({ id: 'Signature2', indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })]))
  t.match(d, { outcome: 'paper_required', rule: 'R3', integrityAlert: true, reason: /Signature2: HASH_FAILURE/ })
  t.match(decide(file([sig({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' })]), { declaredOrigin: 'digitized' }), { outcome: 'dual_set', rule: 'R0', integrityAlert: true })
})

t.test('R4: INDETERMINATE is dual set, provisional, for review when trust or revocation data arrives', async t => {
  for (const sub of ['NO_CERTIFICATE_CHAIN_FOUND', 'REVOKED_NO_POE', 'OUT_OF_BOUNDS_NO_POE', 'TRY_LATER'] as const) {
    t.match(decide(file([sig({ indication: 'INDETERMINATE', subIndication: sub })])), { outcome: 'dual_set', rule: 'R4', provisional: true, reason: new RegExp(sub) }, sub)
  }
})

t.test('R4 does not hold back a file that also has a whole-document pass', async t => {
  t.match(decide(file([sig({ id: 'old', indication: 'INDETERMINATE', subIndication: 'TRY_LATER' }), sig()])), { outcome: 'paper_waived' })
})

t.test('R5: no signature at all is dual set', async t => {
  t.match(decide(file([])), { outcome: 'dual_set', rule: 'R5', provisional: false })
})

t.test('a document timestamp alone proves existence, not a seal: it never waives paper', async t => {
  const ts = sig({ id: 'DocTimeStamp1', format: 'RFC3161', documentTimestamp: true })
  t.match(decide(file([ts])), { outcome: 'dual_set', rule: 'R5', reason: /document timestamp/ })
  t.match(decide(file([sig(), ts])), { outcome: 'paper_waived', rule: 'R1' })
})
