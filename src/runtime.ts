import { statSync, type Stats } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { AuditTrail, loadSigner, type CheckpointSigner } from './audit/index.js'
import { openCatalogue, type Catalogue } from './catalogue/index.js'
import type { Config } from './config.js'
import { loadCenterSigner } from './documents/index.js'
import { isLantaiError, LantaiError } from './errors.js'
import { HashPool } from './hashing/index.js'
import type { Logger } from './logger.js'
import { initStorageRoot, OcflObjectReader, OcflObjectWriter } from './ocfl/index.js'
import { loadTrustDir, SealVerifierPool, type TrustStore } from './seals/index.js'
import { sharesCatalogue } from './service/process-role.js'
import { LocalBlobStore, parseS3StoreUrl, S3BlobStore, type BlobStore } from './storage/index.js'

// One runtime for the service and every CLI command (ARCHITECTURE.md §2): the catalogue, the store and
// its OCFL reader and writer, the worker pools and the trust store of a data directory are opened here
// and nowhere else, so a second backend (PostgreSQL, S3) changes this file, not every command.

export type RuntimeMode =
  /** `lantai serve`, holding the data-directory lock: the directory's folders and catalogue are made, the store prepared. */
  | 'serve'
  /** A command beside the service: the data directory and its catalogue must exist (DATA_DIR_MISSING, DATA_DIR_UNUSABLE). */
  | 'existing'
  /** `lantai token create`: an existing directory, whose catalogue may be made now (before the first start). */
  | 'create-catalogue'

export interface RuntimeOptions {
  mode: RuntimeMode
  /** For what 'serve' finds on opening (leftover store staging files). */
  log?: Logger
}

export interface Runtime {
  readonly config: Config
  readonly catalogue: Catalogue
  /** The local store in LANTAI_DATA/store, or the S3 bucket of LANTAI_STORE_URL. */
  readonly store: BlobStore
  /** the hash-chained audit trail: every access and change is recorded through it (issue 15) */
  readonly audit: AuditTrail
  readonly reader: OcflObjectReader
  readonly writer: OcflObjectWriter
  /** Made on first use; its workers start with the first file hashed. */
  readonly pool: HashPool
  /** Made on first use; its workers start with the first file verified. */
  readonly sealVerifier: SealVerifierPool
  /** Where uploads are received and unpacked, one directory per submission. */
  readonly stagingRoot: string
  /** Where re-validation unpacks a package's files for a while. */
  readonly scratchRoot: string
  /** The trust store as LANTAI_TRUST holds it now (read again on every call: roots, CRLs and OCSP responses change). */
  loadTrust (): Promise<TrustStore>
  /** Stops the pools that were started and closes the catalogue. Idempotent. */
  close (): Promise<void>
}

export async function openRuntime (config: Config, options: RuntimeOptions): Promise<Runtime> {
  const storeRoot = join(config.dataDir, 'store')
  const stagingRoot = join(config.dataDir, 'staging')
  const local = config.storeUrl === null ? new LocalBlobStore(storeRoot) : null
  const s3 = local === null ? s3Store(config) : null
  const store: BlobStore = local ?? s3 as S3BlobStore
  let catalogue: Catalogue
  if (options.mode === 'serve') {
    await mkdir(stagingRoot, { recursive: true })
    if (local !== null) await mkdir(storeRoot, { recursive: true })
    catalogue = await openCatalogue(catalogueTarget(config))
  } else {
    catalogue = await openDataCatalogue(config, options.mode === 'create-catalogue')
  }
  if (options.mode === 'serve') {
    try {
      if (local !== null) {
        // Half-written files of a crashed put, removed before this process puts anything: all of them with
        // the data lock held; with peers sharing the store, only those of dead writers (docs/decisions/0005-processes.md).
        const leftovers = await local.removeStagingLeftovers({ shared: sharesCatalogue(config) })
        if (leftovers > 0) options.log?.info({ removed: leftovers, dir: join(local.root, '.staging') }, 'leftover store staging files removed')
      } else if (s3 !== null) {
        // An S3 put is atomic: no half-written object to clear; the bucket is made on first start, as the local store's folder is.
        await s3.ensureBucket()
      }
      await initStorageRoot(store)
    } catch (err) {
      s3?.close()
      await catalogue.close()
      throw err
    }
  }
  let audit: AuditTrail
  try {
    audit = auditTrailOf(config, catalogue)
  } catch (err) {
    s3?.close()
    await catalogue.close()
    throw err
  }
  return new OpenRuntime(config, catalogue, audit, store, stagingRoot, () => { s3?.close() })
}

/** The audit trail as the config sets it: hash, checkpoint interval and the center's signing key. */
export function auditTrailOf (config: Pick<Config, 'auditAlgorithm' | 'auditKey' | 'auditCert' | 'auditCheckpointRows' | 'auditCheckpointMinutes'> & Partial<Pick<Config, 'centerKey' | 'centerCert'>>, catalogue: Catalogue): AuditTrail {
  return new AuditTrail(catalogue.audit, { algorithm: config.auditAlgorithm, signer: checkpointSignerOf(config), checkpointEvery: config.auditCheckpointRows, checkpointMinutes: config.auditCheckpointMinutes })
}

/** The key that signs what the center attests (audit checkpoints, drill reports): LANTAI_AUDIT_KEY, else the center's. */
export const checkpointSignerOf = (config: Pick<Config, 'auditKey' | 'auditCert'> & Partial<Pick<Config, 'centerKey' | 'centerCert'>>): CheckpointSigner | null =>
  config.auditKey !== null && config.auditCert !== null ? loadSigner(config.auditKey, config.auditCert) : centerCheckpointSigner(config)

/**
 * Without LANTAI_AUDIT_KEY the center's own key (LANTAI_CENTER_KEY) signs the checkpoints, when it is SM2 or
 * ECDSA (the checkpoint contract, docs/audit.md); an RSA center key leaves them unsigned, as before.
 */
function centerCheckpointSigner (config: Partial<Pick<Config, 'centerKey' | 'centerCert'>>): CheckpointSigner | null {
  if (config.centerKey == null || config.centerCert == null) return null
  const center = loadCenterSigner({ key: config.centerKey, cert: config.centerCert })
  return center.algorithm === 'rsa-sha256' ? null : { algorithm: center.algorithm, key: center.key, certificatePem: center.certificate.toString() }
}

class OpenRuntime implements Runtime {
  readonly reader: OcflObjectReader
  readonly writer: OcflObjectWriter
  readonly scratchRoot: string
  #pool: HashPool | undefined
  #sealVerifier: SealVerifierPool | undefined
  #closing: Promise<void> | undefined

  readonly #releaseStore: () => void

  constructor (readonly config: Config, readonly catalogue: Catalogue, readonly audit: AuditTrail, readonly store: BlobStore, readonly stagingRoot: string, releaseStore: () => void) {
    this.#releaseStore = releaseStore
    this.reader = new OcflObjectReader(store)
    this.writer = new OcflObjectWriter(store)
    this.scratchRoot = join(config.dataDir, 'scratch')
  }

  get pool (): HashPool {
    this.#pool ??= new HashPool()
    return this.#pool
  }

  get sealVerifier (): SealVerifierPool {
    this.#sealVerifier ??= new SealVerifierPool()
    return this.#sealVerifier
  }

  async loadTrust (): Promise<TrustStore> {
    return await loadTrustDir(this.config.trustDir)
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      await this.#pool?.close()
      await this.#sealVerifier?.close()
      await this.catalogue.close()
      this.#releaseStore()
    })()
    return await this.#closing
  }
}

/** The S3 primary store of LANTAI_STORE_URL; loadConfig has checked the URL and that both keys are set. */
function s3Store (config: Pick<Config, 'storeUrl' | 'storeCredentials'>): S3BlobStore {
  const location = parseS3StoreUrl(config.storeUrl ?? '')
  if (location === null || config.storeCredentials === null) throw new LantaiError('CONFIG_INVALID', 'LANTAI_STORE_URL, LANTAI_STORE_ACCESS_KEY and LANTAI_STORE_SECRET_KEY')
  return new S3BlobStore({ ...location, credentials: config.storeCredentials })
}

/**
 * What openCatalogue opens: the PostgreSQL database of LANTAI_DATABASE_URL, else the SQLite file in
 * LANTAI_DATA (the embedded default).
 */
export function catalogueTarget (config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  return config.databaseUrl ?? join(config.dataDir, 'catalogue.sqlite')
}

// Commands other than `serve` work on a data directory the service made. Run from another folder, the
// default ./var is not there: that is a setting to fix (exit 2, naming LANTAI_DATA), never a stack
// trace and exit 1, which a cron monitor of `lantai fixity run` would read as damage.

/**
 * The catalogue of LANTAI_DATA (or LANTAI_DATABASE_URL); DATA_DIR_MISSING or DATA_DIR_UNUSABLE naming
 * the directory otherwise. The directory must exist either way: the store and staging live there.
 */
async function openDataCatalogue (config: Pick<Config, 'dataDir' | 'databaseUrl'>, create: boolean): Promise<Catalogue> {
  const dir = config.dataDir
  const about = { variable: 'LANTAI_DATA', dataDir: dir }
  const st = statOrNull(dir)
  if (st === null) throw new LantaiError('DATA_DIR_MISSING', `LANTAI_DATA=${dir}`, about)
  if (!st.isDirectory()) throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${dir} is not a directory`, about)
  // A PostgreSQL catalogue is not in the directory; whether its database exists, is reachable and at a
  // migration the code knows is openCatalogue's to say (DB_* or CONFIG_INVALID naming LANTAI_DATABASE_URL).
  if (config.databaseUrl !== null) return await openCatalogue(config.databaseUrl)
  const file = join(dir, 'catalogue.sqlite')
  if (!create && statOrNull(file) === null) {
    throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${dir} has no catalogue.sqlite (start \`lantai serve\` with it once)`, about)
  }
  try {
    return await openCatalogue(file)
  } catch (err) {
    if (isLantaiError(err)) throw err
    throw new LantaiError('DATA_DIR_UNUSABLE', `LANTAI_DATA=${dir}: ${(err as Error).message}`, about, { cause: err })
  }
}

function statOrNull (path: string): Stats | null {
  try { return statSync(path) } catch { return null }
}
