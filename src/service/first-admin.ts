import type { Catalogue } from '../catalogue/index.js'

// A fresh catalogue has no token, so nobody could call the API. The first start makes one admin token
// and `lantai serve` prints its secret once. It is made only once the port is open: a start that fails
// before (a busy port) must not use up the only showing of a secret nobody saw.

/** The secret of the admin token made now, or null when the catalogue already has a token. */
export async function ensureFirstAdmin (catalogue: Catalogue): Promise<string | null> {
  // Decided inside the catalogue's transaction: processes starting together on one PostgreSQL catalogue make one.
  const made = await catalogue.tokens.createFirst({ role: 'admin', label: 'first admin (created at first start)' }, { agent: 'system', detail: { role: 'admin', first: true } })
  return made?.secret ?? null
}
