import { randomBytes } from 'node:crypto'

// ULID-like ids (https://github.com/ulid/spec): 10 Crockford base32 characters of milliseconds, then
// 16 of randomness, so ids sort by creation time and `ORDER BY id` is `ORDER BY created_at`. Within one
// millisecond the generator increments the random part, so ids from one catalogue stay strictly ordered.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

export type IdPrefix = 'sub' | 'pkg' | 'job' | 'tok' | 'evt' | 'dlv' | 'acc' | 'ses' | 'crq' | 'apl' | 'dec' | 'apr' | 'cmt' | 'crd' | 'rpl' | 'drl' | 'tky'

export type IdFactory = (prefix: IdPrefix, at: Date) => string

function encodeTime (ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out
    ms = Math.floor(ms / 32)
  }
  return out
}

export function createIdFactory (): IdFactory {
  let lastMs = -1
  let last: number[] = []
  return (prefix, at) => {
    const ms = Math.max(at.getTime(), lastMs)
    if (ms === lastMs) {
      // increment the 80-bit random part as a base-32 number; overflow in one ms is 2^80 ids away
      let i = last.length - 1
      while (i >= 0 && last[i] === 31) last[i--] = 0
      if (i >= 0) last[i] = (last[i] ?? 0) + 1
    } else {
      lastMs = ms
      last = [...randomBytes(16)].map(b => b & 31)
    }
    return `${prefix}_${encodeTime(ms)}${last.map(d => ALPHABET[d]).join('')}`
  }
}
