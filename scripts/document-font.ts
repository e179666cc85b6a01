import { existsSync } from 'node:fs'
import { DEFAULT_DOCUMENT_FONT } from '../src/config.js'
import { aptInstall, mayInstall } from './test-server-support.js'

// The CJK font the sealed documents embed (src/documents/font.ts): Debian's fonts-wqy-microhei. In CI
// the project installs it as it installs PostgreSQL (test-server-support.ts); elsewhere it says how.

export function ensureDocumentFont (): void {
  if (existsSync(DEFAULT_DOCUMENT_FONT.path)) return
  if (mayInstall()) {
    aptInstall(['fonts-wqy-microhei'], `${DEFAULT_DOCUMENT_FONT.path} is missing`)
    return
  }
  process.stdout.write(`${DEFAULT_DOCUMENT_FONT.path} is missing: the sealed-document tests need it (apt-get install fonts-wqy-microhei)\n`)
}
