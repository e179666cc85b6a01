import { createHash } from 'node:crypto'
import { LantaiError } from '../errors.js'
import { readAll, type BlobStore } from '../storage/index.js'

// The storage root (OCFL 1.1 §4) and how an object id becomes a directory: extension
// 0004-hashed-n-tuple-storage-layout, sha256 of the id cut into three 3-hex tuples, then the whole
// digest as the object root. README.md explains the choice.

export const STORAGE_DECLARATION = '0=ocfl_1.1'
export const STORAGE_DECLARATION_TEXT = 'ocfl_1.1\n'
export const LAYOUT_FILE = 'ocfl_layout.json'
export const LAYOUT_EXTENSION = '0004-hashed-n-tuple-storage-layout'
export const LAYOUT_CONFIG = {
  extensionName: LAYOUT_EXTENSION,
  digestAlgorithm: 'sha256',
  tupleSize: 3,
  numberOfTuples: 3,
  shortObjectRoot: false
} as const
const LAYOUT_CONFIG_KEY = `extensions/${LAYOUT_EXTENSION}/config.json`
const LAYOUT_JSON = { extension: LAYOUT_EXTENSION, description: 'Hashed N-tuple Storage Layout: sha256 of the object id, 3 tuples of 3 hex digits, full digest as the object root' }

/** Lantai's object ids are the project code inside this URN (README.md "Object ids"). */
export const PROJECT_ID_PREFIX = 'urn:lantai:project:'

/** The OCFL object id of a project: `urn:lantai:project:<project code>`. */
export function projectObjectId (projectCode: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(projectCode)) throw new LantaiError('OCFL_ID_INVALID', `project code ${JSON.stringify(projectCode)}`)
  return PROJECT_ID_PREFIX + projectCode
}

/** The project code inside an object id, or undefined for an id Lantai did not mint. */
export const projectCodeOf = (objectId: string): string | undefined =>
  objectId.startsWith(PROJECT_ID_PREFIX) ? objectId.slice(PROJECT_ID_PREFIX.length) : undefined

/** W005: an id SHOULD be a URI; Lantai's writer makes that a MUST, so its objects carry no warning. */
export function checkObjectId (objectId: string): void {
  // eslint-disable-next-line no-control-regex
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0000-\u001f]+$/.test(objectId)) {
    throw new LantaiError('OCFL_ID_INVALID', `${JSON.stringify(objectId)} is not a URI; use projectObjectId(code)`, { objectId })
  }
}

/** The object root key under the storage root, e.g. `b3c/a1f/09e/b3ca1f09e…`. */
export function objectRootOf (objectId: string): string {
  const digest = createHash(LAYOUT_CONFIG.digestAlgorithm).update(objectId, 'utf8').digest('hex')
  const { tupleSize, numberOfTuples } = LAYOUT_CONFIG
  const tuples: string[] = []
  for (let i = 0; i < numberOfTuples; i++) tuples.push(digest.slice(i * tupleSize, (i + 1) * tupleSize))
  return [...tuples, digest].join('/')
}

const json = (x: unknown): string => JSON.stringify(x, null, 2) + '\n'

/**
 * Makes `store` an OCFL 1.1 storage root with Lantai's layout, or checks that it already is one.
 * Idempotent. The declaration is written last, so a root interrupted halfway is simply done again.
 */
export async function initStorageRoot (store: BlobStore): Promise<void> {
  if (await store.stat(STORAGE_DECLARATION) !== null) {
    const problems: string[] = []
    const declaration = (await readAll(store, STORAGE_DECLARATION)).toString('utf8')
    if (declaration !== STORAGE_DECLARATION_TEXT) problems.push(`${STORAGE_DECLARATION} reads ${JSON.stringify(declaration)}`)
    const layout = await readJson(store, LAYOUT_FILE)
    if (layout?.extension !== LAYOUT_EXTENSION) problems.push(`${LAYOUT_FILE} does not name ${LAYOUT_EXTENSION}`)
    const config = await readJson(store, LAYOUT_CONFIG_KEY)
    for (const [k, v] of Object.entries(LAYOUT_CONFIG)) if (config?.[k] !== v) problems.push(`${LAYOUT_CONFIG_KEY}: ${k} is not ${JSON.stringify(v)}`)
    if (problems.length > 0) throw new LantaiError('OCFL_STORAGE_ROOT_INVALID', `${store.description}: ${problems.join('; ')}`, { problems })
    return
  }
  // A peer starting on the same shared store at the same moment may be writing these three now (its
  // declaration last): what it writes is what this writes, so only other files make the root foreign.
  const ours = new Set([LAYOUT_FILE, LAYOUT_CONFIG_KEY, STORAGE_DECLARATION])
  for await (const key of store.list('')) {
    if (!ours.has(key)) throw new LantaiError('OCFL_STORAGE_ROOT_INVALID', `${store.description} holds ${key} but no ${STORAGE_DECLARATION}`)
  }
  await store.putBytes(LAYOUT_CONFIG_KEY, json(LAYOUT_CONFIG))
  await store.putBytes(LAYOUT_FILE, json(LAYOUT_JSON))
  await store.putBytes(STORAGE_DECLARATION, STORAGE_DECLARATION_TEXT)
}

async function readJson (store: BlobStore, key: string): Promise<Record<string, unknown> | undefined> {
  if (await store.stat(key) === null) return undefined
  try {
    const x: unknown = JSON.parse((await readAll(store, key)).toString('utf8'))
    return typeof x === 'object' && x !== null ? x as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}
