import { checkPrefix } from './blob-store.js'

// Where an S3 store lives, written as one URL (LANTAI_STORE_URL for the primary store):
//   s3+http://127.0.0.1:7480/lantai-archive/site-a/   s3+https://rgw.gz.example/lantai   s3://… (= https)
// Host and port are the endpoint (path-style addressing), the first path segment the bucket, the rest an
// optional key prefix. Keys never sit in the URL: it is logged and shown in /readyz.

export interface S3StoreLocation { endpoint: string, bucket: string, prefix: string }

/** DNS-compatible bucket names, the form every S3 implementation accepts. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** The location, or null when `url` is not such a URL (config reports it as CONFIG_INVALID). */
export function parseS3StoreUrl (url: string): S3StoreLocation | null {
  let u: URL
  try { u = new URL(url) } catch { return null }
  const scheme = { 's3:': 'https', 's3+https:': 'https', 's3+http:': 'http' }[u.protocol]
  if (scheme === undefined || u.hostname === '' || u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') return null
  const [bucket = '', ...rest] = u.pathname.replace(/^\//, '').split('/')
  if (!BUCKET.test(bucket)) return null
  let prefix: string
  try { prefix = rest.map(s => decodeURIComponent(s)).join('/') } catch { return null }
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/'
  try { checkPrefix(prefix) } catch { return null }
  return { endpoint: `${scheme}://${u.host}`, bucket, prefix }
}
