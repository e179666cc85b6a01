import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { creditCsv, type CreditService } from '../../credit/index.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { AppealBody, CorrectionBody, CreditRecordView, EvaluationView } from '../schemas/commitments.js'
import { pageOf, ProjectCode } from '../schemas/views.js'

// Credit records (失信行为记录, issue 14 item 10) over HTTP: query and export (JSON, CSV), appeal,
// correction, and a unit's evaluation. There is no DELETE or PUT: records are never removed or rewritten.

export interface CreditRoutesOptions { credit: CreditService }

const Id = Type.Object({ id: Type.String({ pattern: '^crd_[0-9A-Z]{26}$', description: 'the credit record' }) })
const Uscc = Type.String({ pattern: '^[0-9A-HJ-NP-RTUW-Y]{18}$', description: '统一社会信用代码 of the unit' })
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })

export const creditRoutes: FastifyPluginAsyncTypebox<CreditRoutesOptions> = async (app, { credit }) => {
  app.get('/credit-records', {
    config: { action: 'credit.read' },
    schema: {
      summary: 'Credit records, newest first; format=csv exports every match', tags: ['credit'],
      querystring: Type.Composite([Page, Type.Object({
        uscc: Type.Optional(Uscc),
        project: Type.Optional(ProjectCode),
        type: Type.Optional(Type.String({ maxLength: 64, description: 'commitment-overdue' })),
        standing: Type.Optional(Type.Union(['in_force', 'appealed', 'upheld', 'corrected', 'revoked'].map(s => Type.Literal(s)), { description: 'the standing now' })),
        from: Type.Optional(Day), to: Type.Optional(Day),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'json (a page, the default) or csv (every match, RFC 4180 with a UTF-8 BOM)' }))
      })]),
      produces: ['application/json', 'text/csv'],
      response: { 200: Type.Union([pageOf(CreditRecordView), Type.String({ description: 'CSV' })]), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const { limit, offset, uscc, project, type, standing, from, to, format } = req.query
    const filters = { uscc, projectCode: project, type, standing: standing as never, from, to }
    if (format === 'csv') {
      return await reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="credit-records.csv"').send(creditCsv(await credit.all(filters)))
    }
    return { ...await credit.list({ ...filters, limit, offset }), limit, offset }
  })

  app.get('/credit-records/:id', {
    config: { action: 'credit.read', objectParam: 'id' },
    schema: { summary: 'A credit record with its appeals and corrections', tags: ['credit'], params: Id, response: { 200: CreditRecordView, ...ProblemResponses } }
  }, async req => await credit.get(req.params.id))

  app.post('/credit-records/:id/appeal', {
    config: { action: 'credit.appeal', objectParam: 'id' },
    schema: {
      summary: 'The builder\'s appeal (申诉), kept as its own entry', tags: ['credit'],
      description: 'Once, while the record is in force; otherwise 409 CREDIT_STATE_CONFLICT. The record keeps counting until a correction revokes it.',
      params: Id, body: AppealBody, response: { 201: CreditRecordView, 409: ProblemResponses[400], ...ProblemResponses }
    }
  }, async (req, reply) => reply.code(201).send(await credit.appeal(req.params.id, req.body, req.principal)))

  app.post('/credit-records/:id/correction', {
    config: { action: 'credit.correct', objectParam: 'id' },
    schema: {
      summary: 'The center\'s correction (更正): upheld, corrected or revoked, kept as its own entry', tags: ['credit'],
      description: 'While the record is in force or under appeal; otherwise 409 CREDIT_STATE_CONFLICT.',
      params: Id, body: CorrectionBody, response: { 201: CreditRecordView, 409: ProblemResponses[400], ...ProblemResponses }
    }
  }, async (req, reply) => reply.code(201).send(await credit.correct(req.params.id, req.body, req.principal)))

  app.get('/units/:uscc/credit', {
    config: { action: 'credit.read', objectParam: 'uscc' },
    schema: {
      summary: 'A unit\'s credit evaluation (信用评价): score, grade and the records behind them (docs/credit.md)', tags: ['credit'],
      params: Type.Object({ uscc: Uscc }), querystring: Type.Object({ on: Type.Optional(Day) }),
      response: { 200: EvaluationView, ...ProblemResponses }
    }
  }, async req => await credit.evaluate(req.params.uscc, req.query.on))
}
