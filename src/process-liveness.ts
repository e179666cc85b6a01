import { hostname } from 'node:os'

// Several Lantai processes share one catalogue and one data directory (docs/decisions/0005-processes.md).
// Whatever one of them leaves behind (a lease, a staging file, an upload) names its writer as host and
// pid, so a peer can tell a crashed writer's leftovers from a live writer's work. Only a writer on this
// host can be judged at once: another host's pids are not visible here, so its leftovers wait for their
// lease to run out (or for an age no live writer reaches).

/** Whether a pid of this host is running (EPERM: it is, under another user). */
export function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** True only when `host` is this host and `pid` runs no process: a writer known to be dead. */
export function writerGone (host: string, pid: number, alive: (pid: number) => boolean = pidAlive): boolean {
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false
  return pid !== process.pid && !alive(pid)
}

/** Host and pid of a `host:pid:…` holder name (jobs/lease.ts holderName, JobRunner.owner); null if it is none. */
export function parseHolder (holder: string): { host: string, pid: number } | null {
  const m = /^([^:]+):(\d+)(?::|$)/.exec(holder)
  return m === null ? null : { host: m[1] as string, pid: Number(m[2]) }
}
