import { CLEARANCES, isClearance, isRole, ROLES, type Clearance } from '../../auth/roles.js'
import { loadConfig } from '../../config.js'
import { openRuntime } from '../../runtime.js'
import { naturalClearance } from '../../people/index.js'
import { issueToken } from '../../service/tokens.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai token create --role ROLE [--label TEXT] [--clearance ${CLEARANCES.join('|')}]
用法:  lantai token create --role 角色 [--label 说明] [--clearance 密级]

Creates a bearer token in the catalogue of LANTAI_DATA (default ./var) and prints its secret once; only a
hash is stored. Works with or without the service running. Roles: ${ROLES.join(', ')}.
A lost first admin token is replaced this way: lantai token create --role admin
The clearance defaults to the role's (机密 for a security officer, 非密 otherwise; see docs/people.md).
在 LANTAI_DATA（默认 ./var）的目录库中创建持有者令牌，并只显示一次其密钥（系统只保存哈希值）。服务运行与否
均可使用。角色：${ROLES.join('、')}。密级默认随角色（安全保密管理员为机密，其余为非密）。首个管理员令牌遗失时，用 lantai token create --role admin 另建。

exit status 退出码: 0 created 已创建, 2 usage error, or LANTAI_DATA missing or unusable 用法错误或数据目录缺失、不可用.`

function clearanceOption (value: string): Clearance {
  if (!isClearance(value)) throw new UsageError(`--clearance is one of ${CLEARANCES.join(', ')}`, `--clearance 须为以下之一：${CLEARANCES.join('、')}`)
  return value
}

export const tokenCommand: Command = {
  name: 'token',
  summary: 'create a bearer token for a role (printed once)',
  summaryZh: '为某一角色创建持有者令牌（只显示一次）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { role: { type: 'string' }, label: { type: 'string' }, clearance: { type: 'string' } })
    if (positionals[0] !== 'create' || positionals.length !== 1) throw new UsageError('the only subcommand is: token create --role ROLE', '唯一的子命令是：token create --role 角色')
    if (values.role === undefined || !isRole(values.role)) throw new UsageError(`--role is one of ${ROLES.join(', ')}`, `--role 须为以下之一：${ROLES.join('、')}`)
    const config = loadConfig()
    const runtime = await openRuntime(config, { mode: 'create-catalogue' })
    try {
      const { token, secret } = await issueToken(runtime.catalogue, { role: values.role, label: values.label ?? `created by lantai token create`, clearance: values.clearance === undefined ? naturalClearance(values.role) : clearanceOption(values.clearance), agent: 'cli' })
      process.stdout.write(`${secret}\n`)
      process.stderr.write(`token ${token.id} (${token.role}) created; the secret above is shown once\n令牌 ${token.id}（${token.role}）已创建；上面的密钥只显示这一次\n`)
      return 0
    } finally {
      await runtime.close()
    }
  }
}
