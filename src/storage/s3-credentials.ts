import { LantaiError } from '../errors.js'

// Credentials never live in the repository or the catalogue: a node definition names the environment
// variables that hold them (issue 16 item 1), and they are read once, where the store is built.

export interface S3Credentials { accessKey: string, secretKey: string }

/** The names of the environment variables holding a node's keys, e.g. { accessKeyVar: 'LANTAI_S3_GZ_ACCESS_KEY', … }. */
export interface S3CredentialsRef { accessKeyVar: string, secretKeyVar: string }

export function resolveS3Credentials (ref: S3CredentialsRef, env: Readonly<Record<string, string | undefined>>): S3Credentials {
  const missing = [ref.accessKeyVar, ref.secretKeyVar].filter(name => (env[name] ?? '') === '')
  if (missing.length > 0) throw new LantaiError('STORAGE_CREDENTIALS_MISSING', missing.join(', '), { variables: missing })
  return { accessKey: env[ref.accessKeyVar] as string, secretKey: env[ref.secretKeyVar] as string }
}
