// npm run bench [-- --big] [-- --runs=N]
// Builds synthetic BagIt 1.0 bags in a temp dir, then times our validator (in a child process, for an
// honest peak RSS) against coreutils: `sha256sum -c` then `sha512sum -c`, which is what an archivist
// would otherwise run. Targets: peer/validator ≥ 1.5 and validator peak RSS < 256 MB. See README.md.
import { spawn } from 'node:child_process'
import { createHash, randomFillSync, type Hash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const MiB = 1024 * 1024
const RATIO_TARGET = 1.5
const RSS_TARGET_MB = 256
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..')

interface BagSpec {
  readonly name: string
  /** Bytes of data/big.bin; 0 for none. */
  readonly bigBytes: number
  readonly smallFiles: number
  readonly smallBytes: number
  readonly filesPerDir: number
}

const CASES: readonly BagSpec[] = [
  { name: '1 GiB: 512 MiB file + 10,000 files', bigBytes: 512 * MiB, smallFiles: 10_000, smallBytes: 512 * MiB, filesPerDir: 100 }
]
const BIG_CASE: BagSpec = { name: '200,000 files of ~1 KiB', bigBytes: 0, smallFiles: 200_000, smallBytes: 200_000 * 1024, filesPerDir: 200 }

interface Entry { readonly path: string, readonly sha256: string, readonly sha512: string }
interface Built { readonly dir: string, readonly bytes: number, readonly files: number }
interface ValidatorRun { valid: boolean, errors: number, ms: number, maxRssMB: number, wallMs: number }

const args = process.argv.slice(2)
const runs = Number(args.find(a => a.startsWith('--runs='))?.slice('--runs='.length) ?? 3)
const cases = args.includes('--big') ? [...CASES, BIG_CASE] : CASES
const root = await mkdtemp(join(tmpdir(), 'lantai-bench-'))

// 2 GiB of test bags must not outlive the bench, whether it ends, fails or is interrupted.
const cleanUp = (): void => { rmSync(root, { recursive: true, force: true }) }
process.on('exit', cleanUp)
process.on('SIGINT', () => { process.exit(130) })
process.on('SIGTERM', () => { process.exit(143) })

const rows: string[][] = []
let invalid = false
for (const [i, spec] of cases.entries()) {
  const bag = await buildBag(join(root, `bag${i}`), spec)
  progress(`warming the page cache for ${spec.name}`)
  await run('sh', ['-c', 'find . -type f -print0 | xargs -0 cat > /dev/null'], bag.dir)
  const ours: ValidatorRun[] = []
  const peer: number[] = []
  for (let r = 1; r <= runs; r++) {
    progress(`${spec.name}: run ${r} of ${runs}`)
    const v = await validate(bag.dir)
    if (!v.valid) invalid = true
    ours.push(v)
    peer.push(await peerCheck(bag.dir))
  }
  const ms = median(ours.map(v => v.ms))
  const peerMs = median(peer)
  const rss = Math.max(...ours.map(v => v.maxRssMB))
  const ratio = peerMs / ms
  rows.push([
    spec.name, fmtBytes(bag.bytes), String(bag.files), String(ms), String(median(ours.map(v => v.wallMs))), String(peerMs),
    `${ratio.toFixed(2)} ${ratio >= RATIO_TARGET ? 'PASS' : 'FAIL'}`, `${rss} ${rss < RSS_TARGET_MB ? 'PASS' : 'FAIL'}`,
    ours.every(v => v.valid) ? 'yes' : `NO (${Math.max(...ours.map(v => v.errors))} errors)`
  ])
  rmSync(bag.dir, { recursive: true, force: true })
}
process.stderr.write('\n')

console.log(`median of ${runs} runs; peer = sha256sum -c manifest-sha256.txt, then sha512sum -c manifest-sha512.txt`)
printTable([
  ['bag', 'bytes', 'files', 'validator ms', 'child wall ms', 'peer ms', `peer/validator (≥${RATIO_TARGET})`, `peak RSS MB (<${RSS_TARGET_MB})`, 'valid'],
  ...rows
])
process.exitCode = invalid ? 1 : 0

async function buildBag (dir: string, spec: BagSpec): Promise<Built> {
  const entries: Entry[] = []
  await mkdir(join(dir, 'data'), { recursive: true })
  if (spec.bigBytes > 0) entries.push(await writeBig(join(dir, 'data', 'big.bin'), 'data/big.bin', spec.bigBytes))

  // Sizes vary ±80% around the mean, scaled so they add up to smallBytes.
  const weights = Array.from({ length: spec.smallFiles }, () => 0.2 + Math.random() * 1.6)
  const scale = spec.smallBytes / weights.reduce((a, b) => a + b, 0)
  const sizes = weights.map(w => Math.floor(w * scale))
  const buffer = Buffer.allocUnsafe(Math.max(...sizes, 1))
  for (let i = 0; i < spec.smallFiles; i++) {
    const sub = `d${String(Math.floor(i / spec.filesPerDir)).padStart(4, '0')}`
    if (i % spec.filesPerDir === 0) await mkdir(join(dir, 'data', sub))
    const path = `data/${sub}/f${String(i).padStart(6, '0')}.bin`
    const bytes = randomFillSync(buffer, 0, sizes[i] ?? 0).subarray(0, sizes[i] ?? 0)
    await writeFile(join(dir, path), bytes)
    entries.push({ path, sha256: hex('sha256', bytes), sha512: hex('sha512', bytes) })
    if ((i + 1) % 1000 === 0) progress(`${spec.name}: ${i + 1} of ${spec.smallFiles} small files`)
  }

  const bytes = spec.bigBytes + sizes.reduce((a, b) => a + b, 0)
  const files = entries.length
  // RFC 8493 §2.1.3: "<checksum> <filepath>" with any whitespace between; two spaces as coreutils writes.
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const tags: Record<string, string> = {
    'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    'bag-info.txt': `Bag-Software-Agent: lantai bench\nBagging-Date: ${new Date().toISOString().slice(0, 10)}\nPayload-Oxum: ${bytes}.${files}\n`,
    'manifest-sha256.txt': entries.map(e => `${e.sha256}  ${e.path}\n`).join(''),
    'manifest-sha512.txt': entries.map(e => `${e.sha512}  ${e.path}\n`).join('')
  }
  for (const [name, text] of Object.entries(tags)) await writeFile(join(dir, name), text)
  const tagManifest = Object.entries(tags).map(([name, text]) => `${hex('sha256', Buffer.from(text))}  ${name}\n`).sort().join('')
  await writeFile(join(dir, 'tagmanifest-sha256.txt'), tagManifest)
  return { dir, bytes, files }
}

/** Random bytes written chunk by chunk, hashed as they go: the file never sits in memory whole. */
async function writeBig (abs: string, path: string, size: number): Promise<Entry> {
  const fh = await open(abs, 'wx')
  const sha256 = createHash('sha256')
  const sha512 = createHash('sha512')
  const chunk = Buffer.allocUnsafe(4 * MiB)
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(chunk.length, size - done)
      const bytes = randomFillSync(chunk, 0, n).subarray(0, n)
      sha256.update(bytes)
      sha512.update(bytes)
      await fh.write(bytes)
      done += n
      if (done % (64 * MiB) === 0 || done === size) progress(`${path}: ${done / MiB} of ${size / MiB} MiB`)
    }
  } finally {
    await fh.close()
  }
  return { path, sha256: digest(sha256), sha512: digest(sha512) }
}

async function validate (dir: string): Promise<ValidatorRun> {
  const started = performance.now()
  const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'validate-bag.ts'), dir], REPO)
  const wallMs = Math.round(performance.now() - started)
  const line = out.trim().split('\n').pop() ?? ''
  return { ...(JSON.parse(line) as Omit<ValidatorRun, 'wallMs'>), wallMs }
}

/** Both manifests, one coreutils call each, as the same cache state allows. */
async function peerCheck (dir: string): Promise<number> {
  const started = performance.now()
  await run('sha256sum', ['-c', 'manifest-sha256.txt'], dir, true)
  await run('sha512sum', ['-c', 'manifest-sha512.txt'], dir, true)
  return Math.round(performance.now() - started)
}

/** Runs a command to completion; stdout is returned, or thrown away when `discard`. */
function run (cmd: string, argv: readonly string[], cwd: string, discard = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', discard ? 'ignore' : 'pipe', 'inherit'] })
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (s: string) => { out += s })
    child.on('error', reject)
    child.on('close', code => {
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`))
    })
  })
}

function progress (message: string): void { process.stderr.write(`\r\x1b[K${message}`) }

// Function declarations, not arrows: the top-level loop above runs before a `const` here would exist.
function hex (alg: string, bytes: Uint8Array): string { return createHash(alg).update(bytes).digest('hex') }
function digest (h: Hash): string { return h.digest('hex') }

function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : Math.round(((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2)
}

function fmtBytes (n: number): string {
  return n >= 1024 * MiB ? `${(n / 1024 / MiB).toFixed(2)} GiB` : `${(n / MiB).toFixed(0)} MiB`
}

function printTable (table: readonly string[][]): void {
  const widths = (table[0] ?? []).map((_, c) => Math.max(...table.map(r => (r[c] ?? '').length)))
  for (const [i, r] of table.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd())
    if (i === 0) console.log(widths.map(w => '-'.repeat(w)).join('  '))
  }
}
