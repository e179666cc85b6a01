import { call, clientFromEnv, describeFailure } from '../http-client.js'
import { parse, UsageError, type Command } from '../command.js'

// The archivist's decision from a terminal (issue 14 item 5): a thin client of
// POST /v1/submissions/{id}/decision, as `lantai ingest` is of POST /v1/submissions.

const help = `usage: lantai decide <submission> --accept|--rectify|--reject [--item TEXT]… [--override REASON] [--url URL] [--token TOKEN] [--json]
用法:  lantai decide <提交编号> --accept|--rectify|--reject [--item 意见]… [--override 理由] [--url 地址] [--token 令牌] [--json]

Decides a submission awaiting the archivist. --accept issues the numbered acceptance opinion and stores
the package; --rectify issues the numbered rectification notice listing every defect found plus each
--item, and stores nothing; --reject stores nothing. Accepting a report with errors needs --override.
对待验收决定的提交作出决定：--accept 出具验收合格意见并入库；--rectify 出具整改通知书（列出全部问题及每条 --item），
不入库；--reject 拒收。报告有错误时验收合格须用 --override 说明理由。

options 选项:
  --item TEXT        one item of the archivist's own for the notice (repeatable) 档案员意见（可多次）
  --override REASON  accept despite the report's errors, for this recorded reason 豁免理由（将被记录）
  --url URL          the service (default LANTAI_URL or http://127.0.0.1:7480) 服务地址
  --token TOKEN      an archivist's bearer token (default LANTAI_TOKEN) 档案员令牌
  --json             print the decision, its document and the submission as JSON 以 JSON 输出

exit status 退出码: 0 decided 已决定, 1 refused by the service 服务拒绝, 2 usage error 用法错误.`

export const decideCommand: Command = {
  name: 'decide',
  summary: 'the archivist\'s decision on a submission: accept, return for rectification, or reject',
  summaryZh: '档案员对提交作出验收决定：合格、退回整改或拒收',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      accept: { type: 'boolean', default: false }, rectify: { type: 'boolean', default: false }, reject: { type: 'boolean', default: false },
      item: { type: 'string', multiple: true }, override: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean', default: false }
    })
    if (positionals.length !== 1) throw new UsageError('give exactly one submission id', '请给出一个提交编号')
    const chosen = (['accept', 'rectify', 'reject'] as const).filter(k => values[k])
    if (chosen.length !== 1) throw new UsageError('give one of --accept, --rectify or --reject', '须且只能给出 --accept、--rectify 或 --reject 之一')
    const decision = { accept: 'accepted', rectify: 'rectification_required', reject: 'rejected' }[chosen[0] as 'accept' | 'rectify' | 'reject']
    const client = clientFromEnv(process.env, { url: values.url, token: values.token })
    if (client.token === '') throw new UsageError('no token: set LANTAI_TOKEN or pass --token', '没有令牌：请设置 LANTAI_TOKEN 或使用 --token')
    const id = positionals[0] as string
    const body = {
      decision,
      ...(values.item === undefined ? {} : { items: values.item.map(message => ({ message })) }),
      ...(values.override === undefined ? {} : { override: { reason: values.override } })
    }
    const res = await call(client, 'POST', `/v1/submissions/${encodeURIComponent(id)}/decision`, { json: body })
      .catch((err: Error) => ({ status: 0, headers: {}, body: { code: 'CONNECTION', detail: err.message } }))
    if (res.status !== 200) { process.stderr.write(`lantai decide: ${describeFailure(res)}\n`); return 1 }
    const r = res.body as { document: { number: string, kind: string } | null, submission: { state: string } }
    if (values.json) process.stdout.write(JSON.stringify(res.body, null, 2) + '\n')
    else {
      const doc = r.document === null ? '' : ` ${r.document.number}`
      process.stdout.write(`${decision.toUpperCase()} ${id}:${doc} (submission ${r.submission.state})\n`)
    }
    return 0
  }
}
