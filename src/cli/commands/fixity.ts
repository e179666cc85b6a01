import { join } from 'node:path'
import { HashPool } from '../../bagit/index.js'
import { loadConfig } from '../../config.js'
import { openDataCatalogue } from '../data-dir.js'
import { FixityService, loadFixityPolicy } from '../../fixity/index.js'
import { createLogger } from '../../logger.js'
import { OcflObjectReader } from '../../ocfl/index.js'
import { LocalBlobStore } from '../../storage/index.js'
import { intOption, parse, UsageError, type Command } from '../command.js'
import { formatBytes, progressLine, rate } from '../progress.js'

const help = `usage: lantai fixity run [--package ID] [--grace SECONDS] [--json]

Re-reads every stored file (or one package's) of the data directory LANTAI_DATA now, compares three
values — the catalogue's digests, the OCFL inventory's, and the bytes' — records an event per file, and
marks a package damaged when its bytes disagree after one grace re-read. Runs beside a running service.
The schedule (storage-policies/fixity.yaml) runs the same checks in batches by itself.

options:
  --package ID      only this package
  --grace SECONDS   pause before re-reading a mismatch (default: graceSeconds of storage-policies/fixity.yaml)
  --json            print the result as JSON

exit status: 0 every file intact, 1 a mismatch or a missing file, 2 usage error.`

export const fixityCommand: Command = {
  name: 'fixity',
  summary: 'check stored files against their digests now (all, or one package)',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { package: { type: 'string' }, grace: { type: 'string' }, json: { type: 'boolean', default: false } })
    const grace = intOption(values.grace, 'grace')
    if (positionals[0] !== 'run' || positionals.length !== 1) throw new UsageError('the only subcommand is: fixity run [--package ID]')
    const config = loadConfig()
    const catalogue = openDataCatalogue(config)
    const pool = new HashPool()
    try {
      if (values.package !== undefined && catalogue.packages.get(values.package) === null) throw new UsageError(`no package ${values.package}`)
      const policy = await loadFixityPolicy(config.policiesDir)
      const fixity = new FixityService({
        catalogue, pool, reader: new OcflObjectReader(new LocalBlobStore(join(config.dataDir, 'store'))),
        policy: { ...policy, ...(grace === undefined ? {} : { graceSeconds: grace }) }, log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
      })
      const bar = progressLine()
      const started = Date.now()
      const result = await fixity.run({
        mode: 'all', packageId: values.package, agent: 'cli',
        onProgress: p => bar.update(`checked ${p.checked} files, ${formatBytes(p.bytes)}, ${rate(p.bytes, Date.now() - started)}; ${p.mismatches} mismatches, ${p.missing} missing`)
      })
      bar.done()
      if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
      else {
        process.stdout.write(`checked ${result.checked} files (${formatBytes(result.bytes)}): ${result.ok} intact, ${result.mismatches} mismatches, ${result.missing} missing\n`)
        for (const id of result.damagedPackages) process.stdout.write(`  DAMAGED ${id}\n`)
      }
      return result.mismatches + result.missing === 0 ? 0 : 1
    } finally {
      await pool.close()
      catalogue.close()
    }
  }
}
