import type { TierKeyRepository } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { decryptStream, encryptStream, newTierKey, unwrap, wrap, type MasterKey, type TierKey } from './keys.js'
import type { Transform } from 'node:stream'

// The keyring the replication worker asks for a classified copy's key: the tier's active key (made on
// first use), or any key by the id an encrypted stream names. Keys are unwrapped on demand and kept in
// memory only; the master key never leaves this object.

export class TierKeyring {
  readonly #repo: TierKeyRepository
  readonly #master: MasterKey
  readonly #unwrapped = new Map<string, TierKey>()

  constructor (repo: TierKeyRepository, master: MasterKey) {
    this.#repo = repo
    this.#master = master
  }

  /** The tier's active key, minted (and recorded wrapped) when the tier has none yet. */
  async forTier (tier: string, agent = 'system'): Promise<TierKey> {
    const stored = await this.#repo.active(tier) ?? await this.#mint(tier, agent)
    return this.#open(stored)
  }

  /** A new active key for the tier; the old one is retired but still decrypts what it sealed. */
  async rotate (tier: string, agent = 'system'): Promise<TierKey> {
    return this.#open(await this.#mint(tier, agent))
  }

  async byId (id: string): Promise<TierKey> {
    const stored = await this.#repo.get(id)
    if (stored === null) throw new LantaiError('KEY_NOT_FOUND', id, { keyId: id })
    return this.#open(stored)
  }

  /**
   * Master-key rotation: every key unwrapped with this keyring's master key and wrapped under `next`,
   * in one transaction. Afterwards only `next` opens them; the data they sealed is not touched.
   */
  async rewrapAll (next: MasterKey, agent = 'system'): Promise<number> {
    const all = await this.#repo.all()
    const rewrapped = all.map(k => wrap(next, unwrap(this.#master, k)))
    await this.#repo.rewrap(rewrapped, agent)
    this.#unwrapped.clear()
    return rewrapped.length
  }

  /** Encrypts with the tier's active key (authenticated, chunked: memory stays flat). */
  async encryptor (tier: string): Promise<Transform> {
    return encryptStream(await this.forTier(tier))
  }

  /** Decrypts a stream sealed with any of the tier keys, active or retired. */
  async decryptor (): Promise<Transform> {
    const keys = new Map<string, TierKey>()
    for (const k of await this.#repo.all()) keys.set(k.id, this.#open(k))
    return decryptStream(id => {
      const key = keys.get(id)
      if (key === undefined) throw new LantaiError('KEY_NOT_FOUND', id, { keyId: id })
      return key
    })
  }

  async #mint (tier: string, agent: string): Promise<Parameters<typeof unwrap>[1]> {
    const { wrapped } = newTierKey(this.#master, this.#repo.newId(), tier)
    return await this.#repo.add(wrapped, agent)
  }

  #open (stored: Parameters<typeof unwrap>[1]): TierKey {
    const hit = this.#unwrapped.get(stored.id)
    if (hit !== undefined) return hit
    const key = unwrap(this.#master, stored)
    this.#unwrapped.set(stored.id, key)
    return key
  }
}
