import { loadConfig } from '../../config.js'
import { startService } from '../../main.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai serve

Runs the Lantai service (what \`npm start\` runs): the HTTP API under /v1, OpenAPI docs at /docs, ingest
and fixity workers, and the fixity schedule. On the first start it creates an admin token and prints it
once; keep it, it is stored only as a hash.

configuration (environment):
  LANTAI_DATA               data directory: catalogue.sqlite, store/ (OCFL), staging/ (default ./var)
  LANTAI_HOST, LANTAI_PORT  where to listen (default 127.0.0.1:7480)
  LANTAI_LOG_LEVEL          fatal | error | warn | info | debug | trace | silent (default info)
  LANTAI_MAX_UPLOAD_BYTES   largest accepted upload (default 64 GiB)
  LANTAI_INGEST_CONCURRENCY submissions checked at once (default 2)
  LANTAI_POLICIES           storage-policies directory (default ./storage-policies)
  LANTAI_BAGIT_PROFILE      a BagIt profile every submission must meet (default none)
  LANTAI_FIXITY_CRON        overrides the fixity schedule of storage-policies/fixity.yaml ("off" disables)

SIGTERM or SIGINT stops it gracefully: no new requests, running jobs parked for the next start.`

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the service (HTTP API, ingest and fixity workers)',
  help,
  async run (argv) {
    const { positionals } = parse(argv, {})
    if (positionals.length > 0) throw new UsageError('serve takes no arguments')
    const config = loadConfig()
    const service = await startService(config)
    if (service.firstAdminSecret !== null) {
      process.stdout.write([
        '',
        'First start: an admin token was created. It is shown this once; only its hash is stored.',
        '',
        `  LANTAI_TOKEN=${service.firstAdminSecret}`,
        '',
        `  curl -H "Authorization: Bearer $LANTAI_TOKEN" http://${config.host}:${config.port}/v1/projects`,
        ''
      ].join('\n') + '\n')
    }
    process.stdout.write(`lantai listening on http://${config.host}:${config.port} (docs at /docs, data in ${config.dataDir})\n`)
    await new Promise<void>(resolve => {
      const stop = (): void => { resolve() }
      process.once('SIGTERM', stop)
      process.once('SIGINT', stop)
    })
    await service.close()
    return 0
  }
}
