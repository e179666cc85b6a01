import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, SubscribersTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import { fromJson, type Clock } from './sql.js'

// The systems Lantai sends webhooks to (issue 14 item 11): the approval management system, the
// drawing-management system, the law-enforcement system or any other. The signing secret is not kept
// here: a subscriber names the LANTAI_* environment variable that holds it, so a catalogue dump or a
// replica never carries a secret. Subscribers come from storage-policies/integration.yaml ('policy') or
// the admin API ('api'); every change is an event.

export type SignatureAlgorithm = 'hmac-sha256' | 'hmac-sm3'
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ['hmac-sha256', 'hmac-sm3']

export type SubscriberSource = 'policy' | 'api'

export interface Subscriber {
  name: string
  /** http(s) only */
  url: string
  /** event types it receives: exact ('acceptance.opinion.issued'), a prefix ('commitment.*') or '*' */
  eventTypes: string[]
  /** the LANTAI_* environment variable holding the signing secret */
  secretEnv: string
  algorithm: SignatureAlgorithm
  active: boolean
  source: SubscriberSource
  createdAt: string
  updatedAt: string
}

export type SubscriberInput = Pick<Subscriber, 'name' | 'url' | 'eventTypes' | 'secretEnv' | 'algorithm' | 'active'>

type SubscriberRow = Selectable<SubscribersTable>

export const toSubscriber = (r: SubscriberRow): Subscriber => ({
  name: r.name,
  url: r.url,
  eventTypes: fromJson(r.event_types) as string[],
  secretEnv: r.secret_env,
  algorithm: r.algorithm as SignatureAlgorithm,
  active: r.active === 1,
  source: r.source as SubscriberSource,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

/** Whether `type` is one of the subscriber's event types: exact, 'prefix.*' (the prefix and below) or '*'. */
export const receives = (eventTypes: readonly string[], type: string): boolean => eventTypes.some(p =>
  p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))))

const sameSettings = (a: Subscriber, b: SubscriberInput): boolean => a.url === b.url && a.secretEnv === b.secretEnv && a.algorithm === b.algorithm &&
  a.active === b.active && JSON.stringify(a.eventTypes) === JSON.stringify(b.eventTypes)

export class SubscriberRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  async list (): Promise<Subscriber[]> {
    return (await this.#db.db.selectFrom('subscribers').selectAll().orderBy('name').execute()).map(toSubscriber)
  }

  async get (name: string): Promise<Subscriber | null> {
    const row = await this.#db.db.selectFrom('subscribers').selectAll().where('name', '=', name).executeTakeFirst()
    return row === undefined ? null : toSubscriber(row)
  }

  /** The active subscribers; `tx` reads them inside a publisher's transaction. */
  async active (tx: Executor = this.#db.db): Promise<Subscriber[]> {
    return (await tx.selectFrom('subscribers').selectAll().where('active', '=', 1).orderBy('name').execute()).map(toSubscriber)
  }

  /**
   * Creates or changes a subscriber from the admin API. A subscriber the policy file declares is the
   * file's: SUBSCRIBER_FROM_POLICY. Returns it with whether anything changed (an unchanged PUT writes no event).
   */
  async put (input: SubscriberInput, agent: string): Promise<{ subscriber: Subscriber, created: boolean, changed: boolean }> {
    return await this.#db.db.transaction().execute(async tx => {
      const before = await tx.selectFrom('subscribers').selectAll().where('name', '=', input.name).executeTakeFirst()
      if (before !== undefined && before.source === 'policy') {
        throw new LantaiError('SUBSCRIBER_FROM_POLICY', `${input.name} is declared in storage-policies/integration.yaml; change it there`, { name: input.name })
      }
      return await this.#write(tx, input, 'api', agent, before === undefined ? null : toSubscriber(before))
    })
  }

  /**
   * Makes the catalogue match the policy file: its subscribers created or changed (and marked 'policy'),
   * and policy subscribers it no longer lists deactivated (deliveries reference them, so none is deleted).
   * Subscribers made through the API are left alone unless the file now declares the same name.
   */
  async syncFromPolicy (inputs: readonly SubscriberInput[], agent = 'system'): Promise<{ changed: string[] }> {
    return await this.#db.db.transaction().execute(async tx => {
      const current = new Map((await tx.selectFrom('subscribers').selectAll().execute()).map(r => [r.name, toSubscriber(r)]))
      const changed: string[] = []
      for (const input of inputs) {
        const { changed: c } = await this.#write(tx, input, 'policy', agent, current.get(input.name) ?? null)
        if (c) changed.push(input.name)
      }
      const listed = new Set(inputs.map(i => i.name))
      for (const s of current.values()) {
        if (s.source !== 'policy' || listed.has(s.name) || !s.active) continue
        await this.#write(tx, { ...s, active: false }, 'policy', agent, s)
        changed.push(s.name)
      }
      return { changed }
    })
  }

  async #write (tx: Executor, input: SubscriberInput, source: SubscriberSource, agent: string, before: Subscriber | null): Promise<{ subscriber: Subscriber, created: boolean, changed: boolean }> {
    if (before !== null && before.source === source && sameSettings(before, input)) return { subscriber: before, created: false, changed: false }
    const now = this.#clock().toISOString()
    const values = {
      url: input.url, event_types: JSON.stringify(input.eventTypes), secret_env: input.secretEnv, algorithm: input.algorithm, active: input.active ? 1 : 0, source, updated_at: now
    }
    const row = before === null
      ? await tx.insertInto('subscribers').values({ name: input.name, ...values, created_at: now }).returningAll().executeTakeFirstOrThrow()
      : await tx.updateTable('subscribers').set(values).where('name', '=', input.name).returningAll().executeTakeFirstOrThrow()
    const subscriber = toSubscriber(row)
    const type = before === null ? 'subscriber.created' : before.active !== subscriber.active ? (subscriber.active ? 'subscriber.activated' : 'subscriber.deactivated') : 'subscriber.changed'
    // never the secret, only the variable's name
    await this.#events.append({
      type, outcome: 'info', agent, objectType: 'system', objectId: `subscriber:${subscriber.name}`,
      detail: { name: subscriber.name, url: subscriber.url, eventTypes: subscriber.eventTypes, secretEnv: subscriber.secretEnv, algorithm: subscriber.algorithm, active: subscriber.active, source }
    }, tx)
    return { subscriber, created: before === null, changed: true }
  }
}
