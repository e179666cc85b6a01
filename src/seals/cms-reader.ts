import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { checkDepth, children, DerError, oid, parseOne, readFirst, smallInt, TAG, type Node } from './ofd/der.js'
import { DEFAULT_PARSE_LIMITS, OID_CMS_SIGNED_DATA, OID_GM_SIGNED_DATA, OID_SIGNING_CERTIFICATE, OID_SIGNING_CERTIFICATE_V2, parseAsn1, type ParseLimits } from './x509.js'

// A DER reader for the common CMS SignedData (RFC 5652 §5): it walks the fixed structure with der.ts and
// builds the pkijs objects cms.ts reads (SignedData, SignerInfo, attributes) from their parts, instead of
// letting asn1js build a tree of the whole ContentInfo and pkijs match it against its schema. That
// matching, and the tree of certificates and timestamp tokens nobody reads through it, was three quarters
// of checking a PAdES signature. Anything it does not expect (BER, CRLs inside the CMS, a multi-byte tag,
// a part asn1js refuses) gives null, and signedDataOf reads the bytes the general way, which also names
// what is wrong with them.

const CERTIFICATES = 0xa0
const SIGNED_ATTRS = 0xa0
const UNSIGNED_ATTRS = 0xa1
const SUBJECT_KEY_ID = 0x80

export interface ReadSignedData {
  signedData: pkijs.SignedData
  /** The X.509 certificates of the certificate set, as encoded. */
  certificates: Uint8Array[]
}

export function readSignedData (der: Uint8Array, options: { limits?: ParseLimits, allowTrailing?: boolean }): ReadSignedData | null {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS
  if (der.length === 0 || der.length > limits.maxBytes) return null
  try {
    const ci = options.allowTrailing === true ? readFirst(der) : parseOne(der)
    // the nesting bound asn1js would have applied to the whole, certificates and tokens included
    checkDepth(ci.raw, limits.maxDepth)
    if (ci.tag !== TAG.SEQUENCE) return null
    const [type, explicit, ...more] = children(ci)
    if (more.length > 0 || explicit?.tag !== 0xa0) return null
    const contentType = oid(type, 'contentType')
    if (contentType !== OID_CMS_SIGNED_DATA && contentType !== OID_GM_SIGNED_DATA) return null
    const [sd, ...after] = children(explicit)
    if (sd?.tag !== TAG.SEQUENCE || after.length > 0) return null
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, certificates [0] IMPLICIT
    // OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
    const [version, digestAlgorithms, encap, ...rest] = children(sd)
    const signerInfos = rest.pop()
    if (version?.tag !== TAG.INTEGER || digestAlgorithms?.tag !== TAG.SET || encap?.tag !== TAG.SEQUENCE || signerInfos?.tag !== TAG.SET) return null
    if (rest.length > 1 || (rest.length === 1 && rest[0]!.tag !== CERTIFICATES)) return null
    const certificates = rest.length === 0 ? [] : children(rest[0]!).filter(c => c.tag === TAG.SEQUENCE).map(c => c.raw)
    const signedData = new pkijs.SignedData({
      version: smallInt(version, 'version'),
      digestAlgorithms: children(digestAlgorithms).map(a => algorithm(a, limits)),
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ schema: asn1(encap, limits) }),
      signerInfos: children(signerInfos).map(s => signerInfo(s, limits))
    })
    return { signedData, certificates }
  } catch {
    // DerError, or a pkijs constructor refusing a part: the general reader says why
    return null
  }
}

function asn1 (node: Node, limits: ParseLimits): asn1js.AsnType {
  const parsed = parseAsn1(node.raw, { limits })
  if (!parsed.ok) throw new DerError(parsed.reason)
  return parsed.value
}

function algorithm (node: Node, limits: ParseLimits): pkijs.AlgorithmIdentifier {
  if (node.tag !== TAG.SEQUENCE) throw new DerError('AlgorithmIdentifier is not a SEQUENCE')
  const [id, params, ...more] = children(node)
  if (more.length > 0) throw new DerError('AlgorithmIdentifier has more than two fields')
  return new pkijs.AlgorithmIdentifier({ algorithmId: oid(id, 'algorithm'), ...(params === undefined ? {} : { algorithmParams: asn1(params, limits) }) })
}

// SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
// signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
function signerInfo (node: Node, limits: ParseLimits): pkijs.SignerInfo {
  if (node.tag !== TAG.SEQUENCE) throw new DerError('SignerInfo is not a SEQUENCE')
  const parts = children(node)
  let i = 0
  const next = (): Node => {
    const p = parts[i++]
    if (p === undefined) throw new DerError('SignerInfo is short')
    return p
  }
  const version = smallInt(next(), 'SignerInfo version')
  const sidNode = next()
  if (sidNode.tag !== TAG.SEQUENCE && sidNode.tag !== SUBJECT_KEY_ID) throw new DerError('SignerInfo sid')
  const sid = sidNode.tag === TAG.SEQUENCE ? issuerAndSerial(sidNode, limits) : asn1(sidNode, limits)
  const digestAlgorithm = algorithm(next(), limits)
  const signedAttrs = parts[i]?.tag === SIGNED_ATTRS ? attributes(next(), 0, limits) : undefined
  const signatureAlgorithm = algorithm(next(), limits)
  const signatureNode = next()
  if (signatureNode.tag !== TAG.OCTET_STRING) throw new DerError('SignerInfo signature is not an OCTET STRING')
  const unsignedAttrs = parts[i]?.tag === UNSIGNED_ATTRS ? attributes(next(), 1, limits) : undefined
  if (i !== parts.length) throw new DerError('SignerInfo has fields after its unsigned attributes')
  return new pkijs.SignerInfo({
    version,
    sid,
    digestAlgorithm,
    ...(signedAttrs === undefined ? {} : { signedAttrs }),
    signatureAlgorithm,
    signature: new asn1js.OctetString({ valueHex: signatureNode.value }),
    ...(unsignedAttrs === undefined ? {} : { unsignedAttrs })
  })
}

function issuerAndSerial (node: Node, limits: ParseLimits): pkijs.IssuerAndSerialNumber {
  const [issuer, serial, ...more] = children(node)
  if (issuer?.tag !== TAG.SEQUENCE || serial?.tag !== TAG.INTEGER || more.length > 0) throw new DerError('IssuerAndSerialNumber')
  return new pkijs.IssuerAndSerialNumber({ issuer: lazyName(issuer, limits), serialNumber: asn1(serial, limits) as asn1js.Integer })
}

/**
 * A Name that holds its bytes (all that nameDer, and so sameName, compares first) and parses its
 * attributes only when something reads them: the signer's certificate names its issuer with the same
 * bytes, so the parse that pkijs would make of every sid is almost never needed.
 */
function lazyName (node: Node, limits: ParseLimits): pkijs.RelativeDistinguishedNames {
  const name = new pkijs.RelativeDistinguishedNames({ valueBeforeDecode: new Uint8Array(node.raw).buffer })
  let typesAndValues: pkijs.AttributeTypeAndValue[] | undefined
  Object.defineProperty(name, 'typesAndValues', {
    get: () => (typesAndValues ??= new pkijs.RelativeDistinguishedNames({ schema: asn1(node, limits) }).typesAndValues),
    enumerable: true
  })
  return name
}

/**
 * Signed attributes are read into asn1js values (cms.ts checks them), but for the ESS signing-certificate
 * ones, which cms.ts reads from their bytes; unsigned ones keep only their bytes too: the only one read
 * is the signature timestamp token, which timestamp.ts reads on its own. A value kept as bytes is a node
 * whose valueBeforeDecodeView is all there is.
 */
function attributes (node: Node, type: 0 | 1, limits: ParseLimits): pkijs.SignedAndUnsignedAttributes {
  const attrs = children(node).map(a => {
    if (a.tag !== TAG.SEQUENCE) throw new DerError('Attribute is not a SEQUENCE')
    const [t, values, ...more] = children(a)
    if (values?.tag !== TAG.SET || more.length > 0) throw new DerError('Attribute values')
    const attrType = oid(t, 'attribute type')
    const keepBytes = type === 1 || attrType === OID_SIGNING_CERTIFICATE_V2 || attrType === OID_SIGNING_CERTIFICATE
    return new pkijs.Attribute({ type: attrType, values: children(values).map(v => keepBytes ? received(v) : asn1(v, limits)) })
  })
  // RFC 5652 §5.4: the signature is over the DER of the SET OF, not of the [0] IMPLICIT field
  // a copy (node.raw may be a Buffer, whose slice() shares its bytes) with its own ArrayBuffer
  const encoded = new Uint8Array(node.raw)
  encoded[0] = TAG.SET
  return new pkijs.SignedAndUnsignedAttributes({ type, attributes: attrs, encodedValue: encoded.buffer })
}

function received (node: Node): asn1js.AsnType {
  const value = new asn1js.Any() as unknown as asn1js.BaseBlock
  value.valueBeforeDecodeView = node.raw
  return value as unknown as asn1js.AsnType
}
