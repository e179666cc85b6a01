import { AuditTrail } from '../../src/audit/index.js'
import { openCatalogue } from '../../src/catalogue/index.js'

// An audit appender in its own process with its own connection (concurrent.test.ts): on 'go' it
// records `n` rows as fast as it can, then reports how many it wrote.

const [target, name, n] = process.argv.slice(2) as [string, string, string]
const c = await openCatalogue(target)
const trail = new AuditTrail(c.audit, { algorithm: 'sm3', signer: null, checkpointEvery: 25, checkpointMinutes: 0 })
process.once('message', () => {
  void (async () => {
    for (let i = 0; i < Number(n); i++) await trail.record({ actor: { id: name }, action: 'test.append', outcome: 'success', detail: { i } })
    await c.close()
    process.send?.(Number(n), () => process.disconnect())
  })()
})
process.send?.('ready')
