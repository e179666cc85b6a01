import { loadConfig } from '../../config.js'
import { startService } from '../../main.js'
import { parse, untilStopped, UsageError, type Command } from '../command.js'

const help = `usage: lantai worker
用法:  lantai worker

Runs the job runners only (ingest checks and transfers, fixity, seal re-validation) and the fixity
schedule, with no HTTP listener, beside \`lantai serve\` or \`lantai serve --no-workers\` processes that
share its catalogue and data directory. Its health is in its logs (stderr). Needs LANTAI_DATABASE_URL
(a PostgreSQL catalogue) and the same LANTAI_DATA as the other processes: staging and store are shared
(docs/decisions/0005-processes.md). With the SQLite catalogue it refuses to start (CONFIG_INVALID, exit 2):
one \`lantai serve\` does everything there.
只运行任务（接收检查与转存、固定性检查、印章重新验证）及固定性检查计划，不监听 HTTP；与共用同一目录库
和数据目录的 \`lantai serve\` 或 \`lantai serve --no-workers\` 进程并行。运行状况见日志（标准错误）。需要
LANTAI_DATABASE_URL（PostgreSQL 目录库），且 LANTAI_DATA 须与其他进程相同：暂存区和存储是共用的。使用
SQLite 目录库时拒绝启动（CONFIG_INVALID，退出码 2）：由一个 \`lantai serve\` 完成全部工作。

Configuration as for \`lantai serve\` (see \`lantai serve --help\`); LANTAI_HOST and LANTAI_PORT are not used.
配置同 \`lantai serve\`（见 \`lantai serve --help\`）；不使用 LANTAI_HOST 和 LANTAI_PORT。

SIGTERM or SIGINT stops it gracefully: running jobs are parked for any process to resume.
收到 SIGTERM 或 SIGINT 时平稳停止：运行中的任务留待任一进程继续。`

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run the job runners only, beside `lantai serve` processes (PostgreSQL catalogue)',
  summaryZh: '只运行任务，与 `lantai serve` 进程并行（PostgreSQL 目录库）',
  help,
  async run (argv) {
    const { positionals } = parse(argv, {})
    if (positionals.length > 0) throw new UsageError('worker takes no arguments', 'worker 不接受参数')
    const config = loadConfig()
    const service = await startService(config, { role: 'worker' })
    process.stdout.write(`lantai worker running (pid ${process.pid}, data in ${config.dataDir})\n`)
    process.stdout.write(`兰台任务进程已启动（进程号 ${process.pid}，数据目录 ${config.dataDir}）\n`)
    await untilStopped()
    await service.close()
    return 0
  }
}
