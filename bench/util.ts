// Helpers every part of `npm run bench` shares: running commands, tracking the children to kill on the
// way out, medians and percentiles, and the plain-text tables.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const MiB = 1024 * 1024
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Every child still running: killed on exit, so a Ctrl-C leaves no service listening. */
const live = new Set<ChildProcess>()

export function track (child: ChildProcess): ChildProcess {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** Synchronous, for process.on('exit'). */
export function killAll (): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

/** Runs a command to completion; stdout is returned, or thrown away when `discard`. */
export function run (cmd: string, argv: readonly string[], cwd: string, discard = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, argv, { cwd, stdio: ['ignore', discard ? 'ignore' : 'pipe', 'inherit'] }))
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (s: string) => { out += s })
    child.on('error', reject)
    child.on('close', code => {
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`))
    })
  })
}

/** `sh -c script` in cwd, output thrown away (coreutils peers). */
export function sh (script: string, cwd: string): Promise<string> {
  return run('sh', ['-c', script], cwd, true)
}

/** Reads every file under dir once, so the timed side reads from memory, not the disk. */
export async function warm (dir: string): Promise<void> {
  await sh('find . -type f -print0 | xargs -0 cat > /dev/null', dir)
}

/** A port nobody listens on right now (the service is told it through LANTAI_PORT). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}

export function progress (message: string): void { process.stderr.write(`\r\x1b[K${message}`) }

export function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : Math.round(((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2)
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile (xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0
}

export function fmtBytes (n: number): string {
  return n >= 1024 * MiB ? `${(n / 1024 / MiB).toFixed(2)} GiB` : `${(n / MiB).toFixed(0)} MiB`
}

/** MB/s in decimal megabytes, as disk and network rates are usually quoted. */
export function mbps (bytes: number, ms: number): number { return ms > 0 ? bytes / 1e6 / (ms / 1000) : 0 }

export function printTable (table: readonly string[][]): void {
  const widths = (table[0] ?? []).map((_, c) => Math.max(...table.map(r => (r[c] ?? '').length)))
  for (const [i, r] of table.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd())
    if (i === 0) console.log(widths.map(w => '-'.repeat(w)).join('  '))
  }
}
