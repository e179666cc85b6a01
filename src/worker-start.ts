import { Worker, type ResourceLimits } from 'node:worker_threads'

// Starting a worker thread whose entry sits beside its caller, the same way from TypeScript sources
// under tsx (tests, benches) and from dist/*.js (the CLI and the service). The hash pool and the seal
// verifier pool both start theirs here.

// A worker needs only the flags that decide how modules load (loader hooks, conditions, source maps):
// per-process flags (`--max-old-space-size`, `--expose-gc`, …) make it refuse to start
// (ERR_WORKER_INVALID_EXEC_ARGV), and `--input-type` of `node -e` would make it refuse its file entry.
const WORKER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--enable-source-maps', '--no-warnings'])
const EXEC_ARGV = workerFlags(process.execArgv)

/** The flags of `argv` a worker may take, each with its value when it has one. */
export function workerFlags (argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    const name = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a
    if (!WORKER_FLAGS.has(name)) continue
    out.push(a)
    const takesValue = name !== '--enable-source-maps' && name !== '--no-warnings' && !a.includes('=')
    if (takesValue && i + 1 < argv.length) out.push(argv[++i] ?? '')
  }
  return out
}

/** `argv` without `flag` (as `--flag=value` or `--flag value`) where `drop(value)`. */
export function withoutFlag (argv: readonly string[], flag: string, drop: (value: string) => boolean): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    if (a.startsWith(flag + '=') && drop(a.slice(flag.length + 1))) continue
    if (a === flag && i + 1 < argv.length && drop(argv[i + 1] ?? '')) { i++; continue }
    out.push(a)
  }
  return out
}

export interface StartWorkerOptions { workerData?: unknown, resourceLimits?: ResourceLimits }

/** A worker running `entry` (a URL ending in .ts under tsx, .js in dist/). */
export function startWorker (entry: URL, options: StartWorkerOptions = {}): Worker {
  const { workerData, resourceLimits } = options
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, execArgv: EXEC_ARGV, resourceLimits })
  // Node 20 does not apply `--import tsx` loader hooks inside workers (nodejs/node#47747), although the
  // flag is inherited, so a worker running from sources registers tsx itself before loading its entry.
  let tsx: string
  try {
    tsx = import.meta.resolve('tsx/esm/api')
  } catch {
    return new Worker(entry, { workerData, execArgv: EXEC_ARGV, resourceLimits }) // a runtime that strips types by itself
  }
  const boot = `import(${JSON.stringify(tsx)}).then(m => { m.register(); return import(${JSON.stringify(entry.href)}) })`
  // The inherited `--import tsx` would only load tsx a second time, for nothing.
  const execArgv = withoutFlag(EXEC_ARGV, '--import', v => v === 'tsx' || v.startsWith('tsx/'))
  return new Worker(boot, { eval: true, workerData, execArgv, resourceLimits })
}
