// One bounded worker loop for "do this to every item, n at a time": file operations that each wait on the
// thread pool (links, stats, fsyncs, seal sniffs) overlap, without one promise per item all at once.

/** Runs `fn` on every item, at most `concurrency` at a time, in order of start; the first failure rejects. */
export async function eachConcurrently<T> (items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
}
