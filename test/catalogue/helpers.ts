import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { openSyncCatalogue as openCatalogue, type SyncCatalogue as Catalogue, type ContentInput, type Digests } from '../../src/catalogue/index.js'
import { scratch, type TestLike } from '../fixtures/bags.js'

// Shared by the catalogue tests: a real catalogue file in the test's testdir, a clock the test moves,
// and content digests computed from strings.

export interface TeardownLike extends TestLike { teardown (fn: () => void): void }

export class TestClock {
  ms: number
  constructor (start = '2024-05-01T00:00:00.000Z') { this.ms = Date.parse(start) }
  readonly now = (): Date => new Date(this.ms)
  advance (ms: number): void { this.ms += ms }
  set (iso: string): void { this.ms = Date.parse(iso) }
  iso (): string { return new Date(this.ms).toISOString() }
}

export interface TestCatalogue { c: Catalogue, file: string, dir: string, clock: TestClock, reopen: () => Catalogue }

export function makeCatalogue (t: TeardownLike, clock = new TestClock()): TestCatalogue {
  const dir = scratch(t)
  const file = join(dir, 'catalogue.sqlite')
  const opened: Catalogue[] = []
  const open = (): Catalogue => { const c = openCatalogue(file, clock.now); opened.push(c); return c }
  t.teardown(() => { for (const c of opened) c.close() })
  return { c: open(), file, dir, clock, reopen: open }
}

const hex = (alg: string, data: string): string => createHash(alg).update(data).digest('hex')

export const digestsOf = (data: string): Digests => ({
  size: Buffer.byteLength(data), sha512: hex('sha512', data), sha256: hex('sha256', data), md5: hex('md5', data), sm3: hex('sm3', data)
})

export const contentOf = (contentPath: string, data: string, nextCheckAt?: string): ContentInput =>
  ({ contentPath, ...digestsOf(data), ...(nextCheckAt === undefined ? {} : { nextCheckAt }) })

/** A project and a submission moved to 'transferring', ready for a version. */
export function transferringSubmission (c: Catalogue, projectCode: string): string {
  if (c.projects.get(projectCode) === null) c.projects.create({ code: projectCode, name: `project ${projectCode}`, unit: 'Unit A' })
  const s = c.submissions.create({ projectCode, contentType: 'application/x-tar', createdBy: null })
  c.submissions.transition(s.id, 'receiving', 'received')
  c.submissions.transition(s.id, 'received', 'checking')
  c.submissions.transition(s.id, 'checking', 'checked')
  c.submissions.transition(s.id, 'checked', 'transferring')
  return s.id
}

/** Every error thrown by fn, for t.match against { code }. */
export function thrown (fn: () => unknown): unknown {
  try { fn() } catch (err) { return err }
  return undefined
}
