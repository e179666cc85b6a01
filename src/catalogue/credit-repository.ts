import { sql, type Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { CreditRecordsTable, Executor } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { checkPage, fromJson, type Clock, type Page, type PageQuery } from './sql.js'

// Credit records (失信行为记录, issue 14 item 10). Insert-only (the database refuses UPDATE and DELETE): a
// record's appeal (申诉) and the center's correction (更正) are rows of their own that refer to it, so the
// history of a record is its chain and its standing is that of the chain's last row.

export type CreditStanding = 'in_force' | 'appealed' | 'upheld' | 'corrected' | 'revoked'
export const CREDIT_STANDINGS: readonly CreditStanding[] = ['in_force', 'appealed', 'upheld', 'corrected', 'revoked']
export type CreditRowKind = 'record' | 'appeal' | 'correction'

export interface CreditPerson { name: string, title?: string }

export interface CreditEntry {
  id: string
  kind: CreditRowKind
  refersTo: string | null
  standing: CreditStanding
  recordedAt: string
  recordedBy: string
  reason: string | null
  evidence: unknown
}

export interface CreditRecord {
  /** 'crd_' + ULID */
  id: string
  /** what was broken: 'commitment-overdue' for a commitment past its due date */
  type: string
  /** the standing now: the last entry's */
  standing: CreditStanding
  unit: { uscc: string, name: string, role: string }
  persons: CreditPerson[]
  projectCode: string
  commitmentId: string | null
  /** YYYY-MM-DD: when the breach happened */
  occurredOn: string
  recordedAt: string
  recordedBy: string
  evidence: unknown
  /** appeals and corrections, oldest first */
  history: CreditEntry[]
}

export interface NewCreditRecord {
  type: string
  unit: { uscc: string, name: string, role: string }
  persons: CreditPerson[]
  projectCode: string
  commitmentId: string | null
  occurredOn: string
  recordedBy: string
  evidence: unknown
}

export interface CreditQuery extends PageQuery {
  uscc?: string
  projectCode?: string
  type?: string
  standing?: CreditStanding
  /** occurred on or after / before (YYYY-MM-DD) */
  from?: string
  to?: string
}

type Row = Selectable<CreditRecordsTable>

const toEntry = (r: Row): CreditEntry => ({
  id: r.id, kind: r.kind as CreditRowKind, refersTo: r.refers_to, standing: r.standing as CreditStanding, recordedAt: r.recorded_at, recordedBy: r.recorded_by,
  reason: r.reason, evidence: fromJson(r.evidence)
})

const toRecord = (r: Row, chain: Row[]): CreditRecord => ({
  id: r.id, type: r.type, standing: (chain.at(-1) ?? r).standing as CreditStanding, unit: { uscc: r.unit_uscc, name: r.unit_name, role: r.unit_role },
  persons: fromJson(r.persons) as CreditPerson[], projectCode: r.project_code, commitmentId: r.commitment_id, occurredOn: r.occurred_on, recordedAt: r.recorded_at,
  recordedBy: r.recorded_by, evidence: fromJson(r.evidence), history: chain.map(toEntry)
})

export class CreditRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#clock = clock
    this.#newId = newId
  }

  /**
   * Writes a record, with its event, in the caller's transaction when given (the overdue job's); a second record of
   * the same commitment against the same unit is not written (the job may meet a commitment twice).
   */
  async record (input: NewCreditRecord, tx: Executor = this.#db.db): Promise<CreditRecord | null> {
    if (input.commitmentId !== null) {
      const seen = await tx.selectFrom('credit_records').select('id').where('kind', '=', 'record').where('commitment_id', '=', input.commitmentId)
        .where('unit_uscc', '=', input.unit.uscc).executeTakeFirst()
      if (seen !== undefined) return null
    }
    const at = this.#clock()
    const now = at.toISOString()
    const row = await tx.insertInto('credit_records').values({
      id: this.#newId('crd', at), kind: 'record', refers_to: null, type: input.type, standing: 'in_force', unit_uscc: input.unit.uscc, unit_name: input.unit.name,
      unit_role: input.unit.role, persons: JSON.stringify(input.persons), project_code: input.projectCode, commitment_id: input.commitmentId, occurred_on: input.occurredOn,
      recorded_at: now, recorded_by: input.recordedBy, reason: null, evidence: JSON.stringify(input.evidence ?? null)
    }).returningAll().executeTakeFirstOrThrow()
    await this.#events.append({
      at: now, type: 'credit.recorded', outcome: 'warning', agent: input.recordedBy, objectType: 'project', objectId: input.projectCode,
      detail: { creditId: row.id, type: input.type, uscc: input.unit.uscc, persons: input.persons.map(p => p.name), commitmentId: input.commitmentId }
    }, tx)
    return toRecord(row, [])
  }

  async get (id: string): Promise<CreditRecord | null> {
    const row = await this.#db.db.selectFrom('credit_records').selectAll().where('id', '=', id).where('kind', '=', 'record').executeTakeFirst()
    if (row === undefined) return null
    const chain = await this.#db.db.selectFrom('credit_records').selectAll().where('refers_to', '=', id).orderBy('id').execute()
    return toRecord(row, chain)
  }

  /** Records newest first, with their standing now. */
  async list (query: CreditQuery): Promise<Page<CreditRecord>> {
    checkPage(query)
    // The standing is the last row of the chain: the record's own when nothing refers to it.
    const standing = sql<string>`coalesce((SELECT x.standing FROM credit_records x WHERE x.refers_to = r.id ORDER BY x.id DESC LIMIT 1), r.standing)`
    const filtered = this.#db.db.selectFrom('credit_records as r').where('r.kind', '=', 'record')
      .$if(query.uscc !== undefined, q => q.where('r.unit_uscc', '=', query.uscc ?? ''))
      .$if(query.projectCode !== undefined, q => q.where('r.project_code', '=', query.projectCode ?? ''))
      .$if(query.type !== undefined, q => q.where('r.type', '=', query.type ?? ''))
      .$if(query.from !== undefined, q => q.where('r.occurred_on', '>=', query.from ?? ''))
      .$if(query.to !== undefined, q => q.where('r.occurred_on', '<=', query.to ?? ''))
      .$if(query.standing !== undefined, q => q.where(standing, '=', query.standing ?? 'in_force'))
    const [rows, count] = await Promise.all([
      filtered.selectAll('r').orderBy('r.id', 'desc').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    const chains = rows.length === 0 ? [] : await this.#db.db.selectFrom('credit_records').selectAll().where('refers_to', 'in', rows.map(r => r.id)).orderBy('id').execute()
    return { items: rows.map(r => toRecord(r, chains.filter(c => c.refers_to === r.id))), total: Number(count?.n ?? 0) }
  }

  /**
   * An appeal or a correction: a row of its own after the record's last, with its event. `allowed`
   * names the standings it may follow; another is CREDIT_STATE_CONFLICT.
   */
  async annotate (id: string, entry: { kind: 'appeal' | 'correction', standing: CreditStanding, reason: string, evidence: unknown, by: string, allowed: readonly CreditStanding[] }): Promise<CreditRecord> {
    await this.#db.db.transaction().execute(async tx => {
      const record = await tx.selectFrom('credit_records').selectAll().where('id', '=', id).where('kind', '=', 'record').executeTakeFirst()
      if (record === undefined) throw new LantaiError('CREDIT_RECORD_NOT_FOUND', id, { id })
      const last = await tx.selectFrom('credit_records').select('standing').where('refers_to', '=', id).orderBy('id', 'desc').limit(1).executeTakeFirst()
      const now = (last ?? record).standing as CreditStanding
      if (!entry.allowed.includes(now)) {
        throw new LantaiError('CREDIT_STATE_CONFLICT', `credit record ${id} is ${now}; an ${entry.kind} follows ${entry.allowed.join(' or ')}`, { id, standing: now, kind: entry.kind })
      }
      const at = this.#clock()
      const row = await tx.insertInto('credit_records').values({
        id: this.#newId('crd', at), kind: entry.kind, refers_to: id, type: record.type, standing: entry.standing, unit_uscc: record.unit_uscc, unit_name: record.unit_name,
        unit_role: record.unit_role, persons: record.persons, project_code: record.project_code, commitment_id: record.commitment_id, occurred_on: record.occurred_on,
        recorded_at: at.toISOString(), recorded_by: entry.by, reason: entry.reason, evidence: JSON.stringify(entry.evidence ?? null)
      }).returningAll().executeTakeFirstOrThrow()
      await this.#events.append({
        at: row.recorded_at, type: entry.kind === 'appeal' ? 'credit.appealed' : `credit.${entry.standing}`, outcome: 'info', agent: entry.by, objectType: 'project', objectId: record.project_code,
        detail: { creditId: id, entry: row.id, from: now, to: entry.standing, reason: entry.reason, uscc: record.unit_uscc }
      }, tx)
    })
    const out = await this.get(id)
    if (out === null) throw new LantaiError('CREDIT_RECORD_NOT_FOUND', id, { id })
    return out
  }
}
