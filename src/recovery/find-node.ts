import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Catalogue, StorageNode } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { loadNodePolicy, loadSeismicZones } from '../replication/index.js'

// Which node a recovery command reads: a node of the catalogue (a drill), else one declared in
// storage-policies/nodes.yaml (a rebuild: the catalogue is what was lost; the policy travels with the
// configuration), else a directory holding a storage root (offline media brought to the site).

export type NodeRef = Pick<StorageNode, 'id' | 'kind' | 'endpoint' | 'bucket' | 'path' | 'credentials'>

export async function findNode (ref: string, where: { catalogue?: Catalogue, policiesDir: string, env: Readonly<Record<string, string | undefined>> }): Promise<NodeRef> {
  const known = await where.catalogue?.nodes.get(ref)
  if (known !== undefined && known !== null) return known
  const declared = (await loadNodePolicy(where.policiesDir, await loadSeismicZones(where.policiesDir), name => where.env[name])).find(n => n.id === ref)
  if (declared !== undefined) return declared
  if (await stat(ref).then(s => s.isDirectory(), () => false)) return { id: ref, kind: 'filesystem', endpoint: null, bucket: null, path: resolve(ref), credentials: null }
  throw new LantaiError('NODE_NOT_FOUND', `${ref}: not a node of the catalogue or of storage-policies/nodes.yaml, nor a directory`, { node: ref })
}
