import { eachConcurrently } from '../concurrent.js'
import type { Catalogue, TaskProgress, VersionContent } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { INVENTORY, OBJECT_DECLARATION, SIDECAR, initStorageRoot, loadInventory, objectRootOf, sm3LogKey, versionName, versionNumber } from '../ocfl/index.js'
import type { BlobStore } from '../storage/index.js'
import type { NodeStore } from './node-store.js'
import { readBack, smallObject, stage } from './verify.js'

// Copies one OCFL object version from the primary to a node (issue 16 item 4) and proves it there. The
// node gets the primary's layout exactly: storage root files first, then the version's content files,
// then its vN/inventory.json and sidecar, and the object's root inventory last, so the node's object is
// never described beyond what it holds. Every file is read back from the node and its digest compared
// (content with the catalogue's sha512, metadata with the primary's bytes) before it counts; a content
// file already verified on the node (a resumed task) is skipped, so a crash costs at most the files in
// flight.

/** Content files copied at once within one task (the per-node bound caps tasks, this caps their files). */
const FILES_AT_ONCE = 4

export interface CopyContext {
  catalogue: Catalogue
  /** the primary store, which holds every stored version */
  source: BlobStore
  target: NodeStore
  /** a local directory for bytes in transit when the source has no local files (an S3 primary) */
  scratchDir: string
  /** when the copy's first fixity check falls due (by the node's class) */
  nextCheckAt: () => string
  signal?: AbortSignal
  onProgress?: (p: TaskProgress) => void
}

export interface CopiedVersion { files: number, bytes: number, skipped: number }

export async function copyVersion (ctx: CopyContext, pkg: { id: string, ocflId: string }, version: number): Promise<CopiedVersion> {
  const { catalogue, source, target } = ctx
  const node = target.store
  await target.prepare()
  await initStorageRoot(node)
  const root = objectRootOf(pkg.ocflId)
  const contents = await catalogue.replicationTasks.versionContents(pkg.id, version)
  const held = new Set((await catalogue.replicationTasks.files(pkg.id, target.node.id)).filter(f => f.state === 'verified').map(f => f.contentPath))
  const todo = contents.filter(c => !held.has(c.contentPath))
  const progress: TaskProgress = { filesTotal: contents.length, filesDone: contents.length - todo.length, bytesTotal: sum(contents), bytesDone: sum(contents) - sum(todo) }
  ctx.onProgress?.({ ...progress })
  let bytes = 0
  await eachConcurrently(todo, FILES_AT_ONCE, async c => {
    ctx.signal?.throwIfAborted()
    await copyContent(ctx, root, c)
    await catalogue.replicationTasks.recordVerified({ packageId: pkg.id, contentPath: c.contentPath, nodeId: target.node.id, size: c.size, nextCheckAt: ctx.nextCheckAt() })
    bytes += c.size
    progress.filesDone++
    progress.bytesDone += c.size
    ctx.onProgress?.({ ...progress })
  })
  ctx.signal?.throwIfAborted()
  const v = versionName(version)
  // The object declaration (first version), the SM3 log of this version, then its inventory and sidecar.
  const metadata = [...(version === 1 ? [OBJECT_DECLARATION] : []), sm3LogKey('', v).slice(1), `${v}/${INVENTORY}`, `${v}/${SIDECAR}`]
  for (const rel of metadata) {
    const key = `${root}/${rel}`
    if (rel.startsWith('logs/') && await source.stat(key) === null) continue
    await copySmall(source, node, key, key)
  }
  // Last, the root inventory: this version's inventory, unless the node already holds a later head.
  const current = await loadInventory(node, root).catch(() => undefined)
  if (current === undefined || (versionNumber(current.inventory.head) ?? 0) < version) {
    await copySmall(source, node, `${root}/${v}/${INVENTORY}`, `${root}/${INVENTORY}`)
    await copySmall(source, node, `${root}/${v}/${SIDECAR}`, `${root}/${SIDECAR}`)
  }
  return { files: todo.length, bytes, skipped: contents.length - todo.length }
}

/** One content file to the node, then read back: STORAGE_* as the stores say, REPLICA_* when the bytes differ. */
export async function copyContent (ctx: Pick<CopyContext, 'source' | 'target' | 'scratchDir' | 'signal'>, root: string, c: VersionContent): Promise<void> {
  const key = `${root}/${c.contentPath}`
  const staged = await stage(ctx.source, key, ctx.scratchDir, { signal: ctx.signal, hash: false })
  try {
    // Bytes already hashed on the way in (an S3 primary) are judged before they travel further.
    if (staged.sha512 !== '' && staged.sha512 !== c.sha512) throw sourceDamaged(key, c.sha512, staged.sha512)
    await ctx.target.store.putFile(key, staged.path, { digests: { sha512: c.sha512 } })
  } finally {
    await staged.release()
  }
  const back = await readBack(ctx.target.store, key, { signal: ctx.signal })
  if (back.sha512 === c.sha512 && back.size === c.size) return
  // Wrong bytes came back: the node's fault, unless the primary's own bytes are already bad.
  const own = await readBack(ctx.source, key, { signal: ctx.signal })
  if (own.sha512 !== c.sha512) throw sourceDamaged(key, c.sha512, own.sha512)
  throw new LantaiError('REPLICA_READBACK_MISMATCH', `${ctx.target.node.id}: ${key} read back as ${back.size} bytes sha512 ${back.sha512.slice(0, 16)}…, expected ${c.size} bytes ${c.sha512.slice(0, 16)}…`,
    { node: ctx.target.node.id, key, expected: { size: c.size, sha512: c.sha512 }, found: back })
}

/** A small object (inventory, sidecar, log) copied and compared byte for byte. */
async function copySmall (source: BlobStore, target: BlobStore, from: string, to: string): Promise<void> {
  const { bytes, sha512 } = await smallObject(source, from)
  await target.putBytes(to, bytes)
  const back = await smallObject(target, to)
  if (back.sha512 !== sha512) {
    throw new LantaiError('REPLICA_READBACK_MISMATCH', `${target.description}: ${to} read back differs from the primary's ${from}`, { key: to, expected: { size: bytes.length, sha512 }, found: { size: back.bytes.length, sha512: back.sha512 } })
  }
}

const sourceDamaged = (key: string, expected: string, found: string): LantaiError =>
  new LantaiError('REPLICA_SOURCE_DAMAGED', `the primary's ${key} does not match the catalogue (sha512 ${found.slice(0, 16)}…, expected ${expected.slice(0, 16)}…); repair it first`, { key, expected, found })

const sum = (cs: readonly VersionContent[]): number => cs.reduce((s, c) => s + c.size, 0)
