// Resource limits for untrusted bags (Lantai rule L3). A limit that is hit is a finding that names it,
// never a crash or a full disk. Defaults suit a city archive's packages; a center can raise them.

export interface BagLimits {
  /** Total bytes unpacked from an archive or found in data/. */
  maxTotalBytes: number
  /** Files and directories in the bag (archive entries or directory entries). */
  maxFiles: number
  /** Path segments below the bag root. */
  maxPathDepth: number
  /** UTF-8 bytes of one bag-relative path. */
  maxPathBytes: number
  /** Bytes of one line of a tag file or manifest. */
  maxLineBytes: number
  /** Bytes of one tag file other than a manifest (bag-info.txt, fetch.txt, …). */
  maxTagFileBytes: number
  /** Uncompressed / compressed bytes for a compressed archive, checked once past 16 MiB. */
  maxCompressionRatio: number
}

export const DEFAULT_LIMITS: Readonly<BagLimits> = Object.freeze({
  maxTotalBytes: 1024 ** 4, // 1 TiB
  maxFiles: 2_000_000,
  maxPathDepth: 64,
  maxPathBytes: 4096,
  maxLineBytes: 64 * 1024,
  maxTagFileBytes: 16 * 1024 * 1024,
  maxCompressionRatio: 1000
})

export function resolveLimits (overrides: Partial<BagLimits> = {}): BagLimits {
  return { ...DEFAULT_LIMITS, ...overrides }
}
