import type { StorageNode } from '../catalogue/index.js'

// The queue's rules, said once: how many copies run on one node at a time, how long a failed copy waits
// before it is tried again, when it is given up, and when a copy's own fixity check falls due by the
// node's class (research-preservation.md §10 lesson 4: each (object, node) pair has its own schedule).

export interface QueueSettings {
  /** tasks running at once in this worker */
  concurrency: number
  /** tasks running at once on one node, over every worker sharing the catalogue */
  perNode: number
  leaseMs: number
  /** attempts before a transient failure stops being retried and the task is failed */
  maxAttempts: number
  /** the first retry's wait; each later one doubles it, up to backoffMaxMs */
  backoffMs: number
  backoffMaxMs: number
  /** how often the queue looks for new stored versions and due tasks when idle */
  idleMs: number
}

export const DEFAULT_QUEUE: QueueSettings = { concurrency: 4, perNode: 2, leaseMs: 60_000, maxAttempts: 8, backoffMs: 5_000, backoffMaxMs: 3_600_000, idleMs: 1_000 }

/** When attempt `attempts` (1 = the first failure) may be tried again. */
export const backoffUntil = (now: Date, attempts: number, s: Pick<QueueSettings, 'backoffMs' | 'backoffMaxMs'>): Date =>
  new Date(now.getTime() + Math.min(s.backoffMaxMs, s.backoffMs * 2 ** Math.max(0, attempts - 1)))

const DAY_MS = 86_400_000

/**
 * Days between checks of a copy, by the node's media: disks are cheap to read and fail quietly, so they
 * are read back often; tape and optical media wear with each read and are read back rarely. A node
 * reached over the network costs WAN traffic per check, so S3 nodes wait longer than local ones.
 */
export const CHECK_DAYS: Readonly<Record<string, number>> = { tape: 365, optical: 365, disk: 90, ssd: 90 }
const DEFAULT_CHECK_DAYS = 180
const REMOTE_FACTOR = 2

export function checkIntervalDays (node: Pick<StorageNode, 'media' | 'kind'>): number {
  const days = CHECK_DAYS[node.media] ?? DEFAULT_CHECK_DAYS
  return node.kind === 's3' ? days * REMOTE_FACTOR : days
}

/** A copy's next check after one at `now`. */
export const nextCheckOf = (node: Pick<StorageNode, 'media' | 'kind'>, now: Date): string => new Date(now.getTime() + checkIntervalDays(node) * DAY_MS).toISOString()
