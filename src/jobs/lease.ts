import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Catalogue } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'

// Work that must run alone across every worker sharing a catalogue (writing one OCFL object) holds a
// lease in the catalogue for as long as it runs. The lease is renewed while the work goes on; a worker
// that dies stops renewing and its lease runs out, so a crash never leaves the object locked for good.

export interface LeaseOptions {
  /** How long a lease lasts without renewal; renewed every third of it. Default 60 s. */
  ttlMs?: number
  /** Pause between attempts while someone else holds it. Default 250 ms. */
  pollMs?: number
  signal?: AbortSignal
  /** Called when the lease was taken from a holder whose lease had run out (a metrics counter). */
  onTakeover?: (from: string) => void
}

/** A holder name unique to this process and piece of work, readable in the locks table. */
export const holderName = (work: string): string => `${hostname()}:${process.pid}:${work}`

/**
 * At start: leases held by processes of this host that are gone (a kill -9, a power cut) are released
 * at once rather than left to run out, so a resumed transfer does not wait a whole lease for a dead
 * holder. A lease of another host is left alone: its pid cannot be checked from here.
 */
export async function releaseDeadHolders (locks: Catalogue['locks'], alive: (pid: number) => boolean = isAlive): Promise<string[]> {
  const released: string[] = []
  const host = hostname()
  for (const lease of await locks.all()) {
    const [h, pid] = lease.holder.split(':')
    // Called before this process starts any work, so a lease in its own pid is an earlier process's
    // (a container restarted as pid 1).
    if (h !== host || pid === undefined || !/^\d+$/.test(pid) || (Number(pid) !== process.pid && alive(Number(pid)))) continue
    await locks.release(lease.name, lease.holder)
    released.push(lease.name)
  }
  return released
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // someone else's process, but alive
  }
}

/**
 * Runs `work` while holding `name`. Waits for the lease (or the signal); if a renewal finds the lease
 * lost, the signal handed to `work` aborts with LOCK_LOST, and whatever work wrote must not be committed.
 */
export async function withLease<T> (locks: Catalogue['locks'], name: string, holder: string, work: (signal: AbortSignal) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
  const ttl = options.ttlMs ?? 60_000
  const poll = options.pollMs ?? 250
  // Who held it just before: tryAcquire takes another holder's lease only once it has run out.
  let previous = (await locks.get(name))?.holder
  while (!await locks.tryAcquire(name, holder, ttl)) {
    options.signal?.throwIfAborted()
    try {
      await sleep(poll, undefined, options.signal === undefined ? {} : { signal: options.signal })
    } catch (err) {
      options.signal?.throwIfAborted() // the caller's reason, not the timer's AbortError
      throw err
    }
    previous = (await locks.get(name))?.holder
  }
  if (previous !== undefined && previous !== holder) options.onTakeover?.(previous)
  const lost = new AbortController()
  // One renewal at a time: a slow catalogue must not stack renewals up. A renewal that fails outright
  // cannot prove the lease is still ours, so the work stops as if it had been lost.
  let renewing: Promise<void> | undefined
  const renew = async (): Promise<void> => {
    try {
      if (!await locks.renew(name, holder, ttl)) lost.abort(new LantaiError('LOCK_LOST', `${name} was taken over by ${(await locks.get(name))?.holder ?? 'nobody'}`))
    } catch (err) {
      lost.abort(err)
    }
  }
  const renewal = setInterval(() => {
    if (renewing !== undefined || lost.signal.aborted) return
    renewing = renew().finally(() => { renewing = undefined })
  }, Math.max(1, Math.floor(ttl / 3)))
  renewal.unref()
  const signal = options.signal === undefined ? lost.signal : AbortSignal.any([options.signal, lost.signal])
  try {
    return await work(signal)
  } finally {
    clearInterval(renewal)
    await renewing // settled, never rejects: a renewal in flight must not land after the release
    await locks.release(name, holder)
  }
}
