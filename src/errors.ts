// Operational errors: the request or the environment is wrong, not the bag. A bad bag is never one of
// these; it is a list of findings (src/bagit/codes.ts). Each code is declared once with its meaning.

export const ERROR_CODES = {
  USAGE: { transient: false, en: 'the command was called wrongly', zh: '命令调用方式有误' },
  PATH_NOT_FOUND: { transient: false, en: 'the path does not exist', zh: '路径不存在' },
  PATH_UNREADABLE: { transient: false, en: 'the path cannot be opened', zh: '路径无法打开' },
  PROFILE_INVALID: { transient: false, en: 'the BagIt profile is not valid JSON of the BagIt Profiles form', zh: 'BagIt 配置文件不是有效的 BagIt Profiles JSON' },
  CONFIG_INVALID: { transient: false, en: 'the configuration has bad values', zh: '配置中有错误的值' },
  STAGING_FAILED: { transient: true, en: 'the staging area could not be written', zh: '暂存区无法写入' },
  DATA_DIR_LOCKED: { transient: true, en: 'the data directory is in use by another running Lantai process', zh: '数据目录正被另一个运行中的兰台进程使用' },
  ABORTED: { transient: true, en: 'the operation was cancelled', zh: '操作已取消' },
  // service, configuration and CLI (issue 11: 11–13, 15, 17, 18)
  PORT_IN_USE: { transient: true, en: 'the port is already in use by another program; stop it or set LANTAI_PORT to a free port', zh: '端口已被其他程序占用；请停止该程序或将 LANTAI_PORT 设为空闲端口' },
  LISTEN_FAILED: { transient: false, en: 'the service cannot listen on this host and port; check LANTAI_HOST and LANTAI_PORT', zh: '服务无法在该主机和端口上监听；请检查 LANTAI_HOST 和 LANTAI_PORT' },
  DATA_DIR_MISSING: { transient: false, en: 'the data directory does not exist; set LANTAI_DATA to the service\'s data directory', zh: '数据目录不存在；请将 LANTAI_DATA 设为服务的数据目录' },
  DATA_DIR_UNUSABLE: { transient: false, en: 'the data directory holds no usable Lantai catalogue; set LANTAI_DATA to the service\'s data directory', zh: '数据目录中没有可用的兰台目录库；请将 LANTAI_DATA 设为服务的数据目录' },
  BAG_CREATE_SOURCE_INVALID: { transient: false, en: 'the folder cannot be bagged', zh: '该文件夹无法打包' },
  BAG_CREATE_TARGET_EXISTS: { transient: false, en: 'the target of the new bag already exists', zh: '新数据包的目标位置已存在' },
  BAG_CREATE_TAG_MISSING: { transient: false, en: 'the profile requires bag-info tags that were not given; pass each with --info Label=Value', zh: '配置文件要求的 bag-info 标签未提供；请用 --info 标签=值 逐一给出' },
  BAG_CREATE_RESULT_INVALID: { transient: false, en: 'the bag made does not pass validation; nothing was changed', zh: '生成的数据包未通过校验；未做任何更改' },
  // http
  NOT_FOUND: { transient: false, en: 'no such resource', zh: '没有该资源' },
  REQUEST_INVALID: { transient: false, en: 'the request does not match the schema', zh: '请求不符合接口格式' },
  UNAUTHENTICATED: { transient: false, en: 'a valid bearer token is required', zh: '需要有效的持有者令牌' },
  FORBIDDEN: { transient: false, en: 'the token\'s role may not do this', zh: '该令牌的角色无权执行此操作' },
  PAYLOAD_TOO_LARGE: { transient: false, en: 'the upload is larger than the configured limit', zh: '上传内容超过配置的上限' },
  UNSUPPORTED_MEDIA_TYPE: { transient: false, en: 'the package must be sent as application/x-tar, application/gzip or application/zip', zh: '数据包须以 application/x-tar、application/gzip 或 application/zip 发送' },
  UPLOAD_INCOMPLETE: { transient: true, en: 'the upload ended before the whole package arrived', zh: '上传在数据包完整到达前中断' },
  // uploads and archives (issue 11: 5, 9, 10, 12, 17)
  UPLOAD_EMPTY: { transient: false, en: 'the upload is empty: send the package (tar, tar.gz or zip) as the request body', zh: '上传内容为空：请将数据包（tar、tar.gz 或 zip）作为请求体发送' },
  UPLOAD_NOT_AN_ARCHIVE: { transient: false, en: 'the body is not a tar, tar.gz or zip archive by its first bytes, whatever its content type says', zh: '按开头字节判断，请求体不是 tar、tar.gz 或 zip 归档（与所声明的内容类型无关）' },
  PACKAGE_LIMIT_EXCEEDED: { transient: false, en: 'unpacking the package hit a resource limit and stopped; the findings name the limit and the rule', zh: '解包数据包时超出资源限制并已停止；发现项列出了所触及的限制及规则' },
  FILE_NOT_FOUND: { transient: false, en: 'the package has no file at this logical path', zh: '数据包中没有该逻辑路径的文件' },
  PACKAGE_INVALID: { transient: false, en: 'the package has errors; the report lists every one', zh: '数据包有错误，报告列出了全部问题' },
  DUPLICATE_SUBMISSION: { transient: false, en: 'the package adds nothing: every file is already stored with the same digests', zh: '数据包没有新增内容：所有文件均已以相同摘要保存' },
  RANGE_NOT_SATISFIABLE: { transient: false, en: 'the requested byte range lies outside the file', zh: '请求的字节范围超出文件' },
  SHUTTING_DOWN: { transient: true, en: 'the service is shutting down; try again shortly', zh: '服务正在停止，请稍后重试' },
  INTERNAL: { transient: true, en: 'an internal error occurred; the request id identifies it in the log', zh: '发生内部错误；日志中可按请求编号查到' },
  // HTTP input and the access log (issue 11: 1, 16, 17)
  NOT_READY: { transient: true, en: 'the service is not ready: a dependency it needs (the catalogue or the store) does not answer; `checks` names which', zh: '服务尚未就绪：所需的依赖（目录库或存储）无响应；checks 字段列出是哪一项' },
  // catalogue
  CATALOGUE_TOO_NEW: { transient: false, en: 'the catalogue database was written by a newer Lantai; upgrade before opening it', zh: '目录数据库由更新版本的兰台写入；请先升级再打开' },
  CATALOGUE_MIGRATION_FAILED: { transient: false, en: 'a catalogue migration failed and was rolled back', zh: '目录迁移失败，已回滚' },
  CATALOGUE_ARGUMENT_INVALID: { transient: false, en: 'a catalogue call was given a malformed argument', zh: '目录调用的参数格式错误' },
  // catalogue database connection (issue 12): opening fails with one of the first three, a connection
  // lost mid-query is DB_UNAVAILABLE, transient, so HTTP answers 503 and a client can retry
  DB_UNREACHABLE: { transient: true, en: 'the catalogue database does not answer at the host and port of LANTAI_DATABASE_URL', zh: '目录数据库在 LANTAI_DATABASE_URL 指定的主机和端口上无响应' },
  DB_AUTH_FAILED: { transient: false, en: 'the catalogue database refused the user or password of LANTAI_DATABASE_URL', zh: '目录数据库拒绝了 LANTAI_DATABASE_URL 中的用户名或密码' },
  DB_NOT_FOUND: { transient: false, en: 'the database named in LANTAI_DATABASE_URL does not exist on the server', zh: 'LANTAI_DATABASE_URL 中指定的数据库在服务器上不存在' },
  DB_UNAVAILABLE: { transient: true, en: 'the connection to the catalogue database was lost; try again', zh: '与目录数据库的连接已断开，请重试' },
  DB_CONFLICT: { transient: true, en: 'a concurrent change in the catalogue database got in the way (deadlock or serialization failure); try again', zh: '目录数据库中的并发修改发生冲突（死锁或串行化失败），请重试' },
  PROJECT_CODE_INVALID: { transient: false, en: 'the project code does not have the required format', zh: '项目代码不符合规定的格式' },
  PROJECT_EXISTS: { transient: false, en: 'a project with this code already exists', zh: '已有项目使用该代码' },
  PROJECT_NOT_FOUND: { transient: false, en: 'no project has this code', zh: '没有项目使用该代码' },
  // projects and units (issue 14 item 1)
  PROJECT_RECORD_INVALID: { transient: false, en: 'the project record has bad values; the detail names each', zh: '项目信息中有错误的值；详情逐一列出' },
  UNIT_USCC_INVALID: { transient: false, en: 'not a unified social credit code (GB 32100-2015): 18 characters of 0-9 and A-Y without I, O, S, V, Z, ending in the right check character', zh: '不是统一社会信用代码（GB 32100-2015）：须为 18 位 0-9 及除 I、O、S、V、Z 外的大写字母，末位校验码正确' },
  UNIT_EXISTS: { transient: false, en: 'the project already has this unit in this role', zh: '该项目已有此角色的该单位' },
  UNIT_NOT_FOUND: { transient: false, en: 'the project has no such unit in this role', zh: '该项目没有此角色的该单位' },
  PERMIT_EXISTS: { transient: false, en: 'the project already has this permit', zh: '该项目已有此许可证' },
  PHASE_EXISTS: { transient: false, en: 'the project already has a phase with this code', zh: '该项目已有该编号的分期' },
  PHASE_NOT_FOUND: { transient: false, en: 'the project has no phase with this code', zh: '该项目没有该编号的分期' },
  SUBMISSION_NOT_FOUND: { transient: false, en: 'no submission has this id', zh: '没有该编号的提交' },
  SUBMISSION_TRANSITION_INVALID: { transient: false, en: 'a submission cannot move between these states', zh: '提交不能在这两个状态之间转换' },
  LOCK_LOST: { transient: true, en: 'another worker took over a lease this work held; it stopped without committing', zh: '另一个工作进程接管了本工作持有的租约；本工作已停止且未提交' },
  REVALIDATION_RUNNING: { transient: false, en: 'a re-validation of this package is already queued or running', zh: '该数据包的重新验证已在排队或运行中' },
  STATE_CONFLICT: { transient: false, en: 'the record is no longer in the state the change expected', zh: '记录已不处于变更所预期的状态' },
  PACKAGE_NOT_FOUND: { transient: false, en: 'no package has this id', zh: '没有该编号的数据包' },
  PACKAGE_VERSION_CONFLICT: { transient: false, en: 'the version does not follow the package head, or names another OCFL object', zh: '版本未接续数据包的最新版本，或指向另一个 OCFL 对象' },
  CONTENT_NOT_FOUND: { transient: false, en: 'no stored content file has this path in the package', zh: '数据包中没有该路径的已存内容文件' },
  CONTENT_CONFLICT: { transient: false, en: 'a content file is already recorded with another size or other digests', zh: '内容文件已以不同的大小或摘要登记' },
  // damage, healing and versions (issue 11: 2–4, 14, 17)
  FILE_DAMAGED: { transient: false, en: 'the file\'s stored bytes are known damaged and are not served until a resubmission repairs them; the content.damaged event says what was found', zh: '该文件的存储字节已知损坏，在重新提交修复前不予提供；content.damaged 事件记录了发现的问题' },
  VERSION_NOT_FOUND: { transient: false, en: 'the package has no version with this number', zh: '数据包没有该编号的版本' },
  REMOVAL_INVALID: { transient: false, en: 'the removal list (lantai-remove.txt) names a path the submission cannot remove', zh: '删除清单（lantai-remove.txt）列出了本次提交无法删除的路径' },
  // interconnection (issue 14 item 11)
  SUBSCRIBER_NOT_FOUND: { transient: false, en: 'no webhook subscriber has this name', zh: '没有该名称的推送订阅方' },
  SUBSCRIBER_FROM_POLICY: { transient: false, en: 'the subscriber is declared in storage-policies/integration.yaml; change it there', zh: '该订阅方在 storage-policies/integration.yaml 中声明，请在该文件中修改' },
  SUBSCRIBER_SECRET_MISSING: { transient: false, en: 'the environment variable named as the subscriber\'s signing secret is not set (or is shorter than 32 characters)', zh: '订阅方签名密钥所指定的环境变量未设置（或少于 32 个字符）' },
  DELIVERY_NOT_FOUND: { transient: false, en: 'no webhook delivery has this id', zh: '没有该编号的推送投递' },
  WEBHOOK_UNSIGNED: { transient: false, en: 'the webhook lacks its event id, timestamp or signature header', zh: '推送消息缺少事件编号、时间戳或签名头' },
  WEBHOOK_SIGNATURE_INVALID: { transient: false, en: 'the webhook signature does not match its timestamp and body: tampered, or signed with another secret', zh: '推送签名与时间戳和正文不符：内容被篡改或使用了其他密钥签名' },
  WEBHOOK_STALE: { transient: false, en: 'the webhook timestamp is outside the accepted window: an old message replayed, or a clock far off', zh: '推送时间戳超出允许范围：旧消息被重放，或时钟偏差过大' },
  WEBHOOK_REPLAYED: { transient: false, en: 'this signed webhook (same event id and timestamp) was received before', zh: '该签名推送（相同事件编号与时间戳）此前已收到' },
  IDEMPOTENCY_KEY_INVALID: { transient: false, en: 'the Idempotency-Key header must be 1 to 255 visible ASCII characters', zh: 'Idempotency-Key 头须为 1 至 255 个可见 ASCII 字符' },
  IDEMPOTENCY_KEY_REUSED: { transient: false, en: 'this Idempotency-Key was used for a different request; use a new key for a new request', zh: '该 Idempotency-Key 已用于另一个请求；新请求请使用新的键' },
  IDEMPOTENCY_IN_PROGRESS: { transient: true, en: 'the request with this Idempotency-Key is still being answered; try again shortly', zh: '使用该 Idempotency-Key 的请求仍在处理中，请稍后重试' },
  JOB_NOT_FOUND: { transient: false, en: 'no job has this id', zh: '没有该编号的任务' },
  JOB_ACTIVE: { transient: false, en: 'a job of this kind is already queued or running for this subject', zh: '该对象已有同类任务在排队或运行' },
  TOKEN_NOT_FOUND: { transient: false, en: 'no token has this id', zh: '没有该编号的令牌' },
  TOKEN_INVALID: { transient: false, en: 'the bearer token is unknown, malformed or revoked', zh: '持有者令牌未知、格式错误或已吊销' },
  EVENT_IMMUTABLE: { transient: false, en: 'events and access-log entries are insert-only', zh: '事件和访问日志只能追加，不能修改' },
  // storage nodes and placement (issue 16 items 2-3)
  NODE_NOT_FOUND: { transient: false, en: 'no storage node has this id', zh: '没有该编号的存储节点' },
  NODE_EXISTS: { transient: false, en: 'a storage node with this id already exists', zh: '已有该编号的存储节点' },
  NODE_FROM_POLICY: { transient: false, en: 'the node is declared in storage-policies/nodes.yaml; change its settings there (its state changes through the API)', zh: '该节点在 storage-policies/nodes.yaml 中声明，请在该文件中修改其设置（状态可通过接口变更）' },
  NODE_INVALID: { transient: false, en: 'the node definition has bad values; the findings name each field', zh: '节点定义中有错误的值；发现项逐一列出字段' },
  NODE_CREDENTIAL_MISSING: { transient: false, en: 'an environment variable named for the node\'s credentials is not set', zh: '节点凭据所指定的环境变量未设置' },
  NODE_UNREACHABLE: { transient: true, en: 'the node does not answer at its endpoint or path', zh: '节点在其端点或路径上无响应' },
  // replication queue, copy fixity and repair (issue 16 items 4-6)
  REPLICA_READBACK_MISMATCH: { transient: true, en: 'the bytes read back from the node differ from what was copied; the copy does not count', zh: '从节点读回的字节与所复制的不符；该副本不计入' },
  REPLICA_SOURCE_DAMAGED: { transient: false, en: 'the primary\'s bytes do not match the catalogue; repair the primary before copying', zh: '主存储中的字节与目录不符；复制前请先修复主存储' },
  REPLICATION_TIER_HELD: { transient: false, en: 'the version is classified above 非密 and is not copied to a node until tier keys encrypt it', zh: '该版本密级高于非密，在启用分级密钥加密之前不复制到节点' },
  REPAIR_NO_GOOD_COPY: { transient: false, en: 'no copy of the file matches the catalogue, so there is nothing to repair from', zh: '该文件没有与目录一致的副本，无从修复' },
  REPAIR_NO_MAJORITY: { transient: false, en: 'no copy matches the catalogue and no majority of the copies agrees: nothing is decided or repaired until a person looks', zh: '没有副本与目录一致，且各副本未形成多数一致：在人工核查之前不作判定、不作修复' },
  // storage and OCFL
  STORAGE_KEY_INVALID: { transient: false, en: 'the storage key is not a clean relative key', zh: '存储键不是规范的相对键' },
  STORAGE_NOT_FOUND: { transient: false, en: 'no object is stored under this key', zh: '该键下没有存储对象' },
  STORAGE_RANGE_INVALID: { transient: false, en: 'the byte range cannot be satisfied', zh: '无法满足该字节范围' },
  STORAGE_SOURCE_CHANGED: { transient: false, en: 'a local file to store is not the regular file of the size its caller hashed', zh: '待存储的本地文件不是调用方计算摘要时的那个普通文件或大小已变' },
  // S3 stores (issue 16 item 1)
  STORAGE_UNREACHABLE: { transient: true, en: 'the storage endpoint did not answer in time or refused the connection', zh: '存储端点未按时应答或拒绝连接' },
  STORAGE_CREDENTIALS_REJECTED: { transient: false, en: 'the storage endpoint rejected the access key or its secret', zh: '存储端点拒绝了访问密钥或其密钥口令' },
  STORAGE_CREDENTIALS_MISSING: { transient: false, en: 'an environment variable the storage node names for its credentials is not set', zh: '存储节点为其凭据指定的环境变量未设置' },
  STORAGE_BUCKET_MISSING: { transient: false, en: 'the storage bucket does not exist', zh: '存储桶不存在' },
  STORAGE_REMOTE_FAILED: { transient: true, en: 'the storage endpoint answered with an error', zh: '存储端点返回了错误' },
  OCFL_PATH_INVALID: { transient: false, en: 'the logical path is not a clean relative path', zh: '逻辑路径不是规范的相对路径' },
  OCFL_ID_INVALID: { transient: false, en: 'the OCFL object id must be a URI', zh: 'OCFL 对象标识须为 URI' },
  OCFL_HEAD_MOVED: { transient: true, en: 'the object head is not the expected version', zh: '对象的最新版本不是预期的版本' },
  OCFL_UNCOMMITTED_VERSION: { transient: false, en: 'an uncommitted version directory is in the way; run recover() first', zh: '有未提交的版本目录挡路；请先运行 recover()' },
  OCFL_OBJECT_NOT_FOUND: { transient: false, en: 'no OCFL object has this id', zh: '没有该标识的 OCFL 对象' },
  OCFL_INVENTORY_INVALID: { transient: false, en: 'the OCFL inventory is unreadable or does not match its sidecar', zh: 'OCFL 清单不可读或与其校验文件不符' },
  OCFL_CONTENT_NOT_FOUND: { transient: false, en: 'the object has no such content path or logical path', zh: '对象中没有该内容路径或逻辑路径' },
  OCFL_FILE_CHANGED: { transient: false, en: 'a file to add differs from what the caller described', zh: '待添加的文件与调用方描述的不同' },
  OCFL_STORAGE_ROOT_INVALID: { transient: false, en: 'the storage root is not an OCFL 1.1 root with the expected layout', zh: '存储根不是采用预期布局的 OCFL 1.1 存储根' },
  // seals
  SEAL_TRUST_INVALID: { transient: false, en: 'a file in the seal trust store (certs/) is not a readable certificate, CRL or OCSP response', zh: '印章信任库（certs/）中有文件不是可读的证书、CRL 或 OCSP 响应' },
  // seals (issue 11: 6–8, 18)
  SEAL_PKCS12_INVALID: { transient: false, en: 'the file is not a readable PKCS#12 key store, or the password is wrong', zh: '该文件不是可读的 PKCS#12 密钥库，或密码错误' },
  SEAL_CERTIFICATE_FILE_INVALID: { transient: false, en: 'the file holds no readable certificate', zh: '该文件中没有可读的证书' },
  SEAL_VERIFIER_CLOSED: { transient: true, en: 'the seal verifier is shut down; the file was not verified', zh: '印章验证程序已关闭，该文件未经验证' },
  // people, sessions and separation of duties (issue 15 item 3)
  ACCOUNT_NOT_FOUND: { transient: false, en: 'no account has this id', zh: '没有该编号的账户' },
  ACCOUNT_EXISTS: { transient: false, en: 'an account with this login name exists', zh: '该登录名的账户已存在' },
  LOGIN_FAILED: { transient: false, en: 'the login name or password is wrong, or the account is locked or disabled', zh: '登录名或密码错误，或账户已锁定或停用' },
  PASSWORD_WEAK: { transient: false, en: 'the password must be 12 to 1024 characters long', zh: '密码长度须为 12 至 1024 个字符' },
  CSRF_INVALID: { transient: false, en: 'a request authenticated by the session cookie must carry the session\'s x-csrf-token header', zh: '以会话 Cookie 认证的请求须携带该会话的 x-csrf-token 头' },
  SESSION_NOT_FOUND: { transient: false, en: 'no session has this id, or the request was not made with a session', zh: '没有该编号的会话，或请求并非以会话发出' },
  DUTY_FORBIDDEN: { transient: false, en: 'this is outside the caller\'s duty: nobody grants a role outside their duty or a clearance above their own (三员分立)', zh: '超出调用者的职责：任何人不得授予其职责以外的角色或高于自身的密级（三员分立）' },
  APPROVAL_REQUIRED: { transient: false, en: 'security-officer and auditor credentials are created, changed and revoked only through a credential request a security officer approves', zh: '安全保密管理员和安全审计员的凭据只能经安全保密管理员批准的凭据申请创建、变更和吊销' },
  SELF_APPROVAL: { transient: false, en: 'the approver must be another person than the requester and the person concerned', zh: '批准人须不同于申请人及当事人' },
  CREDENTIAL_REQUEST_NOT_FOUND: { transient: false, en: 'no credential request has this id', zh: '没有该编号的凭据申请' },
  CREDENTIAL_REQUEST_DECIDED: { transient: false, en: 'the credential request is already decided or has expired', zh: '该凭据申请已决定或已过期' },
  CREDENTIAL_REQUEST_INVALID: { transient: false, en: 'the credential request does not name what it needs for its action', zh: '凭据申请缺少其操作所需的内容' },
  // acceptance review: applications, decisions, notices, resubmissions (issue 14 items 5, 6, 9)
  APPLICATION_NOT_FOUND: { transient: false, en: 'no acceptance application has this id', zh: '没有该编号的验收申请' },
  ACCEPTANCE_APPLICATION_DUPLICATE: { transient: false, en: 'the project (or phase) already has an open acceptance application', zh: '该项目（或阶段）已有未办结的验收申请' },
  ACCEPTANCE_APPLICATION_MISMATCH: { transient: false, en: 'the submission names an acceptance application of another project', zh: '提交所指的验收申请属于其他项目' },
  ACCEPTANCE_APPLICATION_CLOSED: { transient: false, en: 'the acceptance application takes no submission now: it is accepted or withdrawn, or a submission of it awaits a decision', zh: '该验收申请当前不接受提交：已验收合格或已撤回，或已有提交待决定' },
  DECISION_NOT_AWAITED: { transient: false, en: 'the submission is not awaiting an acceptance decision', zh: '该提交不处于待验收决定状态' },
  ACCEPTANCE_BAG_INVALID: { transient: false, en: 'a package whose bytes are not as its manifests say can never be accepted, only returned for rectification or rejected', zh: '字节与清单不符的数据包不能验收合格，只能退回整改或拒收' },
  ACCEPTANCE_OVERRIDE_REQUIRED: { transient: false, en: 'the report has errors: accepting needs an explicit override with a reason, which is recorded', zh: '报告中有错误：验收合格须明确说明理由予以豁免，理由将被记录' },
  DECISION_INVALID: { transient: false, en: 'the decision is malformed; the detail says what is missing', zh: '验收决定格式有误；详情说明缺少什么' },
  DOCUMENT_NOT_FOUND: { transient: false, en: 'no acceptance document has this number', zh: '没有该文号的验收文书' },
  // commitments and credit (issue 14 items 7, 10)
  COMMITMENT_INVALID: { transient: false, en: 'the commitment letter is incomplete: all four statements affirmed, a signatory and at least one item owed, each with a due date on or after the start', zh: '承诺书不完整：须确认全部四项承诺、写明签署人，并至少列出一项待交事项，每项的期限不早于起算日' },
  COMMITMENT_DUE_TOO_LATE: { transient: false, en: 'an item is due later than the policy allows after the start event (notice (七): at most three months)', zh: '待交事项的期限晚于政策允许的起算后期限（通知第七条：不超过三个月）' },
  COMMITMENT_NOT_FOUND: { transient: false, en: 'no commitment has this id', zh: '没有该编号的承诺书' },
  COMMITMENT_ITEM_UNKNOWN: { transient: false, en: 'the commitment owes no item of this code, or the item is already fulfilled', zh: '该承诺书没有此编号的待交事项，或该事项已履行' },
  COMMITMENT_BUILDER_UNKNOWN: { transient: false, en: 'a commitment binds the builder, and the project names no builder unit with its unified social credit code; register the builder first', zh: '承诺书约束建设单位，而该项目未登记建设单位及其统一社会信用代码；请先登记建设单位' },
  COMMITMENT_MISMATCH: { transient: false, en: 'the submission names a commitment of another project', zh: '提交所指的承诺书属于其他项目' },
  CREDIT_RECORD_NOT_FOUND: { transient: false, en: 'no credit record has this id', zh: '没有该编号的信用记录' },
  CREDIT_STATE_CONFLICT: { transient: false, en: 'the credit record\'s standing does not allow this appeal or correction now', zh: '该信用记录当前状态不允许此申诉或更正' },
  AUDIT_KEY_INVALID: { transient: false, en: 'the center\'s audit key or certificate (LANTAI_AUDIT_KEY, LANTAI_AUDIT_CERT) cannot be read, is not SM2 or ECDSA, or they do not belong together', zh: '审计签名密钥或证书（LANTAI_AUDIT_KEY、LANTAI_AUDIT_CERT）无法读取、不是 SM2 或 ECDSA，或两者不匹配' },
  AUDIT_CHECKPOINTS_INVALID: { transient: false, en: 'the file is not a checkpoint export of lantai audit checkpoint export', zh: '该文件不是 lantai audit checkpoint export 导出的检查点文件' },
  // the documents Lantai issues as sealed PDFs (issue 14 item 6)
  CENTER_KEY_INVALID: { transient: false, en: 'the center\'s signing key or certificate (LANTAI_CENTER_KEY, LANTAI_CENTER_CERT, LANTAI_CENTER_CHAIN) cannot be read, is not SM2, ECDSA or RSA, or they do not belong together', zh: '档案馆签章密钥或证书（LANTAI_CENTER_KEY、LANTAI_CENTER_CERT、LANTAI_CENTER_CHAIN）无法读取、不是 SM2、ECDSA 或 RSA，或两者不匹配' },
  DOCUMENT_SEAL_NOT_CONFIGURED: { transient: false, en: 'sealed PDF documents need the center\'s key: set LANTAI_CENTER_KEY and LANTAI_CENTER_CERT (the JSON and HTML forms work without it)', zh: '盖章的 PDF 文书需要档案馆签章密钥：请设置 LANTAI_CENTER_KEY 和 LANTAI_CENTER_CERT（JSON 和 HTML 形式无需密钥）' },
  DOCUMENT_FONT_MISSING: { transient: false, en: 'the font for Chinese text in sealed PDFs cannot be read: install fonts-wqy-microhei or set LANTAI_DOCUMENT_FONT (and LANTAI_DOCUMENT_FONT_FAMILY for a .ttc)', zh: 'PDF 文书的中文字体无法读取：请安装 fonts-wqy-microhei 或设置 LANTAI_DOCUMENT_FONT（.ttc 字体集另设 LANTAI_DOCUMENT_FONT_FAMILY）' },
  // two-person rules and the aggregation guard (issue 15 items 5, 6)
  APPROVAL_NOT_FOUND: { transient: false, en: 'no approval request has this id', zh: '没有该编号的审批申请' },
  APPROVAL_CLOSED: { transient: false, en: 'the approval request is no longer open: it was decided, executed, cancelled, or it expired', zh: '该审批申请已不再处于待办状态：已决定、已执行、已撤销或已过期' },
  APPROVAL_INVALID: { transient: false, en: 'the approval request does not name what its kind needs; the detail says what is missing', zh: '审批申请缺少其类别所需的内容；详情说明缺少什么' },
  APPROVAL_ROLE: { transient: false, en: 'the caller\'s role may not ask for or decide this kind of request; the detail names the roles that may', zh: '调用者的角色无权申请或决定此类申请；详情列出有权的角色' },
  APPROVAL_REQUIRED_FOR: { transient: false, en: 'this needs an approved two-person request of its kind, which was not found', zh: '此操作需要一项已批准的同类双人审批申请，但未找到' },
  PACKAGE_DELETION_BLOCKED: { transient: false, en: 'the package has pending work (jobs, open submissions, copies under way or other open requests); it cannot be deleted until that work ends', zh: '该数据包有未完成的工作（任务、未办结的提交、进行中的复制或其他待办申请）；在其结束前不能删除' },
  AGGREGATION_CAP_EXCEEDED: { transient: false, en: 'reading this would take the caller over the aggregation cap for pipeline-survey data in the policy\'s window; a security officer may approve an aggregation-scope request', zh: '此次读取将使调用者在策略时间窗内读取的地下管线测绘数据超过汇聚上限；可由安全保密管理员批准汇聚范围申请' },
  EXPORT_APPROVAL_REQUIRED: { transient: false, en: 'exporting classified material is a two-person rule: the caller needs an approved, unexpired export-classified request of their own for this package, decided by a security officer other than themselves', zh: '导出涉密材料须经双人审批：调用者须有本人针对该数据包提出、并经另一名安全保密管理员批准且未过期的涉密导出申请' },
  // recovery, drills and keys per tier (issue 16 items 7-8, issue 15 item 7)
  KEY_MASTER_MISSING: { transient: false, en: 'no master key: set LANTAI_MASTER_KEY to 64 hex digits or the path of a file holding them', zh: '缺少主密钥：请将 LANTAI_MASTER_KEY 设为 64 位十六进制数或存放它的文件路径' },
  KEY_MASTER_INVALID: { transient: false, en: 'LANTAI_MASTER_KEY is neither 64 hex digits nor a readable file holding them', zh: 'LANTAI_MASTER_KEY 既不是 64 位十六进制数，也不是存放它的可读文件' },
  KEY_MASTER_MISMATCH: { transient: false, en: 'the tier key was wrapped under another master key than LANTAI_MASTER_KEY', zh: '该分级密钥由另一把主密钥封装，与 LANTAI_MASTER_KEY 不符' },
  KEY_NOT_FOUND: { transient: false, en: 'no tier key has this id, or the tier has no key', zh: '没有该编号的分级密钥，或该密级尚无密钥' },
  KEY_CIPHERTEXT_INVALID: { transient: false, en: 'the encrypted bytes do not authenticate: altered, truncated, or sealed with another key', zh: '密文认证失败：已被篡改、截断，或由其他密钥加密' },
  RESTORE_TARGET_NOT_EMPTY: { transient: false, en: 'the rebuild target is not empty: give a new catalogue and an empty storage directory', zh: '重建目标不为空：请给出新的目录库和空的存储目录' },
  RESTORE_SOURCE_INVALID: { transient: false, en: 'the node holds no OCFL storage root that can be restored from', zh: '该节点没有可用于恢复的 OCFL 存储根' },
  DRILL_NOT_FOUND: { transient: false, en: 'no drill has this id', zh: '没有该编号的演练' },
  PRIMARY_LOST: { transient: true, en: 'the primary store is lost: reads are served from a verified replica and writes are refused until it is restored', zh: '主存储已丢失：读取由已核验的副本提供，恢复前拒绝写入' },
  // the access gate and tier labels (issue 15 items 1, 2, 4)
  ACCESS_TIER_REFUSED: { transient: false, en: 'the package holds a file marked 绝密 (top secret): the archive never stores top-secret content, so nothing of the package was stored', zh: '数据包含有标为绝密的文件：本系统不保存绝密内容，该数据包未作任何保存' },
  ACCESS_LABEL_INVALID: { transient: false, en: 'the classification is none of 公开, 内部, 秘密 or 机密', zh: '密级不是公开、内部、秘密、机密之一' },
  ACCESS_LABEL_NOT_HIGHER: { transient: false, en: 'raising a label needs a tier above the current one; lowering it is declassification, which needs two people', zh: '提升密级须高于当前密级；降低密级属于解密，须两人办理' },
  ACCESS_DECLASSIFY_UNAPPROVED: { transient: false, en: 'declassification (lowering a label) needs an approved two-person request, and none was given', zh: '解密（降低密级）须有经批准的双人审批申请，但未提供' },
  ACCESS_PATH_INVALID: { transient: false, en: 'the file path is not a logical path of a package: it is too long, or holds a NUL, a control character, an empty, . or .. segment', zh: '文件路径不是数据包的逻辑路径：过长，或含 NUL、控制字符、空段、. 或 ..' },
} as const satisfies Record<string, { transient: boolean, en: string, zh: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export class LantaiError extends Error {
  constructor (readonly code: ErrorCode, detail?: string, readonly details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(detail === undefined ? ERROR_CODES[code].en : `${ERROR_CODES[code].en}: ${detail}`, options)
    this.name = 'LantaiError'
  }

  get transient (): boolean { return ERROR_CODES[this.code].transient }
}

export const isLantaiError = (e: unknown): e is LantaiError => e instanceof LantaiError
