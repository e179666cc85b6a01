import type { FastifyBaseLogger } from 'fastify'
import type { AuditEntry, AuditTrail } from '../../audit/index.js'
import type { AccessEntry } from '../../catalogue/index.js'

// Each request's access-log row, once final, becomes one row of the audit trail (issue 15 item 8):
// the action is the method and route pattern, the object the route's first segment and its id.

export function requestAuditEntry (e: AccessEntry, label: string | null): AuditEntry {
  const segment = /^\/v1\/([^/]+)/.exec(e.route)?.[1] ?? null
  return {
    actor: e.tokenId === null ? null : { id: e.tokenId, role: e.role, label },
    action: `${e.method} ${e.route}`,
    objectType: segment,
    objectId: e.objectId,
    outcome: e.outcome,
    requestId: e.requestId,
    ip: e.ip,
    detail: { url: e.url, status: e.status },
    at: e.endedAt ?? e.at
  }
}

/** Records a final access-log row in the trail; nobody awaits a listener, so a failure is logged. */
export async function auditRequest (audit: AuditTrail | undefined, e: AccessEntry, label: string | null, log: FastifyBaseLogger): Promise<void> {
  if (audit === undefined) return
  await audit.record(requestAuditEntry(e, label)).then(() => {}, (err: unknown) => {
    log.error({ err, requestId: e.requestId }, 'audit-trail row of a request not written')
  })
}
