import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough, type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { decryptStream, encryptStream, plaintextSize, unwrap, type MasterKey, type TierKey, type WrappedKey } from '../access/index.js'
import { LantaiError } from '../errors.js'
import { LAYOUT_CONFIG, OBJECT_DECLARATION } from '../ocfl/index.js'
import { readAll, type BlobStat, type BlobStore, type ByteRange, type PutFileOptions, type PutItem } from '../storage/index.js'

// Classified objects on a node (issue 16 item 3, BRIEF §5: "classified copies only on cleared nodes and
// only encrypted, with keys the node never sees"). A node's view through this store is plaintext, so
// copying, read-back, copy fixity, repair, serving and the rebuild work on it unchanged; what the node
// holds under a sealed object is ciphertext in the tier-key stream format (docs/keys.md), every file of
// the object but its declaration: content, and also inventories, sidecars and SM3 logs, because they name
// files and carry their digests, which for a classified object is classified metadata too. Beside them the
// object keeps `extensions/lantai-encryption/encryption.json`: the tier and the wrapped tier keys (useless
// without LANTAI_MASTER_KEY, which never leaves the Lantai host), so the node alone is enough to restore
// the object with the master key. docs/replication.md has the format.

export const SEAL_DIR = 'extensions/lantai-encryption'
export const SEAL_MANIFEST = `${SEAL_DIR}/encryption.json`
export const SEAL_FORMAT = 'lantai-sealed-object/1'

export interface SealManifest {
  format: typeof SEAL_FORMAT
  /** the object's tier: what its new bytes are sealed for */
  tier: string
  /** every tier key any file of the object is sealed with, wrapped under the master key */
  keys: WrappedKey[]
}

/** Keys a sealed view needs: the master key (opens the wrapped keys a manifest carries) and, to write, the tier's active key. */
export interface SealKeys {
  master: MasterKey
  /** the tier's active key and its wrapped form (the keyring; absent for a view that only reads) */
  sealing?: (tier: string) => Promise<{ key: TierKey, wrapped: WrappedKey }>
}

/** How long a view trusts that an object is not sealed (another process may seal it meanwhile). */
const UNSEALED_TTL_MS = 5000
const OBJECT_DEPTH = LAYOUT_CONFIG.numberOfTuples + 1

/** The object root a key lies under (`t1/t2/t3/<digest>`), and the key's path inside it; null for storage-root keys. */
export function objectPartOf (key: string): { root: string, rel: string } | null {
  const segments = key.split('/')
  if (segments.length <= OBJECT_DEPTH) return null
  return { root: segments.slice(0, OBJECT_DEPTH).join('/'), rel: segments.slice(OBJECT_DEPTH).join('/') }
}

// Quarantined bytes are kept as the node held them (ciphertext, perhaps rotted): read and written as they are.
const plainKey = (rel: string): boolean => rel === OBJECT_DECLARATION || rel === SEAL_DIR || rel.startsWith(`${SEAL_DIR}/`) || rel.startsWith('logs/quarantine/')

export class SealedStore implements BlobStore {
  readonly kind: BlobStore['kind']
  readonly raw: BlobStore
  readonly #keys: SealKeys | null
  readonly #scratch: string
  readonly #sealed = new Map<string, SealManifest>()
  readonly #unsealed = new Map<string, number>()
  readonly #opened = new Map<string, TierKey>()

  /** `keys` null: LANTAI_MASTER_KEY is not set here, and a sealed object cannot be read or written (KEY_MASTER_MISSING). */
  constructor (raw: BlobStore, keys: SealKeys | null, scratchDir: string) {
    this.raw = raw
    this.kind = raw.kind
    this.#keys = keys
    this.#scratch = scratchDir
  }

  get description (): string { return this.raw.description }

  /** The object's manifest, or null when the object is not sealed. */
  async manifestOf (root: string): Promise<SealManifest | null> {
    const known = this.#sealed.get(root)
    if (known !== undefined) return known
    if ((this.#unsealed.get(root) ?? 0) > Date.now()) return null
    if (await this.raw.stat(`${root}/${SEAL_MANIFEST}`) === null) {
      this.#unsealed.set(root, Date.now() + UNSEALED_TTL_MS)
      return null
    }
    const manifest = JSON.parse((await readAll(this.raw, `${root}/${SEAL_MANIFEST}`)).toString('utf8')) as SealManifest
    if (manifest.format !== SEAL_FORMAT) throw new LantaiError('KEY_CIPHERTEXT_INVALID', `${root}/${SEAL_MANIFEST}: format ${String(manifest.format)}`)
    this.#sealed.set(root, manifest)
    this.#unsealed.delete(root)
    return manifest
  }

  /**
   * Seals the object for `tier` before any of its bytes are written: the manifest first, naming the
   * tier's active key wrapped, so no ciphertext is ever on the node without what opens it.
   */
  async seal (root: string, tier: string): Promise<SealManifest> {
    const current = await this.manifestOf(root)
    const { wrapped } = await this.#sealing(tier)
    if (current !== null && current.tier === tier && current.keys.some(k => k.id === wrapped.id)) return current
    const manifest: SealManifest = { format: SEAL_FORMAT, tier, keys: [...(current?.keys ?? []).filter(k => k.id !== wrapped.id), wrapped] }
    await this.raw.putBytes(`${root}/${SEAL_MANIFEST}`, JSON.stringify(manifest, null, 2) + '\n')
    this.#sealed.set(root, manifest)
    return manifest
  }

  async #sealing (tier: string): Promise<{ key: TierKey, wrapped: WrappedKey }> {
    if (this.#keys === null) throw new LantaiError('KEY_MASTER_MISSING', 'LANTAI_MASTER_KEY is not set: classified copies cannot be sealed')
    if (this.#keys.sealing === undefined) throw new LantaiError('KEY_NOT_FOUND', `no sealing key for ${tier} in a read-only view`)
    return await this.#keys.sealing(tier)
  }

  /** The manifest when `key` lies in a sealed object and is sealed itself. */
  async #sealedFor (key: string): Promise<SealManifest | null> {
    const part = objectPartOf(key)
    if (part === null || plainKey(part.rel)) return null
    return await this.manifestOf(part.root)
  }

  #opener (manifest: SealManifest): (id: string) => TierKey {
    return id => {
      const hit = this.#opened.get(id)
      if (hit !== undefined) return hit
      if (this.#keys === null) throw new LantaiError('KEY_MASTER_MISSING', 'LANTAI_MASTER_KEY is not set: a sealed object cannot be read')
      const wrapped = manifest.keys.find(k => k.id === id)
      if (wrapped === undefined) throw new LantaiError('KEY_NOT_FOUND', id, { keyId: id })
      const key = unwrap(this.#keys.master, wrapped)
      this.#opened.set(id, key)
      return key
    }
  }

  async get (key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const manifest = await this.#sealedFor(key)
    if (manifest === null) return await this.raw.get(key, range)
    const source = await this.raw.get(key) as Readable
    const out = new PassThrough()
    // A part of a sealed file is the plaintext decrypted from the start and cut: records are not seekable
    // without their predecessors' counters being known, which they are, but a part is rare (serving only).
    const stages: Array<NodeJS.ReadWriteStream> = [decryptStream(this.#opener(manifest))]
    if (range !== undefined) stages.push(slice(range))
    pipeline(source, ...stages as [Transform], out).catch((err: unknown) => { out.destroy(err as Error) })
    return out
  }

  async stat (key: string): Promise<BlobStat | null> {
    const manifest = await this.#sealedFor(key)
    const st = await this.raw.stat(key)
    if (manifest === null || st === null) return st
    // the header alone (at most 18 + 255 bytes) gives the record size, hence the plaintext's length
    const head = await this.#head(key).catch(() => null)
    const size = head === null ? null : plaintextSize(head, st.size)
    return { ...st, size: size ?? st.size }
  }

  /**
   * What an S3 node records beside the object (copy fixity's second value). A sealed file's record is the
   * ciphertext's digest, which the catalogue does not hold: none is offered, and decryption judges it.
   */
  async describe (key: string): Promise<{ digests: Record<string, string> } | null> {
    const describe = (this.raw as Partial<{ describe: (k: string) => Promise<{ digests: Record<string, string> } | null> }>).describe
    if (describe === undefined || await this.#sealedFor(key) !== null) return null
    return await describe.call(this.raw, key)
  }

  async #head (key: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const c of await this.raw.get(key, { start: 0, end: 272 })) chunks.push(Buffer.from(c as Uint8Array))
    return Buffer.concat(chunks)
  }

  async * list (prefix: string): AsyncIterable<string> {
    for await (const key of this.raw.list(prefix)) {
      const part = objectPartOf(key)
      // the encryption extension is the node's, not the object's: a rebuilt object is plaintext again
      if (part !== null && (part.rel === SEAL_MANIFEST || part.rel.startsWith(`${SEAL_DIR}/`))) continue
      yield key
    }
  }

  async putFile (key: string, localPath: string, options: PutFileOptions = {}): Promise<void> {
    const manifest = await this.#sealedFor(key)
    if (manifest === null) { await this.raw.putFile(key, localPath, options); return }
    const { key: tierKey } = await this.#sealing(manifest.tier)
    if (!manifest.keys.some(k => k.id === tierKey.id)) await this.seal(objectPartOf(key)!.root, manifest.tier)
    await mkdir(this.#scratch, { recursive: true })
    const sealed = join(this.#scratch, `sealed-${randomUUID()}`)
    const hash = createHash('sha512')
    try {
      const tap = new Transform({ transform (chunk: Buffer, _e, done) { hash.update(chunk); done(null, chunk) } })
      await pipeline(createReadStream(localPath), encryptStream(tierKey), tap, createWriteStream(sealed, { flags: 'wx' }))
      // The node keeps the digest of what it holds, never the plaintext's (a plaintext digest confirms guesses).
      await this.raw.putFile(key, sealed, { move: true, digests: { sha512: hash.digest('hex') } })
      if (options.move === true) await rm(localPath, { force: true })
    } finally {
      await rm(sealed, { force: true })
    }
  }

  async putFiles (items: readonly PutItem[], options: PutFileOptions & { signal?: AbortSignal } = {}): Promise<void> {
    for (const item of items) {
      options.signal?.throwIfAborted()
      await this.putFile(item.key, item.localPath, { ...options, ...(item.digests === undefined ? {} : { digests: item.digests }) })
    }
  }

  async putBytes (key: string, data: Uint8Array | string): Promise<void> {
    const manifest = await this.#sealedFor(key)
    if (manifest === null) { await this.raw.putBytes(key, data); return }
    const { key: tierKey } = await this.#sealing(manifest.tier)
    if (!manifest.keys.some(k => k.id === tierKey.id)) await this.seal(objectPartOf(key)!.root, manifest.tier)
    const chunks: Buffer[] = []
    const sealing = encryptStream(tierKey)
    sealing.end(Buffer.from(data))
    for await (const c of sealing) chunks.push(c as Buffer)
    await this.raw.putBytes(key, Buffer.concat(chunks))
  }

  async delete (key: string): Promise<void> { await this.raw.delete(key) }
  async deletePrefix (prefix: string): Promise<void> { await this.raw.deletePrefix(prefix) }
}

/** The node's own bytes behind a view: quarantine keeps what the node held, ciphertext and all. */
export const rawOf = (store: BlobStore): BlobStore => store instanceof SealedStore ? store.raw : store

function slice (range: ByteRange): Transform {
  let at = 0
  const end = range.end ?? Number.POSITIVE_INFINITY
  return new Transform({
    transform (chunk: Buffer, _e, done) {
      const from = Math.max(0, range.start - at)
      const to = Math.min(chunk.length, end + 1 - at)
      at += chunk.length
      done(null, to > from ? chunk.subarray(from, to) : undefined)
    }
  })
}
