import { createReadStream } from 'node:fs'
import { chmod, lstat, mkdir, mkdtemp, opendir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { eachConcurrently } from '../concurrent.js'
import { LantaiError } from '../errors.js'
import { HashPool, isSupportedAlgorithm, normalizeAlgorithmName, type Digests, type FileDigests } from '../hashing/index.js'
import type { BagitProfile } from './profile.js'
import { validateBag, type BagReport } from './validate.js'

// `lantai bag create`: what `bagit.py DIR` does, for builders who have a folder and no bag. The bag is
// assembled in a staging directory beside its final place and moved there by rename, so the folder is
// at every moment either what it was or the whole bag, never half-bagged; and our own validator must
// pass the result before it counts as made.

export const DEFAULT_BAG_ALGORITHMS: readonly string[] = ['sha512', 'sha256']

export interface BagInfoTag { readonly label: string, readonly value: string }

export interface CreateBagOptions {
  /** A new directory for the bag; the source is then copied and left as it is. Default: bag in place. */
  into?: string
  /** Payload and tag manifest algorithms; the profile's required ones are added. Default sha512, sha256. */
  algorithms?: readonly string[]
  /** The profile the bag must meet: its required bag-info tags must be given in `info`. */
  profile?: BagitProfile
  /** bag-info.txt tags, in order. Payload-Oxum is always computed; Bagging-Date defaults to today. */
  info?: readonly BagInfoTag[]
  /** Bag-Software-Agent. */
  agent?: string
  /** A shared pool; otherwise one is made and closed. */
  pool?: HashPool
  now?: Date
  onProgress?: (p: { files: number, bytes: number, filesTotal: number, bytesTotal: number }) => void
}

export interface CreatedBag {
  readonly root: string
  readonly files: number
  readonly bytes: number
  readonly algorithms: readonly string[]
  readonly report: BagReport
}

interface SourceFile { readonly rel: string, readonly abs: string, readonly size: number }

/** Labels filled by the tool itself, never asked for. */
const COMPUTED = new Set(['payload-oxum', 'bagging-date', 'bagit-profile-identifier', 'bag-software-agent'])

export async function createBag (source: string, options: CreateBagOptions = {}): Promise<CreatedBag> {
  const src = resolve(source)
  const st = await stat(src).catch((err: NodeJS.ErrnoException) => {
    throw new LantaiError(err.code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE', source, { path: source }, { cause: err })
  })
  if (!st.isDirectory()) throw new LantaiError('BAG_CREATE_SOURCE_INVALID', `${source} is not a directory`, { path: source })
  const algorithms = chooseAlgorithms(options.algorithms ?? DEFAULT_BAG_ALGORITHMS, options.profile)
  const info = bagInfoOf(options)
  const into = options.into === undefined ? null : resolve(options.into)
  if (into !== null) {
    if (await lstat(into).then(() => true, () => false)) throw new LantaiError('BAG_CREATE_TARGET_EXISTS', options.into, { path: options.into })
    if (into === src || into.startsWith(src + '/')) throw new LantaiError('BAG_CREATE_SOURCE_INVALID', `--into ${options.into} lies inside ${source}`, { path: options.into })
  }
  const files = await listSource(src)
  const total = files.reduce((n, f) => n + f.size, 0)
  const pool = options.pool ?? new HashPool()
  const target = into ?? src
  // Beside the target, so the final rename stays on one file system.
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.bagging-`))
  // mkdtemp makes it private (0700); the bag keeps the folder's own permissions.
  await chmod(staging, st.mode & 0o7777)
  // In place, the folder itself passes through staging/data: while it is there, staging must never be removed.
  let folderInStaging = false
  try {
    const digests = new Map<string, Digests>()
    let done = 0
    let bytes = 0
    await eachConcurrently(files, 16, async f => {
      const d = into === null
        ? await pool.hashFile(f.abs, algorithms)
        : await copyHashed(pool, f.abs, join(staging, 'data', f.rel), algorithms, f.size)
      if (d.size !== f.size) throw new LantaiError('BAG_CREATE_SOURCE_INVALID', `${f.rel} changed while it was read`, { path: f.rel })
      digests.set(f.rel, d.digests)
      options.onProgress?.({ files: ++done, bytes: (bytes += d.size), filesTotal: files.length, bytesTotal: total })
    })
    if (into !== null && files.length === 0) await mkdir(join(staging, 'data'))
    await writeTagFiles(staging, files, digests, algorithms, [...info, { label: 'Payload-Oxum', value: `${total}.${files.length}` }], pool)

    if (into !== null) {
      const report = await validateBag(staging, { pool, profile: options.profile })
      if (!report.valid) throw invalid(report)
      await rename(staging, into)
      return { root: into, files: files.length, bytes: total, algorithms, report }
    }
    // In place: the folder becomes data/ of the staged bag and the bag takes the folder's name, by two
    // renames back to back; an invalid result is undone the same way before anything else runs.
    await rename(src, join(staging, 'data'))
    folderInStaging = true
    await rename(staging, src)
    folderInStaging = false
    const report = await validateBag(src, { pool, profile: options.profile })
    if (!report.valid) {
      await rename(src, staging)
      folderInStaging = true
      await rename(join(staging, 'data'), src)
      folderInStaging = false
      throw invalid(report)
    }
    return { root: src, files: files.length, bytes: total, algorithms, report }
  } finally {
    if (folderInStaging) {
      // A rename failed halfway: put the folder back; if even that fails, leave staging for the operator.
      folderInStaging = await rename(join(staging, 'data'), src).then(() => false, () => true)
    }
    if (!folderInStaging) await rm(staging, { recursive: true, force: true })
    if (options.pool === undefined) await pool.close()
  }
}

/** The --info Label=Value form. */
export function parseInfoArgument (arg: string): BagInfoTag {
  const eq = arg.indexOf('=')
  const label = eq < 0 ? '' : arg.slice(0, eq).trim()
  const value = eq < 0 ? '' : arg.slice(eq + 1).trim()
  // RFC 8493 §2.2.2: a label has no colon and no surrounding whitespace; one line per value here.
  if (label === '' || label.includes(':') || /[\r\n]/.test(value)) {
    throw new LantaiError('USAGE', `--info takes Label=Value on one line, not ${JSON.stringify(arg)}`, { info: arg })
  }
  return { label, value }
}

function chooseAlgorithms (requested: readonly string[], profile: BagitProfile | undefined): string[] {
  const algorithms = [...new Set([...requested.map(normalizeAlgorithmName), ...(profile?.manifestsRequired ?? []), ...(profile?.tagManifestsRequired ?? [])])]
  const unknown = algorithms.filter(a => !isSupportedAlgorithm(a))
  if (unknown.length > 0 || algorithms.length === 0) {
    throw new LantaiError('USAGE', `unsupported algorithms: ${unknown.join(', ') || '(none given)'}`, { algorithms: unknown })
  }
  return algorithms
}

/** bag-info.txt tags: the given ones, then what the tool fills; every required tag of the profile at once. */
function bagInfoOf (options: CreateBagOptions): BagInfoTag[] {
  const given = options.info ?? []
  const has = (label: string): boolean => given.some(t => t.label.toLowerCase() === label.toLowerCase())
  const missing = (options.profile?.bagInfo ?? []).filter(r => r.required && !COMPUTED.has(r.label.toLowerCase()) && !has(r.label))
  if (missing.length > 0) {
    const labels = missing.map(r => r.label)
    throw new LantaiError('BAG_CREATE_TAG_MISSING', labels.map(l => `--info ${l}=…`).join(' '), {
      missing: missing.map(r => ({ label: r.label, description: r.description ?? '', values: r.values }))
    })
  }
  const tags = [...given]
  if (options.profile !== undefined && !has('BagIt-Profile-Identifier')) tags.push({ label: 'BagIt-Profile-Identifier', value: options.profile.identifier })
  if (!has('Bagging-Date')) tags.push({ label: 'Bagging-Date', value: (options.now ?? new Date()).toISOString().slice(0, 10) })
  if (options.agent !== undefined && !has('Bag-Software-Agent')) tags.push({ label: 'Bag-Software-Agent', value: options.agent })
  if (has('Payload-Oxum')) throw new LantaiError('USAGE', 'Payload-Oxum is computed from the payload; do not pass it', {})
  return tags
}

/** Every regular file under the folder; links and special files are listed all at once and refused. */
async function listSource (root: string): Promise<SourceFile[]> {
  const files: SourceFile[] = []
  const refused: string[] = []
  const walk = async (rel: string): Promise<void> => {
    for await (const d of await opendir(rel === '' ? root : join(root, rel))) {
      const path = rel === '' ? d.name : `${rel}/${d.name}`
      const abs = join(root, path)
      if (d.isDirectory()) await walk(path)
      else if (d.isFile()) files.push({ rel: path, abs, size: (await lstat(abs)).size })
      else refused.push(`${path} (${d.isSymbolicLink() ? 'a link' : 'not a regular file'})`)
    }
  }
  await walk('')
  if (refused.length > 0) throw new LantaiError('BAG_CREATE_SOURCE_INVALID', `links and special files cannot go into a bag: ${refused.join(', ')}`, { paths: refused })
  return files.sort((a, b) => a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)
}

async function copyHashed (pool: HashPool, from: string, to: string, algorithms: readonly string[], size: number): Promise<FileDigests> {
  await mkdir(dirname(to), { recursive: true })
  const hasher = pool.createHasher(algorithms, { writeTo: to, size })
  try {
    for await (const chunk of createReadStream(from)) await hasher.update(chunk as Buffer)
    return await hasher.digest()
  } catch (err) {
    await hasher.abort(err as Error).catch(() => {})
    throw err
  }
}

/** RFC 8493 §2.1.3: CR, LF and % in a manifest path are percent-encoded. */
const manifestPath = (path: string): string => path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

async function writeTagFiles (root: string, files: readonly SourceFile[], digests: ReadonlyMap<string, Digests>, algorithms: readonly string[], info: readonly BagInfoTag[], pool: HashPool): Promise<void> {
  const tagFiles: string[] = ['bagit.txt', 'bag-info.txt']
  await writeFile(join(root, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')
  await writeFile(join(root, 'bag-info.txt'), info.map(t => `${t.label}: ${t.value}\n`).join(''))
  for (const alg of algorithms) {
    const name = `manifest-${alg}.txt`
    await writeFile(join(root, name), files.map(f => `${digests.get(f.rel)?.[alg] ?? ''}  data/${manifestPath(f.rel)}\n`).join(''))
    tagFiles.push(name)
  }
  const tagDigests = await Promise.all(tagFiles.map(async name => await pool.hashFile(join(root, name), algorithms)))
  for (const alg of algorithms) {
    await writeFile(join(root, `tagmanifest-${alg}.txt`), tagFiles.map((name, i) => `${tagDigests[i]?.digests[alg] ?? ''}  ${name}\n`).join(''))
  }
}

function invalid (report: BagReport): LantaiError {
  const findings = report.errors.map(f => `${f.code}${f.path === undefined ? '' : ` ${f.path}`}`)
  return new LantaiError('BAG_CREATE_RESULT_INVALID', findings.join('; '), { findings: report.errors })
}
