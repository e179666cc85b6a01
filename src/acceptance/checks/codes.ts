import type { FindingSource } from '../report.js'

// The acceptance findings' codes, each once with its source, severity, the four-property check it
// belongs to (DA/T 70 code, X- for ours) and its text in both languages: the rectification notice
// prints the Chinese, the API the English, and docs/acceptance-checks.md lists them all.

export interface AcceptanceCode {
  readonly source: Exclude<FindingSource, 'bagit' | 'archivist'>
  readonly severity: 'error' | 'warning'
  /** the four-property check this code counts against */
  readonly check: string
  readonly en: string
  readonly zh: string
}

export const ACCEPTANCE_CODES = {
  SCOPE_ITEM_MISSING: { source: 'scope', severity: 'error', check: 'X-1', en: 'a required filing-scope item has no file', zh: '归档范围中的必归档项目没有文件' },
  SCOPE_FILE_UNEXPECTED: { source: 'scope', severity: 'warning', check: 'X-1', en: 'the file matches no item of the filing scope; name its item in filing_scope_code or in its path', zh: '文件不属于归档范围中的任何项目；请在 filing_scope_code 或路径中写明项目代码' },
  SCOPE_FILE_AMBIGUOUS: { source: 'scope', severity: 'warning', check: 'X-1', en: 'the file\'s path matches more than one filing-scope item; name one in filing_scope_code', zh: '文件路径对应多个归档范围项目；请在 filing_scope_code 中写明一个' },
  METADATA_FILE_MISSING: { source: 'metadata', severity: 'error', check: '3-1', en: 'the bag has no metadata file (metadata/files.jsonl)', zh: '数据包缺少元数据文件（metadata/files.jsonl）' },
  METADATA_FILE_UNREADABLE: { source: 'metadata', severity: 'error', check: '3-1', en: 'a line of the metadata file is not a JSON object naming a payload path', zh: '元数据文件中有一行不是含载荷路径的 JSON 对象' },
  METADATA_RECORD_MISSING: { source: 'metadata', severity: 'error', check: '1-11', en: 'the payload file has no metadata record', zh: '载荷文件没有元数据记录' },
  METADATA_RECORD_ORPHAN: { source: 'metadata', severity: 'error', check: '1-11', en: 'a metadata record names a file the payload does not hold', zh: '元数据记录指向的文件不在载荷中' },
  METADATA_RECORD_DUPLICATE: { source: 'metadata', severity: 'error', check: '1-11', en: 'the file has more than one metadata record', zh: '文件有多条元数据记录' },
  METADATA_ELEMENT_MISSING: { source: 'metadata', severity: 'error', check: '2-4', en: 'a required metadata element is missing or empty', zh: '必填元数据项缺失或为空' },
  METADATA_VALUE_INVALID: { source: 'metadata', severity: 'error', check: '1-3', en: 'a metadata value is not of its element\'s type', zh: '元数据项的值不符合其数据类型' },
  METADATA_VALUE_NOT_ALLOWED: { source: 'metadata', severity: 'error', check: '1-4', en: 'a metadata value is not one its element allows', zh: '元数据项的值不在规定的值域内' },
  METADATA_VALUE_FORBIDDEN_CHARACTER: { source: 'metadata', severity: 'error', check: '1-6', en: 'a metadata value holds a control character', zh: '元数据项的值含有控制字符' },
  METADATA_SCOPE_CODE_UNKNOWN: { source: 'metadata', severity: 'error', check: '1-4', en: 'filing_scope_code names no item of the center\'s filing scope', zh: 'filing_scope_code 不是本馆归档范围中的项目代码' },
  PRODUCER_NOT_REGISTERED: { source: 'metadata', severity: 'warning', check: '1-4', en: 'the producing unit named by the file is not one of the project\'s units', zh: '文件所载形成单位不是本项目登记的参建单位' },
  FORMAT_NAME_MISMATCH: { source: 'four-properties', severity: 'error', check: '1-10', en: 'the file\'s name says one format, its bytes another', zh: '文件扩展名所示格式与其实际内容不符' },
  FORMAT_NOT_ACCEPTED: { source: 'four-properties', severity: 'error', check: '3-3', en: 'the file\'s format, identified by its bytes, is not one the center accepts', zh: '按文件内容识别的格式不在本馆接收的格式之列' },
  CONTENT_EMPTY: { source: 'four-properties', severity: 'warning', check: '2-7', en: 'the payload file is empty', zh: '载荷文件为空' },
  CONTENT_DOES_NOT_OPEN: { source: 'four-properties', severity: 'error', check: '3-4', en: 'the file does not open: its structure or first page cannot be read', zh: '文件无法打开：其结构或首页无法读取' },
  CONTENT_NOT_OPENED: { source: 'four-properties', severity: 'warning', check: '3-4', en: 'the file was not opened: it is beyond the bounds of the check', zh: '文件超出检测范围，未打开' },
  CONTENT_ENCRYPTED: { source: 'four-properties', severity: 'error', check: '3-8', en: 'the file is encrypted or password-protected', zh: '文件已加密或设有密码' },
  CONTENT_EXECUTABLE: { source: 'four-properties', severity: 'error', check: '4-2', en: 'the file is an executable program', zh: '文件是可执行程序' },
  SEAL_INTEGRITY_ALERT: { source: 'seals', severity: 'error', check: '1-1', en: 'a seal or signature on the file failed: it may have been changed after signing', zh: '文件的电子印章或签名验证失败：签署后可能被改动' },
  SEAL_PROVISIONAL: { source: 'seals', severity: 'warning', check: '1-1', en: 'a seal or signature could not be decided yet (trust or revocation data missing)', zh: '电子印章或签名暂无法判定（缺少信任或吊销信息）' }
} as const satisfies Record<string, AcceptanceCode>

export type AcceptanceCodeName = keyof typeof ACCEPTANCE_CODES
