import type { Test } from 'tap'
import { AuditTrail, DEFAULT_AUDIT_OPTIONS } from '../../src/audit/index.js'
import type { Principal, Role } from '../../src/auth/roles.js'
import { openCatalogue, type Catalogue } from '../../src/catalogue/index.js'
import { catalogueTargets, type TestEngine } from '../fixtures/databases.js'

// A catalogue on each engine with a clock the test moves, and the audit trail over it: what the
// approval engine and the aggregation guard are built on in the tests of src/access.

export interface Bench { engine: TestEngine, catalogue: Catalogue, audit: AuditTrail, clock: { now: Date, advanceHours: (h: number) => void } }

export async function benches (t: Test): Promise<Bench[]> {
  const out: Bench[] = []
  for (const { engine, target } of await catalogueTargets(t)) {
    const clock = { now: new Date('2026-05-01T08:00:00.000Z'), advanceHours (h: number) { this.now = new Date(this.now.getTime() + h * 3_600_000) } }
    const catalogue = await openCatalogue(target, () => clock.now)
    t.teardown(() => catalogue.close())
    out.push({ engine, catalogue, clock, audit: new AuditTrail(catalogue.audit, { ...DEFAULT_AUDIT_OPTIONS, checkpointEvery: 0, checkpointMinutes: 0, clock: () => clock.now }) })
  }
  return out
}

/** A person as the auth plugin would hand them over. */
export const person = (accountId: string, role: Role): Principal => ({ tokenId: `tok_${accountId}`, role, label: accountId, clearance: role === 'security-officer' ? '机密' : '秘密', accountId, via: 'token' })
