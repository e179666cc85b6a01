import type { AuditCheckpoint, AuditRepository, AuditRow, CatalogueTransaction, ChainHead, Clock } from '../catalogue/index.js'
import { canonicalJson, GENESIS_HASH, rowHash, type ChainAlgorithm } from './chain.js'
import { makeCheckpoint, type CheckpointSigner } from './checkpoint.js'

// The one way into the audit trail (issue 15 item 8): requests (src/http/plugins/auth.ts), logins,
// approvals, label and policy changes, admin actions. Each call is one row, chained to the one before
// under the chain's lock (AuditRepository.append), so rows from several processes form one chain.
// After a row commits, a signed checkpoint is written when `checkpointEvery` rows or
// `checkpointMinutes` have passed since the last one.

export interface AuditActor {
  /** a token or account id */
  id: string
  role?: string | null
  label?: string | null
}

export interface AuditEntry {
  /** null for an anonymous or refused caller, or the system itself */
  actor?: AuditActor | null
  /** what was done: 'GET /v1/packages/:id' for a request, 'login.failed', 'approval.granted' … */
  action: string
  objectType?: string | null
  objectId?: string | null
  /** the classification tier of the object, when known */
  tier?: string | null
  /** allowed | denied | error | aborted | refused for requests; success | failure for other actions */
  outcome: string
  requestId?: string | null
  ip?: string | null
  detail?: unknown
  /** for imports and tests; otherwise the clock's now */
  at?: string
}

export interface AuditTrailOptions {
  algorithm: ChainAlgorithm
  signer: CheckpointSigner | null
  /** rows between checkpoints (0: never by count) */
  checkpointEvery: number
  /** minutes between checkpoints while rows are written (0: never by time) */
  checkpointMinutes: number
  clock?: Clock
}

export const DEFAULT_AUDIT_OPTIONS: AuditTrailOptions = { algorithm: 'sm3', signer: null, checkpointEvery: 1000, checkpointMinutes: 60 }

export class AuditTrail {
  readonly #repo: AuditRepository
  readonly #options: AuditTrailOptions
  readonly #clock: Clock
  /** the newest checkpoint this process knows of; read once, then kept */
  #last: Promise<{ seq: number, at: number } | null> | undefined
  /** a trail with no checkpoint yet counts its minutes from this process's start */
  readonly #started: number

  constructor (repo: AuditRepository, options: AuditTrailOptions = DEFAULT_AUDIT_OPTIONS) {
    this.#repo = repo
    this.#options = options
    this.#clock = options.clock ?? (() => new Date())
    this.#started = this.#clock().getTime()
  }

  get algorithm (): ChainAlgorithm { return this.#options.algorithm }
  get signer (): CheckpointSigner | null { return this.#options.signer }

  /**
   * Appends one row. With `tx` (the transaction of the change the row reports) the row commits with
   * it, and the checkpoint waits for a later row, since the caller's transaction has not committed.
   */
  async record (entry: AuditEntry, tx?: CatalogueTransaction): Promise<AuditRow> {
    const row = await this.#repo.append(this.rowMaker(entry), tx)
    if (tx === undefined && await this.#due(row.seq)) await this.checkpoint()
    return row
  }

  /**
   * The row of `entry` as a function of the chain head, for a catalogue repository that appends it
   * itself (`catalogue.audit.append(maker, tx)`) in the transaction of its own change.
   */
  rowMaker (entry: AuditEntry): (head: ChainHead | null) => AuditRow {
    const at = entry.at ?? this.#clock().toISOString()
    const detail = entry.detail === undefined || entry.detail === null ? null : canonicalJson(entry.detail)
    return head => {
      const fields = {
        seq: (head?.seq ?? 0) + 1,
        at,
        actorId: entry.actor?.id ?? null,
        actorRole: entry.actor?.role ?? null,
        actorLabel: entry.actor?.label ?? null,
        action: entry.action,
        objectType: entry.objectType ?? null,
        objectId: entry.objectId ?? null,
        tier: entry.tier ?? null,
        outcome: entry.outcome,
        requestId: entry.requestId ?? null,
        ip: entry.ip ?? null,
        detail,
        alg: this.#options.algorithm,
        prevHash: head?.hash ?? GENESIS_HASH
      }
      return { ...fields, hash: rowHash(fields) }
    }
  }

  /** Signs the chain's current head now, unless it is signed already; null on an empty trail. */
  async checkpoint (): Promise<AuditCheckpoint | null> {
    const head = await this.#repo.head()
    if (head === null) return null
    const last = await this.#repo.lastCheckpoint()
    if (last !== null && last.seq >= head.seq) return last
    const cp = makeCheckpoint(head, this.#clock().toISOString(), this.#options.signer)
    // another process may have signed this head a moment ago: its checkpoint stands
    await this.#repo.addCheckpoint(cp)
    this.#last = Promise.resolve({ seq: cp.seq, at: Date.parse(cp.signedAt) })
    return cp
  }

  /**
   * Signs the head if rows were written since the last checkpoint and `checkpointMinutes` have passed:
   * what the schedule calls, so the last rows of a quiet hour do not wait for the next request.
   */
  async checkpointIfDue (): Promise<AuditCheckpoint | null> {
    const head = await this.#repo.head()
    return head !== null && await this.#due(head.seq) ? await this.checkpoint() : null
  }

  /** Calls checkpointIfDue every `checkpointMinutes` (none when 0); returns the stop function. */
  schedule (onError: (err: unknown) => void): () => void {
    const minutes = this.#options.checkpointMinutes
    if (minutes <= 0) return () => {}
    const timer = setInterval(() => { this.checkpointIfDue().catch(onError) }, minutes * 60_000)
    timer.unref()
    return () => { clearInterval(timer) }
  }

  async #due (seq: number): Promise<boolean> {
    if (!this.#dueAfter(await (this.#last ??= this.#readLast()), seq)) return false
    // another process may have signed a head meanwhile: ask the catalogue before signing one more
    this.#last = this.#readLast()
    return this.#dueAfter(await this.#last, seq)
  }

  async #readLast (): Promise<{ seq: number, at: number } | null> {
    const cp = await this.#repo.lastCheckpoint()
    return cp === null ? null : { seq: cp.seq, at: Date.parse(cp.signedAt) }
  }

  #dueAfter (last: { seq: number, at: number } | null, seq: number): boolean {
    const { checkpointEvery, checkpointMinutes } = this.#options
    if (checkpointEvery > 0 && seq - (last?.seq ?? 0) >= checkpointEvery) return true
    return checkpointMinutes > 0 && seq > (last?.seq ?? 0) && this.#clock().getTime() - (last?.at ?? this.#started) >= checkpointMinutes * 60_000
  }
}
