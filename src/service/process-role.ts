import type { Config } from '../config.js'
import { LantaiError } from '../errors.js'

// What one Lantai process does (docs/decisions/0005-processes.md): `lantai serve` answers HTTP and runs the
// job runners; `lantai serve --no-workers` only answers (it still queues jobs); `lantai worker` only runs
// jobs. A split needs a catalogue the processes share: PostgreSQL. With SQLite one process owns the data
// directory (service/data-lock.ts), so there is nobody to split the work with, and an API-only process
// would queue jobs that never run.

export type ProcessRole = 'all' | 'api' | 'worker'

export const ROLE_COMMAND: Readonly<Record<ProcessRole, string>> = {
  all: 'lantai serve',
  api: 'lantai serve --no-workers',
  worker: 'lantai worker'
}

/** Whether this process shares its catalogue with peers (LANTAI_DATABASE_URL): then the database coordinates them, not the data lock. */
export function sharesCatalogue (config: Pick<Config, 'databaseUrl'>): boolean {
  return config.databaseUrl !== null
}

/** CONFIG_INVALID when `role` needs a shared catalogue and this configuration has none. */
export function checkRole (config: Config, role: ProcessRole): void {
  if (role === 'all' || sharesCatalogue(config)) return
  throw new LantaiError('CONFIG_INVALID',
    `${ROLE_COMMAND[role]} needs LANTAI_DATABASE_URL (a PostgreSQL catalogue shared by the processes); with the SQLite catalogue in LANTAI_DATA=${config.dataDir} run one \`lantai serve\` / ` +
    `进程分工需要 LANTAI_DATABASE_URL（各进程共用的 PostgreSQL 目录库）；使用 LANTAI_DATA 中的 SQLite 目录库时只运行一个 \`lantai serve\``,
    { variable: 'LANTAI_DATABASE_URL', role })
}
