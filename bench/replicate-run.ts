// The child of the bench's replicate part: the replicating process, alone, so the peak RSS it prints is
// its own. It opens the data directory a stopped `lantai serve` left (LANTAI_DATA, LANTAI_POLICIES and
// the node's key variables in its environment), turns the node on (PATCH /v1/nodes/{id} does the same:
// placement re-runs and the version's copy is planned), and runs the queue as `lantai replicate run`
// does, until the copy is `verified`: every file sent, read back from the node and compared.
// Usage: node --import tsx bench/replicate-run.ts <node-id>
// Prints one JSON line: { ms, files, bytes, state, verified, maxRssMB }.
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { loadPlacementPolicy, loadSeismicZones, ReplicationService, ReplicationWorker } from '../src/replication/index.js'
import { openRuntime } from '../src/runtime.js'

const nodeId = process.argv[2]
if (nodeId === undefined || process.argv.length > 3) {
  console.error('usage: node --import tsx bench/replicate-run.ts <node-id>')
  process.exit(2)
}

const config = loadConfig()
const runtime = await openRuntime(config, { mode: 'existing' })
const { catalogue } = runtime
const log = createLogger('warn')
const secretOf = (name: string): string | undefined => name.startsWith('LANTAI_') ? process.env[name] : undefined
const placement = new ReplicationService({ catalogue, zones: await loadSeismicZones(config.policiesDir), policy: await loadPlacementPolicy(config.policiesDir), secretOf, dataDir: config.dataDir, log })
const worker = new ReplicationWorker({ catalogue, placement, primary: runtime.store, secretOf, dataDir: config.dataDir, scratchDir: join(runtime.scratchRoot, 'replication'), log })
try {
  // Timed from the copy being queued (the node turned on) to the task done, as an operator waits for it.
  const started = performance.now()
  await placement.change(nodeId, { state: 'active' }, 'bench')
  await worker.drain()
  const ms = Math.round(performance.now() - started)
  const tasks = (await catalogue.replicationTasks.list({ limit: 100, offset: 0, nodeId })).items
  // The replica row is what counts the copy: `verified` only once every file matched on the node.
  const replicas = (await catalogue.replicas.ofVersions(tasks.map(t => ({ packageId: t.packageId, version: t.version })))).filter(r => r.nodeId === nodeId)
  const verified = replicas.length > 0 && replicas.every(r => r.state === 'verified')
  for (const t of tasks) if (t.lastError !== null) console.error(`${t.state} ${t.packageId} v${t.version}: ${t.lastError.code} ${t.lastError.message}`)
  console.log(JSON.stringify({
    ms,
    files: tasks.reduce((s, t) => s + t.filesDone, 0),
    bytes: tasks.reduce((s, t) => s + t.bytesDone, 0),
    state: tasks.length === 0 ? 'none' : tasks.every(t => t.state === 'done') ? 'done' : tasks.map(t => t.state).join(','),
    verified,
    // resourceUsage().maxRSS is in KiB.
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024)
  }))
} finally {
  await worker.stop()
  await runtime.close()
}
