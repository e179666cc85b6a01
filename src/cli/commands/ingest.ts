import { createReadStream } from 'node:fs'
import { lstat, opendir, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import tar from 'tar-stream'
import { detectArchiveKind } from '../../archive/index.js'
import { ERROR_CODES, type ErrorCode } from '../../errors.js'
import { call, clientFromEnv, describeFailure } from '../http-client.js'
import { parse, UsageError, type Command } from '../command.js'
import { formatBytes, progressLine } from '../progress.js'

const help = `usage: lantai ingest <dir|tar|tar.gz|zip> --project CODE [--mode supplement|replace] [--application ID] [--url URL] [--token TOKEN] [--no-wait] [--json]
用法:  lantai ingest <目录|tar|tar.gz|zip> --project 项目代码 [--mode supplement|replace] [--application 申请编号] [--url 地址] [--token 令牌] [--no-wait] [--json]

Sends a package to a running Lantai service (POST /v1/submissions?project=CODE). A directory is sent
as a tar made on the fly; archives are sent as they are. Shows upload progress, then follows the
check until the submission is stored or rejected, and prints the result.
把数据包发送给运行中的兰台服务。目录边读边打成 tar 发送，压缩包原样发送。显示上传进度，然后跟踪检查，
直到提交被保存或被退回，并显示结果。

options 选项:
  --project CODE   the project's unified code (统一项目代码); register it first (POST /v1/projects)
                   项目的统一项目代码；须先登记项目
  --mode MODE      supplement (default): the package's files add to or replace the stored ones, and a
                   lantai-remove.txt in the bag names files to remove; replace: the package's payload
                   is the whole new version
                   补充（默认）：新增或替换已存文件，包内 lantai-remove.txt 列出要删除的文件；替换：数据包即新版本的全部内容
  --application ID the acceptance application the package answers (a resubmission after a rectification
                   notice names it); checked, it waits for the archivist 所答复的验收申请（整改后重新报送须注明）
  --url URL        the service (default LANTAI_URL or http://127.0.0.1:7480) 服务地址
  --token TOKEN    a bearer token of an admin or archivist (default LANTAI_TOKEN) 管理员或档案员的令牌
  --no-wait        stop once the upload is accepted (202) and print the submission id 上传被接受后即返回提交编号
  --json           print the final submission as JSON 以 JSON 输出最终结果

exit status 退出码: 0 stored 已保存 or awaiting the archivist's decision 待验收决定, 1 rejected or failed 被退回或失败, 2 usage error, unreadable path, or
the service refused the upload 用法错误、路径不可读或服务拒绝了上传.`

const TYPES = { tar: 'application/x-tar', 'tar.gz': 'application/gzip', zip: 'application/zip' } as const

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'send a package to the service and follow its check and storage',
  summaryZh: '把数据包发送给服务，并跟踪其检查与保存',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      project: { type: 'string' }, mode: { type: 'string' }, application: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' },
      'no-wait': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }
    })
    if (positionals.length !== 1) throw new UsageError('give exactly one package path', '请给出一个数据包路径')
    if (values.project === undefined) throw new UsageError('--project is required', '必须给出 --project')
    if (values.mode !== undefined && values.mode !== 'supplement' && values.mode !== 'replace') throw new UsageError('--mode is supplement or replace', '--mode 只能是 supplement（补充）或 replace（替换）')
    const client = clientFromEnv(process.env, { url: values.url, token: values.token })
    if (client.token === '') throw new UsageError('no token: set LANTAI_TOKEN or pass --token', '没有令牌：请设置 LANTAI_TOKEN 或使用 --token')
    const path = positionals[0] as string
    const st = await stat(path).catch(() => null)
    if (st === null) { process.stderr.write(`lantai ingest: PATH_NOT_FOUND: ${ERROR_CODES.PATH_NOT_FOUND.zh} / ${ERROR_CODES.PATH_NOT_FOUND.en}: ${path}\n`); return 2 }

    let stream: Readable
    let contentType: string
    let length: number | undefined
    let total: number
    if (st.isDirectory()) {
      total = await directoryBytes(path)
      stream = tarDirectory(path)
      contentType = TYPES.tar
    } else {
      const kind = await detectArchiveKind(path)
      if (kind === null) { process.stderr.write(`lantai ingest: ${path} 不是 tar、tar.gz 或 zip 压缩包 / is not a tar, tar.gz or zip archive\n`); return 2 }
      stream = createReadStream(path)
      contentType = TYPES[kind]
      length = st.size
      total = st.size
    }
    const bar = progressLine()
    const res = await call(client, 'POST', `/v1/submissions?project=${encodeURIComponent(values.project)}${values.mode === undefined ? '' : `&mode=${values.mode}`}${values.application === undefined ? '' : `&application=${encodeURIComponent(values.application)}`}`, {
      stream, contentType, length, onSent: n => bar.update(`uploading ${formatBytes(n)} of ~${formatBytes(total)}`)
    }).catch((err: Error) => ({ status: 0, headers: {}, body: { code: 'CONNECTION', detail: err.message } }))
    bar.done()
    if (res.status !== 202) { process.stderr.write(`lantai ingest: ${describeFailure(res)}\n`); return 2 }
    let sub = res.body as { id: string, state: string, progress: number, stage: string | null, report?: unknown, error?: { code: string, message: string } | null, packageId?: string | null, version?: number | null, mode?: string }
    process.stderr.write(`submission ${sub.id} (${sub.mode ?? 'supplement'}) received; checking 提交已接收，正在检查\n`)
    if (values['no-wait']) { process.stdout.write(`${sub.id}\n`); return 0 }
    // awaiting_decision waits for a person (issue 14 item 5), not for this command.
    while (!['stored', 'rejected', 'failed', 'awaiting_decision'].includes(sub.state)) {
      await sleep(200)
      const poll = await call(client, 'GET', `/v1/submissions/${sub.id}`)
      if (poll.status !== 200) { process.stderr.write(`lantai ingest: ${describeFailure(poll)}\n`); return 2 }
      sub = poll.body as typeof sub
      bar.update(`${sub.state} ${sub.progress}%${sub.stage === null ? '' : ` (${sub.stage})`}`)
    }
    bar.done()
    if (values.json) process.stdout.write(JSON.stringify(sub, null, 2) + '\n')
    else if (sub.state === 'awaiting_decision') {
      process.stdout.write(`AWAITING_DECISION ${sub.id}: checked; the archivist decides (POST /v1/submissions/${sub.id}/decision)\n`)
      process.stdout.write('已检查，等待档案员验收决定\n')
    } else if (sub.state === 'stored') {
      process.stdout.write(`STORED ${sub.id}: package ${sub.packageId ?? '?'} version ${sub.version ?? '?'} (${sub.mode ?? 'supplement'})\n`)
      process.stdout.write(`已保存：数据包 ${sub.packageId ?? '?'} 第 ${sub.version ?? '?'} 版\n`)
    } else {
      const report = sub.report as { errors?: Array<{ code: string, path: string | null, message: string, messageZh?: string }> } | null
      const code = sub.error?.code
      const zh = code !== undefined && code in ERROR_CODES ? `${ERROR_CODES[code as ErrorCode].zh} / ` : ''
      process.stdout.write(`${sub.state.toUpperCase()} ${sub.id}: ${code ?? ''} ${zh}${sub.error?.message ?? ''}\n`)
      for (const e of report?.errors ?? []) {
        process.stdout.write(`  ${e.code}${e.path === null ? '' : ` ${e.path}`}: ${e.message}\n`)
        if (e.messageZh !== undefined) process.stdout.write(`    ${e.messageZh}\n`)
      }
    }
    return sub.state === 'stored' || sub.state === 'awaiting_decision' ? 0 : 1
  }
}

/** Total bytes of regular files under dir, for the progress line. */
async function directoryBytes (dir: string): Promise<number> {
  let total = 0
  for await (const d of await opendir(dir, { recursive: true })) {
    if (d.isFile()) total += (await lstat(join(d.parentPath, d.name))).size
  }
  return total
}

/** A tar of the directory's contents, made as it is read. Links are sent as links: the service refuses them with a named rule. */
function tarDirectory (dir: string): Readable {
  const pack = tar.pack()
  const add = async (rel: string): Promise<void> => {
    for await (const d of await opendir(rel === '' ? dir : join(dir, rel))) {
      const name = rel === '' ? d.name : `${rel}/${d.name}`
      const abs = join(dir, name)
      const st = await lstat(abs)
      if (d.isSymbolicLink()) {
        pack.entry({ name, type: 'symlink', linkname: await readlink(abs), mode: 0o777 })
      } else if (d.isDirectory()) {
        pack.entry({ name: `${name}/`, type: 'directory', mode: 0o755, mtime: st.mtime })
        await add(name)
      } else if (d.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ name, size: st.size, mode: 0o644, mtime: st.mtime }, err => err == null ? resolve() : reject(err))
          const src = createReadStream(abs)
          src.on('error', reject)
          src.pipe(entry)
        })
      }
    }
  }
  add('').then(() => pack.finalize(), err => pack.destroy(err as Error))
  return Readable.from(pack)
}
