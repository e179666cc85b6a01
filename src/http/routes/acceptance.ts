import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { renderDocumentHtml, type AcceptanceReview } from '../../acceptance/index.js'
import { applicationFor, documentFor, submissionFor, tiersFor } from '../../access/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import { DocumentSealer } from '../../documents/index.js'
import { callerOf } from '../plugins/auth.js'
import { gateProject } from './projects.js'
import { ProblemResponses } from '../schemas/common.js'
import { ApplicationDetailView, ApplicationView, DeadlinesView, DecisionRequest, DecisionResult, DocumentView } from '../schemas/acceptance.js'
import { ProjectCode } from '../schemas/views.js'

// Acceptance review over HTTP (issue 14 items 5, 6, 9): a thin shell over AcceptanceReview. Deciding is
// the archivist's alone (三员分立: an admin runs the system, not the archive).

export interface AcceptanceRoutesOptions {
  review: AcceptanceReview
  /** for the gate's loads (issue 15 item 4): a record of a project or package above the caller's clearance is missing */
  catalogue: Catalogue
  /** seals the documents as PDFs (src/documents/); absent: .pdf answers DOCUMENT_SEAL_NOT_CONFIGURED */
  documents?: DocumentSealer
}

const Conflicts = { 409: ProblemResponses[400], 422: ProblemResponses[400] }

export const acceptanceRoutes: FastifyPluginAsyncTypebox<AcceptanceRoutesOptions> = async (app, { review, catalogue, documents = new DocumentSealer({ signer: null, font: { path: '', family: null } }) }) => {
  // a project's applications: the project through the gate first, as on every route of one project
  app.addHook('preHandler', gateProject(catalogue))

  app.post('/projects/:code/applications', {
    config: { action: 'application.create', objectParam: 'code' },
    schema: {
      summary: 'Open an acceptance application (验收申请) for a project or one of its phases', tags: ['acceptance'],
      description: 'The joint-acceptance limit is computed from the policy. A second open application (under_review or rectify) for the same project and phase is 409 ACCEPTANCE_APPLICATION_DUPLICATE.',
      params: Type.Object({ code: ProjectCode }),
      body: Type.Object({ phase: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,32}$', description: 'a phase code of the project; absent: the whole project' })) }, { additionalProperties: false }),
      response: { 201: ApplicationView, ...ProblemResponses, ...Conflicts }
    }
  }, async (req, reply) => reply.code(201).send(await review.apply({ projectCode: req.params.code, phaseCode: req.body.phase ?? null, principal: req.principal })))

  app.get('/projects/:code/applications', {
    config: { action: 'application.read', objectParam: 'code' },
    schema: { summary: 'A project\'s acceptance applications, newest first', tags: ['acceptance'], params: Type.Object({ code: ProjectCode }), response: { 200: Type.Object({ items: Type.Array(ApplicationView) }), ...ProblemResponses } }
  }, async req => ({ items: await review.applications(req.params.code) }))

  app.get('/applications/deadlines', {
    config: { action: 'application.read' },
    schema: {
      summary: 'Open applications near or past their joint-acceptance limit', tags: ['acceptance'],
      querystring: Type.Object({ within: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'days ahead that count as near; the policy\'s nearDeadlineDays by default' })) }),
      response: { 200: DeadlinesView, ...ProblemResponses }
    }
  }, async req => await review.deadlines(req.query.within, tiersFor(callerOf(req))))

  app.get('/applications/:id', {
    config: { action: 'application.read', objectParam: 'id' },
    schema: { summary: 'An application with its submissions, decisions and documents', tags: ['acceptance'], params: Type.Object({ id: Type.String() }), response: { 200: ApplicationDetailView, ...ProblemResponses } }
  }, async req => {
    await applicationFor(catalogue, callerOf(req), req.params.id, 'application.read')
    return await review.application(req.params.id, tiersFor(callerOf(req)))
  })

  app.post('/applications/:id/withdraw', {
    config: { action: 'application.withdraw', objectParam: 'id' },
    schema: {
      summary: 'Withdraw an open application (撤回)', tags: ['acceptance'],
      description: 'An application under review or returned for rectification, with no submission on its way to a decision, becomes withdrawn (an event); the project or phase may then apply again. Otherwise 409 ACCEPTANCE_APPLICATION_CLOSED.',
      params: Type.Object({ id: Type.String() }),
      body: Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'why (recorded in the event)' })) }, { additionalProperties: false }),
      response: { 200: ApplicationView, ...ProblemResponses, ...Conflicts }
    }
  }, async req => {
    await applicationFor(catalogue, callerOf(req), req.params.id, 'application.withdraw')
    return await review.withdraw(req.params.id, req.body.reason ?? null, req.principal)
  })

  app.post('/submissions/:id/decision', {
    config: { action: 'submission.decide', objectParam: 'id' },
    schema: {
      summary: 'The archivist\'s decision on a submission awaiting one', tags: ['acceptance'],
      description: 'accepted: the acceptance opinion (验收合格意见) is issued and the package transferred as a new version; a report with errors needs override.reason (recorded), and a bag whose bytes are not as manifested is never accepted (422 ACCEPTANCE_BAG_INVALID). ' +
        'rectification_required: a numbered rectification notice (整改通知书) lists every automatic finding and the archivist\'s items; nothing is stored. rejected: nothing is stored. Webhooks acceptance.opinion and acceptance.rectification go out with the decision.',
      params: Type.Object({ id: Type.String() }),
      body: DecisionRequest,
      response: { 200: DecisionResult, ...ProblemResponses, ...Conflicts }
    }
  }, async req => {
    await submissionFor(catalogue, callerOf(req), req.params.id, 'submission.decide')
    return await review.decide({ submissionId: req.params.id, decision: req.body.decision, items: req.body.items, override: req.body.override, commitment: req.body.commitment, principal: req.principal })
  })

  app.get('/documents/:number', {
    config: { action: 'notice.read', objectParam: 'number' },
    schema: {
      summary: 'A rectification notice or acceptance opinion by its number: JSON, a printable bilingual page when the number ends in .html, or a PDF sealed by the center when it ends in .pdf', tags: ['acceptance'],
      description: '.pdf: PDF/A-2b with a PAdES baseline B signature by the center\'s key (LANTAI_CENTER_KEY), to verify with `lantai seals verify` against the center\'s root; 501 DOCUMENT_SEAL_NOT_CONFIGURED without that key (docs/documents.md).',
      params: Type.Object({ number: Type.String({ minLength: 1, maxLength: 64 }) }),
      produces: ['application/json', 'text/html', 'application/pdf'],
      response: { 200: Type.Union([DocumentView, Type.String({ description: 'a self-contained HTML page' }), Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the sealed PDF' })]), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const html = req.params.number.endsWith('.html')
    const pdf = req.params.number.endsWith('.pdf')
    const number = html ? req.params.number.slice(0, -'.html'.length) : pdf ? req.params.number.slice(0, -'.pdf'.length) : req.params.number
    // a notice of a project or package above the caller's clearance is a number never issued, in every form
    await documentFor(catalogue, callerOf(req), number, 'notice.read')
    const doc = await review.document(number)
    if (pdf) return await reply.type('application/pdf').header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(doc.number)}.pdf`).send(await documents.pdf(doc.body))
    if (!html) return doc
    return await reply.type('text/html; charset=utf-8').header('content-language', 'zh-CN, en').send(renderDocumentHtml(doc.body))
  })
}
