import { createHash } from 'node:crypto'
import type { AuditRow } from '../catalogue/index.js'

// The hash chain of the audit trail. The encoding below is a contract (docs/audit.md §"The chain"):
// anyone holding an export of the rows can recompute it without Lantai, so it must never change for
// rows already written. A new encoding gets a new tag and a new `alg` value.
//
//   hash(n) = H_alg( "lantai-audit-v1\n" || JSON([seq, at, actor_id, actor_role, actor_label, action,
//                    object_type, object_id, tier, outcome, request_id, ip, detail, alg, prev_hash]) )
//
// JSON is ECMAScript JSON.stringify of that array: no whitespace, strings escaped as JSON.stringify
// escapes them, null for an absent value, seq a decimal integer. `detail` enters as its stored text
// (itself canonical JSON: object keys sorted by code unit, no whitespace), so the hash covers the bytes
// that are stored. UTF-8 throughout. prev_hash of row 1 is 64 zeros. Digests are lower-case hex.

export type ChainAlgorithm = 'sm3' | 'sha256'
export const CHAIN_ALGORITHMS: readonly ChainAlgorithm[] = ['sm3', 'sha256']

export const GENESIS_HASH = '0'.repeat(64)
const TAG = 'lantai-audit-v1\n'

export type ChainFields = Omit<AuditRow, 'hash'>

export const isChainAlgorithm = (s: string): s is ChainAlgorithm => (CHAIN_ALGORITHMS as readonly string[]).includes(s)

/** JSON with object keys sorted and no whitespace: one text for one value, whoever writes it. */
export function canonicalJson (value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = sortKeys(v)
    }
    return out
  }
  return value
}

/** The bytes a row's hash is taken over. */
export function encodeRow (f: ChainFields): Buffer {
  const fields = [f.seq, f.at, f.actorId, f.actorRole, f.actorLabel, f.action, f.objectType, f.objectId, f.tier, f.outcome, f.requestId, f.ip, f.detail, f.alg, f.prevHash]
  return Buffer.from(TAG + JSON.stringify(fields), 'utf8')
}

/** The hash a row must carry; an unknown `alg` (a tampered column) hashes to nothing any row carries. */
export function rowHash (f: ChainFields): string {
  if (!isChainAlgorithm(f.alg)) return `unknown-algorithm:${f.alg}`
  return createHash(f.alg).update(encodeRow(f)).digest('hex')
}
