import type { FastifyBaseLogger } from 'fastify'
import type { AuditEntry, AuditTrail } from '../../audit/index.js'
import type { AccessEntry } from '../../catalogue/index.js'

// Each request's access-log row, once final, becomes one row of the audit trail (issue 15 item 8):
// the action is the method and route pattern, the object the route's first segment and its id.
// The access log keeps the credential (token or session id); the trail names the person, so a console
// session's row is the account's (the auditor asks what Li did, not what session s_… did), with the
// session id kept in the detail to tie the row to its login. A bearer token issued for an account is the
// same person (issue 15 item 8): its rows are the account's, with the token id as detail; a token of no
// account (a system, an operator) is its own actor.

/** Who made a request, beyond the access log's credential id. */
export interface RequestCaller {
  label: string | null
  accountId: string | null
  via: 'token' | 'session'
}

export function requestAuditEntry (e: AccessEntry, caller: RequestCaller | null): AuditEntry {
  const segment = /^\/v1\/([^/]+)/.exec(e.route)?.[1] ?? null
  const person = e.tokenId !== null && caller !== null && caller.accountId !== null ? caller.accountId : null
  const credential = person === null ? {} : caller?.via === 'session' ? { session: e.tokenId } : { token: e.tokenId }
  return {
    actor: e.tokenId === null ? null : { id: person ?? e.tokenId, role: e.role, label: caller?.label ?? null },
    action: `${e.method} ${e.route}`,
    objectType: segment,
    objectId: e.objectId,
    outcome: e.outcome,
    requestId: e.requestId,
    ip: e.ip,
    detail: { url: e.url, status: e.status, ...credential },
    at: e.endedAt ?? e.at
  }
}

/** Records a final access-log row in the trail; nobody awaits a listener, so a failure is logged. */
export async function auditRequest (audit: AuditTrail | undefined, e: AccessEntry, caller: RequestCaller | null, log: FastifyBaseLogger): Promise<void> {
  if (audit === undefined) return
  await audit.record(requestAuditEntry(e, caller)).then(() => {}, (err: unknown) => {
    log.error({ err, requestId: e.requestId }, 'audit-trail row of a request not written')
  })
}
