import { createHash } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { sm3 } from '../seals/sm2.js'
import { OID_CMS_DATA, OID_CMS_SIGNED_DATA, OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_CERTIFICATE_V2, OID_SM3, OID_SM3_WITH_SM2 } from '../seals/x509.js'
import { centerSign, type CenterAlgorithm, type CenterSigner } from './center-key.js'

// A detached CMS SignedData (RFC 5652) as PAdES baseline B wants it (ETSI EN 319 142-1 §6.3, EN 319 122-1
// §5.2): signed attributes content-type, message-digest and signing-certificate-v2 (RFC 5035) binding the
// signer's certificate; no signing-time attribute (PAdES puts the claimed time in the signature
// dictionary's /M). SM2 signatures use SM3 digests and the GB/T 35275 algorithm identifiers.

const OID_SHA256 = '2.16.840.1.101.3.4.2.1'
const SIGNATURE_OID: Record<CenterAlgorithm, string> = {
  'sm2-sm3': OID_SM3_WITH_SM2,
  'ecdsa-sha256': '1.2.840.10045.4.3.2',
  'rsa-sha256': '1.2.840.113549.1.1.11'
}

const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer

/** The digest of the signed bytes: SM3 under SM2, SHA-256 otherwise. */
export function contentDigest (algorithm: CenterAlgorithm, content: Uint8Array): Uint8Array {
  return algorithm === 'sm2-sm3' ? sm3(content) : new Uint8Array(createHash('sha256').update(content).digest())
}

/** SigningCertificateV2 { certs: [ESSCertIDv2 { certHash SHA-256 (the default algorithm), issuerSerial }] } */
function signingCertificateV2 (cert: pkijs.Certificate, der: Uint8Array): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      // GeneralNames with one directoryName [4]
      new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })] }),
      cert.serialNumber
    ]
  })
  const essCertId = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: ab(new Uint8Array(createHash('sha256').update(der).digest())) }), issuerSerial] })
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] })
}

/** The DER ContentInfo of a detached SignedData over `content`, signed by the center. */
export function signDetached (signer: CenterSigner, content: Uint8Array): Uint8Array {
  const certs = signer.certificates.map(der => ({ der, cert: pkijs.Certificate.fromBER(ab(der)) }))
  const own = certs[0] as { der: Uint8Array, cert: pkijs.Certificate }
  const digestOid = signer.algorithm === 'sm2-sm3' ? OID_SM3 : OID_SHA256
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_CMS_DATA })] }),
      new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: ab(contentDigest(signer.algorithm, content)) })] }),
      new pkijs.Attribute({ type: OID_SIGNING_CERTIFICATE_V2, values: [signingCertificateV2(own.cert, own.der)] })
    ]
  })
  // RFC 5652 §5.4: the signature covers the attributes DER-encoded as a SET, not as the [0] they are stored in
  const toSign = new Uint8Array(signedAttrs.toSchema().toBER(false))
  toSign[0] = 0x31
  const signature = centerSign(signer.algorithm, signer.key, toSign)
  const sd = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID_CMS_DATA }),
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: digestOid })],
    certificates: certs.map(c => c.cert),
    signerInfos: [new pkijs.SignerInfo({
      version: 1,
      sid: new pkijs.IssuerAndSerialNumber({ issuer: own.cert.issuer, serialNumber: own.cert.serialNumber }),
      digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: digestOid }),
      signedAttrs,
      // RFC 4055 §5 / RFC 5758 §3.2: sha256WithRSAEncryption takes NULL parameters, ECDSA and SM2 none
      signatureAlgorithm: new pkijs.AlgorithmIdentifier(signer.algorithm === 'rsa-sha256'
        ? { algorithmId: SIGNATURE_OID[signer.algorithm], algorithmParams: new asn1js.Null() }
        : { algorithmId: SIGNATURE_OID[signer.algorithm] }),
      signature: new asn1js.OctetString({ valueHex: ab(signature) })
    })]
  })
  const ci = new pkijs.ContentInfo({ contentType: OID_CMS_SIGNED_DATA, content: sd.toSchema(true) })
  return new Uint8Array(ci.toSchema().toBER(false))
}
