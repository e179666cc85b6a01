export { checkKey, checkPrefix, putEach, readAll, type BlobStat, type BlobStore, type ByteRange, type LocalPathOptions, type PutFileOptions, type PutItem } from './blob-store.js'
export { LocalBlobStore } from './local-blob-store.js'
