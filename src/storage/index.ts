export { checkKey, checkPrefix, putEach, readAll, type BlobStat, type BlobStore, type ByteRange, type LocalPathOptions, type PutFileOptions, type PutItem } from './blob-store.js'
export { LocalBlobStore } from './local-blob-store.js'
export { S3BlobStore, type S3BlobStoreOptions, type S3ObjectInfo, type S3PutOptions } from './s3-blob-store.js'
export { resolveS3Credentials, type S3Credentials, type S3CredentialsRef } from './s3-credentials.js'
