import { readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import type { Principal } from '../auth/roles.js'
import { archiveOnlyReport, bagReportJson, validateBag, withArchiveFindings, type BagitProfile, type BagLimits, type BagReportJson, type PackageReport } from '../bagit/index.js'
import { STORED_ALGORITHMS, keptAlgorithms, type Digests, type HashPool } from '../hashing/index.js'
import { digestFields, type Catalogue, type FileProducer, type Job, type Submission, type SubmissionMode } from '../catalogue/index.js'
import { ERROR_CODES, LantaiError, isLantaiError } from '../errors.js'
import { labelOf, type FileLabel } from '../access/index.js'
import { writeFileDurably } from '../fs/durable.js'
import type { Logger } from '../logger.js'
import { projectObjectId, type NewVersionFile, type OcflObjectReader, type OcflObjectWriter } from '../ocfl/index.js'
import { CONTENT_TYPE_OF, CONTENT_TYPES, describeHead, manifestAlgorithmOf, receivePackage, sniffUpload, type FileDigestsRecord } from './receive.js'
import { checkSeals, readSealReport, sealDecisionOf, type SealFileResult, type SealStageResult } from './seals-stage.js'
import { holdLease, holderName, withLease } from '../jobs/lease.js'
import { laps } from './laps.js'
import { parseHolder, writerGone } from '../process-liveness.js'
import { collectGarbage } from '../memory.js'
import type { Metrics } from '../metrics.js'
import { ProgressWriter } from './progress-writer.js'
import type { SealVerifier, TrustStore } from '../seals/index.js'
import { checkAcceptance, readMetadata, type AcceptancePolicy, type FileAcceptance } from '../acceptance/index.js'

// Ingest as stages: receive → check → decide → transfer. Each stage starts from what the catalogue and
// the staging directory hold, so a crash at any point resumes (or fails cleanly) at restart, and the
// archivist's acceptance decision can later sit between check and transfer without rework.

export const INGEST_JOB = 'ingest'

/** From this many files on, a stage's end collects garbage (memory.ts): its per-file objects just died. */
const COLLECT_AFTER_FILES = 1000

function stageDone (files: number): void {
  if (files >= COLLECT_AFTER_FILES) collectGarbage()
}

/** Stage results kept in memory for the next stage at most (see Ingest.#handoff). */
const MAX_HANDOFFS = 8

/** Attempts of an ingest job before a transient failure fails the submission. */
export const MAX_ATTEMPTS = 3

export interface IngestDeps {
  catalogue: Catalogue
  pool: HashPool
  writer: OcflObjectWriter
  reader: OcflObjectReader
  stagingRoot: string
  log: Logger
  profile: BagitProfile | null
  /** Trusted roots and seal-making systems for the seal checks (certs/). */
  trust: TrustStore
  /** Seal checks off the main thread (main.ts's SealVerifierPool); by default on it. */
  sealVerifier?: SealVerifier
  limits?: Partial<BagLimits>
  maxUploadBytes: number
  nameEncoding?: string
  /** The catalogue lease around a transfer (tests shorten it). */
  lease?: { ttlMs?: number, pollMs?: number }
  /** Called after a submission is queued for checking, so a runner can pick it up at once. */
  onQueued?: () => void
  /** Bytes and files in, lease takeovers (default: none). */
  metrics?: Metrics
  clock?: () => Date
  /** The center's acceptance policy: with it, stage 2 runs the acceptance checks (issue 14 item 4). */
  acceptancePolicy?: AcceptancePolicy
  /** The archivist's decision between check and transfer (acceptance review); absent: a valid package is stored. */
  decisions?: DecisionGate
  /** Supplementary submissions that bring items a commitment owes (issue 14 item 7); absent: none named. */
  commitments?: FulfilmentGate
}

/**
 * Where a supplementary submission names the commitment items it brings. Implemented by commitments'
 * CommitmentService; declared here so ingest depends on what it asks.
 */
export interface FulfilmentGate {
  /** the commitment is the project's and owes each item (throws the refusal, with its event) */
  admit (projectCode: string, commitmentId: string, items: readonly string[], principal: Principal | null): Promise<void>
  /** the submission exists: its claim is recorded */
  claim (submissionId: string, commitmentId: string, items: readonly string[], principal: Principal | null): Promise<void>
  /** the submission is stored: the items it claimed are fulfilled by its version (idempotent; the daily job settles what a crash left) */
  stored (sub: Submission): Promise<unknown>
}

/**
 * Where a checked submission waits for a person (issue 14 item 5). Implemented by acceptance's
 * AcceptanceReview; declared here so ingest depends on what it asks, not on acceptance.
 */
export interface DecisionGate {
  /** the policy asks for a decision: check() ends at awaiting_decision */
  readonly required: boolean
  /** an upload naming an application may go ahead (throws the refusal, with its event) */
  admit (projectCode: string, applicationId: string, principal: Principal | null): Promise<void>
  /** a resubmission's resolved and remaining defects against the application's last notice */
  compare (sub: Submission, report: unknown): Promise<unknown>
  /** the submission now waits: its application is under review again */
  waiting (sub: Submission): Promise<void>
}

export interface SubmitInput {
  projectCode: string
  /** The type the client declared: only named in messages, since the body's first bytes decide. */
  contentType: string
  /** 'supplement' (the default) adds or replaces the files it carries; 'replace' states the whole payload. */
  mode?: SubmissionMode
  body: Readable
  expectedBytes?: number
  principal: Principal | null
  signal?: AbortSignal
  /** the acceptance application (验收申请) this package answers: a first submission or a resubmission */
  applicationId?: string
  /** a supplementary submission: the commitment (承诺书) and the codes of the items it brings */
  fulfils?: { commitmentId: string, items: readonly string[] }
}

/** What stage 1 leaves in staging for the stages after it (they may run after a restart). */
interface ReceivedRecord {
  root: string | null
  archiveFindings: PackageReport['findings']
  digests: Array<[string, FileDigestsRecord]>
}

/** What one stage leaves the next in memory, besides the files in staging (see Ingest.#handoff). */
interface Handoff {
  received?: ReceivedRecord
  checked?: CheckedRecord
  /** The seal report as check() kept it in seals/report.json; absent when no seal check ran. */
  seals?: Pick<SealStageResult, 'summary' | 'files'>
}

interface CheckedRecord {
  /** The bag root in staging (as received.json has it, so transfer need not read that too). */
  root?: string
  // acceptance: what the acceptance checks found of the file, for its package_files row
  // label: the file's tier label (issue 15 item 2), from its metadata, the policy and the project
  files: Array<{ path: string, size: number, digests: Digests, acceptance?: FileAcceptance, label?: FileLabel }>
  /** The logical paths the bag's removal list names (a supplement only). */
  removals?: string[]
}

/**
 * A supplement's explicit removals: a tag file in the bag root, one logical path a line as the payload
 * manifest writes it (data/…), UTF-8; blank lines and lines starting with # are skipped. It is kept with
 * the version under submissions/<id>/ like every tag file.
 */
export const REMOVAL_LIST = 'lantai-remove.txt'

/** What a submission would make of the head, decided at check and again under the object's lease. */
interface Plan {
  /** Head paths the new version no longer has: a replacement's omissions, or a supplement's removals. */
  removed: string[]
  /** Damaged content files of the package whose right bytes this submission carries. */
  repairs: Array<{ contentPath: string, file: CheckedRecord['files'][number] }>
  /** The resulting payload equals the head's, and nothing is repaired. */
  duplicate: boolean
  /** The submission whose version is the head. */
  headSubmission: string | null
  /** Removals that name no path of the head, or a path the bag also carries. */
  badRemovals: string[]
}

export class Ingest {
  constructor (readonly deps: IngestDeps) {}

  stagingDir (id: string): string { return join(this.deps.stagingRoot, id) }

  /** Stage 1 in the request: creates the submission, streams the body into staging, queues the check. */
  async submit (input: SubmitInput): Promise<Submission> {
    const { catalogue } = this.deps
    if (await catalogue.projects.get(input.projectCode) === null) throw new LantaiError('PROJECT_NOT_FOUND', input.projectCode)
    if (input.expectedBytes !== undefined && input.expectedBytes > this.deps.maxUploadBytes) {
      throw new LantaiError('PAYLOAD_TOO_LARGE', `${input.expectedBytes} bytes announced, the limit is ${this.deps.maxUploadBytes}`)
    }
    // Builders' tools send archives as application/octet-stream or under a wrong type: the first bytes
    // are what the unpacker will read, so they decide, and the submission records the matching type.
    const declared = input.contentType === '' ? '(none)' : input.contentType
    const gone = (cause?: unknown): LantaiError => new LantaiError('UPLOAD_INCOMPLETE', 'the client disconnected', {}, cause === undefined ? undefined : { cause })
    const sniffed = await sniffUpload(input.body).catch((err: unknown) => { throw gone(err) })
    // A client that left within the first bytes sent no package, whatever those bytes look like.
    if (input.body.destroyed && !input.body.readableEnded) throw gone()
    if (sniffed.head.length === 0) throw new LantaiError('UPLOAD_EMPTY', `the body has 0 bytes (content type ${declared})`)
    if (sniffed.kind === null) {
      sniffed.body.resume() // the rest is not read; discarded, so the connection can close cleanly
      throw new LantaiError('UPLOAD_NOT_AN_ARCHIVE', `${describeHead(sniffed.head)} (content type ${declared})`)
    }
    const kind = sniffed.kind
    const contentType = CONTENT_TYPE_OF[kind]
    if (input.applicationId !== undefined) {
      // A resubmission for the wrong project or application is refused before a byte is kept.
      const gate = this.deps.decisions
      if (gate === undefined) throw new LantaiError('ACCEPTANCE_APPLICATION_CLOSED', 'this service takes no acceptance applications')
      await gate.admit(input.projectCode, input.applicationId, input.principal).catch((err: unknown) => { sniffed.body.resume(); throw err })
    }
    const fulfils = input.fulfils
    if (fulfils !== undefined) {
      const gate = this.deps.commitments
      if (gate === undefined) throw new LantaiError('COMMITMENT_NOT_FOUND', 'this service keeps no commitments')
      await gate.admit(input.projectCode, fulfils.commitmentId, fulfils.items, input.principal).catch((err: unknown) => { sniffed.body.resume(); throw err })
    }
    const sub = await catalogue.submissions.create({ projectCode: input.projectCode, contentType, mode: input.mode ?? 'supplement', createdBy: input.principal?.tokenId ?? null, applicationId: input.applicationId ?? null })
    if (fulfils !== undefined) await this.deps.commitments?.claim(sub.id, fulfils.commitmentId, fulfils.items, input.principal)
    const dir = this.stagingDir(sub.id)
    const log = this.deps.log.child({ submission: sub.id, project: input.projectCode })
    // Held while the body streams in: a peer's recovery fails only uploads whose receiver is gone.
    const lease = await holdLease(catalogue.locks, receiveLease(sub.id), holderName(receiveLease(sub.id)), { ...this.deps.lease, signal: input.signal })
    let lastProgress = 0
    const progressWriter = new ProgressWriter(log)
    const { lap, ms } = laps()
    try {
      const received = await receivePackage({
        body: sniffed.body,
        kind,
        stagingDir: dir,
        maxBytes: this.deps.maxUploadBytes,
        expectedBytes: input.expectedBytes,
        limits: this.deps.limits,
        nameEncoding: this.deps.nameEncoding,
        signal: lease.signal,
        onProgress: bytes => {
          const now = Date.now()
          if (now - lastProgress < 500) return
          lastProgress = now
          const pct = input.expectedBytes === undefined || input.expectedBytes === 0 ? 0 : Math.floor(40 * bytes / input.expectedBytes)
          progressWriter.note(async () => { await catalogue.submissions.progress(sub.id, pct, 'receiving', bytes) })
        }
      }, this.deps.pool)
      lap('unpack')
      const record: ReceivedRecord = { root: received.root, archiveFindings: received.archiveFindings, digests: [...received.digests] }
      await writeFileDurably(join(dir, 'received.json'), JSON.stringify(record))
      this.#handOver(sub.id, { received: record })
      // Whether it is a duplicate is decided against the head after the check (and again at transfer), not
      // by the package digest: the same bytes may repair damage, or follow a replacement that dropped them.
      await progressWriter.settled()
      await catalogue.submissions.transition(sub.id, 'receiving', 'received', {
        bytesReceived: received.bytes, sha256: received.packageSha256, progress: 40, stage: 'received'
      }, { enqueue: { kind: INGEST_JOB, payload: {} } })
      lap('record')
      this.deps.metrics?.ingested('received', received.bytes, received.digests.size)
      log.info({ bytes: received.bytes, files: received.digests.size, ms }, 'package received')
      stageDone(received.digests.size)
    } catch (err) {
      this.#handoff.delete(sub.id)
      const error = { code: isLantaiError(err) ? err.code : 'INTERNAL', message: (err as Error).message }
      await progressWriter.settled()
      try {
        await catalogue.submissions.transition(sub.id, 'receiving', 'failed', { error, stage: 'receive' })
      } catch (e) {
        // A peer judged this receiver gone (its lease lost) and failed the submission first.
        if (!isLantaiError(e) || e.code !== 'STATE_CONFLICT') throw e
      }
      // The unpacker stopped reading mid-body (over the cap, a broken archive): left paused, the
      // connection never sees its end and holds a graceful close until the keep-alive timeout (72 s).
      // Discard the rest, as Node does for any body a handler leaves unread.
      input.body.resume()
      await rm(dir, { recursive: true, force: true })
      log.warn({ err }, 'receive failed; nothing kept')
      throw err
    } finally {
      await lease.release()
    }
    this.deps.onQueued?.()
    return await catalogue.submissions.get(sub.id) ?? sub
  }

  /** Stages 2–4 for one submission, resumed from whatever state the catalogue says it is in. */
  readonly runJob = async (job: Job, signal: AbortSignal, progress: (p: number) => void): Promise<void> => {
    const id = job.subjectId
    if (id === null) throw new LantaiError('STATE_CONFLICT', `job ${job.id} names no submission`)
    const log = this.deps.log.child({ submission: id })
    try {
      let sub = await this.get(id)
      if (sub.state === 'received' || sub.state === 'checking') sub = await this.check(sub, signal, progress)
      if (sub.state === 'checked' || sub.state === 'transferring') sub = await this.transfer(sub, signal, progress)
      if (sub.state === 'stored' || sub.state === 'rejected') await rm(this.stagingDir(id), { recursive: true, force: true })
    } catch (err) {
      this.#handoff.delete(id)
      if (signal.aborted) throw err
      // A transient failure is retried by the runner a few times; after that the submission fails.
      if (isLantaiError(err) && err.transient && job.attempts < MAX_ATTEMPTS) throw err
      const sub = await this.deps.catalogue.submissions.get(id)
      if (sub !== null && !['stored', 'rejected', 'failed'].includes(sub.state)) {
        await this.deps.catalogue.submissions.transition(id, sub.state, 'failed', { error: { code: isLantaiError(err) ? err.code : 'INTERNAL', message: (err as Error).message } })
      }
      log.error({ err }, 'ingest failed')
      throw err
    }
  }

  async get (id: string): Promise<Submission> {
    const sub = await this.deps.catalogue.submissions.get(id)
    if (sub === null) throw new LantaiError('SUBMISSION_NOT_FOUND', id)
    return sub
  }

  /** Stage 2, check: every problem at once (BagIt, the center's profile), then stage 3, decide. */
  async check (sub: Submission, signal: AbortSignal, progress: (p: number) => void): Promise<Submission> {
    const { catalogue } = this.deps
    const { lap, ms } = laps()
    if (sub.state === 'received') await catalogue.submissions.transition(sub.id, 'received', 'checking', { stage: 'checking' })
    const dir = this.stagingDir(sub.id)
    const received = this.#handoff.get(sub.id)?.received ?? JSON.parse(await readFile(join(dir, 'received.json'), 'utf8')) as ReceivedRecord
    this.#handoff.delete(sub.id)
    let sealReport: Handoff['seals']
    lap('load')
    const inFlight = new Map(received.digests)
    // Issue 13: each file keeps sha512, SM3 and what the bag's payload manifests declare, nothing more.
    const kept = keptAlgorithms(received.root === null ? [] : await declaredAlgorithms(received.root))
    const keep = (digests: Digests): Digests => Object.fromEntries(kept.flatMap(a => digests[a] === undefined ? [] : [[a, digests[a]]]))
    const files: CheckedRecord['files'] = []
    let lastProgress = 0
    const progressWriter = new ProgressWriter(this.deps.log.child({ submission: sub.id }))
    const report: PackageReport = received.root === null
      ? archiveOnlyReport(received.archiveFindings, kindOf(sub.contentType))
      : withArchiveFindings(received.archiveFindings, await validateBag(received.root, {
        pool: this.deps.pool,
        profile: this.deps.profile ?? undefined,
        serialization: kindOf(sub.contentType),
        limits: this.deps.limits,
        signal,
        extraAlgorithms: STORED_ALGORITHMS,
        precomputed: path => inFlight.get(path),
        onFile: (path, size, digests) => files.push({ path, size, digests: keep(digests) }),
        onProgress: p => {
          const pct = 40 + Math.floor(50 * (p.bytesTotal !== null && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal !== null && p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0))
          progress(pct)
          const now = Date.now()
          if (now - lastProgress > 500) { lastProgress = now; progressWriter.note(async () => { await catalogue.submissions.progress(sub.id, Math.min(pct, 90), 'checking') }) }
        }
      }), kindOf(sub.contentType))
    await progressWriter.settled()
    if (signal.aborted) throw new LantaiError('ABORTED', 'check interrupted')
    lap('bagit')
    const json: BagReportJson & { seals?: unknown, acceptance?: unknown, review?: unknown } = bagReportJson(report)
    // A bag that breaks only the center's profile has its bytes as manifested: the archivist may accept
    // it with a recorded override, so it is checked and planned like a valid one (issue 14 item 5).
    const overridable = this.deps.decisions?.required === true && !report.valid && received.root !== null && profileOnly(json)
    if ((report.valid || overridable) && received.root !== null) {
      const seals = await checkSeals(received.root, files.map(f => f.path), this.deps.trust, { signal, formatOf: path => inFlight.get(path)?.format, verifier: this.deps.sealVerifier })
      if (signal.aborted) throw new LantaiError('ABORTED', 'check interrupted')
      lap('seals')
      await this.keepSealEvidence(dir, seals)
      sealReport = { summary: seals.summary, files: seals.files }
      // The submission report carries the summary and every signed or doubtful file; the full per-file
      // table goes into the version with the evidence.
      json.seals = { summary: seals.summary, files: seals.files.filter(f => f.signatures.length > 0 || f.decision.provisional || f.decision.integrityAlert) }
      await this.recordSealEvents(sub.id, seals)
    }
    if (received.root !== null) json.acceptance = await this.checkAcceptance(sub, received.root, files, json, sealReport?.files ?? null, signal)
    // Stage 3, decide: duplicates and bad removal lists here; the archivist's decision (when the policy
    // asks for one) below, at awaiting_decision.
    const removals = received.root === null || !(report.valid || overridable) ? undefined : await readRemovalList(received.root)
    const topSecret = this.#topSecret.get(sub.id)
    this.#topSecret.delete(sub.id)
    // one message in both languages: the submission keeps one text, and the builder may read either
    const decision: Awaited<ReturnType<Ingest['decide']>> = topSecret === undefined
      ? await this.decide(sub, overridable ? { ...json, valid: true } : json, files, removals)
      : { accept: false, error: { code: 'ACCESS_TIER_REFUSED', message: `${ERROR_CODES.ACCESS_TIER_REFUSED.en}: ${topSecret.join(', ')} marked 绝密 / ${ERROR_CODES.ACCESS_TIER_REFUSED.zh}：${topSecret.join('、')} 标为绝密` } }
    const log = this.deps.log.child({ submission: sub.id })
    // Issue 14 item 5: under a policy that asks for one, the archivist decides. An invalid bag waits too,
    // so its notice can list every defect; a duplicate or a bad removal list has nothing to decide.
    const gate = this.deps.decisions
    if (gate?.required === true && (decision.accept || decision.error.code === 'PACKAGE_INVALID')) {
      if (decision.accept) {
        const record: CheckedRecord = { root: received.root ?? undefined, files, ...(removals === undefined ? {} : { removals }) }
        await writeFileDurably(join(dir, 'checked.json'), JSON.stringify(record))
      }
      const review = await gate.compare(sub, json)
      if (review !== null) json.review = review
      const waiting = await catalogue.submissions.transition(sub.id, 'checking', 'awaiting_decision', { report: json, progress: 90, stage: 'awaiting_decision' })
      await gate.waiting(waiting)
      lap('record')
      log.info({ files: files.length, errors: json.errors.length, ms }, 'package checked; awaiting the archivist\'s decision')
      stageDone(files.length)
      return waiting
    }
    if (decision.accept) {
      const record: CheckedRecord = { root: received.root ?? undefined, files, ...(removals === undefined ? {} : { removals }) }
      await writeFileDurably(join(dir, 'checked.json'), JSON.stringify(record))
      this.#handOver(sub.id, { checked: record, ...(sealReport === undefined ? {} : { seals: sealReport }) })
      const checked = await catalogue.submissions.transition(sub.id, 'checking', 'checked', { report: json, progress: 90, stage: 'checked' })
      lap('record')
      log.info({ files: files.length, ms }, 'package checked')
      stageDone(files.length)
      return checked
    }
    const rejected = await catalogue.submissions.transition(sub.id, 'checking', 'rejected', { report: json, progress: 100, stage: 'rejected', error: decision.error, duplicateOf: decision.duplicateOf ?? sub.duplicateOf })
    lap('record')
    log.info({ files: files.length, errors: json.errors.length, ms }, 'package rejected')
    stageDone(files.length)
    return rejected
  }

  /** The decision between check and transfer. */
  async decide (sub: Submission, report: BagReportJson, files: CheckedRecord['files'], removals?: readonly string[]): Promise<{ accept: true } | { accept: false, error: { code: string, message: string }, duplicateOf?: string }> {
    if (!report.valid) return { accept: false, error: { code: 'PACKAGE_INVALID', message: `${report.errors.length} errors; see the report` } }
    if (sub.mode === 'replace' && removals !== undefined) {
      return { accept: false, error: { code: 'REMOVAL_INVALID', message: `a replacement states its whole payload; ${REMOVAL_LIST} belongs to a supplement` } }
    }
    const plan = await this.plan(sub, files, removals)
    if (plan.badRemovals.length > 0) {
      return { accept: false, error: { code: 'REMOVAL_INVALID', message: `${REMOVAL_LIST} names paths the head does not have or the bag also carries: ${plan.badRemovals.join(', ')}` } }
    }
    if (plan.duplicate) return duplicateDecision(plan)
    return { accept: true }
  }

  /**
   * The head as it would be after this submission, against the catalogue's head now. A submission is a
   * duplicate when the resulting payload (data/…) equals the head's and it repairs nothing; the
   * submission's own tag files are provenance, not payload, so they do not count.
   */
  async plan (sub: Submission, files: CheckedRecord['files'], removals: readonly string[] = []): Promise<Plan> {
    const { packages } = this.deps.catalogue
    const pkg = await packages.getByProject(sub.projectCode)
    const head = pkg === null ? new Map<string, { sha512: string, contentPath: string }>() : await this.headState(pkg.id, pkg.headVersion)
    const carried = new Set(files.map(f => f.path))
    const badRemovals = removals.filter(p => !head.has(p) || carried.has(p) || !p.startsWith('data/'))
    const removed = sub.mode === 'replace'
      ? [...head.keys()].filter(p => p.startsWith('data/') && !carried.has(p))
      : removals.filter(p => head.has(p) && !carried.has(p) && p.startsWith('data/'))
    // Damaged content is never reused as it is: bytes that digest to it repair it first (transfer).
    const damaged = new Map((pkg === null ? [] : await packages.damagedContents(pkg.id)).map(d => [d.sha512, d.contentPath]))
    const repairs: Plan['repairs'] = []
    for (const f of files) {
      const contentPath = damaged.get(f.digests.sha512 ?? '')
      if (contentPath === undefined) continue
      damaged.delete(f.digests.sha512 ?? '')
      repairs.push({ contentPath, file: f })
    }
    const duplicate = pkg !== null && removed.length === 0 && repairs.length === 0 && files.every(f => head.get(f.path)?.sha512 === f.digests.sha512)
    const headSubmission = pkg === null ? null : (await packages.versions(pkg.id)).find(v => v.number === pkg.headVersion)?.submissionId ?? null
    return { removed, repairs, duplicate, headSubmission, badRemovals }
  }

  /** Every logical path of a version with its sha512 and content path, a page at a time. */
  async headState (packageId: string, version: number): Promise<Map<string, { sha512: string, contentPath: string }>> {
    const state = new Map<string, { sha512: string, contentPath: string }>()
    for (let offset = 0; ; offset += 1000) {
      const page = await this.deps.catalogue.packages.files(packageId, { version, limit: 1000, offset })
      for (const f of page.items) state.set(f.logicalPath, { sha512: f.sha512, contentPath: f.contentPath })
      if (page.items.length < 1000) break
    }
    return state
  }

  /**
   * One transfer per OCFL object at a time: two versions of one object written at once would race for
   * the head, and one's recover() would delete the other's uncommitted version. Within this process the
   * transfers of one project queue here; across workers sharing the catalogue, a lease there decides.
   */
  readonly #objectLocks = new Map<string, Promise<unknown>>()

  /**
   * What a stage just wrote to received.json or checked.json, for the stage that usually follows in
   * this process: parsing 10,000 files' digests back was a tenth of each stage's garbage. A stage
   * resumed after a restart (or run by another worker) reads the file.
   */
  readonly #handoff = new Map<string, Handoff>()
  /** stage 2's files marked 绝密, by submission, for stage 3 to refuse (issue 15 item 2) */
  readonly #topSecret = new Map<string, string[]>()

  /**
   * Where another worker process runs the next stage, nothing here takes the entry: only the last few
   * are kept (more than the runner runs at once), the oldest dropped.
   */
  #handOver (id: string, handoff: Handoff): void {
    this.#handoff.delete(id)
    this.#handoff.set(id, handoff)
    while (this.#handoff.size > MAX_HANDOFFS) this.#handoff.delete(this.#handoff.keys().next().value as string)
  }

  async transfer (sub: Submission, signal: AbortSignal, progress: (p: number) => void): Promise<Submission> {
    // No await between reading and setting #objectLocks: the queue of one project is decided in one tick.
    const before = this.#objectLocks.get(sub.projectCode) ?? Promise.resolve()
    const mine = before.catch(() => {}).then(async () => {
      const objectId = (await this.deps.catalogue.packages.getByProject(sub.projectCode))?.ocflId ?? projectObjectId(sub.projectCode)
      return await withLease(
        this.deps.catalogue.locks, `ocfl:${objectId}`, holderName(sub.id),
        async leased => await this.#transfer(await this.get(sub.id), leased, progress),
        { signal, ...this.deps.lease, onTakeover: () => this.deps.metrics?.leaseTakenOver('lock', 'expired') }
      )
    })
    this.#objectLocks.set(sub.projectCode, mine)
    try {
      return await mine
    } finally {
      if (this.#objectLocks.get(sub.projectCode) === mine) this.#objectLocks.delete(sub.projectCode)
    }
  }

  /**
   * Stage 4, transfer, under the object's lease: the duplicate decision made again against the head as
   * it is now (two identical submissions checked at once must not both become versions), damaged
   * content repaired from this submission's bytes, a new OCFL version (content first, inventory last),
   * then one catalogue transaction.
   */
  async #transfer (sub: Submission, signal: AbortSignal, progress: (p: number) => void): Promise<Submission> {
    const { catalogue, writer, reader } = this.deps
    const { lap, ms } = laps()
    const dir = this.stagingDir(sub.id)
    const handed = this.#handoff.get(sub.id)
    this.#handoff.delete(sub.id)
    const checked = handed?.checked ?? JSON.parse(await readFile(join(dir, 'checked.json'), 'utf8')) as CheckedRecord
    const root = checked.root ?? (JSON.parse(await readFile(join(dir, 'received.json'), 'utf8')) as ReceivedRecord).root
    if (root === null) throw new LantaiError('STATE_CONFLICT', 'no bag root in staging')
    const base = `submission ${sub.id}`
    const pkg = await catalogue.packages.getByProject(sub.projectCode)
    const objectId = pkg?.ocflId ?? projectObjectId(sub.projectCode)

    // A crash after the OCFL commit but before the catalogue's: the version is there, record it.
    await writer.recover(objectId)
    const inventory = await reader.readInventory(objectId).catch(() => null)
    const committed = inventory === null ? undefined : Object.entries(inventory.versions).find(([, v]) => v.message === base || v.message?.startsWith(`${base} (`) === true)
    const plan = await this.plan(sub, checked.files, checked.removals)
    if (committed === undefined && plan.duplicate) {
      const { error, duplicateOf } = duplicateDecision(plan)
      const rejected = await catalogue.submissions.transition(sub.id, ['checked', 'transferring'], 'rejected', { progress: 100, stage: 'rejected', error, duplicateOf })
      this.deps.log.info({ submission: sub.id, duplicateOf }, 'package rejected at transfer: a duplicate of the head')
      return rejected
    }
    if (sub.state === 'checked') await catalogue.submissions.transition(sub.id, 'checked', 'transferring', { stage: 'transferring' })
    // Bag paths were checked by the validator (no '..', no absolute path): joined without normalizing.
    const files: NewVersionFile[] = checked.files.map(f => ({ logicalPath: f.path, localPath: root + sep + f.path, size: f.size, digests: pick(f.digests) }))
    for (const tag of await this.tagFiles(root, sub.id)) files.push(tag)
    for (const kept of await this.sealFiles(dir, sub.id)) files.push(kept)
    lap('load')
    // Repairs first, so the version below reuses content that is whole again, never damaged bytes.
    for (const r of plan.repairs) {
      if (pkg === null) break
      const done = await writer.repairContent(objectId, r.contentPath, { localPath: root + sep + r.file.path, size: r.file.size, digests: pick(r.file.digests) }, sub.id)
      await catalogue.packages.recordRepair(pkg.id, r.contentPath, { submissionId: sub.id, quarantineKey: done.quarantineKey, agent: sub.createdBy ?? undefined })
      this.deps.log.warn({ submission: sub.id, package: pkg.id, contentPath: r.contentPath, quarantine: done.quarantineKey }, 'damaged content repaired')
    }
    const repaired = plan.repairs.map(r => r.contentPath)
    const message = `${base} (${[sub.mode, ...(plan.removed.length > 0 ? [`removed: ${plan.removed.join(', ')}`] : []), ...(repaired.length > 0 ? [`repaired: ${repaired.join(', ')}`] : [])].join('; ')})`
    let versionNumber: number
    // Where each logical path of the new head is stored: from the writer, or from the inventory committed before a crash.
    let contentPaths: Map<string, string>
    if (committed !== undefined) {
      versionNumber = Number(committed[0].slice(1))
      const byDigest = new Map(Object.entries(inventory?.manifest ?? {}).map(([d, paths]) => [d.toLowerCase(), paths[0]]))
      contentPaths = new Map()
      for (const [digest, paths] of Object.entries(committed[1].state)) for (const p of paths) contentPaths.set(p, byDigest.get(digest.toLowerCase()) ?? '')
    } else {
      const written = await writer.addVersion(objectId, files, {
        created: (this.deps.clock ?? (() => new Date()))(),
        message,
        user: { name: sub.createdBy ?? 'lantai', address: `urn:lantai:token:${sub.createdBy ?? 'system'}` }
      }, { signal, expectedHead: pkg?.headVersion ?? 0, link: true, remove: plan.removed })
      versionNumber = written.version
      contentPaths = written.paths
    }
    progress(98)
    lap('ocfl')
    // The OCFL writer's maps and the inventory text are garbage now; the catalogue's transaction comes next.
    stageDone(files.length)
    const ours = new Map(files.map(f => [f.logicalPath, f]))
    const accepted = new Map(checked.files.map(f => [f.path, f.acceptance]))
    const labels = new Map(checked.files.map(f => [f.path, f.label]))
    const floor = (await catalogue.projects.get(sub.projectCode))?.classification
    const contentPathOf = (logicalPath: string): string => {
      const path = contentPaths.get(logicalPath)
      if (path === undefined || path === '') throw new LantaiError('STATE_CONFLICT', `${logicalPath} is not in the inventory of ${objectId}`)
      return path
    }
    const stored = await catalogue.packages.recordVersion({
      projectCode: sub.projectCode,
      ocflId: objectId,
      version: { number: versionNumber, submissionId: sub.id, message, mode: sub.mode, removed: plan.removed, repaired },
      // The version's whole state: files carried over from the head keep their content rows.
      // Generators, not arrays: two more objects per file held through the catalogue's transaction.
      files: (function * () {
        for (const logicalPath of contentPaths.keys()) {
          const f = ours.get(logicalPath)
          yield f === undefined ? { logicalPath, contentPath: contentPathOf(logicalPath) } : { logicalPath, contentPath: contentPathOf(logicalPath), size: f.size, ...digestFields(f.digests), ...fileAcceptanceFields(accepted.get(logicalPath)), ...labelFields(labels.get(logicalPath)) }
        }
      })(),
      ...(floor === undefined ? {} : { floor }),
      contents: (function * () { for (const f of files) yield { contentPath: contentPathOf(f.logicalPath), size: f.size, ...digestFields(f.digests) } })()
    })
    lap('catalogue')
    const seals = handed?.checked === undefined ? await readSealReport(dir) : handed.seals ?? null
    if (seals !== null) await catalogue.sealDecisions.record(stored.id, versionNumber, seals.files.map(sealDecisionOf))
    const done = await catalogue.submissions.transition(sub.id, 'transferring', 'stored', { packageId: stored.id, version: versionNumber, progress: 100, stage: 'stored' })
    await this.deps.commitments?.stored(done)
    lap('seals')
    this.deps.metrics?.ingested('stored', checked.files.reduce((n, f) => n + f.size, 0), checked.files.length)
    this.deps.log.info({ submission: sub.id, package: stored.id, version: versionNumber, files: files.length, removed: plan.removed.length, repaired: repaired.length, ms }, 'package stored')
    stageDone(files.length)
    return done
  }

  /**
   * The acceptance checks (issue 14 item 4) of a submission whose project and policy are known: the report
   * for the submission, each file's format, scope item and producing unit onto `files` for transfer.
   * They collect defects; whether those refuse the package is the decision's (stage 3), not theirs.
   */
  async checkAcceptance (sub: Submission, root: string, files: CheckedRecord['files'], bagit: BagReportJson, seals: SealFileResult[] | null, signal: AbortSignal): Promise<unknown> {
    const policy = this.deps.acceptancePolicy
    const project = policy === undefined ? null : await this.deps.catalogue.projects.record(sub.projectCode)
    if (policy === undefined || project === null) return undefined
    const { report, files: accepted } = await checkAcceptance({
      policy, root, payload: files.map(f => f.path), bagit, seals, units: project.units, submittedBy: sub.createdBy, signal, clock: this.deps.clock
    })
    for (const f of files) f.acceptance = accepted.get(f.path)
    // Labels (issue 15 item 2): every 绝密 file is named at once, and the package is refused whole. The
    // metadata file is read again here (small, and acceptance keeps what it found, not the records).
    const records = (await readMetadata(root, new Set(files.map(f => f.path)))).records
    const topSecret: string[] = []
    for (const f of files) {
      try {
        f.label = labelOf(f.path, { metadata: records?.get(f.path), scopeItem: f.acceptance?.scopeItem, pipelineItem: f.acceptance?.pipelineItem, projectTier: project.classification })
      } catch (err) {
        if (!isLantaiError(err) || err.code !== 'ACCESS_TIER_REFUSED') throw err
        topSecret.push(f.path)
      }
    }
    if (topSecret.length > 0) this.#topSecret.set(sub.id, topSecret)
    const errors = report.findings.filter(f => f.severity === 'error').length
    await this.deps.catalogue.events.append({
      type: 'acceptance.checked', outcome: errors > 0 ? 'warning' : 'success', agent: 'system', objectType: 'submission', objectId: sub.id,
      detail: { outcome: report.outcome, errors, warnings: report.findings.length - errors, missingItems: report.coverage.filter(c => c.state === 'missing').length, unexpected: report.unexpected.length }
    })
    return report
  }

  /** Stage 2's seal report and its evidence (certificates, CRLs, OCSP responses, tokens), in staging. */
  async keepSealEvidence (dir: string, seals: SealStageResult): Promise<void> {
    const { mkdir } = await import('node:fs/promises')
    const sealDir = join(dir, 'seals')
    await mkdir(join(sealDir, 'evidence'), { recursive: true })
    await writeFileDurably(join(sealDir, 'report.json'), JSON.stringify({ summary: seals.summary, files: seals.files }, null, 2))
    for (const [sha256, der] of seals.evidence) await writeFile(join(sealDir, 'evidence', `${sha256}.der`), der)
  }

  async recordSealEvents (id: string, seals: SealStageResult): Promise<void> {
    const { events } = this.deps.catalogue
    await events.append({ type: 'seals.checked', outcome: seals.summary.integrityAlerts.length > 0 ? 'warning' : 'success', agent: 'system', objectType: 'submission', objectId: id, detail: seals.summary })
    for (const path of seals.summary.integrityAlerts) {
      const file = seals.files.find(f => f.path === path)
      await events.append({ type: 'seals.integrity-alert', outcome: 'failure', agent: 'system', objectType: 'submission', objectId: id, detail: { path, reason: file?.decision.reason } })
    }
  }

  /** The seal report and evidence become part of the version, under submissions/<id>/seals/ (rule R6). */
  async sealFiles (dir: string, id: string): Promise<NewVersionFile[]> {
    const { readdir } = await import('node:fs/promises')
    const sealDir = join(dir, 'seals')
    const names = await readdir(sealDir, { recursive: true, withFileTypes: true }).catch(() => [])
    const out: NewVersionFile[] = []
    for (const d of names) {
      if (!d.isFile()) continue
      const abs = join(d.parentPath, d.name)
      const rel = relative(sealDir, abs).split(sep).join('/')
      const { size, digests } = await this.deps.pool.hashFile(abs, STORED_ALGORITHMS)
      out.push({ logicalPath: `submissions/${id}/seals/${rel}`, localPath: abs, size, digests: pick(digests) })
    }
    return out
  }

  /** The bag's own tag files are kept with the version, under submissions/<id>/, for provenance. */
  async tagFiles (root: string, id: string): Promise<NewVersionFile[]> {
    const { readdir } = await import('node:fs/promises')
    const out: NewVersionFile[] = []
    const walk = async (rel: string): Promise<void> => {
      for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
        const path = rel === '' ? d.name : `${rel}/${d.name}`
        if (rel === '' && d.name === 'data') continue
        if (d.isDirectory()) await walk(path)
        else if (d.isFile()) {
          const { size, digests } = await this.deps.pool.hashFile(join(root, path), STORED_ALGORITHMS)
          out.push({ logicalPath: `submissions/${id}/${path}`, localPath: join(root, path), size, digests: pick(digests) })
        }
      }
    }
    await walk('')
    return out
  }

  /**
   * At start: uploads cut off by a crash cannot resume (the client must send again); the rest do. Alone
   * on the catalogue (`shared` false: the data lock is held) every upload still receiving was cut off;
   * with peers, only those whose receiver is gone (failAbandonedUploads).
   */
  async recover (options: { shared?: boolean } = {}): Promise<{ failed: string[], resumed: string[] }> {
    const { catalogue } = this.deps
    const resumed: string[] = []
    const failed = options.shared === true ? await this.failAbandonedUploads() : []
    if (options.shared !== true) {
      for (const sub of await catalogue.submissions.listByStates(['receiving'])) {
        await catalogue.submissions.transition(sub.id, 'receiving', 'failed', { error: { code: 'UPLOAD_INCOMPLETE', message: 'the service stopped while the package was arriving; send it again' } })
        await rm(this.stagingDir(sub.id), { recursive: true, force: true })
        failed.push(sub.id)
      }
    }
    for (const sub of await catalogue.submissions.listByStates(['received', 'checking', 'checked', 'transferring'])) {
      try {
        if (await catalogue.jobs.activeFor(INGEST_JOB, sub.id) === null) await catalogue.jobs.enqueue(INGEST_JOB, sub.id, { resumed: true })
      } catch (err) {
        // A peer starting at the same moment (a shared catalogue) queued it first.
        if (!isLantaiError(err) || err.code !== 'JOB_ACTIVE') throw err
      }
      resumed.push(sub.id)
    }
    return { failed, resumed }
  }

  /**
   * Uploads whose receiver is gone fail with UPLOAD_INCOMPLETE (the client must send again) and lose
   * their staging: a receive lease that ran out, or one held by a dead process of this host. A
   * submission with no lease at all is one whose receiver has not taken it yet (a moment after create)
   * or lost it (a peer released a dead holder's leases): it is judged after a whole lease's time.
   */
  async failAbandonedUploads (): Promise<string[]> {
    const { catalogue } = this.deps
    const ttl = this.deps.lease?.ttlMs ?? RECEIVE_LEASE_MS
    const now = (this.deps.clock ?? (() => new Date()))().getTime()
    const failed: string[] = []
    for (const sub of await catalogue.submissions.listByStates(['receiving'])) {
      const lease = await catalogue.locks.get(receiveLease(sub.id))
      const holder = lease === null ? null : parseHolder(lease.holder)
      const gone = lease === null
        ? now - Date.parse(sub.updatedAt) > ttl
        : Date.parse(lease.expiresAt) <= now || (holder !== null && writerGone(holder.host, holder.pid))
      if (!gone) continue
      try {
        await catalogue.submissions.transition(sub.id, 'receiving', 'failed', {
          error: { code: 'UPLOAD_INCOMPLETE', message: `its receiver ${lease?.holder ?? '(none)'} stopped while the package was arriving; send it again` }
        })
      } catch (err) {
        if (isLantaiError(err) && err.code === 'STATE_CONFLICT') continue // it arrived, or a peer failed it first
        throw err
      }
      if (lease !== null) await catalogue.locks.release(lease.name, lease.holder)
      await rm(this.stagingDir(sub.id), { recursive: true, force: true })
      failed.push(sub.id)
    }
    return failed
  }
}

/** What acceptance found of a file, as its package_files row keeps it (null when no check ran). */
const fileAcceptanceFields = (a: FileAcceptance | undefined): { format: string | null, scopeItem: string | null, producer: FileProducer | null } => a === undefined
  ? { format: null, scopeItem: null, producer: null }
  : { format: a.format, scopeItem: a.scopeItem, producer: { role: a.producer.role, name: a.producer.name ?? null, uscc: a.producer.uscc ?? null } }

/** A file's label for its package_files row; none (carried over, or 非密) when no label was made. */
const labelFields = (l: FileLabel | undefined): { label?: FileLabel } => l === undefined ? {} : { label: l }

/** The lease a receiving process holds on its upload (the catalogue's locks table). */
export const receiveLease = (submissionId: string): string => `receive:${submissionId}`

/** How long a receive lease lasts without renewal (LeaseOptions' default). */
const RECEIVE_LEASE_MS = 60_000

const pick = (d: Digests): NewVersionFile['digests'] => {
  const { sha512, sm3 } = d
  if (sha512 === undefined || sm3 === undefined) throw new LantaiError('STATE_CONFLICT', 'a file lacks an ingest digest')
  return { ...d, sha512, sm3 }
}

/** The algorithms of the bag's payload manifests (RFC 8493 §2.1.3), read from its root. */
async function declaredAlgorithms (root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises')
  return (await readdir(root)).flatMap(name => manifestAlgorithmOf(name) ?? [])
}


function duplicateDecision (plan: Plan): { accept: false, error: { code: string, message: string }, duplicateOf?: string } {
  return {
    accept: false,
    error: { code: 'DUPLICATE_SUBMISSION', message: 'the head would stay as it is: every file is already stored with the same digests, and nothing is removed or repaired' },
    ...(plan.headSubmission === null ? {} : { duplicateOf: plan.headSubmission })
  }
}

/** The bag's removal list, or undefined when it has none. */
async function readRemovalList (root: string): Promise<string[] | undefined> {
  let text: string
  try {
    text = await readFile(join(root, REMOVAL_LIST), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return [...new Set(text.replace(/^\uFEFF/, '').split(/\r?\n/).filter(l => l.trim() !== '' && !l.startsWith('#')))]
}

/** Every error is the center's profile's (BAG_PROFILE_…): the bytes are as the manifests say. */
export const profileOnly = (report: Pick<BagReportJson, 'errors'>): boolean => report.errors.length > 0 && report.errors.every(e => e.code.startsWith('BAG_PROFILE_'))

const kindOf = (contentType: string): 'tar' | 'tar.gz' | 'zip' => CONTENT_TYPES[contentType.split(';')[0]?.trim().toLowerCase() ?? ''] ?? 'tar'
