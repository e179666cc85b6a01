import { APPROVAL_KINDS, type ApprovalKind } from '../../catalogue/index.js'
import { call, clientFromEnv, describeFailure, type ClientResponse } from '../http-client.js'
import { parse, UsageError, type Command } from '../command.js'

// Two-person requests from a terminal (issue 15 item 6): a thin client of /v1/approvals, as `lantai
// decide` is of the decision route, so the approver's checks are the service's, never the command's.

const help = `usage: lantai approvals list [--state STATE] [--kind KIND]
       lantai approvals show ID
       lantai approvals request KIND [--object ID] [--param KEY=VALUE]… --reason TEXT
       lantai approvals approve|refuse ID [--reason TEXT]
       lantai approvals cancel|execute ID
       lantai approvals usage [--person ID]
       (each also takes [--url URL] [--token TOKEN] [--json])
用法:  lantai approvals list | show 编号 | request 类别 --reason 理由 | approve|refuse 编号 | cancel|execute 编号 | usage

Kinds 类别: ${APPROVAL_KINDS.join(', ')}. A request is approved by a security officer other than the
requester (docs/approvals.md). --param values that look like numbers are sent as numbers; packageIds takes
a comma-separated list. 由申请人以外的安全保密管理员批准。

exit status 退出码: 0 done 已完成, 1 refused by the service 服务拒绝, 2 usage error 用法错误.`

const VERBS = ['list', 'show', 'request', 'approve', 'refuse', 'cancel', 'execute', 'usage']

interface Row { id: string, kind: string, state: string, objectId: string, requestedBy: string, decidedBy: string | null, expiresAt: string, reason: string }
const line = (r: Row): string => [r.id, r.kind, r.state, r.objectId, r.requestedBy, r.decidedBy ?? '-', r.expiresAt, r.reason].join('\t')

function parameters (pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const p of pairs) {
    const eq = p.indexOf('=')
    if (eq < 1) throw new UsageError(`--param takes KEY=VALUE, not ${p}`, `--param 须为 键=值，而不是 ${p}`)
    const key = p.slice(0, eq)
    const value = p.slice(eq + 1)
    out[key] = key === 'packageIds' ? value.split(',').filter(v => v !== '') : /^\d+(\.\d+)?$/.test(value) ? Number(value) : value
  }
  return out
}

export const approvalsCommand: Command = {
  name: 'approvals',
  summary: 'two-person requests: ask, list, approve, refuse, cancel; aggregation usage',
  summaryZh: '双人审批申请：提出、列出、批准、拒绝、撤销；汇聚用量',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      state: { type: 'string' }, kind: { type: 'string' }, object: { type: 'string' }, param: { type: 'string', multiple: true }, reason: { type: 'string' },
      person: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean', default: false }
    })
    const [verb, arg] = positionals
    if (verb === undefined || !VERBS.includes(verb)) throw new UsageError(`the subcommands are: ${VERBS.join(', ')}`, `子命令为：${VERBS.join('、')}`)
    const client = clientFromEnv(process.env, { url: values.url, token: values.token })
    if (client.token === '') throw new UsageError('no token: set LANTAI_TOKEN or pass --token', '没有令牌：请设置 LANTAI_TOKEN 或使用 --token')
    const needId = (): string => {
      if (arg === undefined) throw new UsageError(`${verb} needs the request's id`, `${verb} 需要申请编号`)
      return encodeURIComponent(arg)
    }
    let res: ClientResponse
    const send = async (method: string, path: string, json?: unknown): Promise<ClientResponse> =>
      await call(client, method, path, json === undefined ? undefined : { json }).catch((err: Error) => ({ status: 0, headers: {}, body: { code: 'CONNECTION', detail: err.message } }))
    if (verb === 'list') {
      const q = new URLSearchParams({ ...(values.state === undefined ? {} : { state: values.state }), ...(values.kind === undefined ? {} : { kind: values.kind }) })
      res = await send('GET', `/v1/approvals${q.size > 0 ? `?${q.toString()}` : ''}`)
    } else if (verb === 'show') {
      res = await send('GET', `/v1/approvals/${needId()}`)
    } else if (verb === 'request') {
      if (arg === undefined || !(APPROVAL_KINDS as readonly string[]).includes(arg)) throw new UsageError(`request needs a kind: ${APPROVAL_KINDS.join(', ')}`, `request 需要类别：${APPROVAL_KINDS.join('、')}`)
      if (values.reason === undefined) throw new UsageError('request needs --reason', 'request 需要 --reason')
      res = await send('POST', '/v1/approvals', { kind: arg as ApprovalKind, ...(values.object === undefined ? {} : { objectId: values.object }), parameters: parameters(values.param ?? []), reason: values.reason })
    } else if (verb === 'approve' || verb === 'refuse') {
      res = await send('POST', `/v1/approvals/${needId()}/${verb}`, values.reason === undefined ? {} : { reason: values.reason })
    } else if (verb === 'cancel' || verb === 'execute') {
      res = await send('POST', `/v1/approvals/${needId()}/${verb}`)
    } else {
      res = await send('GET', `/v1/aggregation/usage${values.person === undefined ? '' : `?person=${encodeURIComponent(values.person)}`}`)
    }
    if (res.status < 200 || res.status >= 300) { process.stderr.write(`lantai approvals: ${describeFailure(res)}\n`); return 1 }
    if (values.json || verb === 'usage') process.stdout.write(JSON.stringify(res.body, null, 2) + '\n')
    else for (const r of [res.body].flat() as Row[]) process.stdout.write(`${line(r)}\n`)
    return 0
  }
}
