import type { Engine } from '../../src/catalogue/index.js'
import { AuditTrail, type AuditTrailOptions } from '../../src/audit/index.js'
import type { RawSql, TestCatalogue } from '../catalogue/helpers.js'

// Shared by the audit tests: a trail over a test catalogue, rows to fill it, and the intruder's first
// move — dropping the triggers that keep the trail insert-only.

export function trailOf ({ c, clock }: TestCatalogue, options: Partial<AuditTrailOptions> = {}): AuditTrail {
  return new AuditTrail(c.audit, { algorithm: 'sm3', signer: null, checkpointEvery: 0, checkpointMinutes: 0, clock: clock.now, ...options })
}

/** `n` rows of mixed actions: even seqs allowed reads, odd ones denied, every third with a detail. */
export async function fill (trail: AuditTrail, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await trail.record({
      actor: { id: `tok_${i % 3}`, role: 'reader', label: '档案员' },
      action: 'GET /v1/packages/:id',
      objectType: 'packages',
      objectId: `pkg_${i}`,
      tier: i % 4 === 0 ? '秘密' : null,
      outcome: i % 2 === 0 ? 'allowed' : 'denied',
      requestId: `req-${i}`,
      ip: '10.0.0.8',
      detail: i % 3 === 0 ? { url: `/v1/packages/pkg_${i}?x=1`, status: 200 } : null
    })
  }
}

export async function dropTriggers (sql: RawSql, engine: Engine): Promise<void> {
  for (const table of ['audit_trail', 'audit_checkpoints']) {
    for (const what of ['update', 'delete']) await sql.run(`DROP TRIGGER ${table}_no_${what}${engine === 'postgres' ? ` ON ${table}` : ''}`)
  }
}
