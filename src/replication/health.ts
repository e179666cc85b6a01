import { stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { StorageNode } from '../catalogue/index.js'

// Whether a node answers, with a short deadline so that one dead node does not hold up GET /v1/nodes.
// An S3 endpoint that answers at all (even 403 to an unsigned request) is reachable; a filesystem node is
// reachable when its directory is there. Whether keys and bucket work is the S3 store's to say.

export const PROBE_TIMEOUT_MS = 2000

export interface Reachability { reachable: boolean, detail: string, checkedAt: string }

/** A filesystem node's directory, relative paths taken from the data directory. */
export const nodeDirectory = (node: Pick<StorageNode, 'path'>, dataDir: string): string | null =>
  node.path === null ? null : isAbsolute(node.path) ? node.path : join(dataDir, node.path)

export async function probe (node: Pick<StorageNode, 'kind' | 'endpoint' | 'path'>, dataDir: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Reachability> {
  const checkedAt = new Date().toISOString()
  if (node.kind === 's3') {
    try {
      const res = await fetch(node.endpoint ?? '', { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
      return { reachable: true, detail: `HTTP ${res.status}`, checkedAt }
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code
      const name = (err as Error).name
      return { reachable: false, detail: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause ?? (err as Error).message, checkedAt }
    }
  }
  const dir = nodeDirectory(node, dataDir) ?? ''
  try {
    const st = await stat(dir)
    return st.isDirectory() ? { reachable: true, detail: 'directory present', checkedAt } : { reachable: false, detail: `${dir} is not a directory`, checkedAt }
  } catch (err) {
    return { reachable: false, detail: `${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, checkedAt }
  }
}
