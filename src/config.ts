import { resolve } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { LantaiError } from './errors.js'

// STYLE.md "Config": only LANTAI_* variables, defaults applied, the result checked by a schema, and
// every bad value reported at once in one CONFIG_INVALID. Nothing else reads process.env.

const Port = Type.Integer({ minimum: 0, maximum: 65535 })

export const ConfigSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, description: 'LANTAI_DATA: catalogue, store and staging live here' }),
  host: Type.String({ minLength: 1, description: 'LANTAI_HOST' }),
  port: Port,
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l))),
  maxUploadBytes: Type.Integer({ minimum: 1, description: 'LANTAI_MAX_UPLOAD_BYTES: larger uploads get 413' }),
  ingestConcurrency: Type.Integer({ minimum: 1, maximum: 64, description: 'LANTAI_INGEST_CONCURRENCY: submissions checked at once' }),
  policiesDir: Type.String({ minLength: 1, description: 'LANTAI_POLICIES: storage-policies/ directory' }),
  bagitProfile: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_BAGIT_PROFILE: a BagIt profile every submission must meet (none by default)' }),
  trustDir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_TRUST: trusted roots and seal-making systems for seal checks (default ./certs; "none" for no trust)' }),
  fixitySchedule: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_FIXITY_CRON: overrides the fixity policy\'s cron expression; "off" disables' }),
  projectCodePattern: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'LANTAI_PROJECT_CODE_PATTERN: a regular expression every registered project code must match whole (default: the unified project code, 统一项目代码)' })
})
export type Config = Static<typeof ConfigSchema>

const int = (raw: string | undefined, fallback: number): number => raw === undefined || raw === '' ? fallback : (/^\d+$/.test(raw) ? Number(raw) : NaN)

export function loadConfig (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const config = {
    dataDir: resolve(cwd, env.LANTAI_DATA ?? 'var'),
    host: env.LANTAI_HOST ?? '127.0.0.1',
    port: int(env.LANTAI_PORT, 7480),
    logLevel: env.LANTAI_LOG_LEVEL ?? 'info',
    maxUploadBytes: int(env.LANTAI_MAX_UPLOAD_BYTES, 64 * 1024 ** 3),
    ingestConcurrency: int(env.LANTAI_INGEST_CONCURRENCY, 2),
    policiesDir: resolve(cwd, env.LANTAI_POLICIES ?? 'storage-policies'),
    bagitProfile: env.LANTAI_BAGIT_PROFILE === undefined || env.LANTAI_BAGIT_PROFILE === '' ? null : resolve(cwd, env.LANTAI_BAGIT_PROFILE),
    trustDir: env.LANTAI_TRUST === 'none' ? null : resolve(cwd, env.LANTAI_TRUST ?? 'certs'),
    fixitySchedule: env.LANTAI_FIXITY_CRON === undefined || env.LANTAI_FIXITY_CRON === '' ? null : env.LANTAI_FIXITY_CRON,
    projectCodePattern: env.LANTAI_PROJECT_CODE_PATTERN === undefined || env.LANTAI_PROJECT_CODE_PATTERN === '' ? null : env.LANTAI_PROJECT_CODE_PATTERN
  }
  const names: Record<string, string> = {
    dataDir: 'LANTAI_DATA', host: 'LANTAI_HOST', port: 'LANTAI_PORT', logLevel: 'LANTAI_LOG_LEVEL', maxUploadBytes: 'LANTAI_MAX_UPLOAD_BYTES',
    ingestConcurrency: 'LANTAI_INGEST_CONCURRENCY', policiesDir: 'LANTAI_POLICIES', bagitProfile: 'LANTAI_BAGIT_PROFILE', trustDir: 'LANTAI_TRUST', fixitySchedule: 'LANTAI_FIXITY_CRON',
    projectCodePattern: 'LANTAI_PROJECT_CODE_PATTERN'
  }
  const problems = [...Value.Errors(ConfigSchema, config)].map(e => {
    const key = e.path.split('/')[1] ?? ''
    return `${names[key] ?? key}=${JSON.stringify(env[names[key] ?? ''] ?? '')}: ${e.message}`
  })
  try { if (config.projectCodePattern !== null) new RegExp(config.projectCodePattern) } catch (err) {
    problems.push(`LANTAI_PROJECT_CODE_PATTERN=${JSON.stringify(config.projectCodePattern)}: not a regular expression (${(err as Error).message})`)
  }
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', [...new Set(problems)].join('; '), { problems })
  return config as Config
}
