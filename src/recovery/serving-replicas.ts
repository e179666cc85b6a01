import type { Catalogue, StorageNode } from '../catalogue/index.js'
import type { ReplicaSource } from './failover-store.js'
import { openNodeStore, type NodeStore } from '../replication/index.js'

// The replica nodes reads may be served from while the primary is lost: active nodes other than the
// primary, the one holding the most verified copies first. Each node's store is opened once and kept.

export class ServingReplicas {
  readonly #catalogue: Catalogue
  readonly #secretOf: (name: string) => string | undefined
  readonly #dataDir: string
  readonly #open = new Map<string, { node: StorageNode, store: NodeStore }>()

  constructor (catalogue: Catalogue, secretOf: (name: string) => string | undefined, dataDir: string) {
    this.#catalogue = catalogue
    this.#secretOf = secretOf
    this.#dataDir = dataDir
  }

  async candidates (): Promise<ReplicaSource[]> {
    const verified = new Map((await this.#catalogue.replicas.load()).map(l => [l.nodeId, l.verified]))
    const nodes = (await this.#catalogue.nodes.list()).filter(n => !n.primary && n.state === 'active')
      .sort((a, b) => (verified.get(b.id) ?? 0) - (verified.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1))
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

  #store (node: StorageNode): NodeStore['store'] {
    const open = this.#open.get(node.id)
    if (open !== undefined && open.node.updatedAt === node.updatedAt) return open.store.store
    open?.store.close()
    const store = openNodeStore(node, { secretOf: this.#secretOf, dataDir: this.#dataDir })
    this.#open.set(node.id, { node, store })
    return store.store
  }

  close (): void {
    for (const { store } of this.#open.values()) store.close()
    this.#open.clear()
  }
}
