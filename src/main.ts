import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { AcceptanceReview, loadAcceptancePolicy } from './acceptance/index.js'
import { AggregationGuard, ApprovalEngine, finishRemovals, loadApprovalsPolicy, PolicyInForce, registerDeclassify, registerDeletion, registerPolicyChange } from './access/index.js'
import { loadProfile } from './bagit/index.js'
import type { AuditTrail } from './audit/index.js'
import type { Catalogue } from './catalogue/index.js'
import type { Config } from './config.js'
import { FixityService, loadFixityPolicy } from './fixity/index.js'
import { documentSealerOf } from './documents/index.js'
import { CommitmentService, checkOverdueSchedule } from './commitments/index.js'
import { buildApp } from './http/app.js'
import { peopleSettings } from './people/index.js'
import { Ingest, INGEST_JOB } from './ingest/ingest.js'
import { loadIntegrationPolicy, toSubscriberInput, WebhookDispatcher } from './integration/index.js'
import { COPY_FIXITY_JOB, CopyFixity, loadNodePolicy, loadPlacementPolicy, loadSeismicZones, ReplicationService, ReplicationWorker } from './replication/index.js'
import { releaseDeadHolders } from './jobs/lease.js'
import { JobRunner } from './jobs/runner.js'
import { createLogger, type Logger } from './logger.js'
import { REVALIDATE_JOB, Revalidation } from './preservation/revalidate.js'
import { checkpointSignerOf, openRuntime } from './runtime.js'
import { FailoverStore } from './recovery/failover-store.js'
import { ServingReplicas } from './recovery/serving-replicas.js'
import { loadMasterKey } from './access/index.js'
import { loadDrillPolicy } from './drills/policy.js'
import { DRILL_JOB, DrillSchedule } from './drills/schedule.js'
import { OcflObjectReader } from './ocfl/index.js'
import { acquireDataLock, type DataLock } from './service/data-lock.js'
import { PEER_SWEEP_MS, startPeerSweep } from './service/peer-sweep.js'
import { checkRole, sharesCatalogue, type ProcessRole } from './service/process-role.js'
import { PrometheusMetrics } from './service/prometheus.js'
import { ensureFirstAdmin } from './service/first-admin.js'
import { LantaiError } from './errors.js'
import type { TrustStore } from './seals/index.js'

// The composition root: config → runtime (catalogue, storage, pools: src/runtime.ts) → domain → HTTP →
// listen. Nothing below it builds its own dependencies; everything is handed in (STYLE.md "Plugin and route").

export interface Service {
  readonly app: FastifyInstance
  readonly catalogue: Catalogue
  /** the hash-chained audit trail (issue 15): logins, approvals and label changes are recorded through it */
  readonly audit: AuditTrail
  readonly ingest: Ingest
  readonly fixity: FixityService
  readonly runners: readonly JobRunner[]
  /** The first admin token, when this start created it (printed once by `lantai serve`); made only after the port opened. */
  readonly firstAdminSecret: string | null
  /** The port bound (the one the system chose when LANTAI_PORT=0); LANTAI_PORT when not listening. */
  readonly port: number
  /** Sends the outbox's webhooks (started where jobs run: not in an API-only process). */
  readonly dispatcher: WebhookDispatcher
  /** Two-person requests (issue 15 item 6): other capabilities register their executors here. */
  readonly approvals: ApprovalEngine
  /** The aggregation guard on pipeline-survey data (issue 15 item 5). */
  readonly guard: AggregationGuard
  /** Commitments and their daily overdue job (issue 14 item 7); tests call sweep(at) with the day they need. */
  readonly commitments: CommitmentService
  /** The replication queue's worker (issue 16 item 4): started where jobs run */
  readonly replicationQueue: ReplicationWorker
  /** Fixity on every copy and repair (issue 16 items 5-6) */
  readonly copyFixity: CopyFixity
  /** Stops accepting requests, parks running jobs, closes the catalogue, releases the data lock. Idempotent. */
  close (): Promise<void>
}

export interface StartOptions {
  logger?: Logger
  /** Do not listen (tests use app.inject). */
  listen?: boolean
  /** Do not start the cron schedule nor the replication queue's loop (tests drive fixity and the queue themselves). */
  schedule?: boolean
  /** What this process does (service/process-role.ts); default 'all'. 'api' and 'worker' need a shared catalogue. */
  role?: ProcessRole
  /**
   * The value of a LANTAI_* variable a webhook subscriber names as its secret (default: this process's
   * environment). Secrets stay out of Config, which is logged and shown; they are read when used.
   */
  secretOf?: (name: string) => string | undefined
  /** Overrides the acceptance policy's decision.required (tests of storage turn the archivist's wait off). */
  decisionRequired?: boolean
}

const environmentSecret = (name: string): string | undefined => name.startsWith('LANTAI_') ? process.env[name] : undefined

export async function startService (config: Config, options: StartOptions = {}): Promise<Service> {
  const log = options.logger ?? createLogger(config.logLevel)
  checkRole(config, options.role ?? 'all')
  // Peers sharing the catalogue coordinate through it (leases), never through this lock (docs/decisions/0005-processes.md).
  if (sharesCatalogue(config)) return await openService(config, options, log, null)
  // First of all: everything after it (recovery, staging clean-up) assumes no other process writes here.
  const lock = await acquireDataLock(config.dataDir, log).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code
    if (code === undefined || !['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS'].includes(code)) throw err
    throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${config.dataDir}: ${code}`, { variable: 'LANTAI_DATA', dataDir: config.dataDir }, { cause: err })
  })
  try {
    return await openService(config, options, log, lock)
  } catch (err) {
    await lock.release()
    throw err
  }
}

async function openService (config: Config, options: StartOptions, log: Logger, lock: DataLock | null): Promise<Service> {
  const role = options.role ?? 'all'
  const shared = lock === null
  // Before anything is opened: a typo in the center's policy stops start-up naming file, line and key.
  const acceptancePolicy = await loadAcceptancePolicy(config.policiesDir)
  // The center's key too: a key set but unusable stops here (CENTER_KEY_INVALID), none leaves PDFs unavailable.
  const documents = documentSealerOf(config)
  const approvalsPolicy = await loadApprovalsPolicy(config.policiesDir)
  checkOverdueSchedule(acceptancePolicy.timeLimits.commitment.overdueSchedule)
  const runtime = await openRuntime(config, { mode: 'serve', log })
  const { catalogue, store, writer, reader, pool, sealVerifier, stagingRoot, scratchRoot } = runtime
  const loadTrust = async (): Promise<TrustStore> => await runtime.loadTrust()
  const metrics = new PrometheusMetrics(catalogue)
  const profile = config.bagitProfile === null ? null : await loadProfile(config.bagitProfile)
  const trust = await loadTrust()
  if (trust.anchors.length === 0) log.warn({ trustDir: config.trustDir }, 'no trusted roots: every seal will be INDETERMINATE and no paper will be waived')

  const runners: JobRunner[] = []
  // A peer on this host killed mid-job is taken over within seconds, not after its lease.
  const sweep = shared ? { orphanSweepMs: PEER_SWEEP_MS } : {}
  // Issue 14 item 5: between check and transfer, the archivist's decision when the policy asks for one.
  const commitments = new CommitmentService({ catalogue, log: log.child({ part: 'commitments' }) })
  const review = new AcceptanceReview({ catalogue, policy: acceptancePolicy, stagingDir: id => join(stagingRoot, id), transferJob: INGEST_JOB, required: options.decisionRequired, onQueued: () => runners[0]?.poke() })
  const ingest = new Ingest({
    catalogue, pool, writer, reader, stagingRoot, profile, trust, sealVerifier, log: log.child({ part: 'ingest' }), decisions: review, commitments,
    acceptancePolicy,
    maxUploadBytes: config.maxUploadBytes,
    limits: { maxCompressionRatio: config.maxCompressionRatio, stagingReserveBytes: config.stagingReserveBytes ?? undefined },
    onQueued: () => runners[0]?.poke(),
    metrics
  })
  const ingestRunner = new JobRunner(catalogue.jobs, ingest.runJob, { kind: INGEST_JOB, concurrency: config.ingestConcurrency, metrics, ...sweep }, log.child({ part: 'jobs' }))
  runners.push(ingestRunner)

  const policy = await loadFixityPolicy(config.policiesDir)
  const fixity = new FixityService({ catalogue, reader, pool, policy, metrics, log: log.child({ part: 'fixity' }) })
  const fixityRunner = new JobRunner(catalogue.jobs, fixity.runJob, { kind: 'fixity', concurrency: 1, metrics, ...sweep }, log.child({ part: 'jobs' }))
  fixity.onQueued = () => fixityRunner.poke()
  runners.push(fixityRunner)

  // Partner systems (storage-policies/integration.yaml): checked before anything starts, every problem named.
  const secretOf = options.secretOf ?? environmentSecret
  const integration = await loadIntegrationPolicy(config.policiesDir, secretOf)
  const synced = await catalogue.subscribers.syncFromPolicy(integration.subscribers.map(toSubscriberInput))
  if (synced.changed.length > 0) log.info({ subscribers: synced.changed }, 'webhook subscribers updated from the integration policy')
  const dispatcher = new WebhookDispatcher({ outbox: catalogue.outbox, secretOf, settings: integration.delivery, log: log.child({ part: 'webhooks' }) })

  // Storage nodes and placement (storage-policies/nodes.yaml, placement.yaml): a bad node definition stops
  // the start naming file:line:col; a rule no set of nodes can meet is a warning and a listed violation.
  const zones = await loadSeismicZones(config.policiesDir)
  const declaredNodes = await loadNodePolicy(config.policiesDir, zones, secretOf)
  const replication = new ReplicationService({
    catalogue, zones, policy: await loadPlacementPolicy(config.policiesDir), secretOf, dataDir: config.dataDir, log: log.child({ part: 'placement' })
  })
  const nodesChanged = await replication.syncFromPolicy(declaredNodes)
  if (nodesChanged.length > 0) log.info({ nodes: nodesChanged }, 'storage nodes updated from the node policy')
  for (const p of await replication.ruleProblems()) log.warn({ tier: p.tier, rule: p.where, unmet: p.unmet.map(u => u.en) }, 'no set of the configured nodes satisfies this placement rule')
  if (role !== 'api') await replication.replan()
  // A node down at start is a warning, not a stop (the network may blink); its health shows in GET /v1/nodes.
  void replication.unreachable().then(
    down => { for (const d of down) log.warn({ node: d.id, field: d.field, detail: d.detail }, 'a storage node does not answer') },
    (err: unknown) => { log.warn({ err }, 'storage nodes could not be probed') })

  // The replication queue and fixity on every copy share one store per node.
  // LANTAI_MASTER_KEY opens the tier keys classified copies are sealed with (docs/keys.md); without it they are held.
  const masterKey = secretOf('LANTAI_MASTER_KEY') === undefined ? null : loadMasterKey(secretOf('LANTAI_MASTER_KEY'))
  const replicationQueue = new ReplicationWorker({ catalogue, placement: replication, primary: store, secretOf, master: masterKey, dataDir: config.dataDir, scratchDir: join(scratchRoot, 'replication'), log: log.child({ part: 'replication' }) })
  const copyFixity = new CopyFixity({ catalogue, storeOf: n => replicationQueue.storeOf(n), scratchDir: join(scratchRoot, 'replication'), log: log.child({ part: 'copy-fixity' }) })
  const copyFixityRunner = new JobRunner(catalogue.jobs, copyFixity.runJob, { kind: COPY_FIXITY_JOB, concurrency: 1, metrics, ...sweep }, log.child({ part: 'jobs' }))
  copyFixity.onQueued = () => copyFixityRunner.poke()
  runners.push(copyFixityRunner)

  const revalidation = new Revalidation({ catalogue, reader, loadTrust, sealVerifier, scratchRoot, log: log.child({ part: 'seals' }) })
  runners.push(new JobRunner(catalogue.jobs, revalidation.runJob, { kind: REVALIDATE_JOB, concurrency: 1, metrics, ...sweep }, log.child({ part: 'jobs' })))
  // New roots, CRLs or OCSP responses in certs/ since the last start: the review queue (rule R4) runs again.
  const queued = await revalidation.noteTrustLoaded(trust)
  if (queued.length > 0) log.info({ packages: queued.length }, 'trust store changed: provisional seal decisions queued for re-validation')

  // A crash leaves uploads cut off (failed now) and checks or transfers half done (queued again). Uploads
  // first: a dead receiver's lease names it, and releasing dead holders' leases removes that name.
  const recovered = await ingest.recover({ shared })
  if (recovered.failed.length + recovered.resumed.length > 0) log.info(recovered, 'submissions recovered after a restart')
  const freed = await releaseDeadHolders(catalogue.locks)
  for (const _ of freed) metrics.leaseTakenOver('lock', 'holder_gone')
  if (freed.length > 0) log.info({ leases: freed }, 'leases of a process that is gone released')
  await removeOrphanStaging(stagingRoot, catalogue)

  // Issue 15 items 5, 6: two-person requests (deletion plugs in as an executor) and the aggregation guard.
  // An approved access-policy change is read at each decision, so it binds every process at once.
  const inForce = new PolicyInForce(catalogue, approvalsPolicy)
  const approvals = new ApprovalEngine({ catalogue, audit: runtime.audit, policy: approvalsPolicy, inForce: async () => await inForce.current() })
  const deletion = { catalogue, store, log: log.child({ part: 'approvals' }) }
  registerDeletion(approvals, deletion)
  registerDeclassify(approvals, { catalogue })
  registerPolicyChange(approvals, { catalogue, inForce })
  const guard = new AggregationGuard({ catalogue, audit: runtime.audit, policy: approvalsPolicy.aggregation, inForce: async () => (await inForce.current()).aggregation })

  // Reads over HTTP fail over to a verified replica while the primary store is lost (issue 16 item 7, docs/recovery.md).
  const replicas = new ServingReplicas(catalogue, secretOf, config.dataDir, { master: masterKey, scratchDir: join(scratchRoot, 'serving') })
  const failover = new FailoverStore(store, {
    replicas: async () => await replicas.candidates(),
    expected: async key => await replicas.expected(key),
    scratchDir: join(scratchRoot, 'serving'),
    primaryMarkedLost: async () => (await catalogue.nodes.list()).some(n => n.primary && n.state === 'lost'),
    onChange: s => { if (s.from === 'primary') log.info('the primary store is back: reads are served from it again'); else log.error({ node: s.node, reason: s.reason }, 'the primary store is lost: reads are served from a replica, writes are refused') }
  })
  const probeTimer = setInterval(() => { failover.probe().catch(err => { log.error({ err }, 'no store to serve reads from') }) }, 10_000)
  probeTimer.unref()
  // checked before the port opens, as every policy is: a typo stops the start naming file, line and key
  const drillPolicy = await loadDrillPolicy(config.policiesDir)
  // Scheduled drills are jobs: every process ticks, one queues the slot's drill, one worker runs it.
  const drillSchedule = new DrillSchedule({
    catalogue, policy: drillPolicy, policiesDir: config.policiesDir, dataDir: config.dataDir, scratch: scratchRoot, pool, env: process.env, log: log.child({ part: 'drills' }),
    signer: checkpointSignerOf(config)
  })
  const drillRunner = new JobRunner(catalogue.jobs, drillSchedule.runJob, { kind: DRILL_JOB, concurrency: 1, maxAttempts: 1, metrics, ...sweep }, log.child({ part: 'jobs' }))
  drillSchedule.onQueued = () => drillRunner.poke()
  runners.push(drillRunner)
  const app = await buildApp({ approvals, guard, catalogue, audit: runtime.audit, ingest, reader: new OcflObjectReader(failover), fixity, revalidation, logger: log, store: failover, serving: () => failover.serving(), metrics, projectCodePattern: config.projectCodePattern, acceptancePolicy, review, documents, secretOf, dispatcher: role === 'api' ? null : dispatcher, replication,
    replicationQueue, people: peopleSettings(config), commitments })
  await app.ready()
  if (options.listen !== false && role !== 'worker') {
    try {
      await app.listen({ host: config.host, port: config.port })
    } catch (err) {
      await app.close()
      await runtime.close()
      throw listenError(err, config)
    }
  }
  // As soon as the port is open (a start that failed before it made none): a worker has no port to show a
  // token on, so the first API process makes it.
  const firstAdminSecret = role === 'worker' ? null : await ensureFirstAdmin(catalogue)
  // An API-only process queues jobs for the workers; the schedule queues them where they run.
  if (role !== 'api') for (const r of runners) await r.start()
  if (role !== 'api') dispatcher.start()
  // Tests without the schedule drive the queue themselves (replicationQueue.drain()), as they drive fixity.
  if (role !== 'api' && options.schedule !== false) await replicationQueue.start()
  const cron = options.schedule === false || role === 'api' ? null : fixity.schedule(config.fixitySchedule ?? policy.schedule)
  const copyCron = options.schedule === false || role === 'api' ? null : copyFixity.schedule(config.fixitySchedule ?? policy.schedule)
  const overdueJob = options.schedule === false || role === 'api' ? null : commitments.schedule(acceptancePolicy.timeLimits.commitment.overdueSchedule)
  const drills = options.schedule === false || role === 'api' ? null : drillSchedule.schedule()
  const stopCheckpoints = options.schedule === false ? null : runtime.audit.schedule(err => { log.error({ err }, 'audit checkpoint not written') })
  const stopApprovals = options.schedule === false || role === 'api' ? null : approvals.schedule(err => { log.error({ err }, 'approval sweep failed') }, async () => await finishRemovals(deletion))
  const peers = shared ? startPeerSweep({ catalogue, ingest, metrics, log: log.child({ part: 'peers' }) }) : null
  const address = app.server.address()
  const port = address !== null && typeof address === 'object' ? address.port : config.port

  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closing ??= (async () => {
      cron?.stop()
      copyCron?.stop()
      overdueJob?.stop()
      stopCheckpoints?.()
      stopApprovals?.()
      drills?.stop()
      clearInterval(probeTimer)
      await app.close()
      replicas.close()
      await Promise.all(runners.map(r => r.stop()))
      await dispatcher.stop()
      await replicationQueue.stop()
      await peers?.stop()
      await runtime.close()
      await lock?.release()
    })()
    return closing
  }
  return { app, catalogue, audit: runtime.audit, ingest, fixity, runners, dispatcher, approvals, guard, commitments, replicationQueue, copyFixity, firstAdminSecret, port, close }
}

/** A failed listen as an operator's error: a busy port names host:port and the variable to change. */
function listenError (err: unknown, config: Config): LantaiError {
  const code = (err as NodeJS.ErrnoException).code
  const where = `${config.host}:${config.port}`
  if (code === 'EADDRINUSE') return new LantaiError('PORT_IN_USE', `${where} (LANTAI_PORT)`, { host: config.host, port: config.port }, { cause: err })
  return new LantaiError('LISTEN_FAILED', `${where}: ${code ?? (err as Error).message}`, { host: config.host, port: config.port }, { cause: err })
}

/**
 * Staging directories no live submission owns (left by a crash) are removed at start. Read before the
 * catalogue: a peer makes a submission before its directory, so every directory listed belongs to a
 * submission the query sees, and one still receiving (a peer's live upload: recovery failed the rest) is kept.
 */
async function removeOrphanStaging (stagingRoot: string, catalogue: Catalogue): Promise<void> {
  const names = await readdir(stagingRoot)
  const live = new Set((await catalogue.submissions.listByStates(['receiving', 'received', 'checking', 'checked', 'awaiting_decision', 'transferring'])).map(s => s.id))
  for (const name of names) {
    if (!live.has(name)) await rm(join(stagingRoot, name), { recursive: true, force: true })
  }
}
