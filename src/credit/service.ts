import { beijingDate } from '../acceptance/numbering.js'
import type { Principal } from '../auth/roles.js'
import type { Catalogue, CreditQuery, CreditRecord, CreditStanding, Page } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { evaluateUnit, type UnitEvaluation } from './evaluation.js'

// Credit records (issue 14 item 10): query and export, appeals and corrections as rows of their own, and
// the evaluation of a unit. Nothing here deletes or changes a record: the catalogue refuses it anyway.

export type CorrectionOutcome = 'upheld' | 'corrected' | 'revoked'

const EXPORT_LIMIT = 100_000

export class CreditService {
  readonly #catalogue: Catalogue
  readonly #clock: () => Date

  constructor (catalogue: Catalogue, clock: () => Date = () => new Date()) {
    this.#catalogue = catalogue
    this.#clock = clock
  }

  async list (query: CreditQuery): Promise<Page<CreditRecord>> { return await this.#catalogue.credit.list(query) }

  /** Every record the filters match, newest first, for an export (at most 100,000). */
  async all (query: Omit<CreditQuery, 'limit' | 'offset'>): Promise<CreditRecord[]> {
    return (await this.#catalogue.credit.list({ ...query, limit: EXPORT_LIMIT, offset: 0 })).items
  }

  async get (id: string): Promise<CreditRecord> {
    const found = await this.#catalogue.credit.get(id)
    if (found === null) throw new LantaiError('CREDIT_RECORD_NOT_FOUND', id, { id })
    return found
  }

  /** The builder's appeal (申诉): once, while the record is in force. */
  async appeal (id: string, input: { reason: string, evidence?: unknown }, principal: Principal | null): Promise<CreditRecord> {
    return await this.#catalogue.credit.annotate(id, { kind: 'appeal', standing: 'appealed', reason: input.reason.trim(), evidence: input.evidence ?? null, by: principal?.tokenId ?? 'system', allowed: ['in_force'] })
  }

  /**
   * The center's correction (更正): after an appeal, or of its own motion while the record is in force.
   * upheld: the record stands; corrected: it stands with the reason saying what was wrong in it;
   * revoked: it no longer counts. A revoked record stays, with its history.
   */
  async correct (id: string, input: { outcome: CorrectionOutcome, reason: string, evidence?: unknown }, principal: Principal | null): Promise<CreditRecord> {
    const allowed: CreditStanding[] = ['in_force', 'appealed']
    return await this.#catalogue.credit.annotate(id, { kind: 'correction', standing: input.outcome, reason: input.reason.trim(), evidence: input.evidence ?? null, by: principal?.tokenId ?? 'system', allowed })
  }

  async evaluate (uscc: string, on: string = beijingDate(this.#clock())): Promise<UnitEvaluation> {
    return evaluateUnit(uscc, await this.all({ uscc }), on)
  }
}
