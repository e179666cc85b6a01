import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parse } from 'yaml'
import { LantaiError } from '../errors.js'

export const FixityPolicy = Type.Object({
  schedule: Type.String({ minLength: 1 }),
  maxAgeDays: Type.Number({ exclusiveMinimum: 0 }),
  batch: Type.Object({ files: Type.Integer({ minimum: 1 }), bytes: Type.Integer({ minimum: 1 }) }),
  rateBytesPerSecond: Type.Integer({ minimum: 1 }),
  graceSeconds: Type.Number({ minimum: 0 })
})
export type FixityPolicy = Static<typeof FixityPolicy>

export const DEFAULT_FIXITY_POLICY: FixityPolicy = {
  schedule: '*/10 * * * *', maxAgeDays: 90, batch: { files: 2000, bytes: 4 * 1024 ** 3 }, rateBytesPerSecond: 200 * 1024 ** 2, graceSeconds: 60
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
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', `${file}: ${problems.join('; ')}`)
  return merged as FixityPolicy
}
