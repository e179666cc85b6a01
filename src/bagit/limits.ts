// Resource limits for untrusted bags (Lantai rule L3). A limit that is hit is a finding that names it,
// never a crash or a full disk. Defaults suit a city archive's packages; a center can raise them.

export interface BagLimits {
  /**
   * Total bytes unpacked from an archive or found in data/. Unpacking is also held to the free space
   * of the staging volume less `stagingReserveBytes`, whatever this says (see stagingBudget).
   */
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
  /**
   * Uncompressed / compressed bytes for a compressed archive, measured against the compressed bytes
   * read so far (and, in a zip, within each entry too), past an allowance of RATIO_ALLOWANCE_BYTES.
   */
  maxCompressionRatio: number
  /**
   * Space an unpack leaves free on the staging volume (the catalogue and other uploads share it).
   * Undefined: the smaller of 1 GiB and 5 % of the volume.
   */
  stagingReserveBytes?: number
}

/**
 * Uncompressed bytes any archive may produce before the ratio is checked: a tiny archive of a few
 * well-compressing files (text, CAD files full of zeros) is no bomb however large its ratio.
 */
export const RATIO_ALLOWANCE_BYTES = 1024 * 1024

export const DEFAULT_LIMITS: Readonly<BagLimits> = Object.freeze({
  maxTotalBytes: 1024 ** 4, // 1 TiB; unpacking is held to the staging volume's free space as well
  maxFiles: 2_000_000,
  // Real projects nest a few dozen levels (issue 11 item 10 had a valid bag 200 deep); the bound only
  // stops hostile input, and maxPathBytes bounds depth anyway.
  maxPathDepth: 1024,
  // Linux's PATH_MAX is 4096 with the NUL: 3072 leaves 1 KiB for the staging and storage directories
  // a bag path is placed under, so a path this rule admits can also be written there.
  maxPathBytes: 3072,
  maxLineBytes: 64 * 1024,
  maxTagFileBytes: 16 * 1024 * 1024,
  // Deflate tops out near 1032:1, so 1000 stopped no real bomb; 100 (Apache POI's default) is far
  // above what documents, drawings and scans compress to once past the allowance.
  maxCompressionRatio: 100
})

export function resolveLimits (overrides: Partial<BagLimits> = {}): BagLimits {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<BagLimits>
  return { ...DEFAULT_LIMITS, ...defined }
}

const GiB = 1024 ** 3

/** The reserve kept free on a volume of `volumeBytes` when none is configured. */
export const defaultStagingReserve = (volumeBytes: number): number => Math.min(GiB, Math.floor(volumeBytes * 0.05))
