import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parse } from 'yaml'
import { LantaiError } from '../errors.js'
import { SUPPORTED_ALGORITHMS } from '../hashing/index.js'

export const FixityPolicy = Type.Object({
  schedule: Type.String({ minLength: 1 }),
  maxAgeDays: Type.Number({ exclusiveMinimum: 0 }),
  batch: Type.Object({ files: Type.Integer({ minimum: 1 }), bytes: Type.Integer({ minimum: 1 }) }),
  rateBytesPerSecond: Type.Integer({ minimum: 1 }),
  graceSeconds: Type.Number({ minimum: 0 }),
  /**
   * The one digest a round checks (issue 13): sha512, the OCFL content address, by default; sm3, or any
   * algorithm a bag may declare. A content that does not keep it is checked by sha512.
   * `lantai fixity run --all-digests` checks every kept digest instead.
   */
  algorithm: Type.Optional(Type.String({ default: 'sha512' }))
})
export type FixityPolicy = Static<typeof FixityPolicy>

export const DEFAULT_FIXITY_POLICY: FixityPolicy = {
  schedule: '*/10 * * * *', maxAgeDays: 90, batch: { files: 2000, bytes: 4 * 1024 ** 3 }, rateBytesPerSecond: 200 * 1024 ** 2, graceSeconds: 60, algorithm: 'sha512'
}

/** storage-policies/fixity.yaml, checked; every bad value named at once. */
export async function loadFixityPolicy (policiesDir: string): Promise<FixityPolicy> {
  const file = join(policiesDir, 'fixity.yaml')
  let data: unknown
  try {
    data = parse(await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_FIXITY_POLICY
    throw new LantaiError('CONFIG_INVALID', `${file}: ${(err as Error).message}`)
  }
  const merged = Value.Default(FixityPolicy, structuredClone(data ?? {}))
  const problems = [...Value.Errors(FixityPolicy, merged)].map(e => `${e.path || '/'}: ${e.message}`)
  const algorithm = (merged as { algorithm?: unknown }).algorithm
  if (typeof algorithm === 'string' && !SUPPORTED_ALGORITHMS.includes(algorithm)) {
    problems.push(`/algorithm: ${algorithm} is not a digest Lantai can keep (one of ${SUPPORTED_ALGORITHMS.join(', ')})`)
  }
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', `${file}: ${problems.join('; ')}`)
  return merged as FixityPolicy
}
