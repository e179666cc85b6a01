import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LantaiError } from '../errors.js'
import { detectArchiveKind, unpackArchive, type ArchiveKind } from '../archive/index.js'
import { validateArchiveAsStream } from './archive-stream.js'
import { finding, type Finding } from './findings.js'
import { validateBag, type BagReport, type ValidateOptions } from './validate.js'

// A package as a builder hands it in: a bag directory, or a tar, tar.gz or zip holding one. Archives are
// unpacked into a private staging directory (never in place, never outside it; a tar's payload is only
// hashed, not written: archive-stream.ts) and validated there; the archive's own findings (hostile
// entries, limits, corruption) join the bag's in one report.

export interface PackageOptions extends Omit<ValidateOptions, 'serialization'> {
  /** Where archives are unpacked; a fresh directory is made inside it and removed afterwards. */
  stagingRoot?: string
  /**
   * Code page for archive entry names that are neither marked nor valid UTF-8. Zips made by
   * Chinese-locale Windows write GBK names without a marker, so GB18030 (a superset) is the default
   * here rather than the zip specification's cp437.
   */
  nameEncoding?: string
}

export interface PackageReport extends BagReport {
  readonly serialization: 'directory' | ArchiveKind
}

/**
 * Validates a directory or an archive. Throws LantaiError only when the path cannot be opened at all
 * (PATH_NOT_FOUND, PATH_UNREADABLE): a bad package is a report with findings, never an exception.
 */
export async function validatePackage (path: string, options: PackageOptions = {}): Promise<PackageReport> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new LantaiError(err.code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE', `${path} (${err.code ?? err.message})`)
  })
  if (st.isDirectory()) return { ...await validateBag(path, { ...options, serialization: 'directory' }), serialization: 'directory' }
  if (!st.isFile()) throw new LantaiError('PATH_UNREADABLE', `${path} is neither a directory nor a file`)

  const kind = await detectArchiveKind(path).catch((err: NodeJS.ErrnoException) => {
    throw new LantaiError('PATH_UNREADABLE', `${path} (${err.code ?? err.message})`)
  })
  if (kind === null) return archiveOnlyReport([finding('BAG_ARCHIVE_UNKNOWN_FORMAT', { path, detail: path })], 'tar')
  // A tar is read as a stream and its payload never written (archive-stream.ts); a zip's entries are
  // read by offset, and a tar that path cannot take whole is unpacked as before.
  if (kind !== 'zip') {
    const streamed = await validateArchiveAsStream(path, kind, options)
    if (streamed !== null) return streamed
  }

  const staging = await mkdtemp(join(options.stagingRoot ?? tmpdir(), 'lantai-staging-'))
  try {
    const unpacked = await unpackArchive(path, staging, { kind, limits: options.limits, signal: options.signal, nameEncoding: options.nameEncoding ?? 'gb18030' })
    if (unpacked.root === null) return archiveOnlyReport(unpacked.findings, kind)
    const report = await validateBag(unpacked.root, { ...options, serialization: kind })
    return withArchiveFindings(unpacked.findings, report, kind)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** A bag report with the findings of the archive it came in joined in front. */
export function withArchiveFindings (archiveFindings: readonly Finding[], report: BagReport, serialization: ArchiveKind): PackageReport {
  const findings = [...archiveFindings, ...report.findings]
  const errors = findings.filter(f => f.severity === 'error')
  return {
    ...report,
    valid: errors.length === 0,
    complete: report.complete && !archiveFindings.some(f => f.severity === 'error'),
    findings,
    errors,
    warnings: findings.filter(f => f.severity === 'warning'),
    serialization
  }
}

/** The report of an archive that held no bag to validate. */
export function archiveOnlyReport (findings: readonly Finding[], serialization: ArchiveKind): PackageReport {
  return {
    valid: false,
    complete: false,
    version: null,
    findings,
    errors: findings.filter(f => f.severity === 'error'),
    warnings: findings.filter(f => f.severity === 'warning'),
    bagInfo: null,
    stats: { payloadFiles: 0, payloadBytes: 0, tagFiles: 0, payloadAlgorithms: [], tagAlgorithms: [], ms: 0 },
    serialization
  }
}
