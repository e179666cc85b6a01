import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Catalogue } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { pidAlive } from '../process-liveness.js'

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
 * Leases held by processes of this host that are gone (a kill -9, a power cut) are released at once
 * rather than left to run out, so a resumed transfer does not wait a whole lease for a dead holder. A
 * lease of another host is left alone: its pid cannot be checked from here. At start (`atStart`), a
 * lease in this process's own pid is an earlier process's (a container restarted as pid 1); a peer's
 * periodic sweep (service/peer-sweep.ts) runs beside this process's own work and leaves it alone.
 */
export async function releaseDeadHolders (locks: Catalogue['locks'], alive: (pid: number) => boolean = pidAlive, atStart = true): Promise<string[]> {
  const released: string[] = []
  const host = hostname()
  for (const lease of await locks.all()) {
    const [h, pid] = lease.holder.split(':')
    if (h !== host || pid === undefined || !/^\d+$/.test(pid)) continue
    if (Number(pid) === process.pid ? !atStart : alive(Number(pid))) continue
    await locks.release(lease.name, lease.holder)
    released.push(lease.name)
  }
  return released
}

/** A lease held and renewed until released; `signal` aborts with LOCK_LOST if a renewal finds it lost. */
export interface HeldLease {
  readonly signal: AbortSignal
  /** Stops renewing and gives the lease up (if it is still ours). Idempotent. */
  release (): Promise<void>
}

/**
 * Waits for `name` (or the signal), then holds it: renewed every third of the ttl until released. For
 * work that spans more than one call (an upload, from its first byte to its record in the catalogue).
 */
export async function holdLease (locks: Catalogue['locks'], name: string, holder: string, options: LeaseOptions = {}): Promise<HeldLease> {
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
  let released: Promise<void> | undefined
  return {
    signal: options.signal === undefined ? lost.signal : AbortSignal.any([options.signal, lost.signal]),
    release: async () => {
      released ??= (async () => {
        clearInterval(renewal)
        await renewing // settled, never rejects: a renewal in flight must not land after the release
        await locks.release(name, holder)
      })()
      await released
    }
  }
}

/**
 * Runs `work` while holding `name`. Waits for the lease (or the signal); if a renewal finds the lease
 * lost, the signal handed to `work` aborts with LOCK_LOST, and whatever work wrote must not be committed.
 */
export async function withLease<T> (locks: Catalogue['locks'], name: string, holder: string, work: (signal: AbortSignal) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
  const lease = await holdLease(locks, name, holder, options)
  try {
    return await work(lease.signal)
  } finally {
    await lease.release()
  }
}
