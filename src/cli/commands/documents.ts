import { rename, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { clientFromEnv, describeFailure } from '../http-client.js'
import { parse, UsageError, type Command } from '../command.js'

// The documents Lantai issues, fetched as sealed PDFs (issue 14 item 6): a thin client of
// GET /v1/documents/{number}.pdf, so the center's key stays with the service.

const help = `usage: lantai documents pdf <number> --out FILE [--url URL] [--token TOKEN]
用法:  lantai documents pdf <文号> --out 文件 [--url 地址] [--token 令牌]

Writes the rectification notice (整改通知书) or acceptance opinion (验收合格意见) with this number as a
PDF sealed by the center (PAdES, the center's key LANTAI_CENTER_KEY on the service). Check it with
\`lantai seals verify FILE --trust DIR\` against the center's root.
将该文号的整改通知书或验收合格意见以档案馆电子印章签署的 PDF 写入文件；可用 lantai seals verify 对照档案馆根证书验证。

options 选项:
  --out FILE     where the PDF goes (written whole, then moved into place) 输出文件
  --url URL      the service (default LANTAI_URL or http://127.0.0.1:7480) 服务地址
  --token TOKEN  a bearer token (default LANTAI_TOKEN) 令牌

exit status 退出码: 0 written 已写入, 1 refused by the service 服务拒绝, 2 usage error 用法错误.`

export const documentsCommand: Command = {
  name: 'documents',
  summary: 'an issued notice or opinion as a PDF sealed by the center',
  summaryZh: '获取档案馆电子印章签署的整改通知书或验收合格意见 PDF',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { out: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' } })
    if (positionals[0] !== 'pdf' || positionals.length !== 2) throw new UsageError('usage: lantai documents pdf <number> --out FILE', '用法：lantai documents pdf <文号> --out 文件')
    if (values.out === undefined) throw new UsageError('--out FILE is needed', '须给出 --out 文件')
    const client = clientFromEnv(process.env, { url: values.url, token: values.token })
    if (client.token === '') throw new UsageError('no token: set LANTAI_TOKEN or pass --token', '没有令牌：请设置 LANTAI_TOKEN 或使用 --token')
    const number = positionals[1] as string
    const url = new URL(`/v1/documents/${encodeURIComponent(number)}.pdf`, client.url)
    const res = await fetch(url, { headers: { authorization: `Bearer ${client.token}`, accept: 'application/pdf, application/problem+json' } })
      .catch((err: Error) => err)
    if (res instanceof Error) { process.stderr.write(`lantai documents: ${describeFailure({ status: 0, headers: {}, body: { code: 'CONNECTION', detail: res.message } })}\n`); return 1 }
    const bytes = Buffer.from(await res.arrayBuffer())
    if (res.status !== 200) {
      let body: unknown = null
      try { body = JSON.parse(bytes.toString('utf8')) } catch { /* not a problem body */ }
      process.stderr.write(`lantai documents: ${describeFailure({ status: res.status, headers: {}, body })}\n`)
      return 1
    }
    // nothing half-written where the PDF is expected
    const out = resolve(values.out)
    const part = `${out}.part`
    try {
      await writeFile(part, bytes, { flag: 'w' })
      await rename(part, out)
    } catch (err) {
      await rm(part, { force: true })
      throw new UsageError(`${out}: ${(err as Error).message}`, `${out}：无法写入`)
    }
    process.stdout.write(`${number} → ${out} (${bytes.length} bytes)\n`)
    return 0
  }
}
