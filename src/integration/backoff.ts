// Exponential backoff with jitter for webhook retries: the nth failed attempt waits base·2^(n−1), capped,
// and then a random part of that ("equal jitter": half fixed, half random), so a receiver that comes back
// after an outage is not hit by every waiting delivery in the same second, and no retry comes sooner than
// half its step.

export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

/** The pause after failed attempt `attempt` (1 for the first); `random` in [0, 1) is injected by tests. */
export function backoffMs (policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)))
  return Math.round(step / 2 + random() * step / 2)
}
