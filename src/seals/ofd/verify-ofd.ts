// OFD electronic seals (电子签章): GB/T 33190 placement, GB/T 38540 / GM/T 0031 SES_Signature values, and
// GB/T 35275 SignedData for Type="Sign". Procedure and its evidence: research-seals.md §3.2–3.3. Every check runs and every failure is kept
// as a reason; the indication is the worst of them (TOTAL_FAILED before INDETERMINATE).
import { createHash } from 'node:crypto'
import { LantaiError } from '../../errors.js'
import { blankReport, DEFAULT_VERIFY_LIMITS, emptyEvidence, type Evidence, type FileVerification, type Indication, type SignatureReport, type SubIndication, type VerifyLimits } from '../report.js'
import { verifyCms } from '../cms.js'
import { addEvidence, validateCertificatePath } from '../path.js'
import { sm2Verify, sm2VerifyRaw, sm2Za, sm3 } from '../sm2.js'
import { verifyTimestampToken } from '../timestamp.js'
import type { TrustStore } from '../trust.js'
import { OID_GM_SIGNED_DATA, OID_SM3_WITH_SM2, bytesEqual, errorText } from '../x509.js'
import { readCert, sm2KeyOf } from './certs.js'
import { ContainerError, dirname, openOfdContainer, resolveLoc, type OfdContainer } from './container.js'
import { TAG, checkDepth, children, encodeTlv, parseOne } from './der.js'
import { decodeSesSignature, type SesSignature } from './ses-asn1.js'
import { child, childrenNamed, parseXml, type XmlElement } from './xml.js'

export interface VerifyOfdOptions {
  trust: TrustStore
  validationTime?: Date
  signal?: AbortSignal
  limits?: Partial<VerifyLimits>
}

const MAX_XML_BYTES = 8 * 1024 * 1024
const MAX_SIGNED_VALUE_BYTES = 16 * 1024 * 1024
const MAX_ENTRIES = 20_000

// Reference CheckMethod values seen in the wild, to Node hash names.
const CHECK_METHODS: Record<string, string> = {
  '1.2.156.10197.1.401': 'sm3', sm3: 'sm3',
  '2.16.840.1.101.3.4.2.1': 'sha256', sha256: 'sha256', 'sha-256': 'sha256'
}

/** A signature entry of Signatures.xml and the files that make it up. */
interface SignatureEntry {
  type: string
  /** Signature.xml, resolved. */
  path: string | null
  baseLoc: string
  xml: XmlElement | null
  xmlBytes: Buffer | null
  signedValuePath: string | null
  sealPath: string | null
  problem: string | null
}

/**
 * Verifies every seal of an OFD file. A package that cannot be read safely (not a zip, an escaping
 * or duplicate member, a broken OFD.xml) yields one FORMAT_FAILURE report with id '(package)'; a
 * package without signatures yields no reports (rule R5). Throws LantaiError ABORTED on cancel or timeout.
 */
export async function verifyOfd (file: string, options: VerifyOfdOptions): Promise<FileVerification> {
  const limits: VerifyLimits = { ...DEFAULT_VERIFY_LIMITS, ...options.limits }
  const signals = [AbortSignal.timeout(limits.timeoutMs)]
  if (options.signal !== undefined) signals.push(options.signal)
  const signal = AbortSignal.any(signals)
  const validationTime = options.validationTime ?? new Date()
  const evidence = emptyEvidence()
  const result: FileVerification = { format: 'ofd', signatures: [], evidence, originHints: [] }

  if (signal.aborted) throw new LantaiError('ABORTED', `OFD verification of ${file}`, {}, { cause: signal.reason })
  let container: OfdContainer
  try {
    container = await openOfdContainer(file, { maxFileBytes: limits.maxFileBytes, maxEntries: MAX_ENTRIES, maxUncompressedBytes: 4 * limits.maxFileBytes })
  } catch (err) {
    if (err instanceof ContainerError) {
      result.signatures.push(packageFailure(err.message, validationTime))
      return result
    }
    throw err
  }
  try {
    const entries = await readSignatureEntries(container, signal)
    if (typeof entries === 'string') {
      result.signatures.push(packageFailure(entries, validationTime))
      return result
    }
    const content = contentFiles(container, entries.excluded)
    const list = entries.signatures.slice(0, limits.maxSignatures)
    for (const entry of list) {
      signal.throwIfAborted()
      result.signatures.push(await verifyEntry(container, entry, content, options.trust, validationTime, limits, evidence, signal))
    }
    if (entries.signatures.length > list.length) {
      const extra = packageFailure(`${entries.signatures.length} signatures, over the limit of ${limits.maxSignatures}; the rest were not checked`, validationTime)
      extra.indication = 'INDETERMINATE'
      extra.subIndication = 'POLICY_PROCESSING_ERROR'
      result.signatures.push(extra)
    }
    return result
  } catch (err) {
    if (signal.aborted) throw new LantaiError('ABORTED', `OFD verification of ${file}`, {}, { cause: err })
    if (err instanceof ContainerError) {
      result.signatures.push(packageFailure(err.message, validationTime))
      return result
    }
    throw err
  } finally {
    container.close()
  }
}

async function readXml (container: OfdContainer, name: string, signal: AbortSignal): Promise<{ bytes: Buffer, xml: XmlElement }> {
  const bytes = await container.read(name, MAX_XML_BYTES, signal)
  return { bytes, xml: parseXml(bytes.toString('utf8')) }
}

/** Locates OFD.xml → DocBody → Signatures.xml → Signature.xml (GB/T 33190 §7.4, §18). */
async function readSignatureEntries (container: OfdContainer, signal: AbortSignal): Promise<{ signatures: SignatureEntry[], excluded: Set<string> } | string> {
  if (!container.has('OFD.xml')) return 'the package has no OFD.xml'
  let ofd: XmlElement
  try {
    ofd = (await readXml(container, 'OFD.xml', signal)).xml
  } catch (err) {
    if (signal.aborted) throw err
    return `OFD.xml cannot be read: ${errorText(err)}`
  }
  if (ofd.name !== 'OFD') return `OFD.xml has root <${ofd.name}>, not <OFD>`
  const signatures: SignatureEntry[] = []
  const excluded = new Set<string>()
  for (const body of childrenNamed(ofd, 'DocBody')) {
    const loc = child(body, 'Signatures')?.text.trim()
    if (loc === undefined || loc === '') continue
    const listPath = locate(container, '', loc)
    if (listPath === null) return `Signatures ${JSON.stringify(loc)} named in OFD.xml is not in the package`
    excluded.add(listPath)
    // Brief decision: everything in the signature list's directory (Doc_N/Signs/**) is seal material
    const signsDir = dirname(listPath)
    for (const f of container.files) if (signsDir !== '' && f.startsWith(signsDir + '/')) excluded.add(f)
    let list: XmlElement
    try {
      list = (await readXml(container, listPath, signal)).xml
    } catch (err) {
      if (signal.aborted) throw err
      return `${listPath} cannot be read: ${errorText(err)}`
    }
    for (const sig of childrenNamed(list, 'Signature')) {
      signal.throwIfAborted()
      const entry = await readEntry(container, signsDir, sig, signal)
      for (const p of [entry.path, entry.signedValuePath, entry.sealPath]) if (p !== null) excluded.add(p)
      signatures.push(entry)
    }
  }
  return { signatures, excluded }
}

async function readEntry (container: OfdContainer, signsDir: string, sig: XmlElement, signal: AbortSignal): Promise<SignatureEntry> {
  const baseLoc = sig.attrs.BaseLoc ?? ''
  const entry: SignatureEntry = { type: sig.attrs.Type ?? 'Seal', path: null, baseLoc, xml: null, xmlBytes: null, signedValuePath: null, sealPath: null, problem: null }
  entry.path = locate(container, signsDir, baseLoc)
  if (entry.path === null) {
    entry.problem = `Signature BaseLoc ${JSON.stringify(baseLoc)} is not in the package`
    return entry
  }
  try {
    const { bytes, xml } = await readXml(container, entry.path, signal)
    entry.xmlBytes = bytes
    entry.xml = xml
  } catch (err) {
    if (signal.aborted) throw err
    entry.problem = `${entry.path} cannot be read: ${errorText(err)}`
    return entry
  }
  const dir = dirname(entry.path)
  const signedValue = child(entry.xml, 'SignedValue')?.text.trim() ?? ''
  entry.signedValuePath = signedValue === '' ? null : locate(container, dir, signedValue)
  const sealLoc = child(child(child(entry.xml, 'SignedInfo'), 'Seal'), 'BaseLoc')?.text.trim()
  if (sealLoc !== undefined && sealLoc !== '') entry.sealPath = locate(container, dir, sealLoc)
  return entry
}

/** ST_Loc relative to `dir`; producers also write root paths without the leading "/", so try that too. */
function locate (container: OfdContainer, dir: string, loc: string): string | null {
  const relative = resolveLoc(dir, loc)
  if (relative !== null && container.has(relative)) return relative
  const rooted = resolveLoc('', loc)
  return rooted !== null && container.has(rooted) ? rooted : null
}

/**
 * The files a seal must cover to cover "the document" (rule R1): every member of the package except
 * seal material — the signature lists, everything in their Signs directory, and any Signature.xml,
 * SignedValue.dat or Seal.esl a list points to elsewhere. OFD.xml counts: it names the DocRoot, so an
 * unprotected OFD.xml could point the reader at another document.
 */
function contentFiles (container: OfdContainer, excluded: Set<string>): string[] {
  return container.files.filter(f => !excluded.has(f))
}

interface Finding { indication: Indication, sub: SubIndication, reason: string }

async function verifyEntry (container: OfdContainer, entry: SignatureEntry, content: string[], trust: TrustStore,
  validationTime: Date, limits: VerifyLimits, evidence: Evidence, signal: AbortSignal): Promise<SignatureReport> {
  const report: SignatureReport = {
    ...blankReport('ofd-ses', entry.path ?? entry.baseLoc, entry.type === 'Sign' ? 'GB/T 35275 SignedData' : 'SES', validationTime,
      { wholeDocument: false, description: 'nothing verified', references: [], unreferenced: [] }),
    indication: 'TOTAL_PASSED',
    subIndication: null
  }
  const findings: Finding[] = []
  const add = (indication: Indication, sub: SubIndication, reason: string): void => { findings.push({ indication, sub, reason }) }
  try {
    if (entry.problem !== null || entry.xml === null || entry.xmlBytes === null || entry.path === null) {
      add('TOTAL_FAILED', 'FORMAT_FAILURE', entry.problem ?? 'Signature.xml missing')
      return report
    }
    const signedInfo = child(entry.xml, 'SignedInfo')
    if (entry.xml.name !== 'Signature' || signedInfo === undefined) {
      add('TOTAL_FAILED', 'FORMAT_FAILURE', `${entry.path} has no <Signature><SignedInfo>`)
      return report
    }
    const dateTime = child(signedInfo, 'SignatureDateTime')?.text.trim()
    if (dateTime !== undefined && dateTime !== '') report.claimedSigningTime = dateTime

    await checkReferences(container, entry.path, signedInfo, content, report, add, signal)

    if (entry.type !== 'Seal' && entry.type !== 'Sign') add('TOTAL_FAILED', 'FORMAT_FAILURE', `unknown signature Type "${entry.type}"`)
    if (entry.signedValuePath === null) {
      add('TOTAL_FAILED', 'FORMAT_FAILURE', `the SignedValue of ${entry.path} is missing or not in the package`)
      return report
    }
    let bytes: Uint8Array
    try {
      bytes = await container.read(entry.signedValuePath, MAX_SIGNED_VALUE_BYTES, signal)
      checkDepth(bytes, limits.maxAsn1Depth)
    } catch (err) {
      if (signal.aborted) throw err
      add('TOTAL_FAILED', 'FORMAT_FAILURE', `${entry.signedValuePath} cannot be read as DER: ${errorText(err)}`)
      return report
    }
    if (entry.type === 'Sign') {
      await checkSign(entry.path, entry.xmlBytes, bytes, trust, validationTime, report, evidence, add, signal)
      return report
    }
    let ses: SesSignature
    try {
      ses = decodeSesSignature(bytes)
    } catch (err) {
      add('TOTAL_FAILED', 'FORMAT_FAILURE', `${entry.signedValuePath} is not an SES_Signature: ${errorText(err)}`)
      return report
    }
    await checkSes(container, entry, ses, trust, validationTime, report, evidence, add, signal)
    return report
  } finally {
    conclude(report, findings)
  }
}

async function checkReferences (container: OfdContainer, signaturePath: string, signedInfo: XmlElement, content: string[],
  report: SignatureReport, add: (i: Indication, s: SubIndication, r: string) => void, signal: AbortSignal): Promise<void> {
  const refs = child(signedInfo, 'References')
  const method = refs?.attrs.CheckMethod?.trim()
  const algorithm = method === undefined ? 'sm3' : CHECK_METHODS[method.toLowerCase()] ?? CHECK_METHODS[method]
  if (method === undefined) report.warnings.push('References has no CheckMethod; SM3 assumed')
  report.digestAlgorithm = algorithm === undefined ? method ?? null : algorithm.toUpperCase()
  const list = childrenNamed(refs, 'Reference')
  if (list.length === 0) {
    add('TOTAL_FAILED', 'FORMAT_FAILURE', `${signaturePath} references no file`)
    return
  }
  if (algorithm === undefined) {
    add('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `reference digest method "${method}" is not supported`)
    return
  }
  const covered = new Set<string>()
  const references: Array<{ file: string, matches: boolean }> = []
  for (const ref of list) {
    signal.throwIfAborted()
    const loc = ref.attrs.FileRef ?? ''
    const file = locate(container, dirname(signaturePath), loc)
    const expected = Buffer.from(child(ref, 'CheckValue')?.text.replace(/\s+/g, '') ?? '', 'base64')
    if (file === null) {
      references.push({ file: loc, matches: false })
      add('INDETERMINATE', 'SIGNED_DATA_NOT_FOUND', `the referenced file ${JSON.stringify(loc)} is not in the package`)
      continue
    }
    covered.add(file)
    const actual = await container.digest(file, algorithm, signal)
    const matches = expected.length > 0 && actual.equals(expected)
    references.push({ file, matches })
    if (!matches) add('TOTAL_FAILED', 'HASH_FAILURE', `${file}: ${algorithm} expected ${expected.toString('base64')} found ${actual.toString('base64')}`)
  }
  const unreferenced = content.filter(f => !covered.has(f))
  const matched = references.filter(r => r.matches).length
  report.scope = {
    wholeDocument: matched === references.length && unreferenced.length === 0,
    description: `${matched} of ${references.length} referenced files match; ${unreferenced.length} of ${content.length} content files are not referenced`,
    references,
    unreferenced
  }
  if (unreferenced.length > 0) report.warnings.push(`the seal does not cover ${unreferenced.length} content file(s): ${unreferenced.slice(0, 10).join(', ')}${unreferenced.length > 10 ? ', …' : ''}`)
}

async function checkSes (container: OfdContainer, entry: SignatureEntry, ses: SesSignature, trust: TrustStore, validationTime: Date,
  report: SignatureReport, evidence: Evidence, add: (i: Indication, s: SubIndication, r: string) => void, signal: AbortSignal): Promise<void> {
  const seal = ses.seal
  report.format = ses.version === 'v4' ? 'SES v4' : 'SES v1'
  report.signatureAlgorithm = ses.signatureAlgorithm === OID_SM3_WITH_SM2 ? 'SM2-SM3' : ses.signatureAlgorithm
  if (ses.timeInfo !== null) report.claimedSigningTime = ses.timeInfo.toISOString()
  else if (ses.version === 'v1') report.warnings.push('TBS_Sign.timeInfo holds no time this verifier can read (a token, or a time without a zone): no claimed signing time')
  const makerRead = readCert(seal.makerCert)
  const maker = typeof makerRead === 'string' ? null : makerRead
  report.seal = {
    name: seal.name,
    esId: seal.esId,
    version: ses.version,
    validFrom: seal.validStart.toISOString(),
    validTo: seal.validEnd.toISOString(),
    maker: maker?.info ?? null,
    makerSignatureValid: false
  }
  remember(evidence, seal.makerCert)
  remember(evidence, ses.signerCert)

  // Header: GB/T 38540 §7.1 SES_Header id is the fixed "ES"
  if (seal.header.id !== 'ES') add('TOTAL_FAILED', 'FORMAT_FAILURE', `SES_Header id is "${seal.header.id}", not "ES"`)
  if (ses.version === 'v4' && (seal.header.version !== 4 || ses.tbsVersion !== 4)) report.warnings.push(`v4 layout with header version ${seal.header.version} and TBS_Sign version ${ses.tbsVersion}`)
  const expectedProperty = ['/' + entry.path, entry.path]
  if (!expectedProperty.includes(ses.propertyInfo)) report.warnings.push(`propertyInfo "${ses.propertyInfo}" does not name ${entry.path}`)

  // §3.3 step 2: dataHash = SM3(Signature.xml as stored)
  if (entry.xmlBytes !== null && !bytesEqual(sm3(entry.xmlBytes), ses.dataHash)) {
    add('TOTAL_FAILED', 'HASH_FAILURE', `dataHash is not the SM3 digest of ${entry.path}: the signature description was changed after sealing`)
  }

  // §3.3 step 3: the signer's SM2 signature over DER(TBS_Sign), default ID
  const signerRead = readCert(ses.signerCert)
  const signer = typeof signerRead === 'string' ? null : signerRead
  if (signer === null) {
    add('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', `the signer certificate cannot be read: ${signerRead as string}`)
  } else {
    report.signer = signer.info
    const key = sm2KeyOf(signer.cert)
    if (ses.signatureAlgorithm !== OID_SM3_WITH_SM2) add('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `signature algorithm ${ses.signatureAlgorithm} is not SM2-with-SM3`)
    else if (key === null) add('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `the signer key is ${signer.info.publicKey}, not SM2`)
    else if (!verifySm2(key, ses.tbsRaw, ses.signature)) add('TOTAL_FAILED', 'SIG_CRYPTO_FAILURE', 'the signer\'s SM2 signature over TBS_Sign does not verify')
  }

  // §3.3 step 4: the seal-making system's signature over the seal
  if (maker === null) {
    add('TOTAL_FAILED', 'FORMAT_FAILURE', `the seal maker certificate cannot be read: ${makerRead as string}`)
  } else {
    const key = sm2KeyOf(maker.cert)
    if (seal.makerAlgorithm !== OID_SM3_WITH_SM2) add('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `seal signature algorithm ${seal.makerAlgorithm} is not SM2-with-SM3`)
    else if (key === null) add('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `the maker key is ${maker.info.publicKey}, not SM2`)
    else if (!seal.makerSignedData.some(data => verifySm2(key, data, seal.makerSignature))) add('TOTAL_FAILED', 'SIG_CRYPTO_FAILURE', 'the seal-making system\'s signature over the seal does not verify: the seal was altered or forged')
    else report.seal.makerSignatureValid = true
    // R2: the seal-making system must be one the center accepts
    if (!trust.sealMakers.some(m => bytesEqual(m, seal.makerCert))) add('INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND', `the seal maker "${maker.info.subject}" is not among the trusted seal-making systems`)
  }

  // Seal.esl, when present, must be the seal inside the signature (ofdrw OFDValidator.checkSealMatch)
  if (entry.sealPath !== null) {
    const esl = await container.read(entry.sealPath, MAX_SIGNED_VALUE_BYTES, signal)
    if (!bytesEqual(esl, seal.raw)) report.warnings.push(`${entry.sealPath} differs from the seal inside the signature value`)
  }

  // §3.3 step 5: the signer must be one the seal lists
  if (signer !== null && !inCertList(ses, signer.der)) add('INDETERMINATE', 'CHAIN_CONSTRAINTS_FAILURE', `the signer "${signer.info.subject}" is not in the seal's certList`)

  // §3.3 step 6: times. A verified timestamp token is the proof of existence; without one the best
  // signature time is the validation time.
  const proven = ses.timeStamp === null ? null : await checkSesTimestamp(ses.timeStamp, ses.signature, trust, validationTime, report, evidence)
  const best = proven ?? validationTime
  report.bestSignatureTime = best.toISOString()
  const claimed = ses.timeInfo
  if (proven !== null && claimed !== null && claimed > proven) {
    report.warnings.push(`the claimed signing time ${claimed.toISOString()} is after the timestamp ${proven.toISOString()}`)
  }
  if (claimed !== null && (claimed < seal.validStart || claimed > seal.validEnd)) {
    add('INDETERMINATE', 'OUT_OF_BOUNDS_NO_POE', `the claimed signing time ${claimed.toISOString()} lies outside the seal's validity ${seal.validStart.toISOString()}–${seal.validEnd.toISOString()}`)
  }
  if (best < seal.validStart) add('TOTAL_FAILED', 'NOT_YET_VALID', `the seal is not valid before ${seal.validStart.toISOString()}`)
  else if (best > seal.validEnd) add('INDETERMINATE', 'OUT_OF_BOUNDS_NO_POE', `the seal expired on ${seal.validEnd.toISOString()} and no proof of existence predates it`)

  // §3.3 step 7: the signer's certificate path
  if (signer !== null) {
    // the PKI part's RFC 5280 path with time-aware revocation; SM2 links go through its crypto engine
    const path = await validateCertificatePath(signer.der, [...seal.certs], trust, best, evidence, { atIsProven: proven !== null, keyUsage: 'signing' })
    report.chain = path.chain
    report.anchor = path.anchor
    report.revocation = path.revocation
    report.warnings.push(...path.warnings)
    if (path.indication !== 'TOTAL_PASSED') add(path.indication, path.subIndication ?? 'CERTIFICATE_CHAIN_GENERAL_FAILURE', path.reasons[0] ?? 'the signer certificate path does not validate')
    for (const r of path.reasons.slice(1)) report.reasons.push(r)
  }
}

/**
 * GB/T 38540 SES_Signature.timeStamp [0]: an RFC 3161 token "对签名值的时间戳", so its imprint is over the
 * signature value, as for a CAdES signature timestamp (research-seals.md §3.1). Returns genTime when the
 * token verifies with a TSA path to a trusted anchor, else null. As in cms.ts (EN 319 102-1 §5.6.2: only a token that validates is proof of existence), a
 * token that does not validate is dropped from the proof of existence and the seal is judged without
 * it; that is a check that did not pass, so it is a reason, but it never changes the indication: the
 * token sits outside TBS_Sign, and a bad one can neither lift nor sink the seal it is attached to.
 */
async function checkSesTimestamp (token: Uint8Array, signatureValue: Uint8Array, trust: TrustStore, validationTime: Date,
  report: SignatureReport, evidence: Evidence): Promise<Date | null> {
  addEvidence(evidence.timestamps, token)
  const ts = await verifyTimestampToken(token, signatureValue, trust, evidence)
  const { genTimeDate, reasons, warnings, ...ev } = ts
  report.timestamps.push(ev)
  report.warnings.push(...warnings)
  if (ts.indication !== 'TOTAL_PASSED' || genTimeDate === null) {
    report.reasons.push(`the seal's timestamp token was not accepted as proof of existence: ${reasons.join('; ') || (ts.subIndication ?? ts.indication)}`)
    return null
  }
  if (genTimeDate > validationTime) {
    report.warnings.push(`the timestamp's genTime ${genTimeDate.toISOString()} is after the validation time; the validation time is used`)
    return null
  }
  return genTimeDate
}

/**
 * Type="Sign" (GB/T 33190 §18; GM/T 0099-2020 §7.2.2 b): the value is a GB/T 35275 SignedData over the
 * signature description file as stored — Signature.xml, whose SignedInfo carries the References — so
 * the References' digests are what the signer vouched for. Two layouts are in use: the file detached,
 * its SM3 in a messageDigest signed attribute (ofdrw GBT35275PKCS9DSContainer, "数科验证兼容格式"), and
 * SM3(Signature.xml) itself as the encapsulated content, signed directly, in a bare SignedData without
 * the ContentInfo wrapper (ofdrw GBT35275DSContainer). cms.ts checks the signature either way; this
 * checks that what it checked is this Signature.xml.
 */
async function checkSign (signaturePath: string, xmlBytes: Uint8Array, value: Uint8Array, trust: TrustStore, validationTime: Date,
  report: SignatureReport, evidence: Evidence, add: (i: Indication, s: SubIndication, r: string) => void, signal: AbortSignal): Promise<void> {
  report.format = 'GB/T 35275 SignedData'
  const cms = await verifyCms(asContentInfo(value), { content: xmlBytes, trust, validationTime, signal, id: signaturePath })
  for (const d of cms.evidence.certificates) addEvidence(evidence.certificates, d)
  for (const d of cms.evidence.crls) addEvidence(evidence.crls, d)
  for (const d of cms.evidence.ocspResponses) addEvidence(evidence.ocspResponses, d)
  for (const d of cms.evidence.timestamps) addEvidence(evidence.timestamps, d)

  // an attached content must be this Signature.xml or its digest, or the signature is about something else
  const content = cms.content
  if (content !== null && content !== xmlBytes && !bytesEqual(content, xmlBytes) && !bytesEqual(content, sm3(xmlBytes)) && !bytesEqual(content, digestOf('sha256', xmlBytes))) {
    add('TOTAL_FAILED', 'HASH_FAILURE', `the signed content is neither ${signaturePath} nor its SM3 digest: the signature description was changed after signing`)
  }
  const first = cms.signatures[0]
  if (first !== undefined) {
    report.signatureAlgorithm = first.signatureAlgorithm
    report.signer = first.signer
    report.chain = first.chain
    report.anchor = first.anchor
    report.revocation = first.revocation
    report.timestamps = first.timestamps
    report.bestSignatureTime = first.bestSignatureTime
    if (first.claimedSigningTime !== null) report.claimedSigningTime = first.claimedSigningTime
  }
  // every SignerInfo must pass: a second signer that fails is still a failed signature on the file
  for (const s of cms.signatures) {
    report.warnings.push(...s.warnings)
    if (s.indication === 'TOTAL_PASSED') { report.reasons.push(...s.reasons); continue }
    // cms.ts speaks of "the content": here that is the signature description file
    const [reason, ...more] = s.reasons.map(r => `GB/T 35275 signature over ${signaturePath}: ${r}`)
    add(s.indication, s.subIndication ?? 'FORMAT_FAILURE', reason ?? `the GB/T 35275 signature over ${signaturePath} is ${s.indication}`)
    report.reasons.push(...more)
  }
}

/** A bare SignedData (first field the version INTEGER) gets the GB/T 35275 signedData ContentInfo around it. */
function asContentInfo (value: Uint8Array): Uint8Array {
  try {
    const first = children(parseOne(value))[0]
    if (first?.tag !== TAG.INTEGER) return value
  } catch {
    return value // cms.ts reports what is wrong with it
  }
  return encodeTlv(TAG.SEQUENCE, encodeTlv(TAG.OID, oidBytes(OID_GM_SIGNED_DATA)), encodeTlv(0xa0, value))
}

function oidBytes (dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = [40 * arcs[0]! + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const septets: number[] = []
    let v = arc
    do { septets.unshift(v & 0x7f); v = Math.floor(v / 128) } while (v > 0)
    out.push(...septets.map((b, i) => i < septets.length - 1 ? b | 0x80 : b))
  }
  return new Uint8Array(out)
}

/** DER SM2 signature, or the raw 64-byte r‖s that some GM/T 0031 producers store. */
function verifySm2 (key: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (sm2Verify(key, data, signature)) return true
  if (signature.length !== 64) return false
  try {
    const e = sm3(Buffer.concat([sm2Za(key), data]))
    return sm2VerifyRaw(key, e, signature.subarray(0, 32), signature.subarray(32))
  } catch {
    return false
  }
}

function inCertList (ses: SesSignature, signerDer: Uint8Array): boolean {
  const seal = ses.seal
  if (seal.certListType === 1) return seal.certs.some(c => bytesEqual(c, signerDer))
  // type 2: digests {type, value}; the type label is free text ("sm3", "SHA256", an OID), so compare values
  const candidates = [sm3(signerDer), ...['sha256', 'sha1'].map(a => digestOf(a, signerDer))]
  return seal.certDigests.some(d => candidates.some(c => bytesEqual(c, d.value)))
}

function digestOf (algorithm: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest())
}

function remember (evidence: Evidence, der: Uint8Array): void {
  if (der.length > 0 && !evidence.certificates.some(c => bytesEqual(c, der))) evidence.certificates.push(der)
}

/** The worst finding decides: any TOTAL_FAILED beats any INDETERMINATE; within a class, the first found. */
function conclude (report: SignatureReport, findings: Finding[]): void {
  const decisive = findings.find(f => f.indication === 'TOTAL_FAILED') ?? findings.find(f => f.indication === 'INDETERMINATE')
  report.indication = decisive?.indication ?? 'TOTAL_PASSED'
  report.subIndication = decisive?.sub ?? null
  report.reasons.unshift(...findings.map(f => f.reason))
}

function packageFailure (reason: string, validationTime: Date): SignatureReport {
  return { ...blankReport('ofd-ses', '(package)', 'OFD', validationTime, { wholeDocument: false, description: 'the package could not be read safely' }), reasons: [reason] }
}
