import cron from 'node-cron'
import type { CheckpointSigner } from '../audit/index.js'
import type { Catalogue } from '../catalogue/index.js'
import type { HashPool } from '../hashing/index.js'
import type { Logger } from '../logger.js'
import { findNode } from '../recovery/find-node.js'
import { openNodeStore } from '../replication/index.js'
import { runDrill } from './drill.js'
import type { DrillPolicy } from './policy.js'
import { chooseTarget } from './target.js'

// Drills on the policy's schedule (storage-policies/drills.yaml): one at a time (noOverlap), each a
// drill row and an event like one run by hand; a failure to run at all is logged and retried next tick.

export interface DrillScheduleDeps {
  catalogue: Catalogue
  policy: DrillPolicy
  policiesDir: string
  dataDir: string
  scratch: string
  pool: HashPool
  signer: CheckpointSigner | null
  env: Readonly<Record<string, string | undefined>>
  log: Logger
}

export function scheduleDrills (d: DrillScheduleDeps): { stop (): void } | null {
  if (d.policy.schedule === 'off') return null
  const task = cron.schedule(d.policy.schedule, async () => {
    try {
      const target = d.policy.target ?? (await chooseTarget(d.catalogue))?.id
      if (target === undefined) { d.log.warn('scheduled drill skipped: no node to restore from'); return }
      const node = await findNode(target, { catalogue: d.catalogue, policiesDir: d.policiesDir, env: d.env })
      const { store, close } = openNodeStore(node, { secretOf: name => d.env[name], dataDir: d.dataDir })
      try {
        const { drill } = await runDrill({ catalogue: d.catalogue, source: store, node: node.id, sample: d.policy.sample, scratch: d.scratch, pool: d.pool, signer: d.signer, agent: 'schedule' })
        d.log[drill.outcome === 'passed' ? 'info' : 'error']({ drill: drill.id, node: drill.nodeId, outcome: drill.outcome, rtoMs: drill.rtoMs, rpoMs: drill.rpoMs }, 'scheduled drill done')
      } finally {
        close()
      }
    } catch (err) {
      d.log.error({ err }, 'scheduled drill did not run')
    }
  }, { name: 'lantai-drills', noOverlap: true })
  return { stop: () => { void task.stop() } }
}
