export { checkKey, checkPrefix, readAll, type BlobStat, type BlobStore, type ByteRange } from './blob-store.js'
export { LocalBlobStore } from './local-blob-store.js'
