import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { NewVersionFile, VersionMeta } from '../../src/ocfl/index.js'

/** Writes each file under `dir` and describes it as ingest would: size and all four digests. */
export async function newFiles (dir: string, files: Record<string, string>): Promise<NewVersionFile[]> {
  const out: NewVersionFile[] = []
  for (const [logicalPath, body] of Object.entries(files)) {
    const localPath = join(dir, logicalPath)
    await mkdir(dirname(localPath), { recursive: true })
    await writeFile(localPath, body)
    const d = (alg: string): string => createHash(alg).update(body).digest('hex')
    out.push({ logicalPath, localPath, size: Buffer.byteLength(body), digests: { sha512: d('sha512'), sha256: d('sha256'), md5: d('md5'), sm3: d('sm3') } })
  }
  return out
}

export const meta = (message: string): VersionMeta => ({
  created: new Date('2026-03-01T08:00:00.000Z'),
  message,
  user: { name: '档案员 Li', address: 'mailto:li@archive.example.cn' }
})
