import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { dailyReport, exportTrail } from '../../audit/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { pageOf } from '../schemas/views.js'
import { LantaiError } from '../../errors.js'

// The security officer's and the auditor's view of the audit trail (issue 15 item 9): filtered pages,
// a streamed CSV or JSON export of every matching row, and the daily report. Read by those who audit
// (三员分立), not by the admin whose actions the trail records.

export interface AuditTrailRoutesOptions { catalogue: Catalogue }

const Nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description })

const AuditRowView = Type.Object({
  seq: Type.Integer({ description: 'position in the chain, from 1, without gaps' }),
  at: Type.String({ description: 'when, ISO-8601 UTC' }),
  actorId: Nullable('token or account id; null for an anonymous caller or the system'),
  actorRole: Nullable('the actor\'s role then'),
  actorLabel: Nullable('the actor\'s label then'),
  action: Type.String({ description: "what was done: 'GET /v1/packages/:id' for a request, or a named action such as 'login.failed'" }),
  objectType: Nullable('kind of object'),
  objectId: Nullable('the object'),
  tier: Nullable('classification tier of the object, when known'),
  outcome: Type.String({ description: 'allowed | denied | error | aborted | refused for requests; success | failure otherwise' }),
  requestId: Nullable('the request id (x-request-id)'),
  ip: Nullable('client address'),
  detail: Nullable('canonical JSON text, as hashed'),
  alg: Type.String({ description: 'sm3 or sha256' }),
  prevHash: Type.String({ description: 'hash of the row before (64 zeros for row 1)' }),
  hash: Type.String({ description: 'this row\'s hash over its canonical encoding (docs/audit.md)' })
}, { description: 'one row of the hash-chained audit trail' })

const Filters = Type.Object({
  actor: Type.Optional(Type.String({ description: 'who: a token or account id' })),
  action: Type.Optional(Type.String({ description: "what: an action, or a prefix ending in '*' ('GET /v1/packages*')" })),
  objectType: Type.Optional(Type.String({ description: 'kind of object' })),
  objectId: Type.Optional(Type.String({ description: 'the object (package, project …)' })),
  tier: Type.Optional(Type.String({ description: 'classification tier' })),
  outcome: Type.Optional(Type.String({ description: 'allowed, denied, error, aborted, refused, success, failure …' })),
  from: Type.Optional(Type.String({ description: 'from this time on (ISO-8601, inclusive)' })),
  to: Type.Optional(Type.String({ description: 'before this time (ISO-8601, exclusive)' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'by seq; desc (newest first) by default' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], {
    description: 'export every matching row, streamed (limit and offset are ignored): json is a JSON array, csv has a header line'
  }))
})

const ReportLine = Type.Object({
  total: Type.Integer({ description: 'rows counted' }),
  byAction: Type.Record(Type.String(), Type.Integer(), { description: 'rows by action' })
})

const DailyReportView = Type.Object({
  date: Type.String({ description: 'the day, YYYY-MM-DD' }),
  from: Type.String({ description: 'start of the day, ISO-8601 UTC (inclusive)' }),
  to: Type.String({ description: 'end of the day, ISO-8601 UTC (exclusive)' }),
  rows: Type.Integer({ description: 'trail rows of the day' }),
  classifiedReads: Type.Composite([ReportLine, Type.Object({ byTier: Type.Record(Type.String(), Type.Integer(), { description: 'reads by tier' }) })], { description: 'reads, downloads, searches and exports of objects at a secret tier' }),
  refusals: Type.Composite([ReportLine], { description: 'requests denied (401, 403) or refused before routing' }),
  approvals: Type.Composite([ReportLine], { description: "rows whose action names an approval ('…approv…')" }),
  aggregationAlerts: Type.Composite([ReportLine], { description: "rows whose action starts 'aggregation.'" })
})

export const auditTrailRoutes: FastifyPluginAsyncTypebox<AuditTrailRoutesOptions> = async (app, { catalogue }) => {
  app.get('/audit', {
    config: { action: 'audit.read' },
    schema: {
      summary: 'The hash-chained audit trail, filtered; newest first, paged, or exported whole as CSV or JSON', tags: ['audit'],
      querystring: Type.Composite([Page, Filters]),
      response: { 200: pageOf(AuditRowView), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const { limit, offset, format, ...filters } = req.query as Static<typeof Page> & Static<typeof Filters>
    // checked before any row is read, so a bad bound is a 400 and not a stream cut off
    for (const [name, value] of [['from', filters.from], ['to', filters.to]] as const) {
      if (value !== undefined && Number.isNaN(Date.parse(value))) throw new LantaiError('REQUEST_INVALID', `${name} is not an ISO-8601 time: ${value}`, { [name]: value })
    }
    if (format !== undefined) {
      reply.header('content-disposition', `attachment; filename="audit.${format}"`)
      reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      // a stream is sent as it is, past the page schema, which describes the paged answer
      return await reply.send(Readable.from(exportTrail(catalogue.audit, filters, format)) as never)
    }
    return { ...await catalogue.audit.list({ ...filters, limit, offset }), limit, offset }
  })

  app.get('/audit/report/daily', {
    config: { action: 'audit.read' },
    schema: {
      summary: 'One day of the trail: classified reads, refusals, approvals and aggregation alerts', tags: ['audit'],
      querystring: Type.Object({
        date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the day, YYYY-MM-DD' }),
        utcOffset: Type.Optional(Type.String({ pattern: '^(Z|[+-]\\d{2}:\\d{2})$', description: "where the day begins: 'Z' (default) or an offset such as +08:00" }))
      }),
      response: { 200: DailyReportView, ...ProblemResponses }
    }
  }, async req => await dailyReport(catalogue.audit, req.query.date, req.query.utcOffset))
}
