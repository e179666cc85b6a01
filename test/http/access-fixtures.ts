import type { Test } from 'tap'
import type { Tier } from '../../src/access/index.js'
import type { Role } from '../../src/auth/roles.js'
import { jsonl } from '../fixtures/acceptance.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// A service holding one package per tier, each with data/a.txt labelled through metadata/files.jsonl
// as a builder would, and a token per role and clearance.

export const TIERS: readonly Tier[] = ['非密', '秘密', '机密']

export interface Labelled extends TestService {
  /** package id by tier */
  packages: Record<Tier, string>
  token (role: Role, clearance: Tier): Promise<string>
}

let serial = 0

export async function ingestLabelled (t: Test, s: TestService, tier: Tier | '绝密', extra: Record<string, unknown> = {}): Promise<{ state: string, packageId?: string, error?: { code: string, message: string } }> {
  const code = `2024-330108-47-01-${String(700000 + serial++).padStart(6, '0')}`
  const created = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: `密级 ${tier}` } })
  if (created.statusCode !== 201) throw new Error(created.body)
  const classification = tier === '非密' ? '内部' : tier
  const bag = makeBag(t, { 'a.txt': `a file of tier ${tier}`, 'b.txt': 'an ordinary file' }, {
    tagFiles: { 'metadata/files.jsonl': jsonl([{ path: 'data/a.txt', classification, ...extra }, { path: 'data/b.txt', classification: '内部' }]) }
  })
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${code}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, bag) })
  if (res.statusCode !== 202) throw new Error(res.body)
  return await s.settle((res.json() as { id: string }).id) as { state: string, packageId?: string, error?: { code: string, message: string } }
}

export async function labelledService (t: Test): Promise<Labelled> {
  const s = await buildTestApp(t)
  const packages = {} as Record<Tier, string>
  for (const tier of TIERS) {
    const sub = await ingestLabelled(t, s, tier)
    if (sub.state !== 'stored' || sub.packageId === undefined) throw new Error(`${tier}: ${JSON.stringify(sub)}`)
    packages[tier] = sub.packageId
  }
  const tokens = new Map<string, string>()
  const token = async (role: Role, clearance: Tier): Promise<string> => {
    const key = `${role} ${clearance}`
    let secret = tokens.get(key)
    if (secret === undefined) {
      secret = (await s.catalogue.tokens.create({ role, label: key, clearance })).secret
      tokens.set(key, secret)
    }
    return secret
  }
  return Object.assign(s, { packages, token })
}
