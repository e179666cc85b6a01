import { extname, join } from 'node:path'
import { identifyFormat, opensFile, type FormatIdentification } from '../../formats/index.js'
import type { AcceptancePolicy } from '../policy.js'
import type { FormatId } from '../policy-schema.js'
import type { AcceptanceFinding } from '../report.js'
import { acceptanceFinding, type FindingPlace } from './finding.js'

// One payload file's bytes against the policy: its format identified by content (3-3), the name's
// claim compared with it (1-10), encryption (3-8), executables (4-2), and, for the formats the policy
// marks `opens`, whether it opens (3-4).

/** What a file name's extension claims; names with other extensions claim nothing checkable. */
const EXTENSION_FORMATS: Readonly<Record<string, readonly FormatId[]>> = {
  '.pdf': ['pdf', 'pdf-a'],
  '.ofd': ['ofd'],
  '.jpg': ['jpeg'],
  '.jpeg': ['jpeg'],
  '.tif': ['tiff'],
  '.tiff': ['tiff'],
  '.png': ['png'],
  '.dwg': ['dwg'],
  '.dxf': ['dxf'],
  '.mp4': ['mp4'],
  '.mp3': ['mp3'],
  '.wav': ['wav'],
  '.xml': ['xml']
}

export interface ContentCheck {
  identification: FormatIdentification
  findings: AcceptanceFinding[]
}

export async function checkContent (root: string, policy: AcceptancePolicy, path: string, place: FindingPlace): Promise<ContentCheck> {
  const file = join(root, path)
  const identification = await identifyFormat(file)
  const findings: AcceptanceFinding[] = []
  const at = { ...place, path }
  const { format } = identification
  const found = format ?? identification.other ?? 'unknown'
  if (identification.other === 'empty') {
    findings.push(acceptanceFinding('CONTENT_EMPTY', at))
    return { identification, findings }
  }
  const claimed = EXTENSION_FORMATS[extname(path).toLowerCase()]
  if (claimed !== undefined && (format === null || !claimed.includes(format))) {
    findings.push(acceptanceFinding('FORMAT_NAME_MISMATCH', { ...at, evidence: { extension: extname(path), detected: found }, detail: { en: `named ${extname(path)}, the bytes are ${found}`, zh: `扩展名为 ${extname(path)}，内容为 ${found}` } }))
  }
  if (identification.other === 'executable') {
    findings.push(acceptanceFinding('CONTENT_EXECUTABLE', { ...at, evidence: { detected: found } }))
    return { identification, findings }
  }
  const accepted = format === null ? undefined : policy.formats.find(f => f.id === format)
  if (accepted === undefined) {
    findings.push(acceptanceFinding('FORMAT_NOT_ACCEPTED', { ...at, evidence: { detected: found, accepted: policy.formats.map(f => f.id) }, detail: { en: found, zh: found } }))
  }
  if (identification.encrypted === true) findings.push(acceptanceFinding('CONTENT_ENCRYPTED', { ...at, evidence: { detected: found, encrypt: true } }))
  else if (accepted?.opens === true && format !== null) {
    const opened = await opensFile(file, format)
    if (opened.opens === false) findings.push(acceptanceFinding('CONTENT_DOES_NOT_OPEN', { ...at, evidence: { detected: found, reason: opened.reason }, detail: { en: opened.reason, zh: opened.reason } }))
    else if (opened.opens === null) findings.push(acceptanceFinding('CONTENT_NOT_OPENED', { ...at, evidence: { detected: found, reason: opened.reason }, detail: { en: opened.reason, zh: opened.reason } }))
  }
  return { identification, findings }
}
