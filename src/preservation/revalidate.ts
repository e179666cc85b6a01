import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Catalogue, Job, SealDecision } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { checkSeals, sealDecisionOf, type SealStageResult } from '../ingest/seals-stage.js'
import type { Logger } from '../logger.js'
import type { OcflObjectReader } from '../ocfl/index.js'
import { detachedContentPath, trustFingerprint, type SealVerifier, type TrustStore } from '../seals/index.js'

// Re-validation of a stored package's seals (research-seals.md §6, rule R4): a decision that was
// provisional for want of a trusted root or of revocation data is made again once that data is in
// certs/, and any decision can be re-checked years later against the trust of the day. Only files
// that carry, or may carry, a signature are re-read: an unsigned file's decision cannot change.

export const REVALIDATE_JOB = 'revalidate'

export interface RevalidationDeps {
  catalogue: Catalogue
  reader: OcflObjectReader
  /** Read afresh for every run: new roots, CRLs and OCSP responses are what a re-validation is for. */
  loadTrust: () => Promise<TrustStore>
  /**
   * Scratch space for the files being checked: `<data>/scratch`, not staging, which a starting service
   * clears of everything no submission owns (a CLI re-validation may run beside it).
   */
  scratchRoot: string
  log: Logger
  /** Seal checks off the main thread (main.ts's SealVerifierPool); by default on it. */
  sealVerifier?: SealVerifier
}

export interface RevalidationResult {
  packageId: string
  version: number
  checked: number
  /** Files whose outcome, provisional flag or alert changed. */
  changed: Array<{ path: string, from: string, to: string, rule: string, reason: string }>
  summary: SealStageResult['summary']
}

/** Files whose format could carry a signature; 'other' files were only sniffed and stay as they are. */
const SIGNABLE = new Set(['pdf', 'ofd', 'p7s'])

export class Revalidation {
  constructor (readonly deps: RevalidationDeps) {}

  /** Queues a re-validation of one package; REVALIDATION_RUNNING when one is already queued or running. */
  async enqueue (packageId: string, reason: string): Promise<Job> {
    const { catalogue } = this.deps
    if (await catalogue.packages.get(packageId) === null) throw new LantaiError('PACKAGE_NOT_FOUND', packageId)
    if (await catalogue.jobs.activeFor(REVALIDATE_JOB, packageId) !== null) throw new LantaiError('REVALIDATION_RUNNING', packageId)
    return await catalogue.jobs.enqueue(REVALIDATE_JOB, packageId, { reason })
  }

  /** The review queue: every package with a provisional decision, queued unless already queued. */
  async enqueueReviewQueue (reason: string): Promise<string[]> {
    const queued: string[] = []
    for (const id of await this.deps.catalogue.sealDecisions.packagesAwaitingReview()) {
      // null: queued already, or by a peer starting at the same moment (a shared catalogue)
      if (await this.deps.catalogue.jobs.enqueueUnlessActive(REVALIDATE_JOB, id, { reason }) === null) continue
      queued.push(id)
    }
    return queued
  }

  /**
   * At start: records the trust store's fingerprint as a seals.trust-loaded event when it differs from
   * the last one recorded and, when an earlier one existed, queues the review queue (new roots, CRLs or
   * OCSP responses are what provisional decisions wait for). Returns the packages queued.
   */
  async noteTrustLoaded (trust: TrustStore): Promise<string[]> {
    const { catalogue } = this.deps
    const fingerprint = trustFingerprint(trust)
    const last = (await catalogue.events.list({ type: 'seals.trust-loaded', limit: 1, offset: 0, order: 'desc' })).items[0]
    if ((last?.detail as { fingerprint?: string } | undefined)?.fingerprint === fingerprint) return []
    await catalogue.events.append({
      type: 'seals.trust-loaded', outcome: 'success', agent: 'system', objectType: 'system', objectId: 'trust-store',
      detail: { fingerprint, anchors: trust.anchors.length, sealMakers: trust.sealMakers.length, crls: trust.crls.length, ocspResponses: trust.ocspResponses.length }
    })
    return last === undefined ? [] : await this.enqueueReviewQueue('the trust store changed')
  }

  readonly runJob = async (job: Job, signal: AbortSignal, progress: (p: number) => void): Promise<void> => {
    if (job.subjectId === null) throw new LantaiError('STATE_CONFLICT', `job ${job.id} names no package`)
    await this.run(job.subjectId, { signal, progress, agent: 'system', jobId: job.id })
  }

  async run (packageId: string, options: { signal?: AbortSignal, progress?: (p: number) => void, agent?: string, jobId?: string } = {}): Promise<RevalidationResult> {
    const { catalogue, reader } = this.deps
    const pkg = await catalogue.packages.get(packageId)
    if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', packageId)
    const version = pkg.headVersion
    const previous = new Map<string, SealDecision>()
    for (let offset = 0; ; offset += 1000) {
      const page = await catalogue.sealDecisions.list(packageId, { limit: 1000, offset })
      for (const d of page.items) previous.set(d.logicalPath, d)
      if (page.items.length < 1000) break
    }
    // The head's payload files; with no earlier decision (a package stored before seals were checked), all of them.
    const targets: Array<{ logicalPath: string, contentPath: string }> = []
    // a detached CMS signature needs the file it signs beside it, though that file is itself unsigned
    const companions = new Map<string, string>()
    const payload = new Map<string, string>()
    for (let offset = 0; ; offset += 1000) {
      const page = await catalogue.packages.files(packageId, { version, limit: 1000, offset })
      for (const f of page.items) {
        if (!f.logicalPath.startsWith('data/')) continue
        payload.set(f.logicalPath, f.contentPath)
        const before = previous.get(f.logicalPath)
        // a .pkcs7 or .cms stored before CMS was known by its bytes was judged 'other': read it again
        if (before === undefined || SIGNABLE.has(before.format) || detachedContentPath(f.logicalPath) !== undefined) targets.push({ logicalPath: f.logicalPath, contentPath: f.contentPath })
      }
      if (page.items.length < 1000) break
    }
    const targetPaths = new Set(targets.map(t => t.logicalPath))
    for (const t of targets) {
      const content = previous.get(t.logicalPath)?.format === 'p7s' ? detachedContentPath(t.logicalPath) : undefined
      const stored = content === undefined || targetPaths.has(content) ? undefined : payload.get(content)
      if (content !== undefined && stored !== undefined) companions.set(content, stored)
    }

    const trust = await this.deps.loadTrust()
    const scratch = join(this.deps.scratchRoot, `revalidate-${process.pid}-${options.jobId ?? packageId}`)
    await rm(scratch, { recursive: true, force: true })
    let result: SealStageResult
    try {
      // Copied out of the store under their logical paths: the checks read files, and a name (.p7s) can matter.
      let done = 0
      for (const t of [...targets, ...[...companions].map(([logicalPath, contentPath]) => ({ logicalPath, contentPath }))]) {
        options.signal?.throwIfAborted()
        const to = join(scratch, ...t.logicalPath.split('/'))
        await mkdir(dirname(to), { recursive: true })
        await pipeline(await reader.openContent(pkg.ocflId, t.contentPath), createWriteStream(to, { flags: 'wx' }), options.signal === undefined ? {} : { signal: options.signal })
        options.progress?.(Math.floor(50 * ++done / Math.max(targets.length + companions.size, 1)))
      }
      result = await checkSeals(scratch, targets.map(t => t.logicalPath), trust, { verifier: this.deps.sealVerifier, ...options.signal === undefined ? {} : { signal: options.signal } })
      options.signal?.throwIfAborted()
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
    options.progress?.(95)

    const changed: RevalidationResult['changed'] = []
    for (const f of result.files) {
      const before = previous.get(f.path)
      const was = before === undefined ? 'none' : describe(before.outcome, before.provisional)
      const now = describe(f.decision.outcome, f.decision.provisional)
      if (was !== now || (before?.integrityAlert ?? false) !== f.decision.integrityAlert) changed.push({ path: f.path, from: was, to: now, rule: f.decision.rule, reason: f.decision.reason })
    }
    await catalogue.sealDecisions.keepEvidence(result.evidence)
    await catalogue.sealDecisions.record(packageId, version, result.files.map(sealDecisionOf))
    const agent = options.agent ?? 'system'
    await catalogue.events.append({
      type: 'seals.revalidated',
      outcome: result.summary.integrityAlerts.length > 0 ? 'warning' : 'success',
      agent,
      objectType: 'package',
      objectId: packageId,
      // The trust store's fingerprint names exactly what the decisions were made against; the evidence
      // itself is kept by digest (GET /v1/seals/evidence/:sha256).
      detail: { version, checked: result.files.length, changed, summary: result.summary, trustFingerprint: trustFingerprint(trust), evidence: [...result.evidence.keys()] }
    })
    for (const path of result.summary.integrityAlerts) {
      if (previous.get(path)?.integrityAlert === true) continue
      const file = result.files.find(f => f.path === path)
      await catalogue.events.append({ type: 'seals.integrity-alert', outcome: 'failure', agent, objectType: 'package', objectId: packageId, detail: { path, reason: file?.decision.reason } })
    }
    this.deps.log.info({ packageId, checked: result.files.length, changed: changed.length }, 'seals re-validated')
    return { packageId, version, checked: result.files.length, changed, summary: result.summary }
  }
}

const describe = (outcome: string, provisional: boolean): string => provisional ? `${outcome} (provisional)` : outcome
