import type { Catalogue } from '../catalogue/index.js'
import type { Ingest } from '../ingest/ingest.js'
import { releaseDeadHolders } from '../jobs/lease.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { pidAlive } from '../process-liveness.js'

// With peers sharing the catalogue, recovery at start is not enough: a peer killed while this process
// runs leaves an upload receiving and leases held, and nobody restarts in its place. Every live process
// looks now and then (JobRunner does the same for jobs, see its orphanSweepMs): uploads whose receiver
// is gone fail, and leases of this host's dead processes are released, so the transfers they blocked go
// on at once. Another host's dead process is noticed when its lease runs out.

/** How often a process sharing the catalogue looks for what a dead peer left (and JobRunner's orphanSweepMs). */
export const PEER_SWEEP_MS = 2_000

export interface PeerSweepDeps {
  catalogue: Catalogue
  ingest: Ingest
  log: Logger
  metrics?: Metrics
  everyMs?: number
}

/** Starts the sweep; stop() waits for a sweep under way. */
export function startPeerSweep (deps: PeerSweepDeps): { stop (): Promise<void> } {
  let running: Promise<void> = Promise.resolve()
  const sweep = async (): Promise<void> => {
    try {
      // Uploads first: their receive leases tell a dead receiver, and releasing dead holders removes them.
      const failed = await deps.ingest.failAbandonedUploads()
      if (failed.length > 0) deps.log.warn({ submissions: failed }, 'uploads of a receiver that is gone failed')
      const freed = await releaseDeadHolders(deps.catalogue.locks, pidAlive, false)
      for (const _ of freed) deps.metrics?.leaseTakenOver('lock', 'holder_gone')
      if (freed.length > 0) deps.log.info({ leases: freed }, 'leases of a process that is gone released')
    } catch (err) {
      deps.log.warn({ err }, 'peer sweep failed; trying again at the next')
    }
  }
  const timer = setInterval(() => { running = running.then(sweep) }, deps.everyMs ?? PEER_SWEEP_MS)
  timer.unref()
  return {
    stop: async () => {
      clearInterval(timer)
      await running
    }
  }
}
