// Progress for long jobs on a terminal's stderr (stdout stays the report). Silent when stderr is not a
// TTY, so scripts and CI logs get the report only.

const MiB = 1024 * 1024

export interface ProgressLine {
  update (text: string): void
  done (): void
}

export function progressLine (stream: NodeJS.WriteStream = process.stderr, everyMs = 100): ProgressLine {
  if (stream.isTTY !== true) return { update () {}, done () {} }
  let last = 0
  let shown = false
  return {
    update (text) {
      const now = Date.now()
      if (now - last < everyMs) return
      last = now
      shown = true
      stream.write(`\r\x1b[2K${text}`)
    },
    done () { if (shown) stream.write('\r\x1b[2K') }
  }
}

export function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 * MiB) return `${(n / MiB).toFixed(1)} MiB`
  return `${(n / 1024 / MiB).toFixed(2)} GiB`
}

export function rate (bytes: number, ms: number): string {
  return ms <= 0 ? '' : `${formatBytes(bytes / (ms / 1000))}/s`
}
