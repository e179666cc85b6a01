import { clientFromEnv, describeFailure, download } from '../http-client.js'
import { parse, UsageError, type Command } from '../command.js'

// `lantai export`: a thin client of GET /v1/packages/:id/export (docs/export.md). The service decides
// who may export what (two-person rule, aggregation guard); the command only writes the tar whole or not at all.

const help = `usage: lantai export PACKAGE --out FILE.tar [--version vN] [--url URL] [--token TOKEN]
用法:  lantai export 数据包编号 --out 文件.tar [--version vN]

Writes a version (the latest by default) of a stored package as a BagIt bag in a tar. A classified
package needs your approved export-classified request (lantai approvals request export-classified
--object PACKAGE --reason …), approved by a security officer. 涉密数据包须先经安全保密管理员批准导出申请。

exit status 退出码: 0 written 已写出, 1 refused by the service 服务拒绝, 2 usage error 用法错误.`

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a stored package version as a BagIt bag (tar)',
  summaryZh: '将数据包的一个版本导出为 BagIt 包（tar）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { out: { type: 'string' }, version: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' } })
    const [id] = positionals
    if (id === undefined || positionals.length > 1) throw new UsageError('name one package', '请指定一个数据包')
    if (values.out === undefined) throw new UsageError('--out FILE.tar is required', '须用 --out 指定输出文件')
    if (values.version !== undefined && !/^v?[1-9]\d*$/.test(values.version)) throw new UsageError(`--version takes vN, not ${values.version}`, `--version 须为 vN，而不是 ${values.version}`)
    const client = clientFromEnv(process.env, { url: values.url, token: values.token })
    if (client.token === '') throw new UsageError('no token: set LANTAI_TOKEN or pass --token', '没有令牌：请设置 LANTAI_TOKEN 或使用 --token')
    const path = `/v1/packages/${encodeURIComponent(id)}/export${values.version === undefined ? '' : `?version=${values.version}`}`
    const res = await download(client, path, values.out).catch((err: Error) => ({ status: 0, headers: {}, body: { code: 'CONNECTION', detail: err.message }, bytes: 0 }))
    if (res.status < 200 || res.status >= 300) { process.stderr.write(`lantai export: ${describeFailure(res)}\n`); return 1 }
    process.stdout.write(`${values.out}\t${res.bytes} bytes\n`)
    return 0
  }
}

