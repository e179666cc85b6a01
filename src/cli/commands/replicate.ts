import { loadMasterKey } from '../../access/index.js'
import { loadConfig } from '../../config.js'
import { createLogger } from '../../logger.js'
import { CopyFixity, loadPlacementPolicy, loadSeismicZones, ReplicationService, ReplicationWorker } from '../../replication/index.js'
import { openRuntime } from '../../runtime.js'
import { parse, UsageError, type Command } from '../command.js'
import { join } from 'node:path'

const help = `usage: lantai replicate run [--package ID]
       lantai replicate fixity [--node NODE] [--all] [--no-repair]
用法:  lantai replicate run [--package 数据包编号]
       lantai replicate fixity [--node 节点] [--all] [--no-repair]

run: places the versions stored since the queue last looked, and runs every replication task due now
(with --package, that package's tasks are queued again first, their backoff waived), each file read back
from its node before its copy counts. Prints each task of the run; a task still queued after a failure
waits out its backoff. Runs beside a running service, as one more worker of the same queue.
run：放置自上次以来新存的版本，立即执行所有到期的复制任务（指定 --package 时先将该数据包的任务重新排队，
免去退避等待）；每个文件须从节点读回并核对后，副本才计入。

fixity: reads back the copies due for a check (--all: every copy, and lists files a node holds that no
record names, never deleting them) on every node or one, compares the catalogue's, the node's recorded and
the recomputed sha512, and repairs what is damaged from a good copy (unless --no-repair), the bad bytes
kept in quarantine on the node. The primary's damaged files are repaired from a replica too.
fixity：读回到期（--all 为全部）的副本，比对目录、节点记录与重新计算的 sha512 三方摘要，并从完好副本修复
损坏的副本（坏字节隔离保存在节点上，绝不删除）。

exit status 退出码: 0 all copies verified or intact 全部副本已核实或完好, 1 a task failed or a copy is
still damaged 有任务失败或副本仍损坏, 2 usage or configuration error 用法或配置错误.`

export const replicateCommand: Command = {
  name: 'replicate',
  summary: 'run the replication queue now, or check and repair the copies on the nodes',
  summaryZh: '立即执行复制队列，或核对并修复各节点上的副本',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { package: { type: 'string' }, node: { type: 'string' }, all: { type: 'boolean', default: false }, 'no-repair': { type: 'boolean', default: false } })
    const sub = positionals[0]
    if (positionals.length !== 1 || (sub !== 'run' && sub !== 'fixity')) throw new UsageError('subcommands: replicate run [--package ID] | replicate fixity [--node NODE] [--all]', '子命令：replicate run [--package 数据包编号] | replicate fixity [--node 节点] [--all]')
    const config = loadConfig()
    const runtime = await openRuntime(config, { mode: 'existing' })
    const { catalogue } = runtime
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
    const secretOf = (name: string): string | undefined => name.startsWith('LANTAI_') ? process.env[name] : undefined
    const scratchDir = join(runtime.scratchRoot, 'replication')
    const placement = new ReplicationService({ catalogue, zones: await loadSeismicZones(config.policiesDir), policy: await loadPlacementPolicy(config.policiesDir), secretOf, dataDir: config.dataDir, log })
    const master = secretOf('LANTAI_MASTER_KEY') === undefined ? null : loadMasterKey(secretOf('LANTAI_MASTER_KEY'))
    const worker = new ReplicationWorker({ catalogue, placement, primary: runtime.store, secretOf, master, dataDir: config.dataDir, scratchDir, log })
    try {
      if (sub === 'run') {
        if (values.package !== undefined) {
          if (await catalogue.packages.get(values.package) === null) throw new UsageError(`no package ${values.package}`, `没有数据包 ${values.package}`)
          await worker.replicate(values.package, 'cli')
        }
        const started = new Date().toISOString()
        await worker.drain()
        const touched = (await catalogue.replicationTasks.list({ limit: 1000, offset: 0, ...(values.package === undefined ? {} : { packageId: values.package }) })).items.filter(t => t.updatedAt >= started)
        for (const t of touched) {
          process.stdout.write(`${t.state.toUpperCase()} ${t.packageId} v${t.version} → ${t.nodeId}: ${t.filesDone}/${t.filesTotal ?? '?'} files verified${t.lastError === null ? '' : `; ${t.lastError.code} ${t.lastError.message}`}${t.state === 'queued' ? ` (next try ${t.nextAttemptAt})` : ''}\n`)
        }
        process.stdout.write(`${touched.length} task${touched.length === 1 ? '' : 's'} run\n`)
        return touched.every(t => t.state === 'done' || t.state === 'held') ? 0 : 1
      }
      if (values.node !== undefined && await catalogue.nodes.get(values.node) === null) throw new UsageError(`no node ${values.node}`, `没有节点 ${values.node}`)
      const fixity = new CopyFixity({ catalogue, storeOf: n => worker.storeOf(n), scratchDir, log })
      const r = await fixity.run({ mode: values.all ? 'all' : 'due', ...(values.node === undefined ? {} : { nodeId: values.node }), repair: !values['no-repair'] })
      process.stdout.write(`checked ${r.checked} copies: ${r.ok} intact, ${r.drift} metadata drift, ${r.mismatches} damaged, ${r.missing} missing, ${r.unreachable} not reached (round ${r.round}, event ${r.eventId})\n`)
      for (const x of r.repaired) process.stdout.write(`  REPAIRED ${x.packageId} [${x.contentPath}] on ${x.nodeId} from ${x.from}${x.quarantineKey === null ? '' : `; bad bytes kept at ${x.quarantineKey}`}\n`)
      for (const x of r.repairFailed) process.stdout.write(`  NOT REPAIRED ${x.packageId} [${x.contentPath}] on ${x.nodeId}: ${x.code}\n`)
      for (const x of r.extra) process.stdout.write(`  EXTRA ${x.nodeId} ${x.key} (kept)\n`)
      return r.repairFailed.length === 0 && (r.repaired.length >= r.mismatches + r.missing) ? 0 : 1
    } finally {
      await worker.stop()
      await runtime.close()
    }
  }
}
