import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AcceptancePolicy, AcceptanceReview } from '../acceptance/index.js'
import { acceptanceRoutes } from './routes/acceptance.js'
import { approvalRoutes } from './routes/approvals.js'
import { exportRoutes } from './routes/export.js'
import { ExportGate, type AggregationGuard, type ApprovalEngine, type PipelineReadGuard } from '../access/index.js'
import type { Catalogue } from '../catalogue/index.js'
import type { DocumentSealer } from '../documents/index.js'
import { AuditTrail } from '../audit/index.js'
import { ProjectService } from '../projects/index.js'
import type { Revalidation } from '../preservation/revalidate.js'
import type { FixityService } from '../fixity/index.js'
import type { Ingest } from '../ingest/ingest.js'
import type { WebhookDispatcher } from '../integration/index.js'
import type { Logger } from '../logger.js'
import { DEFAULT_PEOPLE_SETTINGS, type PeopleSettings } from '../people/index.js'
import type { OcflObjectReader } from '../ocfl/index.js'
import type { ReplicationService, ReplicationWorker } from '../replication/index.js'
import { PrometheusMetrics } from '../service/prometheus.js'
import type { BlobStore } from '../storage/index.js'
import { auth, recordRefused, refuseBeforeRouting } from './plugins/auth.js'
import { errorDocs } from './plugins/error-docs.js'
import { idempotency } from './plugins/idempotency.js'
import { input } from './plugins/input.js'
import { metricsPlugin } from './plugins/metrics.js'
import { openapi } from './plugins/openapi.js'
import { problemDetails } from './plugins/problem-details.js'
import { accountRoutes } from './routes/accounts.js'
import { auditRoutes } from './routes/audit.js'
import { credentialRequestRoutes } from './routes/credential-requests.js'
import { sessionRoutes } from './routes/session.js'
import { auditTrailRoutes } from './routes/audit-trail.js'
import { sealRoutes } from './routes/seals.js'
import { fixityRoutes } from './routes/fixity.js'
import { healthRoutes } from './routes/health.js'
import { servingFrom } from './plugins/serving-from.js'
import type { Serving } from '../recovery/failover-store.js'
import { integrationRoutes } from './routes/integration.js'
import { packageRoutes } from './routes/packages.js'
import { projectRoutes } from './routes/projects.js'
import { replicationRoutes } from './routes/replication.js'
import { replicationTaskRoutes } from './routes/replication-tasks.js'
import { drillRoutes } from './routes/drills.js'
import { requirementsRoutes } from './routes/requirements.js'
import { submissionRoutes } from './routes/submissions.js'
import { tokenRoutes } from './routes/tokens.js'
import type { CommitmentService } from '../commitments/index.js'
import { CreditService } from '../credit/index.js'
import { commitmentRoutes } from './routes/commitments.js'
import { creditRoutes } from './routes/credit.js'
import { systemRoutes } from './routes/systems.js'

export interface RouteEntry { method: string, url: string, public: boolean, /** its row of the access table; undefined for public routes and those still declaring roles */ action?: string }

declare module 'fastify' {
  interface FastifyInstance { routeTable: readonly RouteEntry[] }
}

export interface AppDeps {
  catalogue: Catalogue
  /** the hash-chained audit trail (runtime.audit); one over the catalogue with the defaults when absent */
  audit?: AuditTrail
  ingest: Ingest
  reader: OcflObjectReader
  fixity: FixityService
  revalidation: Revalidation
  logger: Logger
  /** The OCFL storage root's store, for /readyz. */
  store: BlobStore
  /** Where reads are served from (issue 16 item 7): the primary, or a replica while the primary is lost. */
  serving?: () => Serving
  /** The service's metrics registry (main.ts shares it with the domain); a fresh one when absent. */
  metrics?: PrometheusMetrics
  /** LANTAI_PROJECT_CODE_PATTERN; null or absent: the unified project code (统一项目代码). */
  projectCodePattern?: string | null
  /** storage-policies/acceptance.yaml, loaded at start (src/acceptance/policy.ts) */
  acceptancePolicy: AcceptancePolicy
  /** applications, decisions and their documents (issue 14 item 5); no acceptance routes when absent */
  review?: AcceptanceReview
  /** seals the documents as PDFs with the center's key (issue 14 item 6); PDFs answer DOCUMENT_SEAL_NOT_CONFIGURED when absent */
  documents?: DocumentSealer
  /** A LANTAI_* variable's value (subscribers name the one holding their secret); none set when absent. */
  secretOf?: (name: string) => string | undefined
  /** The webhook dispatcher, poked when an admin retries a delivery; absent in an API-only process. */
  dispatcher?: WebhookDispatcher | null
  /** Storage nodes, placement and violations (issue 16); their routes are absent without it. */
  replication?: ReplicationService
  /** the replication queue: GET /v1/replication/tasks, POST /v1/packages/:id/replicate */
  replicationQueue?: ReplicationWorker
  /** Lockout, session and request lifetimes (LANTAI_LOGIN_*, LANTAI_SESSION_MINUTES); the defaults when absent. */
  people?: PeopleSettings
  /** Two-person requests and the aggregation guard (issue 15 items 5, 6); their routes are absent without them. */
  approvals?: ApprovalEngine
  guard?: AggregationGuard
  /** commitments and the overdue job (issue 14 item 7); their routes are absent without it */
  commitments?: CommitmentService
}

/** The HTTP shell over the domain; `listen` lives only in main.ts, tests use `inject`. */
export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const audit = deps.audit ?? new AuditTrail(deps.catalogue.audit)
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger with more; fastify's types want the narrower one.
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: req => (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID()),
    requestIdHeader: false,
    // Packages stream past this limit through their own parser; JSON bodies stay small.
    bodyLimit: 1024 * 1024,
    // No coercion: a number is not a name. Query and path integers are read by plugins/input.ts.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    // Requests refused before routing (431, 400) still leave an access-log row.
    clientErrorHandler: recordRefused(deps.catalogue, deps.logger as FastifyBaseLogger, audit),
    frameworkErrors: refuseBeforeRouting(deps.catalogue, audit)
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onSend', async (req, reply) => { reply.header('x-request-id', req.id) })
  // Every route, for the test that walks them all without a token.
  const routes: RouteEntry[] = []
  app.decorate('routeTable', routes)
  app.addHook('onRoute', r => {
    const config = r.config as { public?: boolean, action?: string } | undefined
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url, public: config?.public === true || r.url.startsWith('/docs'), ...(config?.action === undefined ? {} : { action: config.action }) })
  })

  await app.register(problemDetails)
  await app.register(input)
  // the session cookie is parsed before auth reads it
  await app.register(cookie)
  // auth first: its onRoute hook must see every later route, the docs' included.
  await app.register(auth, { catalogue: deps.catalogue, audit })
  // after auth: a caller's Idempotency-Key is scoped to its token
  await app.register(idempotency, { catalogue: deps.catalogue })
  await app.register(openapi)
  await app.register(errorDocs)
  await app.register(metricsPlugin, { metrics: deps.metrics ?? new PrometheusMetrics(deps.catalogue) })
  if (deps.serving !== undefined) await app.register(servingFrom, { serving: deps.serving })
  await app.register(healthRoutes, { catalogue: deps.catalogue, store: deps.store, serving: deps.serving })
  const projects = new ProjectService(deps.catalogue)
  await app.register(projectRoutes, { prefix: '/v1', catalogue: deps.catalogue, projects, codePattern: deps.projectCodePattern ?? null })
  await app.register(requirementsRoutes, { prefix: '/v1', catalogue: deps.catalogue, projects, policy: deps.acceptancePolicy })
  await app.register(submissionRoutes, { prefix: '/v1', catalogue: deps.catalogue, ingest: deps.ingest })
  await app.register(packageRoutes, { prefix: '/v1', catalogue: deps.catalogue, reader: deps.reader, pipelineGuard: pipelineGuardOf(deps.guard), aggregation: deps.guard })
  await app.register(exportRoutes, { prefix: '/v1', catalogue: deps.catalogue, reader: deps.reader, exports: new ExportGate({ audit, approvals: deps.approvals, guard: deps.guard }) })
  await app.register(tokenRoutes, { prefix: '/v1', catalogue: deps.catalogue })
  await app.register(auditRoutes, { prefix: '/v1', catalogue: deps.catalogue })
  await app.register(auditTrailRoutes, { prefix: '/v1', catalogue: deps.catalogue })
  await app.register(fixityRoutes, { prefix: '/v1', catalogue: deps.catalogue, fixity: deps.fixity })
  await app.register(sealRoutes, { prefix: '/v1', catalogue: deps.catalogue, revalidation: deps.revalidation })
  if (deps.replication !== undefined) await app.register(replicationRoutes, { prefix: '/v1', replication: deps.replication })
  if (deps.replicationQueue !== undefined) await app.register(replicationTaskRoutes, { prefix: '/v1', catalogue: deps.catalogue, queue: deps.replicationQueue })
  await app.register(drillRoutes, { prefix: '/v1', catalogue: deps.catalogue })
  const people = deps.people ?? DEFAULT_PEOPLE_SETTINGS
  await app.register(sessionRoutes, { prefix: '/v1', catalogue: deps.catalogue, settings: people })
  await app.register(accountRoutes, { prefix: '/v1', catalogue: deps.catalogue })
  await app.register(credentialRequestRoutes, { prefix: '/v1', catalogue: deps.catalogue, settings: people })
  await app.register(integrationRoutes, { prefix: '/v1', catalogue: deps.catalogue, secretOf: deps.secretOf ?? (() => undefined), dispatcher: deps.dispatcher ?? null })
  if (deps.review !== undefined) await app.register(acceptanceRoutes, { prefix: '/v1', review: deps.review, catalogue: deps.catalogue, documents: deps.documents })
  if (deps.approvals !== undefined && deps.guard !== undefined) await app.register(approvalRoutes, { prefix: '/v1', approvals: deps.approvals, guard: deps.guard })
  if (deps.commitments !== undefined) await app.register(commitmentRoutes, { prefix: '/v1', catalogue: deps.catalogue, commitments: deps.commitments })
  await app.register(creditRoutes, { prefix: '/v1', credit: new CreditService(deps.catalogue) })
  await app.register(systemRoutes, { prefix: '/v1', projects, review: deps.review, codePattern: deps.projectCodePattern ?? null })
  return app
}

/** A read of pipeline-survey data passes the aggregation guard (issue 15 item 5); the file gate knows which are. */
const pipelineGuardOf = (guard: AggregationGuard | undefined): PipelineReadGuard | undefined =>
  guard === undefined ? undefined : async (principal, read) => { await guard.enforce(principal, [read], 'read') }
