import type { Logger } from '../logger.js'

// Progress is reported from stream callbacks, which cannot wait for the catalogue. One write at a time,
// those that come meanwhile dropped (progress is a throttled hint anyway), and the stage's next state
// change waits for the write in flight: a late progress row must never overwrite the stage after it.

export class ProgressWriter {
  #inFlight: Promise<void> | undefined

  constructor (readonly log: Logger) {}

  /** Starts `write` unless one is still in flight; a failure is logged, never thrown into the stream. */
  note (write: () => Promise<unknown>): void {
    if (this.#inFlight !== undefined) return
    this.#inFlight = write()
      .then(() => {}, (err: unknown) => { this.log.warn({ err }, 'progress not recorded') })
      .finally(() => { this.#inFlight = undefined })
  }

  /** Resolves once no progress write is in flight. */
  async settled (): Promise<void> {
    await this.#inFlight
  }
}
