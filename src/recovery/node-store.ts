import type { StorageNode } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { nodeDirectory } from '../replication/index.js'
import { LocalBlobStore, resolveS3Credentials, S3BlobStore, type BlobStore } from '../storage/index.js'

// A node's OCFL storage root as a BlobStore (the shared contract: a node holds a root laid out exactly as
// the primary's). H5's replication worker has its own `openNodeStore` in src/replication/node-store.ts;
// this is the small equivalent recovery and drills need until the integrator keeps one of the two.

export interface NodeStore { readonly store: BlobStore, close: () => void }

/**
 * An S3 node's bucket (its `path`, when set, is the key prefix inside the bucket), keys from the LANTAI_*
 * variables the node names; a filesystem node's directory, relative to the data directory when not absolute.
 */
export function openNodeStore (node: Pick<StorageNode, 'id' | 'kind' | 'endpoint' | 'bucket' | 'path' | 'credentials'>, env: Readonly<Record<string, string | undefined>>, dataDir: string): NodeStore {
  if (node.kind === 's3') {
    if (node.endpoint === null || node.bucket === null || node.credentials === null) throw new LantaiError('NODE_INVALID', `${node.id}: an S3 node needs an endpoint, a bucket and credentials`, { node: node.id })
    const prefix = node.path === null || node.path === '' ? '' : node.path.endsWith('/') ? node.path : node.path + '/'
    const credentials = resolveS3Credentials({ accessKeyVar: node.credentials.accessKeyEnv, secretKeyVar: node.credentials.secretKeyEnv }, env)
    const store = new S3BlobStore({ endpoint: node.endpoint, bucket: node.bucket, prefix, credentials })
    return { store, close: () => { store.close() } }
  }
  const dir = nodeDirectory(node, dataDir)
  if (dir === null) throw new LantaiError('NODE_INVALID', `${node.id}: a filesystem node needs a path`, { node: node.id })
  return { store: new LocalBlobStore(dir), close: () => {} }
}
