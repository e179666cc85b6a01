import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import cron from 'node-cron'
import { parse } from 'yaml'
import { LantaiError } from '../errors.js'

// storage-policies/drills.yaml: when drills run by themselves. Off unless the center turns it on: a drill
// reads a sample back from a remote node, which costs that node's bandwidth (docs/recovery.md).

export const DrillPolicy = Type.Object({
  schedule: Type.String({ minLength: 1, default: 'off', description: "a cron expression (e.g. '30 2 * * *', daily at 02:30), or 'off'" }),
  sample: Type.Integer({ minimum: 1, maximum: 1000, default: 3, description: 'packages restored per drill' }),
  target: Type.Optional(Type.String({ minLength: 1, description: 'the node to restore from; default: the first active node that is not the primary' }))
}, { additionalProperties: false })
export type DrillPolicy = Static<typeof DrillPolicy>

export const DEFAULT_DRILL_POLICY: DrillPolicy = { schedule: 'off', sample: 3 }

export async function loadDrillPolicy (policiesDir: string): Promise<DrillPolicy> {
  const file = join(policiesDir, 'drills.yaml')
  let data: unknown
  try {
    data = parse(await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_DRILL_POLICY
    throw new LantaiError('CONFIG_INVALID', `${file}: ${(err as Error).message}`)
  }
  const merged = Value.Default(DrillPolicy, structuredClone(data ?? {}))
  const problems = [...Value.Errors(DrillPolicy, merged)].map(e => `${e.path || '/'}: ${e.message}`)
  const schedule = (merged as { schedule?: unknown }).schedule
  if (typeof schedule === 'string' && schedule !== 'off' && !cron.validate(schedule)) problems.push(`/schedule: ${schedule} is not a cron expression`)
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', `${file}: ${problems.join('; ')}`)
  return merged as DrillPolicy
}
