import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isNode, LineCounter, parseDocument, type Document } from 'yaml'
import { SIGNATURE_ALGORITHMS, type SubscriberInput } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'

// storage-policies/integration.yaml: the systems Lantai sends webhooks to and how deliveries are retried.
// Checked at start with every problem named by file, line and key, so a typo ("evnts:") stops the service
// with its place rather than leaving a partner system silently without messages.

/** A secret shorter than this is refused: an HMAC key is only as strong as its guessability. */
export const MIN_SECRET_LENGTH = 32

export const SubscriberEntry = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'the subscriber, lower-case letters, digits and hyphens' }),
  url: Type.String({ pattern: '^https?://', maxLength: 2000, description: 'where webhooks are POSTed; http or https only' }),
  events: Type.Array(Type.String({ pattern: '^(\\*|[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*(\\.\\*)?)$' }), { minItems: 1, description: "event types: exact, 'prefix.*' or '*'" }),
  secretEnv: Type.String({ pattern: '^LANTAI_[A-Z0-9_]+$', description: 'the LANTAI_* environment variable holding the signing secret (never the secret itself)' }),
  algorithm: Type.Union(SIGNATURE_ALGORITHMS.map(a => Type.Literal(a)), { default: 'hmac-sha256' }),
  active: Type.Boolean({ default: true })
}, { additionalProperties: false })

export const DeliverySettings = Type.Object({
  timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000, description: 'how long one attempt may take, answer included' }),
  maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: 'attempts before a delivery is failed (an admin may retry it)' }),
  backoffBaseMs: Type.Integer({ minimum: 1, default: 10_000, description: 'the pause after the first failed attempt; doubled after each' }),
  backoffMaxMs: Type.Integer({ minimum: 1, default: 3_600_000, description: 'the longest pause between attempts' }),
  leaseMs: Type.Integer({ minimum: 1000, default: 60_000, description: 'how long a dispatcher holds a delivery it is trying' }),
  batch: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'deliveries claimed at once' }),
  pollMs: Type.Integer({ minimum: 10, default: 1000, description: 'how often an idle dispatcher looks for due deliveries' })
}, { additionalProperties: false, default: {} })
export type DeliverySettings = Static<typeof DeliverySettings>

export const IntegrationPolicy = Type.Object({
  subscribers: Type.Array(SubscriberEntry, { default: [] }),
  delivery: DeliverySettings
}, { additionalProperties: false })
export type IntegrationPolicy = Static<typeof IntegrationPolicy>

export const DEFAULT_INTEGRATION_POLICY: IntegrationPolicy = Value.Default(IntegrationPolicy, {}) as IntegrationPolicy

export const toSubscriberInput = (e: Static<typeof SubscriberEntry>): SubscriberInput =>
  ({ name: e.name, url: e.url, eventTypes: e.events, secretEnv: e.secretEnv, algorithm: e.algorithm, active: e.active })

/** The problem with a subscriber's URL, or null: http(s) with a host, no credentials in it. */
export function urlProblem (url: string): string | null {
  let u: URL
  try { u = new URL(url) } catch { return `not a URL: ${url}` }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `only http and https URLs, got ${u.protocol}`
  if (u.username !== '' || u.password !== '') return 'credentials do not belong in the URL; the signature authenticates'
  return null
}

/** The problem with the secret a subscriber names, or null. */
export function secretProblem (secretEnv: string, secretOf: (name: string) => string | undefined): string | null {
  const secret = secretOf(secretEnv)
  if (secret === undefined || secret === '') return `${secretEnv} is not set`
  if (secret.length < MIN_SECRET_LENGTH) return `${secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters`
  return null
}

/**
 * Reads storage-policies/integration.yaml (none: no subscribers, default delivery settings). Throws one
 * CONFIG_INVALID naming every problem as `file:line key: problem`, including active subscribers whose
 * secret variable is not set.
 */
export async function loadIntegrationPolicy (policiesDir: string, secretOf: (name: string) => string | undefined): Promise<IntegrationPolicy> {
  const file = join(policiesDir, 'integration.yaml')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_INTEGRATION_POLICY)
    throw new LantaiError('CONFIG_INVALID', `${file}: ${(err as Error).message}`, { file })
  }
  return parseIntegrationPolicy(file, text, secretOf)
}

export function parseIntegrationPolicy (file: string, text: string, secretOf: (name: string) => string | undefined): IntegrationPolicy {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const problems: string[] = doc.errors.map(e => `${file}:${lines.linePos(e.pos[0]).line} ${e.message}`)
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', problems.join('; '), { file, problems })
  const merged = Value.Default(IntegrationPolicy, structuredClone(doc.toJS() ?? {}))
  const at = (path: string): string => `${file}:${lineOf(doc, lines, path)} ${path.slice(1).replace(/\//g, '.') || '(top)'}`
  for (const e of Value.Errors(IntegrationPolicy, merged)) problems.push(`${at(e.path)}: ${e.message}`)
  if (problems.length === 0) {
    const policy = merged as IntegrationPolicy
    const seen = new Set<string>()
    policy.subscribers.forEach((s, i) => {
      if (seen.has(s.name)) problems.push(`${at(`/subscribers/${i}/name`)}: ${s.name} is declared twice`)
      seen.add(s.name)
      const url = urlProblem(s.url)
      if (url !== null) problems.push(`${at(`/subscribers/${i}/url`)}: ${url}`)
      const secret = s.active ? secretProblem(s.secretEnv, secretOf) : null
      if (secret !== null) problems.push(`${at(`/subscribers/${i}/secretEnv`)}: ${secret}`)
    })
    if (policy.delivery.backoffMaxMs < policy.delivery.backoffBaseMs) problems.push(`${at('/delivery/backoffMaxMs')}: smaller than backoffBaseMs`)
  }
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', problems.join('; '), { file, problems })
  return merged as IntegrationPolicy
}

/** The line of the deepest node on `path` that the document has (a missing key: its parent's line). */
function lineOf (doc: Document, lines: LineCounter, path: string): number {
  const keys: Array<string | number> = path.split('/').slice(1).map(k => /^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~'))
  for (let n = keys.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true)
    if (isNode(node) && node.range != null) return lines.linePos(node.range[0]).line
  }
  return 1
}
