// PKCS#12 (.p12, .pfx): how a center receives a seal key with its certificate and chain. node-forge
// reads it (RFC 7292: the MAC, PBES1 and PBES2 with AES as OpenSSL 3 writes by default, 3DES and RC2 as
// older tools do); pkijs has no PKCS#12 decryption of its own, and writing one is not worth the risk.
// Only certificates come out: Lantai never keeps a private key.
import forge from 'node-forge'
import type { Certificate } from 'pkijs'
import { LantaiError } from '../errors.js'
import { parseCertificate, sameName } from './x509.js'

export interface Pkcs12Contents {
  /** DER, the key's certificate first and then up its chain as far as the file goes; others after. */
  certificates: Uint8Array[]
  /** The file holds a private key (left where it is). */
  hasPrivateKey: boolean
}

/** A key store from a CA is a few KiB; anything this big is not one. */
const MAX_PKCS12_BYTES = 1024 * 1024

/** Reads a PKCS#12 file with its password; SEAL_PKCS12_INVALID when it is not one or the password is wrong. */
export function readPkcs12 (bytes: Uint8Array, password: string): Pkcs12Contents {
  if (bytes.length > MAX_PKCS12_BYTES) throw new LantaiError('SEAL_PKCS12_INVALID', `${bytes.length} bytes, more than ${MAX_PKCS12_BYTES}`)
  let p12: forge.pkcs12.Pkcs12Pfx
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')))
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password)
  } catch (e) {
    // forge's words: "PKCS#12 MAC could not be verified. Invalid password?", "Too few bytes to parse DER." …
    throw new LantaiError('SEAL_PKCS12_INVALID', (e as Error).message)
  }
  const { certBag, keyBag, pkcs8ShroudedKeyBag } = forge.pki.oids
  const bagsOf = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? []
  const keys = [...bagsOf(keyBag!), ...bagsOf(pkcs8ShroudedKeyBag!)]
  const keyIds = new Set(keys.flatMap(k => (k.attributes.localKeyId as string[] | undefined) ?? []))
  const found: Array<{ der: Uint8Array, ofKey: boolean }> = []
  for (const bag of bagsOf(certBag!)) {
    // forge parses only RSA certificates; others (EC, SM2) it hands over as ASN.1, which is re-encoded as read
    const asn1 = bag.cert === undefined || bag.cert === null ? bag.asn1 : forge.pki.certificateToAsn1(bag.cert)
    const der = new Uint8Array(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'))
    const parsed = parseCertificate(der)
    if (!parsed.ok) throw new LantaiError('SEAL_PKCS12_INVALID', `a certificate in it does not parse: ${parsed.reason}`)
    const ids = (bag.attributes.localKeyId as string[] | undefined) ?? []
    found.push({ der, ofKey: ids.some(id => keyIds.has(id)) })
  }
  return { certificates: chainOrder(found), hasPrivateKey: keys.length > 0 }
}

/** The key's certificate, then each issuer found in the file, then whatever is left in file order. */
function chainOrder (found: Array<{ der: Uint8Array, ofKey: boolean }>): Uint8Array[] {
  const certs = found.map(f => ({ ...f, cert: (parseCertificate(f.der) as { ok: true, value: Certificate }).value }))
  const out: typeof certs = []
  let next = certs.find(c => c.ofKey)
  while (next !== undefined && !out.includes(next)) {
    out.push(next)
    const issuer = next.cert.issuer
    if (sameName(next.cert.subject, issuer)) break
    next = certs.find(c => !out.includes(c) && sameName(c.cert.subject, issuer))
  }
  return [...out, ...certs.filter(c => !out.includes(c))].map(c => c.der)
}
