import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadMasterKey } from '../../access/index.js'
import { loadConfig } from '../../config.js'
import { HashPool } from '../../hashing/index.js'
import { findNode } from '../../recovery/find-node.js'
import { openNodeStore } from '../../replication/index.js'
import { rebuildFromNode } from '../../recovery/rebuild.js'
import { parse, UsageError, type Command } from '../command.js'
import { progressLine } from '../progress.js'

const help = `usage: lantai catalogue rebuild --from NODE --into DIR [--database-url URL] [--json]
用法:  lantai catalogue rebuild --from 节点 --into 目录 [--database-url URL] [--json]

Emergency activation: rebuilds a working catalogue and storage root from one surviving node. NODE is a
node id of storage-policies/nodes.yaml (its credentials from the LANTAI_* variables it names) or a
directory holding an OCFL storage root. Every object is copied into staging, validated, moved into
DIR/store and recorded in DIR/catalogue.sqlite (or the empty PostgreSQL database of --database-url).
A non-empty target is refused. Start the service on it with LANTAI_DATA=DIR. docs/recovery.md.
Classified objects the node holds sealed are decrypted with LANTAI_MASTER_KEY (docs/replication.md).
应急启用：从一个幸存节点重建可用的目录库和存储根。节点为 storage-policies/nodes.yaml 中的节点编号，或存放
OCFL 存储根的目录。每个对象先复制到暂存区并校验，再移入 目录/store，并记入 目录/catalogue.sqlite（或
--database-url 指定的空 PostgreSQL 数据库）。目标不为空时拒绝执行。节点上加密保存的涉密对象用 LANTAI_MASTER_KEY 解密。

options 选项:
  --from NODE          the surviving node 幸存节点
  --into DIR           the new data directory (absent or empty) 新数据目录（不存在或为空）
  --database-url URL   an empty PostgreSQL database instead of DIR/catalogue.sqlite
  --json               print the report as JSON 以 JSON 输出报告

exit status 退出码: 0 every object restored 全部对象已恢复, 1 some object failed validation 有对象未通过校验,
2 usage, configuration, an unreachable node or a non-empty target 用法、配置、节点无法访问或目标不为空.`

export const catalogueCommand: Command = {
  name: 'catalogue',
  summary: 'rebuild a catalogue and storage root from one surviving node (`catalogue rebuild --from NODE --into DIR`)',
  summaryZh: '从一个幸存节点重建目录库和存储根（`catalogue rebuild --from 节点 --into 目录`）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { from: { type: 'string' }, into: { type: 'string' }, 'database-url': { type: 'string' }, json: { type: 'boolean', default: false } })
    if (positionals[0] !== 'rebuild' || positionals.length !== 1) throw new UsageError('the only subcommand is: catalogue rebuild --from NODE --into DIR', '唯一的子命令是：catalogue rebuild --from 节点 --into 目录')
    if (values.from === undefined || values.into === undefined) throw new UsageError('give --from NODE and --into DIR', '请给出 --from 节点 和 --into 目录')
    const config = loadConfig()
    const into = resolve(values.into)
    const node = await findNode(values.from, { policiesDir: config.policiesDir, env: process.env })
    const { store, close } = openNodeStore(node, { secretOf: name => process.env[name], dataDir: config.dataDir })
    // the SQLite catalogue is made inside DIR, so DIR must exist first
    await mkdir(into, { recursive: true })
    const pool = new HashPool()
    const bar = progressLine()
    try {
      const report = await rebuildFromNode({
        source: store, node: node.id, master: process.env.LANTAI_MASTER_KEY === undefined ? null : loadMasterKey(process.env.LANTAI_MASTER_KEY), database: values['database-url'] ?? join(into, 'catalogue.sqlite'), storeDir: join(into, 'store'), scratch: into, pool,
        onProgress: p => bar.update(`restored ${p.done}/${p.total} objects${p.ok ? '' : ` (${p.objectId ?? '?'} FAILED)`}`)
      })
      bar.done()
      if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
      else {
        process.stdout.write(`rebuilt from ${report.node}: ${report.packages} packages, ${report.versions} versions, ${report.files} files of ${report.objects} objects in ${report.ms} ms\n`)
        process.stdout.write(`已从 ${report.node} 重建：${report.packages} 个数据包，${report.versions} 个版本，${report.files} 个文件\n`)
        for (const f of report.failed) process.stdout.write(`  FAILED ${f.objectRoot}${f.objectId === undefined ? '' : ` (${f.objectId})`}: ${f.problem}${f.findings.map(x => `\n    ${x.code}${x.path === undefined ? '' : ` ${x.path}`}`).join('')}\n`)
      }
      return report.failed.length === 0 ? 0 : 1
    } finally {
      await pool.close()
      close()
    }
  }
}
