import type { MasterKey } from '../access/index.js'
import type { Catalogue, StorageNode } from '../catalogue/index.js'
import type { ReplicaSource } from './failover-store.js'
import { objectPartOf, openNodeStore, SealedStore, type NodeStore } from '../replication/index.js'
import { objectRootOf } from '../ocfl/index.js'

// The replica nodes reads may be served from while the primary is lost: active nodes other than the
// primary, healthiest first (fewest copies found damaged or missing), then preferred (most verified
// copies). Each node's store is opened once and kept, seen through a SealedStore so a classified object
// held sealed is served decrypted (LANTAI_MASTER_KEY); the catalogue's digests let every read be checked.

export interface ServingReplicasOptions {
  master?: MasterKey | null
  scratchDir?: string
}

const PAGE = 500

export class ServingReplicas {
  readonly #catalogue: Catalogue
  readonly #secretOf: (name: string) => string | undefined
  readonly #dataDir: string
  readonly #o: ServingReplicasOptions
  readonly #open = new Map<string, { node: StorageNode, store: NodeStore }>()
  #roots: Map<string, string> | null = null
  #rootsAt = 0

  constructor (catalogue: Catalogue, secretOf: (name: string) => string | undefined, dataDir: string, options: ServingReplicasOptions = {}) {
    this.#catalogue = catalogue
    this.#secretOf = secretOf
    this.#dataDir = dataDir
    this.#o = options
  }

  async candidates (): Promise<ReplicaSource[]> {
    const load = new Map((await this.#catalogue.replicas.load()).map(l => [l.nodeId, l]))
    const nodes = (await this.#catalogue.nodes.list()).filter(n => !n.primary && n.state === 'active')
      .sort((a, b) => (load.get(a.id)?.damaged ?? 0) - (load.get(b.id)?.damaged ?? 0) ||
        (load.get(b.id)?.verified ?? 0) - (load.get(a.id)?.verified ?? 0) || (a.id < b.id ? -1 : 1))
    const out: ReplicaSource[] = []
    for (const node of nodes) {
      try {
        out.push({ id: node.id, store: this.#store(node) })
      } catch {
        // a node whose keys are not set on this host cannot serve; the others may
      }
    }
    return out
  }

  /** The catalogue's sha512 for a content key of a stored object, null for any other key. */
  async expected (key: string): Promise<string | null> {
    const part = objectPartOf(key)
    if (part === null || !/^v\d+\/content\//.test(part.rel)) return null
    let packageId = (await this.#rootMap(false)).get(part.root)
    packageId ??= (await this.#rootMap(true)).get(part.root)
    if (packageId === undefined) return null
    return (await this.#catalogue.packages.content(packageId, part.rel))?.sha512 ?? null
  }

  /** object root → package id, read once and again at most every 10 s when a root is not found. */
  async #rootMap (refresh: boolean): Promise<Map<string, string>> {
    if (this.#roots !== null && (!refresh || Date.now() - this.#rootsAt < 10_000)) return this.#roots
    const roots = new Map<string, string>()
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.#catalogue.packages.search({ limit: PAGE, offset })
      for (const p of page.items) roots.set(objectRootOf(p.ocflId), p.id)
      if (page.items.length < PAGE) break
    }
    this.#roots = roots
    this.#rootsAt = Date.now()
    return roots
  }

  #store (node: StorageNode): NodeStore['store'] {
    const open = this.#open.get(node.id)
    if (open !== undefined && open.node.updatedAt === node.updatedAt) return open.store.store
    open?.store.close()
    const opened = openNodeStore(node, { secretOf: this.#secretOf, dataDir: this.#dataDir })
    const store = { ...opened, store: new SealedStore(opened.store, this.#o.master == null ? null : { master: this.#o.master }, this.#o.scratchDir ?? this.#dataDir) }
    this.#open.set(node.id, { node, store })
    return store.store
  }

  close (): void {
    for (const { store } of this.#open.values()) store.close()
    this.#open.clear()
  }
}
