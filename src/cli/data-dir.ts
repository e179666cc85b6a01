import { statSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { openCatalogue, type Catalogue } from '../catalogue/index.js'
import type { Config } from '../config.js'
import { isLantaiError, LantaiError } from '../errors.js'

// Commands other than `serve` work on a data directory the service made. Run from another folder, the
// default ./var is not there: that is a setting to fix (exit 2, naming LANTAI_DATA), never a stack
// trace and exit 1, which a cron monitor of `lantai fixity run` would read as damage.

export interface OpenDataOptions {
  /** `token create` may make the catalogue of an existing, empty directory (before the first start). */
  create?: boolean
}

/** The catalogue of LANTAI_DATA; DATA_DIR_MISSING or DATA_DIR_UNUSABLE naming the directory otherwise. */
export function openDataCatalogue (config: Pick<Config, 'dataDir'>, options: OpenDataOptions = {}): Catalogue {
  const dir = config.dataDir
  const about = { variable: 'LANTAI_DATA', dataDir: dir }
  const st = statOrNull(dir)
  if (st === null) throw new LantaiError('DATA_DIR_MISSING', `LANTAI_DATA=${dir}`, about)
  if (!st.isDirectory()) throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${dir} is not a directory`, about)
  const file = join(dir, 'catalogue.sqlite')
  if (options.create !== true && statOrNull(file) === null) {
    throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${dir} has no catalogue.sqlite (start \`lantai serve\` with it once)`, about)
  }
  try {
    return openCatalogue(file)
  } catch (err) {
    if (isLantaiError(err)) throw err
    throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${dir}: ${(err as Error).message}`, about, { cause: err })
  }
}

function statOrNull (path: string): Stats | null {
  try { return statSync(path) } catch { return null }
}
