// The public face of the byte engine's hashing half (ARCHITECTURE.md §6): bagit, ocfl, fixity, seals and
// ingest import from here only.
export { STORED_ALGORITHMS, SUPPORTED_ALGORITHMS, keptAlgorithms, WEAK_ALGORITHMS, hexLength, isSupportedAlgorithm, nodeHashName, normalizeAlgorithmName, type Digests, type StoredAlgorithm } from './algorithms.js'
export { HashPool, type FileDigests, type HashFileOptions, type HasherOptions, type HashPoolOptions, type MultiHasher } from './hash.js'
