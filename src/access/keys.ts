import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import { LantaiError } from '../errors.js'

// Keys for classified bytes that leave the primary (issue 15 item 7, BRIEF §5: "classified bytes leave
// the primary only encrypted, with a key per tier that the node never sees"). One data key per tier,
// kept in the catalogue only wrapped (AES-256-GCM) under the master key of LANTAI_MASTER_KEY, which is
// configuration, never the repository or the catalogue. docs/keys.md has the format and rotation.
//
// AES-256-GCM, not SM4-GCM: Node's OpenSSL offers sm4-ctr and sm4-ecb but no sm4-gcm, and a GCM of our
// own over sm4-ecb would be unreviewed crypto; the algorithm byte in every header leaves room for it.

export const KEY_ALGORITHM = 'aes-256-gcm'
export type KeyAlgorithm = typeof KEY_ALGORITHM
const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

/** The master key, and the id that names it without revealing it (what a wrapped key records). */
export interface MasterKey { readonly id: string, readonly key: Buffer }

/** A tier's data key, unwrapped: only ever in memory. */
export interface TierKey { readonly id: string, readonly tier: string, readonly algorithm: KeyAlgorithm, readonly key: Buffer }

/** What the catalogue keeps of a tier key. */
export interface WrappedKey { readonly id: string, readonly tier: string, readonly algorithm: KeyAlgorithm, readonly masterKeyId: string, readonly wrapped: string }

const masterKeyId = (key: Buffer): string => createHash('sha256').update('lantai-master-key-id-v1\n').update(key).digest('hex').slice(0, 16)

/**
 * LANTAI_MASTER_KEY: 64 hex digits, or the path of a file holding them (a mounted secret). Throws
 * KEY_MASTER_MISSING when unset, KEY_MASTER_INVALID when it is neither.
 */
export function loadMasterKey (value: string | undefined): MasterKey {
  if (value === undefined || value.trim() === '') throw new LantaiError('KEY_MASTER_MISSING', 'LANTAI_MASTER_KEY')
  let text = value.trim()
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    if (!existsSync(text)) throw new LantaiError('KEY_MASTER_INVALID', 'LANTAI_MASTER_KEY is neither 64 hex digits nor a readable file')
    try {
      text = readFileSync(text, 'utf8').trim()
    } catch (err) {
      throw new LantaiError('KEY_MASTER_INVALID', `LANTAI_MASTER_KEY names ${text}, which cannot be read`, {}, { cause: err })
    }
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new LantaiError('KEY_MASTER_INVALID', 'the file of LANTAI_MASTER_KEY does not hold 64 hex digits')
  }
  const key = Buffer.from(text, 'hex')
  return { id: masterKeyId(key), key }
}

// The wrapped key's identity is bound into the tag: a wrapped key copied onto another tier's row fails.
const wrapAad = (id: string, tier: string): Buffer => Buffer.from(`lantai-tier-key-v1\n${id}\n${tier}`, 'utf8')

/** A fresh data key for `tier`, and its wrapped form for the catalogue. */
export function newTierKey (master: MasterKey, id: string, tier: string): { key: TierKey, wrapped: WrappedKey } {
  const key = randomBytes(KEY_BYTES)
  return { key: { id, tier, algorithm: KEY_ALGORITHM, key }, wrapped: wrap(master, { id, tier, algorithm: KEY_ALGORITHM, key }) }
}

/** The data key under the master key: base64(iv ‖ ciphertext ‖ tag). Rotation of the master key re-wraps with this. */
export function wrap (master: MasterKey, key: TierKey): WrappedKey {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(KEY_ALGORITHM, master.key, iv).setAAD(wrapAad(key.id, key.tier))
  const body = Buffer.concat([cipher.update(key.key), cipher.final()])
  return { id: key.id, tier: key.tier, algorithm: KEY_ALGORITHM, masterKeyId: master.id, wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64') }
}

/** Throws KEY_MASTER_MISMATCH for a key wrapped under another master key, KEY_CIPHERTEXT_INVALID when the wrapped bytes were altered. */
export function unwrap (master: MasterKey, w: WrappedKey): TierKey {
  if (w.masterKeyId !== master.id) throw new LantaiError('KEY_MASTER_MISMATCH', `${w.id} was wrapped under master key ${w.masterKeyId}, LANTAI_MASTER_KEY is ${master.id}`, { keyId: w.id })
  const raw = Buffer.from(w.wrapped, 'base64')
  if (raw.length !== IV_BYTES + KEY_BYTES + TAG_BYTES) throw new LantaiError('KEY_CIPHERTEXT_INVALID', `${w.id}: wrapped key of ${raw.length} bytes`, { keyId: w.id })
  try {
    const decipher = createDecipheriv(KEY_ALGORITHM, master.key, raw.subarray(0, IV_BYTES)).setAAD(wrapAad(w.id, w.tier))
    decipher.setAuthTag(raw.subarray(IV_BYTES + KEY_BYTES))
    const key = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, IV_BYTES + KEY_BYTES)), decipher.final()])
    return { id: w.id, tier: w.tier, algorithm: KEY_ALGORITHM, key }
  } catch (err) {
    throw new LantaiError('KEY_CIPHERTEXT_INVALID', `${w.id}: the wrapped key does not authenticate`, { keyId: w.id }, { cause: err })
  }
}

// The stream format (docs/keys.md): a header, then records of up to CHUNK bytes of plaintext each
// sealed with its own tag (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, 2015):
//   header  = "LTKE" ‖ 0x01 (format) ‖ 0x01 (aes-256-gcm) ‖ u32 chunk size ‖ 7-byte nonce prefix ‖ u8 id length ‖ key id
//   nonce_i = prefix ‖ u32 i ‖ (0x01 on the last record, else 0x00);  AAD = header
// The counter stops reordering, the last-record flag stops truncation at a record boundary, and the
// header as AAD binds the key id and chunk size; memory stays at one record whatever the file size.

const MAGIC = Buffer.from('LTKE', 'ascii')
const FORMAT = 1
const ALGORITHM_BYTE = 1
export const DEFAULT_CHUNK = 64 * 1024
const MAX_CHUNK = 16 * 1024 * 1024

const nonce = (prefix: Buffer, i: number, last: boolean): Buffer => {
  const n = Buffer.alloc(IV_BYTES)
  prefix.copy(n, 0)
  n.writeUInt32BE(i, 7)
  n[11] = last ? 1 : 0
  return n
}

function header (key: TierKey, chunk: number, prefix: Buffer): Buffer {
  const id = Buffer.from(key.id, 'utf8')
  if (id.length > 255) throw new LantaiError('KEY_NOT_FOUND', `key id ${key.id} is too long`)
  const h = Buffer.alloc(4 + 1 + 1 + 4 + 7 + 1 + id.length)
  MAGIC.copy(h, 0)
  h[4] = FORMAT
  h[5] = ALGORITHM_BYTE
  h.writeUInt32BE(chunk, 6)
  prefix.copy(h, 10)
  h[17] = id.length
  id.copy(h, 18)
  return h
}

/** A Transform that encrypts with a tier key: plaintext in, the format above out. */
export function encryptStream (key: TierKey, chunk = DEFAULT_CHUNK): Transform {
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > MAX_CHUNK) throw new RangeError(`chunk size ${chunk}`)
  const prefix = randomBytes(7)
  const aad = header(key, chunk, prefix)
  let pending: Buffer[] = []
  let pendingBytes = 0
  let index = 0
  const seal = (plain: Buffer, last: boolean): Buffer => {
    if (index > 0xffffffff) throw new LantaiError('KEY_CIPHERTEXT_INVALID', 'stream too long for one nonce prefix')
    const cipher = createCipheriv(KEY_ALGORITHM, key.key, nonce(prefix, index++, last)).setAAD(aad)
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
  }
  let started = false
  return new Transform({
    transform (data: Buffer, _enc, done: TransformCallback) {
      if (!started) { this.push(aad); started = true }
      pending.push(data)
      pendingBytes += data.length
      // Strictly more than one record buffered: the last record is only known at flush.
      if (pendingBytes > chunk) {
        let all = Buffer.concat(pending)
        while (all.length > chunk) {
          this.push(seal(all.subarray(0, chunk), false))
          all = all.subarray(chunk)
        }
        pending = [all]
        pendingBytes = all.length
      }
      done()
    },
    flush (done: TransformCallback) {
      if (!started) this.push(aad)
      this.push(seal(Buffer.concat(pending), true))
      done()
    }
  })
}

/**
 * A Transform that decrypts the format above, finding the key by the id in its header (`keyOf` throws
 * KEY_NOT_FOUND for an unknown one). Any altered, reordered, dropped or truncated byte fails the stream
 * with KEY_CIPHERTEXT_INVALID; nothing of a record is released before its tag holds.
 */
export function decryptStream (keyOf: (id: string) => TierKey): Transform {
  let buffered: Buffer = Buffer.alloc(0)
  let state: { key: TierKey, aad: Buffer, prefix: Buffer, record: number } | null = null
  let index = 0
  const fail = (detail: string, cause?: unknown): LantaiError => new LantaiError('KEY_CIPHERTEXT_INVALID', detail, {}, cause === undefined ? undefined : { cause })
  const open = (s: NonNullable<typeof state>, sealed: Buffer, last: boolean): Buffer => {
    if (sealed.length < TAG_BYTES) throw fail('a record shorter than its tag')
    try {
      const decipher = createDecipheriv(KEY_ALGORITHM, s.key.key, nonce(s.prefix, index++, last)).setAAD(s.aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()])
    } catch (err) {
      throw fail(`record ${index - 1} does not authenticate (altered, reordered, truncated, or another key)`, err)
    }
  }
  const readHeader = (): boolean => {
    if (buffered.length < 18) return false
    if (!buffered.subarray(0, 4).equals(MAGIC) || buffered[4] !== FORMAT) throw fail('not a Lantai encrypted stream')
    if (buffered[5] !== ALGORITHM_BYTE) throw fail(`unknown algorithm ${buffered[5] ?? ''}`)
    const idLength = buffered[17] ?? 0
    if (buffered.length < 18 + idLength) return false
    const chunk = buffered.readUInt32BE(6)
    if (chunk < 1 || chunk > MAX_CHUNK) throw fail(`chunk size ${chunk}`)
    const aad = Buffer.from(buffered.subarray(0, 18 + idLength))
    const key = keyOf(aad.subarray(18).toString('utf8'))
    state = { key, aad, prefix: Buffer.from(aad.subarray(10, 17)), record: chunk + TAG_BYTES }
    buffered = buffered.subarray(18 + idLength)
    return true
  }
  return new Transform({
    transform (data: Buffer, _enc, done: TransformCallback) {
      try {
        buffered = buffered.length === 0 ? data : Buffer.concat([buffered, data])
        if (state === null && !readHeader()) { done(); return }
        const s = state as unknown as NonNullable<typeof state>
        while (buffered.length > s.record) {
          this.push(open(s, buffered.subarray(0, s.record), false))
          buffered = buffered.subarray(s.record)
        }
        done()
      } catch (err) {
        done(err as Error)
      }
    },
    flush (done: TransformCallback) {
      try {
        if (state === null && !readHeader()) throw fail('the stream ends inside its header')
        this.push(open(state as unknown as NonNullable<typeof state>, buffered, true))
        done()
      } catch (err) {
        done(err as Error)
      }
    }
  })
}


/** The plaintext length behind `cipherSize` bytes of the format above, from its header (null: not a header). */
export function plaintextSize (head: Buffer, cipherSize: number): number | null {
  if (head.length < 18 || !head.subarray(0, 4).equals(MAGIC) || head[4] !== FORMAT) return null
  const chunk = head.readUInt32BE(6)
  const body = cipherSize - 18 - (head[17] ?? 0)
  if (chunk < 1 || body < TAG_BYTES) return null
  return body - TAG_BYTES * Math.ceil(body / (chunk + TAG_BYTES))
}
