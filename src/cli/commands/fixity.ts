import { loadConfig } from '../../config.js'
import { FixityService, loadFixityPolicy } from '../../fixity/index.js'
import { createLogger } from '../../logger.js'
import { openRuntime } from '../../runtime.js'
import { intOption, parse, UsageError, type Command } from '../command.js'
import { formatBytes, progressLine, rate } from '../progress.js'

const help = `usage: lantai fixity run [--package ID] [--all-digests] [--grace SECONDS] [--json]
用法:  lantai fixity run [--package 数据包编号] [--all-digests] [--grace 秒数] [--json]

Re-reads every stored file (or one package's) of the data directory LANTAI_DATA now, compares three
values of one digest (the policy's algorithm, sha512 by default) — the catalogue's, the OCFL
inventory's (SM3: the object's SM3 log), and the bytes' — and marks a file and its package damaged
when its bytes disagree after one grace re-read (an event of the package each). Names every damaged or
missing file: its package, logical paths, content path, event. Intact files are recorded in the
catalogue, not as events; the round ends with one fixity.round summary event. Runs beside a running
service. The schedule (storage-policies/fixity.yaml) runs the same checks in batches by itself.
立即重读数据目录中所有（或一个数据包的）已存文件，按策略指定的一种摘要算法（默认 sha512）比对目录、OCFL
清单（SM3 取对象的 SM3 日志）与文件字节三方的摘要；宽限重读后仍不一致的文件及其数据包标记为损坏（每处
损坏记一条数据包事件），并逐一列出损坏或缺失的文件：数据包、逻辑路径、内容路径和事件。完好的文件只记入
目录，不逐一记事件；每轮检查结束时记一条 fixity.round 汇总事件。可与运行中的服务同时运行；定时计划
（storage-policies/fixity.yaml）会自动分批执行同样的检查。

options 选项:
  --package ID      only this package 只检查该数据包
  --all-digests     compare every digest kept (sha512, sm3 and each one the bag declared), not only
                    the policy's one 比对保存的全部摘要，而非仅策略指定的一种
  --grace SECONDS   pause before re-reading a mismatch (default: graceSeconds of storage-policies/fixity.yaml)
                    重读不一致文件前的等待秒数
  --json            print the result as JSON 以 JSON 输出结果

exit status 退出码: 0 every file intact 全部完好, 1 a mismatch or a missing file 有不一致或缺失的文件,
2 usage error, configuration or data directory problem 用法、配置或数据目录错误.`

export const fixityCommand: Command = {
  name: 'fixity',
  summary: 'check stored files against their digests now (all, or one package)',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { package: { type: 'string' }, 'all-digests': { type: 'boolean', default: false }, grace: { type: 'string' }, json: { type: 'boolean', default: false } })
    const grace = intOption(values.grace, 'grace')
    if (positionals[0] !== 'run' || positionals.length !== 1) throw new UsageError('the only subcommand is: fixity run [--package ID] [--all-digests]', '唯一的子命令是：fixity run [--package 数据包编号] [--all-digests]')
    const config = loadConfig()
    const runtime = await openRuntime(config, { mode: 'existing' })
    const { catalogue } = runtime
    try {
      if (values.package !== undefined && await catalogue.packages.get(values.package) === null) throw new UsageError(`no package ${values.package}`, `没有数据包 ${values.package}`)
      const policy = await loadFixityPolicy(config.policiesDir)
      const fixity = new FixityService({
        catalogue, pool: runtime.pool, reader: runtime.reader,
        policy: { ...policy, ...(grace === undefined ? {} : { graceSeconds: grace }) }, log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
      })
      const bar = progressLine()
      const started = Date.now()
      const result = await fixity.run({
        mode: 'all', packageId: values.package, allDigests: values['all-digests'], agent: 'cli',
        onProgress: p => bar.update(`checked ${p.checked} files, ${formatBytes(p.bytes)}, ${rate(p.bytes, Date.now() - started)}; ${p.mismatches} mismatches, ${p.missing} missing`)
      })
      bar.done()
      if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
      else {
        process.stdout.write(`checked ${result.checked} files (${formatBytes(result.bytes)}) by ${result.algorithm === 'all' ? 'every kept digest' : result.algorithm}: ${result.ok} intact, ${result.mismatches} mismatches, ${result.missing} missing (round ${result.round}, event ${result.eventId})\n`)
        for (const id of result.damagedPackages) process.stdout.write(`  DAMAGED ${id}\n`)
        // One line per file, as the archivist will look it up: the logical paths first, then where it is stored and what was found.
        for (const f of result.damaged) {
          const why = f.outcome === 'missing' ? String(f.detail.missing ?? '') : (f.detail.disagreements as string[] | undefined ?? []).join('; ')
          const paths = f.logicalPaths.length > 0 ? f.logicalPaths.join(', ') : '(no logical path)'
          process.stdout.write(`  ${f.outcome === 'missing' ? 'MISSING' : 'MISMATCH'} ${f.packageId} ${paths} [${f.contentPath}]${f.eventId === null ? '' : ` event ${f.eventId}`}: ${why}\n`)
        }
      }
      return result.mismatches + result.missing === 0 ? 0 : 1
    } finally {
      await runtime.close()
    }
  }
}
