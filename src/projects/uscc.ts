// 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters of a 31-character alphabet
// (0-9 and the capitals without I, O, S, V, Z, so none is misread as a digit). Position 1 is the
// registering authority, 2 the kind of organisation, 3-8 the administrative division, 9-17 the
// organisation code, 18 a check character over the first 17: weights 3^i mod 31, check = 31 - (Σ mod 31),
// where 31 becomes 0.

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export type UsccProblem = 'length' | 'character' | 'division' | 'check-digit'

/** The check character for the first 17 characters of a code (which must be of the alphabet). */
export function usccCheckCharacter (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i] ?? '') * (WEIGHTS[i] ?? 0)
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] ?? ''
}

/** Why `code` is not a unified social credit code, or null when it is one. Lower case is not accepted: the code is printed in capitals. */
export function usccProblem (code: string): UsccProblem | null {
  if (code.length !== 18) return 'length'
  for (const c of code) if (!USCC_ALPHABET.includes(c)) return 'character'
  // the administrative division (GB/T 2260) is six digits
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'division'
  return usccCheckCharacter(code.slice(0, 17)) === code[17] ? null : 'check-digit'
}

export const isUscc = (code: string): boolean => usccProblem(code) === null
