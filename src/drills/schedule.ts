import cron from 'node-cron'
import type { CheckpointSigner } from '../audit/index.js'
import type { Catalogue, Job } from '../catalogue/index.js'
import type { HashPool } from '../hashing/index.js'
import type { Logger } from '../logger.js'
import { findNode } from '../recovery/find-node.js'
import { openNodeStore } from '../replication/index.js'
import { runDrill } from './drill.js'
import type { DrillPolicy } from './policy.js'
import { chooseTarget } from './target.js'

// Drills on the policy's schedule (storage-policies/drills.yaml), once for the whole site. Every process
// that runs jobs ticks the same cron expression, so each tick queues a `drill` job whose subject names the
// tick's slot: the first process to queue it wins, the others find it there (queued, running or already
// done), and whichever worker claims it runs the drill under a lease, as any job; a worker that dies
// mid-drill loses it to a peer. Each drill is a drill row and an event like one run by hand, its agent
// the slot (`schedule:<time>`); a drill that cannot run at all fails its job, and the next slot tries again.

export const DRILL_JOB = 'drill'

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

/**
 * The job subject of one scheduled slot: the tick's time to the second (node-cron ticks on whole seconds),
 * the same in every process whose clock agrees to within the tick.
 */
export const drillSlot = (tick: Date): string => `schedule:${new Date(Math.floor(tick.getTime() / 1000) * 1000).toISOString()}`

export class DrillSchedule {
  readonly #d: DrillScheduleDeps
  constructor (deps: DrillScheduleDeps) { this.#d = deps }

  /** Called when this process queued a drill (the runner's poke). */
  onQueued?: () => void

  /** Queues the drill of the slot ticked at `tick`, unless some process already did (null then). */
  async enqueue (tick: Date): Promise<Job | null> {
    const job = await this.#d.catalogue.jobs.enqueueOnce(DRILL_JOB, drillSlot(tick), { agent: 'schedule' })
    if (job !== null) this.onQueued?.()
    else this.#d.log.debug({ slot: drillSlot(tick) }, 'scheduled drill already queued by a peer')
    return job
  }

  /** Ticks the policy's schedule; null when it is off. */
  schedule (): { stop (): void } | null {
    if (this.#d.policy.schedule === 'off') return null
    const task = cron.schedule(this.#d.policy.schedule, async ctx => {
      try { await this.enqueue(ctx.date) } catch (err) { this.#d.log.error({ err }, 'scheduled drill not queued') }
    }, { name: 'lantai-drills', noOverlap: true })
    return { stop: () => { void task.stop() } }
  }

  readonly runJob = async (job: Job, signal: AbortSignal): Promise<void> => {
    const d = this.#d
    // The drill's agent names its slot. A worker stopped just after the drill was recorded parks the
    // job, and the peer that takes it over must not drill the slot a second time.
    const agent = job.subjectId ?? 'schedule'
    if (await d.catalogue.drills.byAgent(agent) !== null) { d.log.info({ job: job.id, slot: agent }, 'scheduled drill already recorded'); return }
    const target = d.policy.target ?? (await chooseTarget(d.catalogue))?.id
    if (target === undefined) { d.log.warn({ job: job.id }, 'scheduled drill skipped: no node to restore from'); return }
    const node = await findNode(target, { catalogue: d.catalogue, policiesDir: d.policiesDir, env: d.env })
    const { store, close } = openNodeStore(node, { secretOf: name => d.env[name], dataDir: d.dataDir })
    try {
      const { drill } = await runDrill({ catalogue: d.catalogue, source: store, node: node.id, sample: d.policy.sample, scratch: d.scratch, pool: d.pool, signer: d.signer, agent, signal })
      d.log[drill.outcome === 'passed' ? 'info' : 'error']({ job: job.id, drill: drill.id, node: drill.nodeId, outcome: drill.outcome, rtoMs: drill.rtoMs, rpoMs: drill.rpoMs }, 'scheduled drill done')
    } finally {
      close()
    }
  }
}
