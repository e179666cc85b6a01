import { loadConfig } from '../../config.js'
import { startService } from '../../main.js'
import { parse, untilStopped, UsageError, type Command } from '../command.js'

const help = `usage: lantai serve [--no-workers]
用法:  lantai serve [--no-workers]

Runs the Lantai service (what \`npm start\` runs): the HTTP API under /v1, OpenAPI docs at /docs, ingest
and fixity workers, and the fixity schedule. On the first start, once the port is open, it creates an
admin token and prints it once; keep it, it is stored only as a hash. Another admin token can be made
at any time with \`lantai token create --role admin\`.
运行兰台服务（即 \`npm start\`）：/v1 下的 HTTP 接口、/docs 的 OpenAPI 文档、接收与固定性检查任务及其
计划。首次启动时，端口打开后创建一个管理员令牌并只显示一次（系统只保存哈希值），请妥善保存；随时可用
\`lantai token create --role admin\` 另建管理员令牌。

  --no-workers   answer HTTP only: uploads are received and queued, and \`lantai worker\` processes
                 sharing the catalogue check and store them. Needs LANTAI_DATABASE_URL (PostgreSQL);
                 with the SQLite catalogue one \`lantai serve\` does everything (CONFIG_INVALID otherwise).
                 只提供 HTTP 接口：上传照常接收并排队，由共用目录库的 \`lantai worker\` 进程检查和保存。
                 需要 LANTAI_DATABASE_URL（PostgreSQL）；使用 SQLite 目录库时由一个 \`lantai serve\` 完成全部工作。

configuration (environment) 配置（环境变量）:
  LANTAI_DATA               data directory: catalogue.sqlite, store/ (OCFL), staging/ (default ./var)
                            数据目录：目录库、OCFL 存储和暂存区（默认 ./var）
  LANTAI_DATABASE_URL       a PostgreSQL catalogue shared by several processes (postgres://user:password@
                            host:5432/database); unset: catalogue.sqlite in LANTAI_DATA. Never logged with
                            its password. 共享的 PostgreSQL 目录库；未设置时使用 LANTAI_DATA 中的 SQLite
  LANTAI_HOST, LANTAI_PORT  where to listen (default 127.0.0.1:7480; port 0: any free port, printed)
                            监听地址（默认 127.0.0.1:7480；端口 0 表示任一空闲端口，启动时显示）
  LANTAI_LOG_LEVEL          fatal | error | warn | info | debug | trace | silent (default info) 日志级别
  LANTAI_MAX_UPLOAD_BYTES   largest accepted upload (default 64 GiB) 上传大小上限
  LANTAI_INGEST_CONCURRENCY submissions checked at once, 1–64 (default 2) 同时检查的提交数
  LANTAI_POLICIES           storage-policies directory (default ./storage-policies, else the installed one)
                            存储策略目录（默认当前目录下的，没有则用安装目录中的）
  LANTAI_TRUST              seal trust store (default ./certs, else the installed one; "none": no trust)
                            印章信任库（默认 ./certs，没有则用安装目录中的；"none" 表示不信任任何根证书）
  LANTAI_BAGIT_PROFILE      a BagIt profile every submission must meet (default none) 每个提交须符合的 BagIt 配置文件
  LANTAI_FIXITY_CRON        overrides the fixity schedule of storage-policies/fixity.yaml ("off" disables)
                            覆盖固定性检查计划（cron 表达式；"off" 表示关闭）
  LANTAI_PROJECT_CODE_PATTERN  a regular expression every project code must match whole (default: the
                            unified project code, e.g. 2019-310104-47-01-000123) 项目代码须完整匹配的正则表达式
  LANTAI_MAX_COMPRESSION_RATIO  uncompressed / compressed bytes an uploaded archive may reach as it is
                            unpacked (default 100) 上传压缩包解压时允许的最大压缩比
  LANTAI_STAGING_RESERVE_BYTES  bytes an unpack leaves free on the staging volume (default the smaller
                            of 1 GiB and 5 % of the volume) 解压时在暂存卷上保留的空闲字节数
  LANTAI_STORE_URL          an S3 bucket as the store (s3+http://host:port/bucket/prefix/, s3+https://…);
                            unset: store/ in LANTAI_DATA. 以 S3 存储桶作为存储；未设置时使用 LANTAI_DATA 中的 store/
  LANTAI_STORE_ACCESS_KEY, LANTAI_STORE_SECRET_KEY  its keys (never in the URL, never logged)
                            S3 存储的访问密钥（不得写入 URL，不记入日志）
  LANTAI_LOGIN_MAX_FAILURES wrong passwords that lock an account (default 5) 锁定账户的密码错误次数
  LANTAI_LOGIN_LOCK_MINUTES how long a lockout lasts, and the window failures count in (default 15) 锁定时长（分钟）
  LANTAI_SESSION_MINUTES    a console session's lifetime (default 480) 控制台会话有效期（分钟）
  LANTAI_AUDIT_HASH         hash of new audit-trail rows: sm3 (default) or sha256 审计日志哈希算法
  LANTAI_AUDIT_KEY, LANTAI_AUDIT_CERT  the center's PEM key (SM2 or ECDSA) and certificate that sign audit
                            checkpoints (both or neither; none: unsigned) 签署审计检查点的中心密钥与证书
  LANTAI_AUDIT_CHECKPOINT_ROWS, LANTAI_AUDIT_CHECKPOINT_MINUTES  a checkpoint every so many rows (default
                            1000) or minutes (default 60); 0: not by that 审计检查点的行数或分钟间隔
  LANTAI_CENTER_KEY, LANTAI_CENTER_CERT  the center's PEM key (SM2, ECDSA or RSA) and certificate that seal
                            the issued documents as PDFs (both or neither; none: no PDFs); LANTAI_CENTER_CHAIN
                            optional intermediates 为签发文书 PDF 加盖电子印章的中心密钥与证书（可选中间证书链）
  LANTAI_DOCUMENT_FONT, LANTAI_DOCUMENT_FONT_FAMILY  the font for Chinese text in those PDFs (default Debian
                            fonts-wqy-microhei) and its face in a .ttc 文书 PDF 的中文字体及字体集中的字体名

A bad value stops the start with one CONFIG_INVALID naming every bad variable, its value and what is
allowed (exit 2); a busy port is PORT_IN_USE (exit 2).
配置值有误时启动中止，一次列出每个错误变量、其值和允许的取值（退出码 2）；端口被占用为 PORT_IN_USE（退出码 2）。

SIGTERM or SIGINT stops it gracefully: no new requests, running jobs parked for the next start.
收到 SIGTERM 或 SIGINT 时平稳停止：不再接受新请求，运行中的任务留待下次启动继续。`

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the service (HTTP API, ingest and fixity workers)',
  summaryZh: '运行服务（HTTP 接口、接收与固定性检查任务）',
  help,
  async run (argv) {
    const { positionals, values } = parse(argv, { 'no-workers': { type: 'boolean' } })
    if (positionals.length > 0) throw new UsageError('serve takes no arguments', 'serve 不接受参数')
    const config = loadConfig()
    const service = await startService(config, { role: values['no-workers'] === true ? 'api' : 'all' })
    // The port actually bound: with LANTAI_PORT=0 the system chose it, and `:0` would be no address at all.
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${service.port}`
    if (service.firstAdminSecret !== null) {
      process.stdout.write([
        '',
        'First start: an admin token was created. It is shown this once; only its hash is stored.',
        '首次启动：已创建管理员令牌。它只显示这一次，系统只保存其哈希值。',
        '',
        `  LANTAI_TOKEN=${service.firstAdminSecret}`,
        '',
        `  curl -H "Authorization: Bearer $LANTAI_TOKEN" ${url}/v1/projects`,
        '',
        'Lost it? Make another (另建一个): lantai token create --role admin',
        ''
      ].join('\n') + '\n')
    }
    process.stdout.write(`lantai listening on ${url} (docs at /docs, data in ${config.dataDir})\n`)
    process.stdout.write(`兰台正在监听 ${url}（接口文档 /docs，数据目录 ${config.dataDir}）\n`)
    await untilStopped()
    await service.close()
    return 0
  }
}
