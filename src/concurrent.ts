// One bounded worker loop for "do this to every item, n at a time": file operations that each wait on the
// thread pool (links, stats, fsyncs, seal sniffs) overlap, without one promise per item all at once.

/**
 * Runs `fn` on every item, at most `concurrency` at a time, in order of start. The first failure stops
 * new items from starting and rejects once the ones already running have settled: a caller that cleans
 * up after a failure (removes a half-written object, a staging directory) must not race a write still
 * in flight.
 */
export async function eachConcurrently<T> (items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { err: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      try {
        await fn(items[next++] as T)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
  if (failure !== undefined) throw failure.err
}
