import type { Catalogue } from '../catalogue/index.js'
import { deletionBlocked } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { Logger } from '../logger.js'
import { objectRootOf } from '../ocfl/index.js'
import type { BlobStore } from '../storage/index.js'
import type { ApprovalEngine } from './approvals.js'

// Deleting a package (issue 15 item 6): impossible except through an approved delete-package request.
//
// Order: the catalogue first, then the store. The tombstone, the package.deleted event and the executed
// request commit in one transaction, after which no read, search, fixity round or placement asks for the
// package's bytes. The OCFL object is removed after that commit; store removal is idempotent, and a
// tombstone keeps store_removed = 0 until it is done, so a crash or a store error between the two leaves
// only unreachable bytes that `finishRemovals` (the sweep) clears, never a catalogue entry pointing at
// missing bytes, which fixity would report as damage and a download as a missing file. Removing the
// bytes first would risk exactly that, and the store has no rename to stage a removal atomically (S3).

export interface DeletionDeps { catalogue: Catalogue, store: BlobStore, log?: Logger }

/** Plugs deletion into the engine: the precheck refuses early (409) while work is pending. */
export function registerDeletion (engine: ApprovalEngine, deps: DeletionDeps): void {
  engine.registerExecutor('delete-package', async (request, ctx) => {
    const { request: executed, tombstone } = await deps.catalogue.approvals.deletePackage(request.id, ctx.agent, ctx.role, ctx.note)
    await removeObject(deps, tombstone.packageId, tombstone.ocflId, ctx.agent)
    return executed
  }, {
    precheck: async request => {
      const pkg = await deps.catalogue.packages.get(request.objectId)
      if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', request.objectId, { id: request.objectId })
      const pending = await deps.catalogue.approvals.pendingWork(request.objectId, request.id)
      if (Object.values(pending).some(list => list.length > 0)) throw deletionBlocked(request.objectId, pending)
    }
  })
}

/** Finishes removals a crash or a store error cut short; returns the packages cleared. */
export async function finishRemovals (deps: DeletionDeps): Promise<string[]> {
  const done: string[] = []
  for (const t of await deps.catalogue.approvals.unremoved()) {
    if (await removeObject(deps, t.packageId, t.ocflId, 'system')) done.push(t.packageId)
  }
  return done
}

async function removeObject (deps: DeletionDeps, packageId: string, ocflId: string, agent: string): Promise<boolean> {
  try {
    await deps.store.deletePrefix(`${objectRootOf(ocflId)}/`)
    await deps.catalogue.approvals.markStoreRemoved(packageId, agent)
    return true
  } catch (err) {
    // the tombstone stands; the sweep tries again
    deps.log?.warn({ err, package: packageId }, 'deleted package: its OCFL object is not removed yet')
    return false
  }
}
