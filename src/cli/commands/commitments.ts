import { call, clientFromEnv, describeFailure } from '../http-client.js'
import { parse, UsageError, type Command } from '../command.js'

// The daily overdue sweep by hand (issue 14 item 7): a thin client of POST /v1/commitments/sweep, for an
// admin who wants today's credit records now, or whose schedule is off (acceptance.yaml
// timeLimits.commitment.overdueSchedule). The service's clock decides what "today" is.

const help = `usage: lantai commitments sweep [--url URL] [--token TOKEN] [--json]
用法:  lantai commitments sweep [--url 地址] [--token 令牌] [--json]

Runs the daily overdue job now: items of commitment letters (承诺书) owed past their due date are marked
overdue, a credit record is written against the builder and its persons in charge, and commitment.overdue
goes to the law-enforcement system, in one transaction per commitment. Running it again the same day
changes nothing.
立即执行每日逾期检查：承诺书中超过期限未交的事项标记为逾期，对建设单位及其负责人记录失信行为，并通知执法系统；
同一天再次执行不会重复记录。

options 选项:
  --url URL      the service (default LANTAI_URL or http://127.0.0.1:7480) 服务地址
  --token TOKEN  an admin's bearer token (default LANTAI_TOKEN) 管理员令牌
  --json         print the result as JSON 以 JSON 输出

exit status 退出码: 0 done 已完成, 1 refused by the service 服务拒绝, 2 usage error 用法错误.`

interface Sweep { today: string, settled: string[], overdue: Array<{ commitmentId: string, projectCode: string, items: string[], creditRecords: string[] }> }

export const commitmentsCommand: Command = {
  name: 'commitments',
  summary: 'run the overdue-commitment sweep now (credit records, law-enforcement notice)',
  summaryZh: '立即执行承诺书逾期检查（失信记录、通知执法系统）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean', default: false } })
    if (positionals[0] !== 'sweep' || positionals.length !== 1) throw new UsageError('usage: lantai commitments sweep', '用法：lantai commitments sweep')
    const client = clientFromEnv(process.env, { url: values.url, token: values.token })
    if (client.token === '') throw new UsageError('no token: set LANTAI_TOKEN or pass --token', '没有令牌：请设置 LANTAI_TOKEN 或使用 --token')
    const res = await call(client, 'POST', '/v1/commitments/sweep')
      .catch((err: Error) => ({ status: 0, headers: {}, body: { code: 'CONNECTION', detail: err.message } }))
    if (res.status !== 200) { process.stderr.write(`lantai commitments: ${describeFailure(res)}\n`); return 1 }
    const sweep = res.body as Sweep
    if (values.json) { process.stdout.write(JSON.stringify(sweep, null, 2) + '\n'); return 0 }
    const records = sweep.overdue.reduce((n, o) => n + o.creditRecords.length, 0)
    process.stdout.write(`SWEPT ${sweep.today}: ${sweep.overdue.length} commitments overdue, ${records} credit records, ${sweep.settled.length} supplements settled 逾期承诺书 ${sweep.overdue.length} 份，失信记录 ${records} 条\n`)
    for (const o of sweep.overdue) process.stdout.write(`  ${o.commitmentId} ${o.projectCode}: ${o.items.join(', ')} overdue → ${o.creditRecords.join(', ')}\n`)
    return 0
  }
}
