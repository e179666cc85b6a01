import { join } from 'node:path'
import { isRole, ROLES } from '../../auth/roles.js'
import { openCatalogue } from '../../catalogue/index.js'
import { loadConfig } from '../../config.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai token create --role ROLE [--label TEXT]

Creates a bearer token in the catalogue of LANTAI_DATA (default ./var) and prints its secret once; only a
hash is stored. Works with or without the service running. Roles: ${ROLES.join(', ')}.`

export const tokenCommand: Command = {
  name: 'token',
  summary: 'create a bearer token for a role (printed once)',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { role: { type: 'string' }, label: { type: 'string' }, clearance: { type: 'string' } })
    if (positionals[0] !== 'create' || positionals.length !== 1) throw new UsageError('the only subcommand is: token create --role ROLE')
    if (values.role === undefined || !isRole(values.role)) throw new UsageError(`--role is one of ${ROLES.join(', ')}`)
    const config = loadConfig()
    const catalogue = openCatalogue(join(config.dataDir, 'catalogue.sqlite'))
    try {
      const { token, secret } = catalogue.tokens.create({ role: values.role, label: values.label ?? `created by lantai token create`, clearance: values.clearance ?? null })
      catalogue.events.append({ type: 'token.created', outcome: 'success', agent: 'cli', objectType: 'token', objectId: token.id, detail: { role: token.role, label: token.label } })
      process.stdout.write(`${secret}\n`)
      process.stderr.write(`token ${token.id} (${token.role}) created; the secret above is shown once\n`)
      return 0
    } finally {
      catalogue.close()
    }
  }
}
