import type { StorageNode } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { LocalBlobStore, resolveS3Credentials, S3BlobStore, type BlobStore } from '../storage/index.js'
import { nodeDirectory } from './health.js'

// The one way to reach a node's bytes from its storage_nodes row (replication, copy fixity, the catalogue
// rebuild, drills and serving from a replica): an S3 node is an S3BlobStore on its bucket, a filesystem node a LocalBlobStore on its
// directory, and the primary the service's own store. Either way the node holds an OCFL storage root laid
// out as the primary's, so one node alone is a complete, self-describing copy.

export interface NodeStoreOptions {
  /** a LANTAI_* variable's value: an S3 node names the two holding its keys */
  secretOf: (name: string) => string | undefined
  /** LANTAI_DATA: a relative filesystem path starts here */
  dataDir: string
  /** the service's store, which the primary node is */
  primary?: BlobStore
  /** An S3 socket silent this long is given up (STORAGE_UNREACHABLE). Default 30 s. */
  timeoutMs?: number
}

/** What it takes to reach a node: its row, or the part of it a rebuild finds without a catalogue (find-node.ts). */
export type NodeAddress = Pick<StorageNode, 'id' | 'kind' | 'endpoint' | 'bucket' | 'path' | 'credentials'> & { readonly primary?: boolean }

export interface NodeStore<N extends NodeAddress = StorageNode> {
  readonly node: N
  readonly store: BlobStore
  /** Makes sure the bucket exists (an S3 node); a filesystem node's directory is made by its first put. */
  prepare (): Promise<void>
  /** Lets go of pooled connections. Idempotent. */
  close (): void
}

export function openNodeStore<N extends NodeAddress> (node: N, options: NodeStoreOptions): NodeStore<N> {
  if (node.primary === true && options.primary !== undefined) return { node, store: options.primary, prepare: async () => {}, close: () => {} }
  if (node.kind === 'filesystem') {
    const dir = nodeDirectory(node, options.dataDir)
    if (dir === null) throw new LantaiError('NODE_INVALID', `${node.id}: a filesystem node needs its path`, { id: node.id })
    return { node, store: new LocalBlobStore(dir), prepare: async () => {}, close: () => {} }
  }
  if (node.endpoint === null || node.bucket === null || node.credentials === null) throw new LantaiError('NODE_INVALID', `${node.id}: an s3 node needs endpoint, bucket and credentials`, { id: node.id })
  const { accessKeyEnv, secretKeyEnv } = node.credentials
  const credentials = resolveS3Credentials({ accessKeyVar: accessKeyEnv, secretKeyVar: secretKeyEnv }, { [accessKeyEnv]: options.secretOf(accessKeyEnv), [secretKeyEnv]: options.secretOf(secretKeyEnv) })
  // an S3 node's `path`, when set, is the key prefix of its storage root inside the bucket
  const prefix = node.path === null || node.path === '' ? undefined : node.path.endsWith('/') ? node.path : `${node.path}/`
  const s3 = new S3BlobStore({ endpoint: node.endpoint, bucket: node.bucket, credentials, ...(prefix === undefined ? {} : { prefix }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) })
  return { node, store: s3, prepare: async () => { await s3.ensureBucket() }, close: () => { s3.close() } }
}
