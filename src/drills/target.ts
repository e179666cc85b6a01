import type { Catalogue, StorageNode } from '../catalogue/index.js'

// Which node a drill restores from when none is named: the first active node that is not the primary
// (a drill of the primary proves nothing about surviving its loss).

export async function chooseTarget (catalogue: Catalogue): Promise<StorageNode | undefined> {
  return (await catalogue.nodes.list()).find(n => !n.primary && n.state === 'active')
}
