import { ACCOUNT_ROLES, CLEARANCES, type Account, type AccountRole, type Catalogue } from '../../catalogue/index.js'
import { isClearance } from '../../auth/roles.js'
import { loadConfig } from '../../config.js'
import { LantaiError } from '../../errors.js'
import { checkPasswordRules, createAccountByOperator, GUARDED_ROLES, hashPassword } from '../../people/index.js'
import { openRuntime } from '../../runtime.js'
import { intOption, parse, UsageError, type Command } from '../command.js'
import { readSecret } from '../secret-input.js'

const help = `usage: lantai accounts create --login NAME --name DISPLAY --role ROLE [--clearance ${CLEARANCES.join('|')}]
       lantai accounts list
       lantai accounts lock LOGIN [--minutes N]
       lantai accounts unlock LOGIN
       lantai accounts passwd LOGIN
用法:  lantai accounts create --login 登录名 --name 姓名 --role 角色 [--clearance 密级]
       lantai accounts list | lock 登录名 [--minutes 分钟] | unlock 登录名 | passwd 登录名

People's accounts in the catalogue of LANTAI_DATA, for the operator on the host. A password is read from
stdin (the first line of a pipe, or typed at a prompt that does not echo), never from the arguments.
Roles: ${ACCOUNT_ROLES.join(', ')}. The first security officer and the first auditor are made here; once one
is active, more are made, and their passwords reset, only through a credential request a security officer
approves (POST /v1/credential-requests).
在 LANTAI_DATA 的目录库中管理人员账户（供主机上的运维人员使用）。密码从标准输入读取（管道的第一行，或不回显的提示），
绝不从命令行参数读取。首个安全保密管理员和首个安全审计员在此创建；此后只能经安全保密管理员批准的凭据申请创建或重置。

exit status 退出码: 0 done 已完成, 2 usage error or refused 用法错误或被拒绝.`

const line = (a: Account): string => [a.id, a.login, a.role, a.clearance, a.state, a.lockedUntil ?? '-', a.displayName].join('\t')

async function find (catalogue: Catalogue, key: string | undefined): Promise<Account> {
  if (key === undefined) throw new UsageError('name the account by its login or id', '请以登录名或编号指定账户')
  const account = await catalogue.accounts.get(key) ?? (await catalogue.accounts.credentialsOf(key))?.account ?? null
  if (account === null) throw new LantaiError('ACCOUNT_NOT_FOUND', key, { key })
  return account
}

export const accountsCommand: Command = {
  name: 'accounts',
  summary: 'create, list, lock, unlock people\'s accounts and set their passwords (read from stdin)',
  summaryZh: '创建、列出、锁定、解锁人员账户并设置密码（密码从标准输入读取）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { login: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, clearance: { type: 'string' }, minutes: { type: 'string' } })
    const [verb, key] = positionals
    if (!['create', 'list', 'lock', 'unlock', 'passwd'].includes(verb ?? '')) throw new UsageError('the subcommands are: create, list, lock, unlock, passwd', '子命令为：create、list、lock、unlock、passwd')
    const config = loadConfig()
    const runtime = await openRuntime(config, { mode: verb === 'create' ? 'create-catalogue' : 'existing' })
    const { catalogue } = runtime
    try {
      if (verb === 'create') {
        const role = values.role as AccountRole
        if (!ACCOUNT_ROLES.includes(role)) throw new UsageError(`--role is one of ${ACCOUNT_ROLES.join(', ')}`, `--role 须为以下之一：${ACCOUNT_ROLES.join('、')}`)
        if (values.login === undefined || values.name === undefined) throw new UsageError('create needs --login and --name', 'create 需要 --login 和 --name')
        if (values.clearance !== undefined && !isClearance(values.clearance)) throw new UsageError(`--clearance is one of ${CLEARANCES.join(', ')}`, `--clearance 须为以下之一：${CLEARANCES.join('、')}`)
        const password = await readSecret('password 密码: ')
        const account = await createAccountByOperator(catalogue, { login: values.login, displayName: values.name, role, ...(values.clearance === undefined ? {} : { clearance: values.clearance }), password })
        process.stdout.write(`${line(account)}\n`)
      } else if (verb === 'list') {
        for (const a of await catalogue.accounts.list()) process.stdout.write(`${line(a)}\n`)
      } else if (verb === 'lock') {
        const account = await find(catalogue, key)
        const minutes = intOption(values.minutes, 'minutes') ?? config.loginLockMinutes
        process.stdout.write(`${line(await catalogue.accounts.lock(account.id, minutes * 60_000, { agent: 'cli' }))}\n`)
      } else if (verb === 'unlock') {
        const account = await find(catalogue, key)
        process.stdout.write(`${line(await catalogue.accounts.unlock(account.id, { agent: 'cli' }))}\n`)
      } else {
        const account = await find(catalogue, key)
        // an officer's or auditor's password is the officers' to reset, unless this is the only one (else nobody could approve)
        if (GUARDED_ROLES.includes(account.role) && await catalogue.accounts.countActive(account.role) > 1) {
          throw new LantaiError('APPROVAL_REQUIRED', `another active ${account.role} exists: file a credential request`, { role: account.role })
        }
        const password = await readSecret('new password 新密码: ')
        checkPasswordRules(password)
        await catalogue.accounts.setPassword(account.id, await hashPassword(password), { agent: 'cli' })
        process.stderr.write(`password of ${account.login} changed; its sessions ended\n${account.login} 的密码已更改，其会话已结束\n`)
      }
      return 0
    } finally {
      await runtime.close()
    }
  }
}
