// Operational errors: the request or the environment is wrong, not the bag. A bad bag is never one of
// these; it is a list of findings (src/bagit/codes.ts). Each code is declared once with its meaning.

export const ERROR_CODES = {
  USAGE: { transient: false, en: 'the command was called wrongly' },
  PATH_NOT_FOUND: { transient: false, en: 'the path does not exist' },
  PATH_UNREADABLE: { transient: false, en: 'the path cannot be opened' },
  PROFILE_INVALID: { transient: false, en: 'the BagIt profile is not valid JSON of the BagIt Profiles form' },
  CONFIG_INVALID: { transient: false, en: 'the configuration has bad values' },
  STAGING_FAILED: { transient: true, en: 'the staging area could not be written' },
  DATA_DIR_LOCKED: { transient: true, en: 'the data directory is in use by another running Lantai process' },
  ABORTED: { transient: true, en: 'the operation was cancelled' },
  // http
  NOT_FOUND: { transient: false, en: 'no such resource' },
  REQUEST_INVALID: { transient: false, en: 'the request does not match the schema' },
  UNAUTHENTICATED: { transient: false, en: 'a valid bearer token is required' },
  FORBIDDEN: { transient: false, en: 'the token\'s role may not do this' },
  PAYLOAD_TOO_LARGE: { transient: false, en: 'the upload is larger than the configured limit' },
  UNSUPPORTED_MEDIA_TYPE: { transient: false, en: 'the package must be sent as application/x-tar, application/gzip or application/zip' },
  UPLOAD_INCOMPLETE: { transient: true, en: 'the upload ended before the whole package arrived' },
  FILE_NOT_FOUND: { transient: false, en: 'the package has no file at this logical path' },
  PACKAGE_INVALID: { transient: false, en: 'the package has errors; the report lists every one' },
  DUPLICATE_SUBMISSION: { transient: false, en: 'the package adds nothing: every file is already stored with the same digests' },
  RANGE_NOT_SATISFIABLE: { transient: false, en: 'the requested byte range lies outside the file' },
  SHUTTING_DOWN: { transient: true, en: 'the service is shutting down; try again shortly' },
  INTERNAL: { transient: true, en: 'an internal error occurred; the request id identifies it in the log' },
  // catalogue
  CATALOGUE_TOO_NEW: { transient: false, en: 'the catalogue database was written by a newer Lantai; upgrade before opening it' },
  CATALOGUE_MIGRATION_FAILED: { transient: false, en: 'a catalogue migration failed and was rolled back' },
  CATALOGUE_ARGUMENT_INVALID: { transient: false, en: 'a catalogue call was given a malformed argument' },
  PROJECT_CODE_INVALID: { transient: false, en: 'the project code must be 1 to 64 characters of A-Z, a-z, 0-9 and -' },
  PROJECT_EXISTS: { transient: false, en: 'a project with this code already exists' },
  PROJECT_NOT_FOUND: { transient: false, en: 'no project has this code' },
  SUBMISSION_NOT_FOUND: { transient: false, en: 'no submission has this id' },
  SUBMISSION_TRANSITION_INVALID: { transient: false, en: 'a submission cannot move between these states' },
  LOCK_LOST: { transient: true, en: 'another worker took over a lease this work held; it stopped without committing' },
  REVALIDATION_RUNNING: { transient: false, en: 'a re-validation of this package is already queued or running' },
  STATE_CONFLICT: { transient: false, en: 'the record is no longer in the state the change expected' },
  PACKAGE_NOT_FOUND: { transient: false, en: 'no package has this id' },
  PACKAGE_VERSION_CONFLICT: { transient: false, en: 'the version does not follow the package head, or names another OCFL object' },
  CONTENT_NOT_FOUND: { transient: false, en: 'no stored content file has this path in the package' },
  CONTENT_CONFLICT: { transient: false, en: 'a content file is already recorded with another size or other digests' },
  JOB_NOT_FOUND: { transient: false, en: 'no job has this id' },
  JOB_ACTIVE: { transient: false, en: 'a job of this kind is already queued or running for this subject' },
  TOKEN_NOT_FOUND: { transient: false, en: 'no token has this id' },
  TOKEN_INVALID: { transient: false, en: 'the bearer token is unknown, malformed or revoked' },
  EVENT_IMMUTABLE: { transient: false, en: 'events and access-log entries are insert-only' },
  // storage and OCFL
  STORAGE_KEY_INVALID: { transient: false, en: 'the storage key is not a clean relative key' },
  STORAGE_NOT_FOUND: { transient: false, en: 'no object is stored under this key' },
  STORAGE_RANGE_INVALID: { transient: false, en: 'the byte range cannot be satisfied' },
  STORAGE_SOURCE_CHANGED: { transient: false, en: 'a local file to store is not the regular file of the size its caller hashed' },
  OCFL_PATH_INVALID: { transient: false, en: 'the logical path is not a clean relative path' },
  OCFL_ID_INVALID: { transient: false, en: 'the OCFL object id must be a URI' },
  OCFL_HEAD_MOVED: { transient: true, en: 'the object head is not the expected version' },
  OCFL_UNCOMMITTED_VERSION: { transient: false, en: 'an uncommitted version directory is in the way; run recover() first' },
  OCFL_OBJECT_NOT_FOUND: { transient: false, en: 'no OCFL object has this id' },
  OCFL_INVENTORY_INVALID: { transient: false, en: 'the OCFL inventory is unreadable or does not match its sidecar' },
  OCFL_CONTENT_NOT_FOUND: { transient: false, en: 'the object has no such content path or logical path' },
  OCFL_FILE_CHANGED: { transient: false, en: 'a file to add differs from what the caller described' },
  OCFL_STORAGE_ROOT_INVALID: { transient: false, en: 'the storage root is not an OCFL 1.1 root with the expected layout' },
  // seals
  SEAL_TRUST_INVALID: { transient: false, en: 'a file in the seal trust store (certs/) is not a readable certificate, CRL or OCSP response' }
} as const satisfies Record<string, { transient: boolean, en: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export class LantaiError extends Error {
  constructor (readonly code: ErrorCode, detail?: string, readonly details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(detail === undefined ? ERROR_CODES[code].en : `${ERROR_CODES[code].en}: ${detail}`, options)
    this.name = 'LantaiError'
  }

  get transient (): boolean { return ERROR_CODES[this.code].transient }
}

export const isLantaiError = (e: unknown): e is LantaiError => e instanceof LantaiError
