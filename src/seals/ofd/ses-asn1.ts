// SES_Signature decoding: GB/T 38540-2020 ("v4") and GM/T 0031-2014 ("v1"). Structures as in
// research-seals.md §3.1, cross-read against ofdrw-gm `ses/v1` and `ses/v4`. Only the fixed schema is
// walked (see der.ts), and every signed part keeps its delivered bytes.
import { TAG, DerError, bitString, children, encodeTlv, expect, octets, oid, parseOne, smallInt, text, time, type Node } from './der.js'

export interface SealPicture { type: string, width: number, height: number, bytes: number }

export interface SesSeal {
  /** DER(SESeal) as delivered: what Seal.esl must equal. */
  raw: Uint8Array
  /** DER(SES_SealInfo) as delivered. */
  sealInfoRaw: Uint8Array
  header: { id: string, version: number, vid: string }
  esId: string
  /** 1 = organisation seal, 2 = personal seal (GB/T 38540 §7.1). */
  type: number
  name: string
  /** 1 = certificates, 2 = certificate digests (v4 only; v1 always lists certificates). */
  certListType: 1 | 2
  certs: Uint8Array[]
  certDigests: Array<{ type: string, value: Uint8Array }>
  createDate: Date
  validStart: Date
  validEnd: Date
  picture: SealPicture
  /** The seal-making system's (制章人) certificate. */
  makerCert: Uint8Array
  makerAlgorithm: string
  makerSignature: Uint8Array
  /**
   * The bytes the maker may have signed, most likely first. GB/T 38540 (v4): DER(SES_SealInfo),
   * confirmed on 7 producers (§3.3 step 4). GM/T 0031 (v1) describes "印章信息、制章人证书、签名算法
   * 标识符按 SEQUENCE 方式组成的信息内容", so that SEQUENCE comes first there, then SealInfo alone.
   */
  makerSignedData: Uint8Array[]
}

export interface SesSignature {
  version: 'v1' | 'v4'
  /** DER(TBS_Sign) as delivered: what the signer signed. */
  tbsRaw: Uint8Array
  tbsVersion: number
  seal: SesSeal
  /** The claimed signing time (v1 may carry a token instead; then null). */
  timeInfo: Date | null
  dataHash: Uint8Array
  propertyInfo: string
  signerCert: Uint8Array
  signatureAlgorithm: string
  signature: Uint8Array
  /** v4 `timeStamp [0]`: an RFC 3161 token over the signature value. */
  timeStamp: Uint8Array | null
}

const STRING_TAGS = [TAG.IA5_STRING, TAG.UTF8_STRING, TAG.PRINTABLE_STRING]

/** Decodes SignedValue.dat. Throws DerError when it is not an SES_Signature of either version. */
export function decodeSesSignature (bytes: Uint8Array): SesSignature {
  const top = children(expect(parseOne(bytes), TAG.SEQUENCE, 'SES_Signature'))
  // §3.3 step 1: v4 has the signer's certificate (OCTET STRING) right after TBS_Sign; v1 the signature.
  const second = top[1]
  if (second?.tag === TAG.OCTET_STRING) return decodeV4(top)
  if (second?.tag === TAG.BIT_STRING) return decodeV1(top)
  throw new DerError('SES_Signature: neither GB/T 38540 nor GM/T 0031 layout')
}

function decodeV4 (top: Node[]): SesSignature {
  if (top.length < 4 || top.length > 5) throw new DerError('SES_Signature v4: expected 4 or 5 fields')
  const tbsNode = expect(top[0], TAG.SEQUENCE, 'TBS_Sign')
  const tbs = children(tbsNode)
  if (tbs.length < 5 || tbs.length > 6) throw new DerError('TBS_Sign v4: expected 5 or 6 fields')
  let timeStamp: Uint8Array | null = null
  if (top[4] !== undefined) {
    const tagged = expect(top[4], 0xa0, 'timeStamp [0]')
    const inner = children(tagged)
    if (inner.length !== 1) throw new DerError('timeStamp [0]: expected one value')
    // Producers disagree on the inner type; ofdrw writes a BIT STRING, some an OCTET STRING.
    timeStamp = inner[0]!.tag === TAG.BIT_STRING ? bitString(inner[0], 'timeStamp') : octets(inner[0], 'timeStamp')
  }
  return {
    version: 'v4',
    tbsRaw: tbsNode.raw,
    tbsVersion: smallInt(tbs[0], 'TBS_Sign.version'),
    seal: decodeSeal(tbs[1], 'v4'),
    timeInfo: time(tbs[2], 'TBS_Sign.timeInfo'),
    dataHash: bitOrOctets(tbs[3], 'TBS_Sign.dataHash'),
    propertyInfo: text(tbs[4], 'TBS_Sign.propertyInfo', STRING_TAGS),
    signerCert: octets(top[1], 'SES_Signature.cert'),
    signatureAlgorithm: oid(top[2], 'SES_Signature.signatureAlgID'),
    signature: bitString(top[3], 'SES_Signature.signature'),
    timeStamp
  }
}

function decodeV1 (top: Node[]): SesSignature {
  if (top.length !== 2) throw new DerError('SES_Signature v1: expected 2 fields')
  const tbsNode = expect(top[0], TAG.SEQUENCE, 'TBS_Sign')
  const tbs = children(tbsNode)
  if (tbs.length !== 7) throw new DerError('TBS_Sign v1: expected 7 fields')
  return {
    version: 'v1',
    tbsRaw: tbsNode.raw,
    tbsVersion: smallInt(tbs[0], 'TBS_Sign.version'),
    seal: decodeSeal(tbs[1], 'v1'),
    timeInfo: v1Time(tbs[2]!),
    dataHash: bitOrOctets(tbs[3], 'TBS_Sign.dataHash'),
    propertyInfo: text(tbs[4], 'TBS_Sign.propertyInfo', STRING_TAGS),
    signerCert: octets(tbs[5], 'TBS_Sign.cert'),
    signatureAlgorithm: oid(tbs[6], 'TBS_Sign.signatureAlgorithm'),
    signature: bitString(top[1], 'SES_Signature.signature'),
    timeStamp: null
  }
}

function decodeSeal (node: Node | undefined, version: 'v1' | 'v4'): SesSeal {
  const sealNode = expect(node, TAG.SEQUENCE, 'SESeal')
  const parts = children(sealNode)
  const infoNode = expect(parts[0], TAG.SEQUENCE, 'SES_SealInfo')
  let certNode: Node, algNode: Node, sigNode: Node
  if (version === 'v4') {
    if (parts.length !== 4) throw new DerError('SESeal v4: expected 4 fields')
    ;[certNode, algNode, sigNode] = [parts[1]!, parts[2]!, parts[3]!]
  } else {
    if (parts.length !== 2) throw new DerError('SESeal v1: expected 2 fields')
    const signInfo = children(expect(parts[1], TAG.SEQUENCE, 'SES_SignInfo'))
    if (signInfo.length !== 3) throw new DerError('SES_SignInfo: expected 3 fields')
    ;[certNode, algNode, sigNode] = [signInfo[0]!, signInfo[1]!, signInfo[2]!]
  }
  const info = children(infoNode)
  if (info.length < 4 || info.length > 5) throw new DerError('SES_SealInfo: expected 4 or 5 fields')
  const header = children(expect(info[0], TAG.SEQUENCE, 'SES_Header'))
  if (header.length !== 3) throw new DerError('SES_Header: expected 3 fields')
  const property = decodeProperty(info[2], version)
  const picture = children(expect(info[3], TAG.SEQUENCE, 'SES_ESPictrueInfo'))
  if (picture.length !== 4) throw new DerError('SES_ESPictrueInfo: expected 4 fields')
  const makerCert = octets(certNode, 'SESeal maker cert')
  const makerAlgorithm = oid(algNode, 'SESeal signature algorithm')
  const makerSignature = bitString(sigNode, 'SESeal signature')
  const makerSignedData = version === 'v4'
    ? [infoNode.raw]
    : [encodeTlv(TAG.SEQUENCE, infoNode.raw, certNode.raw, algNode.raw), infoNode.raw]
  return {
    raw: sealNode.raw,
    sealInfoRaw: infoNode.raw,
    header: {
      id: text(header[0], 'SES_Header.id', STRING_TAGS),
      version: smallInt(header[1], 'SES_Header.version'),
      vid: text(header[2], 'SES_Header.Vid', STRING_TAGS)
    },
    esId: text(info[1], 'SES_SealInfo.esID', STRING_TAGS),
    ...property,
    picture: {
      type: text(picture[0], 'picture.type', STRING_TAGS),
      bytes: octets(picture[1], 'picture.data').length,
      width: smallInt(picture[2], 'picture.width'),
      height: smallInt(picture[3], 'picture.height')
    },
    makerCert,
    makerAlgorithm,
    makerSignature,
    makerSignedData
  }
}

type Property = Pick<SesSeal, 'type' | 'name' | 'certListType' | 'certs' | 'certDigests' | 'createDate' | 'validStart' | 'validEnd'>

function decodeProperty (node: Node | undefined, version: 'v1' | 'v4'): Property {
  const f = children(expect(node, TAG.SEQUENCE, 'SES_ESPropertyInfo'))
  const v4 = version === 'v4'
  if (f.length !== (v4 ? 7 : 6)) throw new DerError(`SES_ESPropertyInfo ${version}: expected ${v4 ? 7 : 6} fields`)
  const certListType = v4 ? smallInt(f[2], 'certListType') : 1
  if (certListType !== 1 && certListType !== 2) throw new DerError(`certListType ${certListType} is neither 1 nor 2`)
  const list = children(expect(f[v4 ? 3 : 2], TAG.SEQUENCE, 'certList'))
  const certs: Uint8Array[] = []
  const certDigests: Array<{ type: string, value: Uint8Array }> = []
  for (const item of list) {
    if (certListType === 1) certs.push(octets(item, 'certList item'))
    else {
      const d = children(expect(item, TAG.SEQUENCE, 'CertDigestObj'))
      if (d.length !== 2) throw new DerError('CertDigestObj: expected 2 fields')
      certDigests.push({ type: text(d[0], 'CertDigestObj.type', STRING_TAGS), value: octets(d[1], 'CertDigestObj.value') })
    }
  }
  const t = v4 ? 4 : 3
  return {
    type: smallInt(f[0], 'SES_ESPropertyInfo.type'),
    name: text(f[1], 'SES_ESPropertyInfo.name', STRING_TAGS),
    certListType,
    certs,
    certDigests,
    // v1 says UTCTime, v4 GeneralizedTime; producers mix them, and the meaning is the same.
    createDate: time(f[t], 'createDate'),
    validStart: time(f[t + 1], 'validStart'),
    validEnd: time(f[t + 2], 'validEnd')
  }
}

/**
 * v1 timeInfo is a BIT STRING, "a timestamp or a UTCTime" (ofdrw-gm ses/v1 TBS_Sign), which producers
 * fill with a UTCTime or GeneralizedTime as text, a DER-encoded time, or a timestamp token. Only times
 * are read here; anything else (a token, ofdrw's zone-less "yyyy-MM-dd HH:mm:ss") gives null, and the
 * verifier says so, because a claimed time of unknown zone is no time at all.
 */
function v1Time (node: Node): Date | null {
  if (node.tag === TAG.UTC_TIME || node.tag === TAG.GENERALIZED_TIME) return time(node, 'timeInfo')
  const content = bitOrOctets(node, 'TBS_Sign.timeInfo')
  if ((content[0] === TAG.UTC_TIME || content[0] === TAG.GENERALIZED_TIME) && content.length < 40) {
    try {
      const inner = parseOne(content)
      return time(inner, 'timeInfo')
    } catch { /* not a DER time: try the text forms */ }
  }
  const s = Buffer.from(content).toString('latin1')
  // YYMMDDhhmm[ss]Z is UTCTime, YYYYMMDDhhmmss[.f]Z GeneralizedTime: the digit counts never overlap
  if (/^\d{10}(\d\d)?Z$/.test(s)) return time({ tag: TAG.UTC_TIME, raw: content, value: content }, 'timeInfo')
  if (/^\d{14}(\.\d+)?Z$/.test(s)) return time({ tag: TAG.GENERALIZED_TIME, raw: content, value: content }, 'timeInfo')
  return null
}

/** ofdrw accepts an OCTET STRING where the standard says BIT STRING ("兼容非标签章"); so do we. */
function bitOrOctets (node: Node | undefined, what: string): Uint8Array {
  return node?.tag === TAG.OCTET_STRING ? node.value : bitString(node, what)
}
