import { join } from 'node:path'
import t from 'tap'
import { validatePackage } from '../../src/bagit/index.js'
import { bagFiles, fileEntries, writeTar, writeZip, zipEntries } from '../fixtures/archives.js'

// A serialized bag holds what a directory bag holds: names with CR, LF or "%" (RFC 8493 §2.1.3
// percent-encodes them in manifests) and paths nested as deep as a real project nests them.

const awkward = { 'line\nbreak.txt': 'n', 'cr\rname.txt': 'r', '100%.txt': 'pct', '%41.txt': 'literal' }
const deep = { [`层/${'d/'.repeat(199)}f.txt`]: 'deep' } // 200 directories below data/
const pathOf = (dir: string, name: string): string => join(dir, name)

for (const kind of ['tar', 'tar.gz', 'zip'] as const) {
  const write = async (file: string, files: Record<string, string>): Promise<void> =>
    kind === 'zip' ? await writeZip(file, zipEntries(files)) : await writeTar(file, fileEntries(files), { gzip: kind === 'tar.gz' })

  t.test(`a ${kind} bag with CR, LF and "%" in payload names is valid, as the same directory bag is`, async t => {
    const file = pathOf(t.testdir(), `bag.${kind}`)
    await write(file, bagFiles(awkward, 'bag/'))
    const report = await validatePackage(file)
    t.same(report.errors, [])
    t.ok(report.valid)
    t.equal(report.stats.payloadFiles, 4)
  })

  t.test(`a ${kind} bag with a payload path 200 directories deep is valid under the default limits`, async t => {
    const file = pathOf(t.testdir(), `bag.${kind}`)
    await write(file, bagFiles(deep, 'bag/'))
    const report = await validatePackage(file)
    t.same(report.errors, [])
    t.ok(report.valid)
    t.equal(report.stats.payloadFiles, 1)
  })
}
