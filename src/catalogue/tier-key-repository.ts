import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { TierKeysTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { mapViolation, type Clock } from './sql.js'

// Wrapped data keys per classification tier (issue 15 item 7). Only wrapped bytes are stored here; the
// master key that unwraps them is configuration (src/access/keys.ts). Creating, rotating and re-wrapping
// a key is a system event: who did it and which key, never the key.

export interface StoredTierKey {
  id: string
  tier: string
  algorithm: 'aes-256-gcm'
  masterKeyId: string
  wrapped: string
  state: 'active' | 'retired'
  createdAt: string
  retiredAt: string | null
}

type Row = Selectable<TierKeysTable>
const toKey = (r: Row): StoredTierKey => ({
  id: r.id, tier: r.tier, algorithm: r.algorithm as 'aes-256-gcm', masterKeyId: r.master_key_id, wrapped: r.wrapped, state: r.state as 'active' | 'retired', createdAt: r.created_at, retiredAt: r.retired_at
})

export class TierKeyRepository {
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

  newId (): string { return this.#newId('tky', this.#clock()) }

  async active (tier: string): Promise<StoredTierKey | null> {
    const row = await this.#db.db.selectFrom('tier_keys').selectAll().where('tier', '=', tier).where('state', '=', 'active').executeTakeFirst()
    return row === undefined ? null : toKey(row)
  }

  async get (id: string): Promise<StoredTierKey | null> {
    const row = await this.#db.db.selectFrom('tier_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toKey(row)
  }

  /** Every key, active and retired, oldest first. */
  async all (): Promise<StoredTierKey[]> {
    return (await this.#db.db.selectFrom('tier_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(toKey)
  }

  /** Adds a key as its tier's active one, retiring the one before (kept to decrypt what it sealed). */
  async add (key: Pick<StoredTierKey, 'id' | 'tier' | 'algorithm' | 'masterKeyId' | 'wrapped'>, agent = 'system'): Promise<StoredTierKey> {
    return await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const retired = await tx.updateTable('tier_keys').set({ state: 'retired', retired_at: now }).where('tier', '=', key.tier).where('state', '=', 'active').returning('id').execute()
      const row = await tx.insertInto('tier_keys').values({
        id: key.id, tier: key.tier, algorithm: key.algorithm, master_key_id: key.masterKeyId, wrapped: key.wrapped, state: 'active', created_at: now, retired_at: null
      }).returningAll().executeTakeFirstOrThrow()
      await this.#events.append({ at: now, type: 'tier-key.created', outcome: 'success', agent, objectType: 'system', objectId: key.id, detail: { tier: key.tier, algorithm: key.algorithm, masterKeyId: key.masterKeyId, retired: retired.map(r => r.id) } }, tx)
      return toKey(row)
    }), (v, err) => v.kind === 'check' ? new LantaiError('CATALOGUE_ARGUMENT_INVALID', `tier ${key.tier}`, { tier: key.tier }, { cause: err }) : undefined)
  }

  /** Replaces every key's wrapping at once (master-key rotation): all or none. */
  async rewrap (keys: ReadonlyArray<Pick<StoredTierKey, 'id' | 'masterKeyId' | 'wrapped'>>, agent = 'system'): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      for (const k of keys) await tx.updateTable('tier_keys').set({ master_key_id: k.masterKeyId, wrapped: k.wrapped }).where('id', '=', k.id).execute()
      await this.#events.append({ at: now, type: 'tier-key.rewrapped', outcome: 'success', agent, objectType: 'system', objectId: 'tier-keys', detail: { keys: keys.map(k => k.id), masterKeyId: keys[0]?.masterKeyId ?? null } }, tx)
    })
  }
}
