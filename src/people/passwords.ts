import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { LantaiError } from '../errors.js'

// Passwords are kept as scrypt hashes (RFC 7914), each with its own salt and the parameters it was made
// with, so the cost can be raised later without making old hashes unreadable:
//   scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
// N = 2^15, r = 8 costs 32 MiB and some tens of milliseconds per check: a guess is dear, and the lockout
// (accounts.ts) bounds how many guesses an account ever takes. The memory is bounded per check, so a
// burst of logins cannot take the service's memory the way a larger N would.

const COST = { N: 2 ** 15, r: 8, p: 1 } as const
const KEY_BYTES = 32
const SALT_BYTES = 16
const MIN_LENGTH = 12
const MAX_LENGTH = 1024
const FORM = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/

const derive = async (password: string, salt: Buffer, keyBytes: number, cost: ScryptOptions): Promise<Buffer> => await new Promise((resolve, reject) => {
  // maxmem must exceed 128 * N * r, the memory scrypt needs; node's default (32 MiB) is exactly that
  scrypt(password.normalize('NFC'), salt, keyBytes, { ...cost, maxmem: 256 * (cost.N ?? 1) * (cost.r ?? 1) }, (err, key) => { if (err === null) resolve(key); else reject(err) })
})

/** Throws PASSWORD_WEAK for a password too short to resist guessing, or too long to hash cheaply. */
export function checkPasswordRules (password: string): void {
  const length = [...password].length
  if (length < MIN_LENGTH || length > MAX_LENGTH) throw new LantaiError('PASSWORD_WEAK', `${length} characters`, { length, min: MIN_LENGTH, max: MAX_LENGTH })
}

export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, KEY_BYTES, COST)
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

let dummy: Promise<string> | null = null
/** A hash no password matches, checked for unknown logins so they take as long as known ones. */
export const dummyHash = async (): Promise<string> => await (dummy ??= hashPassword(randomBytes(32).toString('base64')))

/** Compares in constant time; a malformed stored hash matches nothing. */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const m = FORM.exec(stored)
  if (m === null) return false
  const expected = Buffer.from(m[5] ?? '', 'base64')
  const key = await derive(password, Buffer.from(m[4] ?? '', 'base64'), expected.length, { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
