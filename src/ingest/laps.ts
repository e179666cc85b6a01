import { performance } from 'node:perf_hooks'

// Where a stage spent its time, logged with it: an operator whose ingest is slow sees which part.

/** `lap(name)` records the milliseconds since the previous lap (or the start); `ms` holds them all. */
export function laps (): { lap: (name: string) => void, ms: Record<string, number> } {
  const ms: Record<string, number> = {}
  let at = performance.now()
  return {
    ms,
    lap: name => {
      const now = performance.now()
      ms[name] = Math.round(now - at)
      at = now
    }
  }
}
