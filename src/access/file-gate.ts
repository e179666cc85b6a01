import type { Principal } from '../auth/roles.js'
import { LantaiError } from '../errors.js'
import type { FileRead, FileReadRequest, StoredFileReader } from '../preservation/file-read.js'
import { authorize } from './gate.js'
import type { PipelineRead } from './labels.js'
import { tiersFor } from './visibility.js'

// File bytes only through here (issue 15 item 1): the package and the file are authorized before the
// store is asked for a byte. A package or file above the caller's clearance is PACKAGE_NOT_FOUND or
// FILE_NOT_FOUND with the same text as a missing one (item 4).

/** The longest logical path read: far past any real one (bagit/limits), short of a log-flooding URL. */
export const MAX_LOGICAL_PATH = 1024

/**
 * The aggregation guard's hook (issue 15 item 5, src/access/aggregation*): called for every read of
 * pipeline-survey data once the read is otherwise allowed; it refuses by throwing.
 */
export type PipelineReadGuard = (principal: Principal, read: PipelineRead) => Promise<void>

/** A logical path as a download may name one, or ACCESS_PATH_INVALID (path tricks: NUL, `..`, overlong). */
export function checkLogicalPath (path: string): string {
  const bad = path.length === 0 || path.length > MAX_LOGICAL_PATH || /[\u0000-\u001f\u007f\\]/.test(path) || // eslint-disable-line no-control-regex
    path.split('/').some(s => s === '' || s === '.' || s === '..')
  if (bad) throw new LantaiError('ACCESS_PATH_INVALID', `${JSON.stringify(path.slice(0, 80))}${path.length > 80 ? '…' : ''} (${path.length} characters)`)
  return path
}

export class FileReadGate {
  constructor (private readonly reader: StoredFileReader, private readonly guard?: PipelineReadGuard) {}

  async open (principal: Principal, request: Omit<FileReadRequest, 'agent' | 'tiers' | 'authorize'>): Promise<FileRead> {
    checkLogicalPath(request.logicalPath)
    return await this.reader.open({
      ...request,
      agent: principal.tokenId,
      tiers: tiersFor(principal),
      authorize: async (pkg, file) => {
        const decision = authorize(principal, 'file.read', { kind: 'file', packageId: pkg.id, path: file.logicalPath, tier: file.tier })
        if (!decision.allowed) {
          throw decision.hide
            ? new LantaiError('FILE_NOT_FOUND', `${request.logicalPath} in ${pkg.id}${request.version === undefined ? '' : ` v${request.version}`}`)
            : new LantaiError('FORBIDDEN', `${principal.role} may not file.read`)
        }
        if (file.pipelineSurvey && this.guard !== undefined) {
          await this.guard(principal, { packageId: pkg.id, path: file.logicalPath, mapSheets: file.mapSheets, areaKm2: file.areaKm2 })
        }
      }
    })
  }
}
