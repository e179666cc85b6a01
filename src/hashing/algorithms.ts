import { getHashes } from 'node:crypto'

// RFC 8493 §2.4: the algorithm in `manifest-<alg>.txt` is the lowercased name with non-alphanumerics
// removed. Each maps to a Node (OpenSSL) digest; SM3 (GB/T 32905) comes with the OpenSSL build of Node 20.
const NODE_NAMES: Readonly<Record<string, string>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512224: 'sha512-224',
  sha512256: 'sha512-256',
  sha3224: 'sha3-224',
  sha3256: 'sha3-256',
  sha3384: 'sha3-384',
  sha3512: 'sha3-512',
  blake2b512: 'blake2b512',
  blake2s256: 'blake2s256',
  sm3: 'sm3'
}

const HEX_LENGTH: Readonly<Record<string, number>> = {
  md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128, sha512224: 56, sha512256: 64,
  sha3224: 56, sha3256: 64, sha3384: 96, sha3512: 128, blake2b512: 128, blake2s256: 64, sm3: 64
}

const available = new Set(getHashes())

/** The BagIt algorithm names this validator can compute, in the order of preference for reports. */
export const SUPPORTED_ALGORITHMS: readonly string[] = Object.keys(NODE_NAMES).filter(a => available.has(NODE_NAMES[a] ?? ''))

export const isSupportedAlgorithm = (alg: string): boolean => SUPPORTED_ALGORITHMS.includes(alg)

/** Node's `crypto.createHash` name for a BagIt algorithm name. */
export function nodeHashName (alg: string): string {
  const name = NODE_NAMES[alg]
  if (name === undefined) throw new RangeError(`unsupported algorithm ${alg}`)
  return name
}

/** Hex digits in a digest of `alg`, or undefined for an unknown algorithm. */
export const hexLength = (alg: string): number | undefined => HEX_LENGTH[alg]

/** RFC 8493 §2.4 normal form: lowercase, alphanumerics only ("SHA-256" → "sha256"). */
export const normalizeAlgorithmName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '')

/** md5 and sha1 alone do not protect a payload against deliberate change. */
export const WEAK_ALGORITHMS: ReadonlySet<string> = new Set(['md5', 'sha1'])

/**
 * The digests every stored file keeps, declared once for ingest, the catalogue and fixity: sha512
 * addresses OCFL content, SM3 (GB/T 32905) is what the centers' own tools check. Every algorithm the
 * bag's manifests declare is kept beside them (issue 13: md5 and sha256 are no longer computed when no
 * manifest declares them).
 */
export const STORED_ALGORITHMS = ['sha512', 'sm3'] as const

/** The algorithms kept for a bag whose manifests declare `declared`: the stored pair first, then the rest in order. */
export function keptAlgorithms (declared: Iterable<string>): string[] {
  const kept: string[] = [...STORED_ALGORITHMS]
  for (const alg of declared) if (!kept.includes(alg) && isSupportedAlgorithm(alg)) kept.push(alg)
  return kept
}

export type StoredAlgorithm = typeof STORED_ALGORITHMS[number]

/** Algorithm → lowercase hex digest. */
export type Digests = Record<string, string>
