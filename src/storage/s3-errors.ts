import { LantaiError, type ErrorCode } from '../errors.js'

// One mapping from what the minio client throws to Lantai's storage codes, so a caller (the replication
// queue, fixity, the HTTP edge) can tell "retry later" (unreachable, a server error) from "fix the node
// definition" (credentials, bucket) without knowing S3.

/** Socket-level failures: the endpoint is down, stopped, or not where the definition says. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'])

/** S3 error codes (from the XML body, or from the status of a body-less HEAD) and what they mean here. */
const S3_CODES: Record<string, ErrorCode> = {
  NoSuchKey: 'STORAGE_NOT_FOUND',
  NotFound: 'STORAGE_NOT_FOUND',
  InvalidAccessKeyId: 'STORAGE_CREDENTIALS_REJECTED',
  SignatureDoesNotMatch: 'STORAGE_CREDENTIALS_REJECTED',
  AccessDenied: 'STORAGE_CREDENTIALS_REJECTED',
  InvalidToken: 'STORAGE_CREDENTIALS_REJECTED',
  NoSuchBucket: 'STORAGE_BUCKET_MISSING',
  InvalidRange: 'STORAGE_RANGE_INVALID'
}

export interface S3Context { endpoint: string, bucket: string, key?: string }

export function s3Failure (e: unknown, where: S3Context): LantaiError {
  if (e instanceof LantaiError) return e
  const err = e as { code?: unknown, message?: unknown } | null
  const code = typeof err?.code === 'string' ? err.code : ''
  const message = typeof err?.message === 'string' ? err.message : String(e)
  const details: Record<string, unknown> = { endpoint: where.endpoint, bucket: where.bucket, ...(where.key === undefined ? {} : { key: where.key }), cause: code || message }
  const mapped = UNREACHABLE.has(code) ? 'STORAGE_UNREACHABLE' : S3_CODES[code]
  const target = where.key === undefined ? `${where.endpoint}/${where.bucket}` : `${where.endpoint}/${where.bucket}/${where.key}`
  return new LantaiError(mapped ?? 'STORAGE_REMOTE_FAILED', `${target}: ${code === '' ? message : `${code} ${message}`}`.trim(), details, { cause: e })
}
