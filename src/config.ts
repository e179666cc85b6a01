import { statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import cron from 'node-cron'
import { DEFAULT_LIMITS } from './bagit/limits.js'
import { isPostgresUrl, redactDatabaseUrl } from './database-url.js'
import { LantaiError } from './errors.js'
import { parseS3StoreUrl } from './storage/s3-store-url.js'

// STYLE.md "Config": only LANTAI_* variables, defaults applied, the result checked by a schema, and
// every bad value reported at once in one CONFIG_INVALID. Nothing else reads process.env.

const Port = Type.Integer({ minimum: 0, maximum: 65535 })

export const ConfigSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, description: 'LANTAI_DATA: catalogue, store and staging live here' }),
  databaseUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_DATABASE_URL: a PostgreSQL catalogue (postgres://user:password@host:port/database); null: SQLite in LANTAI_DATA' }),
  host: Type.String({ minLength: 1, description: 'LANTAI_HOST' }),
  port: Port,
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l))),
  maxUploadBytes: Type.Integer({ minimum: 1, description: 'LANTAI_MAX_UPLOAD_BYTES: larger uploads get 413' }),
  ingestConcurrency: Type.Integer({ minimum: 1, maximum: 64, description: 'LANTAI_INGEST_CONCURRENCY: submissions checked at once' }),
  policiesDir: Type.String({ minLength: 1, description: 'LANTAI_POLICIES: storage-policies/ directory' }),
  bagitProfile: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_BAGIT_PROFILE: a BagIt profile every submission must meet (none by default)' }),
  trustDir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_TRUST: trusted roots and seal-making systems for seal checks (default ./certs; "none" for no trust)' }),
  fixitySchedule: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_FIXITY_CRON: overrides the fixity policy\'s cron expression; "off" disables' }),
  maxCompressionRatio: Type.Integer({ minimum: 2, maximum: 10000, description: 'LANTAI_MAX_COMPRESSION_RATIO: uncompressed / compressed bytes an uploaded archive may reach, measured as it is unpacked (default 100)' }),
  stagingReserveBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'LANTAI_STAGING_RESERVE_BYTES: bytes an unpack leaves free on the staging volume (default the smaller of 1 GiB and 5 % of the volume)' }),
  projectCodePattern: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_PROJECT_CODE_PATTERN: a regular expression every registered project code must match whole (default: the unified project code, 统一项目代码)' }),
  storeUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_STORE_URL: an S3 bucket as the primary store (s3+http://host:port/bucket/prefix/); null: the local store in LANTAI_DATA/store' }),
  storeCredentials: Type.Union([Type.Object({ accessKey: Type.String({ minLength: 1 }), secretKey: Type.String({ minLength: 1 }) }), Type.Null()], { description: 'LANTAI_STORE_ACCESS_KEY and LANTAI_STORE_SECRET_KEY: the S3 store\'s keys (never in the URL)' }),
  loginMaxFailures: Type.Integer({ minimum: 1, maximum: 100, description: 'LANTAI_LOGIN_MAX_FAILURES: wrong passwords within the lock time that lock an account (default 5)' }),
  loginLockMinutes: Type.Integer({ minimum: 1, maximum: 10080, description: 'LANTAI_LOGIN_LOCK_MINUTES: how long a lockout lasts, and the window failures are counted in (default 15)' }),
  sessionMinutes: Type.Integer({ minimum: 1, maximum: 10080, description: 'LANTAI_SESSION_MINUTES: a console session\'s lifetime (default 480)' }),
  auditAlgorithm: Type.Union([Type.Literal('sm3'), Type.Literal('sha256')], { description: 'LANTAI_AUDIT_HASH: the hash of new audit-trail rows (default sm3)' }),
  auditKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_AUDIT_KEY: the center\'s PEM private key (SM2 or ECDSA P-256) that signs audit checkpoints; none: checkpoints are unsigned' }),
  auditCert: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_AUDIT_CERT: the PEM certificate of LANTAI_AUDIT_KEY' }),
  auditCheckpointRows: Type.Integer({ minimum: 0, description: 'LANTAI_AUDIT_CHECKPOINT_ROWS: rows between audit checkpoints (default 1000; 0: not by count)' }),
  auditCheckpointMinutes: Type.Integer({ minimum: 0, description: 'LANTAI_AUDIT_CHECKPOINT_MINUTES: minutes between audit checkpoints while rows are written (default 60; 0: not by time)' }),
  centerKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_CENTER_KEY: the center\'s PEM private key (SM2, ECDSA or RSA) that seals the documents Lantai issues; none: no sealed PDFs' }),
  centerCert: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_CENTER_CERT: the PEM certificate of LANTAI_CENTER_KEY' }),
  centerChain: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_CENTER_CHAIN: PEM certificates between LANTAI_CENTER_CERT and the center\'s root, carried in each seal (optional)' }),
  documentFont: Type.String({ minLength: 1, description: 'LANTAI_DOCUMENT_FONT: a TrueType/OpenType font with Chinese glyphs, subset into each sealed PDF (default the Debian fonts-wqy-microhei file)' }),
  documentFontFamily: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_DOCUMENT_FONT_FAMILY: the font\'s PostScript name inside a collection (.ttc)' })
})
export type Config = Static<typeof ConfigSchema>

const int = (raw: string | undefined, fallback: number): number => raw === undefined || raw === '' ? fallback : (/^\d+$/.test(raw) ? Number(raw) : NaN)

/** The variable behind each field, and what it allows: a bad value is reported with both. */
const VARIABLES: Record<keyof Config, { name: string, allowed: string }> = {
  dataDir: { name: 'LANTAI_DATA', allowed: 'a directory path' },
  databaseUrl: { name: 'LANTAI_DATABASE_URL', allowed: 'a postgres:// or postgresql:// URL (postgres://user:password@host:5432/database), or empty for SQLite in LANTAI_DATA' },
  host: { name: 'LANTAI_HOST', allowed: 'a host name or IP address to listen on' },
  port: { name: 'LANTAI_PORT', allowed: 'a whole number from 0 to 65535 (0: any free port)' },
  logLevel: { name: 'LANTAI_LOG_LEVEL', allowed: 'fatal, error, warn, info, debug, trace or silent' },
  maxUploadBytes: { name: 'LANTAI_MAX_UPLOAD_BYTES', allowed: 'a whole number of bytes, at least 1' },
  ingestConcurrency: { name: 'LANTAI_INGEST_CONCURRENCY', allowed: 'a whole number from 1 to 64' },
  policiesDir: { name: 'LANTAI_POLICIES', allowed: 'an existing storage-policies directory' },
  bagitProfile: { name: 'LANTAI_BAGIT_PROFILE', allowed: 'a BagIt profile JSON file, or empty for none' },
  trustDir: { name: 'LANTAI_TRUST', allowed: 'an existing certs directory, or "none"' },
  fixitySchedule: { name: 'LANTAI_FIXITY_CRON', allowed: 'a cron expression of 5 or 6 fields (e.g. "0 2 * * *"), or "off"' },
  maxCompressionRatio: { name: 'LANTAI_MAX_COMPRESSION_RATIO', allowed: 'a whole number from 2 to 10000' },
  stagingReserveBytes: { name: 'LANTAI_STAGING_RESERVE_BYTES', allowed: 'a whole number of bytes, or empty for the default' },
  projectCodePattern: { name: 'LANTAI_PROJECT_CODE_PATTERN', allowed: 'a regular expression for the whole project code, or empty for the unified project code format' },
  storeUrl: { name: 'LANTAI_STORE_URL', allowed: 's3+http://host:port/bucket[/prefix/], s3+https://… or s3://… (https), without keys in it; or empty for the local store in LANTAI_DATA' },
  // Two variables, one field: the value shown is '' (the secret is never echoed).
  storeCredentials: { name: 'LANTAI_STORE_ACCESS_KEY and LANTAI_STORE_SECRET_KEY', allowed: 'both set when LANTAI_STORE_URL is' },
  loginMaxFailures: { name: 'LANTAI_LOGIN_MAX_FAILURES', allowed: 'a whole number from 1 to 100' },
  loginLockMinutes: { name: 'LANTAI_LOGIN_LOCK_MINUTES', allowed: 'a whole number of minutes from 1 to 10080' },
  sessionMinutes: { name: 'LANTAI_SESSION_MINUTES', allowed: 'a whole number of minutes from 1 to 10080' },
  auditAlgorithm: { name: 'LANTAI_AUDIT_HASH', allowed: 'sm3 or sha256' },
  auditKey: { name: 'LANTAI_AUDIT_KEY', allowed: 'a readable PEM private key file, set together with LANTAI_AUDIT_CERT' },
  auditCert: { name: 'LANTAI_AUDIT_CERT', allowed: 'a readable PEM certificate file, set together with LANTAI_AUDIT_KEY' },
  auditCheckpointRows: { name: 'LANTAI_AUDIT_CHECKPOINT_ROWS', allowed: 'a whole number of rows (0: not by count)' },
  auditCheckpointMinutes: { name: 'LANTAI_AUDIT_CHECKPOINT_MINUTES', allowed: 'a whole number of minutes (0: not by time)' },
  centerKey: { name: 'LANTAI_CENTER_KEY', allowed: 'a readable PEM private key file, set together with LANTAI_CENTER_CERT' },
  centerCert: { name: 'LANTAI_CENTER_CERT', allowed: 'a readable PEM certificate file, set together with LANTAI_CENTER_KEY' },
  centerChain: { name: 'LANTAI_CENTER_CHAIN', allowed: 'a PEM file of certificates, with LANTAI_CENTER_KEY and LANTAI_CENTER_CERT' },
  documentFont: { name: 'LANTAI_DOCUMENT_FONT', allowed: 'a font file path (.ttf, .otf, .ttc)' },
  documentFontFamily: { name: 'LANTAI_DOCUMENT_FONT_FAMILY', allowed: 'the PostScript name of a font in LANTAI_DOCUMENT_FONT\'s collection' }
}

/** Debian's fonts-wqy-microhei, which the test scripts install in CI (scripts/document-font.ts). */
export const DEFAULT_DOCUMENT_FONT = { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYiMicroHei' }

/** Where the package is installed (src/ or dist/ sits one level below it). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url))

const isDirectory = (path: string): boolean => { try { return statSync(path).isDirectory() } catch { return false } }

/**
 * A directory the service ships with (storage-policies/, certs/): the variable when set, else the one in
 * the working directory, else the installed package's, so `lantai` works from any folder.
 */
function shipped (value: string | undefined, cwd: string, name: string): string {
  if (value !== undefined && value !== '') return resolve(cwd, value)
  const local = resolve(cwd, name)
  return isDirectory(local) ? local : join(PACKAGE_ROOT, name)
}

export function loadConfig (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // An empty variable is an unset one (a `LANTAI_DATA=` line in a unit file means "the default").
  const v = (name: string): string | undefined => env[name] === '' ? undefined : env[name]
  const config = {
    dataDir: resolve(cwd, v('LANTAI_DATA') ?? 'var'),
    databaseUrl: v('LANTAI_DATABASE_URL') ?? null,
    host: v('LANTAI_HOST') ?? '127.0.0.1',
    port: int(v('LANTAI_PORT'), 7480),
    logLevel: v('LANTAI_LOG_LEVEL') ?? 'info',
    maxUploadBytes: int(v('LANTAI_MAX_UPLOAD_BYTES'), 64 * 1024 ** 3),
    ingestConcurrency: int(v('LANTAI_INGEST_CONCURRENCY'), 2),
    policiesDir: shipped(v('LANTAI_POLICIES'), cwd, 'storage-policies'),
    bagitProfile: v('LANTAI_BAGIT_PROFILE') === undefined ? null : resolve(cwd, v('LANTAI_BAGIT_PROFILE') ?? ''),
    trustDir: v('LANTAI_TRUST') === 'none' ? null : shipped(v('LANTAI_TRUST'), cwd, 'certs'),
    fixitySchedule: v('LANTAI_FIXITY_CRON') ?? null,
    maxCompressionRatio: int(v('LANTAI_MAX_COMPRESSION_RATIO'), DEFAULT_LIMITS.maxCompressionRatio),
    stagingReserveBytes: v('LANTAI_STAGING_RESERVE_BYTES') === undefined ? null : int(v('LANTAI_STAGING_RESERVE_BYTES'), 0),
    projectCodePattern: v('LANTAI_PROJECT_CODE_PATTERN') ?? null,
    storeUrl: v('LANTAI_STORE_URL') ?? null,
    storeCredentials: v('LANTAI_STORE_ACCESS_KEY') === undefined && v('LANTAI_STORE_SECRET_KEY') === undefined
      ? null
      : { accessKey: v('LANTAI_STORE_ACCESS_KEY') ?? '', secretKey: v('LANTAI_STORE_SECRET_KEY') ?? '' },
    loginMaxFailures: int(v('LANTAI_LOGIN_MAX_FAILURES'), 5),
    loginLockMinutes: int(v('LANTAI_LOGIN_LOCK_MINUTES'), 15),
    sessionMinutes: int(v('LANTAI_SESSION_MINUTES'), 480),
    auditAlgorithm: v('LANTAI_AUDIT_HASH') ?? 'sm3',
    auditKey: v('LANTAI_AUDIT_KEY') === undefined ? null : resolve(cwd, v('LANTAI_AUDIT_KEY') ?? ''),
    auditCert: v('LANTAI_AUDIT_CERT') === undefined ? null : resolve(cwd, v('LANTAI_AUDIT_CERT') ?? ''),
    auditCheckpointRows: int(v('LANTAI_AUDIT_CHECKPOINT_ROWS'), 1000),
    auditCheckpointMinutes: int(v('LANTAI_AUDIT_CHECKPOINT_MINUTES'), 60),
    centerKey: v('LANTAI_CENTER_KEY') === undefined ? null : resolve(cwd, v('LANTAI_CENTER_KEY') ?? ''),
    centerCert: v('LANTAI_CENTER_CERT') === undefined ? null : resolve(cwd, v('LANTAI_CENTER_CERT') ?? ''),
    centerChain: v('LANTAI_CENTER_CHAIN') === undefined ? null : resolve(cwd, v('LANTAI_CENTER_CHAIN') ?? ''),
    documentFont: v('LANTAI_DOCUMENT_FONT') === undefined ? DEFAULT_DOCUMENT_FONT.path : resolve(cwd, v('LANTAI_DOCUMENT_FONT') ?? ''),
    documentFontFamily: v('LANTAI_DOCUMENT_FONT') === undefined ? v('LANTAI_DOCUMENT_FONT_FAMILY') ?? DEFAULT_DOCUMENT_FONT.family : v('LANTAI_DOCUMENT_FONT_FAMILY') ?? null
  }
  const bad = new Set<keyof Config>()
  for (const e of Value.Errors(ConfigSchema, config)) bad.add((e.path.split('/')[1] ?? '') as keyof Config)
  // What the schema cannot see: a cron typo would otherwise surface as node-cron's stack at start.
  if (config.fixitySchedule !== null && config.fixitySchedule !== 'off' && !cron.validate(config.fixitySchedule)) bad.add('fixitySchedule')
  if (!isDirectory(config.policiesDir)) bad.add('policiesDir')
  if (config.trustDir !== null && v('LANTAI_TRUST') !== undefined && !isDirectory(config.trustDir)) bad.add('trustDir')
  if (config.databaseUrl !== null && !isPostgresUrl(config.databaseUrl)) bad.add('databaseUrl')
  // the key signs nothing without its certificate, and a certificate alone signs nothing
  if ((config.auditKey === null) !== (config.auditCert === null)) bad.add(config.auditKey === null ? 'auditKey' : 'auditCert')
  if ((config.centerKey === null) !== (config.centerCert === null)) bad.add(config.centerKey === null ? 'centerKey' : 'centerCert')
  if (config.centerChain !== null && config.centerKey === null) bad.add('centerChain')
  try { if (config.projectCodePattern !== null) new RegExp(config.projectCodePattern, 'u') } catch { bad.add('projectCodePattern') }
  if (config.storeUrl !== null && parseS3StoreUrl(config.storeUrl) === null) bad.add('storeUrl')
  if (config.storeUrl !== null && config.storeCredentials === null) bad.add('storeCredentials')
  // notice (六) for operators too: every bad value at once, each with its variable, value and what is allowed.
  const problems = [...bad].filter(k => k in VARIABLES).map(k => {
    const { name, allowed } = VARIABLES[k]
    // The database URL carries a password: no error text or log line may show it.
    const value = env[name] ?? ''
    return { variable: name, value: k === 'databaseUrl' || k === 'storeUrl' ? redactDatabaseUrl(value) : value, allowed }
  })
  if (problems.length > 0) {
    const text = problems.map(p => `${p.variable}=${JSON.stringify(p.value)} (allowed: ${p.allowed})`).join('; ')
    throw new LantaiError('CONFIG_INVALID', text, { problems })
  }
  return config as Config
}
