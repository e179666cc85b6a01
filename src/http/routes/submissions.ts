import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { projectFor, submissionFor, tiersFor } from '../../access/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { Ingest } from '../../ingest/ingest.js'
import { callerOf } from '../plugins/auth.js'
import { streamedBody } from '../plugins/idempotency.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { pageOf, ProjectCode, SubmissionView } from '../schemas/views.js'

export interface SubmissionRoutesOptions { catalogue: Catalogue, ingest: Ingest }

export const submissionRoutes: FastifyPluginAsyncTypebox<SubmissionRoutesOptions> = async (app, { catalogue, ingest }) => {
  // The package is the raw body, streamed straight into staging: never buffered, never parsed here.
  // Whatever the declared type (application/octet-stream, a wrong one, even application/json), the
  // body's first bytes decide what it is, so no parser of this scope may read it as something else.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, payload, done) => { done(null, payload) })

  app.post('/submissions', {
    // system: the drawing-management system sends as-built drawing packages (issue 14 item 11)
    config: { action: 'submission.create', idempotency: 'optional', idempotencyBody: 'streamed' },
    schema: {
      summary: 'Submit a package (BagIt in tar, tar.gz or zip) as the raw request body',
      description: 'The body is unpacked and hashed as it arrives. The answer comes once the upload is in staging; checking and storing continue in the background: follow `GET /v1/submissions/{id}`. ' +
        'The body is recognised by its first bytes (tar: `ustar` at offset 257, gzip: `1f 8b`, zip: `50 4b 03 04`), not by its content type: `application/octet-stream` or a type that contradicts the bytes is read as the bytes say, and the submission records the type that matches them. ' +
        'An empty body is 400 `UPLOAD_EMPTY`; a body that is no archive is 415 `UPLOAD_NOT_AN_ARCHIVE` naming its first bytes; a package that hits a resource limit while it is unpacked (a decompression bomb, too many files, more than `maxTotalBytes`) is 413 `PACKAGE_LIMIT_EXCEEDED` with the finding that names the limit and its rule.',
      tags: ['submissions'],
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'optional (the drawing-management system sends one): the caller\'s own id of this upload. A retry with the same key and the same bytes gets the first answer again (`Idempotent-Replayed: true`) and stores nothing new; the same key with other bytes or another query is 422 `IDEMPOTENCY_KEY_REUSED`' })) }),
      querystring: Type.Object({
        project: ProjectCode,
        mode: Type.Optional(Type.Union([Type.Literal('supplement'), Type.Literal('replace')], { description: 'supplement (default): the files add to or replace those of the head, and lantai-remove.txt in the bag lists paths to remove; replace: the payload is the whole new head' })),
        application: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the acceptance application this package answers (or the lantai-application header); a resubmission after a rectification notice names it' })),
        commitment: Type.Optional(Type.String({ pattern: '^cmt_[0-9A-Z]{26}$', description: 'a supplementary submission: the commitment (承诺书) whose items it brings; give `fulfils` too' })),
        fulfils: Type.Optional(Type.String({ pattern: '^[^,]{1,64}(,[^,]{1,64}){0,199}$', description: 'the codes of the items it brings, comma-separated; they count as fulfilled by the version once it is stored' }))
      }),
      response: { 202: SubmissionView, ...ProblemResponses, 409: ProblemResponses[400], 413: ProblemResponses[400], 415: ProblemResponses[400], 422: ProblemResponses[400], 507: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    // a project above the caller's clearance does not exist for them, to submit to either (issue 15 item 4)
    await projectFor(catalogue, callerOf(req), req.query.project, 'submission.create')
    const length = req.headers['content-length']
    const abort = new AbortController()
    req.raw.once('close', () => { if (!req.raw.complete) abort.abort(new LantaiError('UPLOAD_INCOMPLETE', 'the client disconnected')) })
    const sub = await ingest.submit({
      projectCode: req.query.project,
      mode: req.query.mode,
      applicationId: req.query.application ?? (typeof req.headers['lantai-application'] === 'string' ? req.headers['lantai-application'] : undefined),
      ...(req.query.commitment === undefined ? {} : { fulfils: { commitmentId: req.query.commitment, items: (req.query.fulfils ?? '').split(',').filter(c => c !== '') } }),
      contentType: req.headers['content-type'] ?? '',
      // No content type and no body: fastify calls no parser, and there is no body stream at all.
      body: streamedBody(req),
      expectedBytes: length === undefined ? undefined : Number(length),
      principal: req.principal,
      signal: abort.signal
    })
    return reply.code(202).header('location', `/v1/submissions/${sub.id}`).send(sub)
  })

  app.get('/submissions/:id', {
    config: { action: 'submission.read', objectParam: 'id' },
    schema: { summary: 'A submission: its state, progress, and the full validation report', tags: ['submissions'], params: Type.Object({ id: Type.String() }), response: { 200: SubmissionView, ...ProblemResponses } }
  }, async req => await submissionFor(catalogue, callerOf(req), req.params.id, 'submission.read'))

  app.get('/submissions', {
    config: { action: 'submission.read' },
    schema: {
      summary: 'List submissions, newest first', tags: ['submissions'],
      querystring: Type.Composite([Page, Type.Object({ project: Type.Optional(ProjectCode), state: Type.Optional(Type.String()) })]),
      response: { 200: pageOf(SubmissionView), ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, project, state } = req.query
    return { ...await catalogue.submissions.list({ projectCode: project, state: state as never, limit, offset, tiers: tiersFor(callerOf(req)) }), limit, offset }
  })
}
