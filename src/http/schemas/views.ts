import { Type } from '@sinclair/typebox'

// Response schemas: what each resource looks like on the wire. Every field says what it is.
const Time = (description: string) => Type.String({ format: 'date-time', description })
const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])

export const ProjectCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$', description: 'unified project code (统一项目代码)' })

export const ProjectView = Type.Object({
  code: ProjectCode,
  name: Type.String({ description: 'project name (项目名称)' }),
  unit: Type.Union([Type.String(), Type.Null()], { description: 'construction unit (建设单位)' }),
  location: Type.Union([Type.String(), Type.Null()], { description: 'project location (项目地点)' }),
  classification: Type.Union([Type.Literal('非密'), Type.Literal('秘密'), Type.Literal('机密')], { description: 'classification (密级), a plain label until issue 15 enforces it' }),
  createdAt: Time('when the project was registered'),
  updatedAt: Time('when the project\'s own fields last changed')
})

export const ErrorValue = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], { description: 'why the submission failed or was rejected' })

export const SubmissionView = Type.Object({
  id: Type.String({ description: 'submission id' }),
  projectCode: ProjectCode,
  state: Type.String({ description: 'receiving | received | checking | checked | awaiting_decision | transferring | stored | rejected | failed' }),
  progress: Type.Integer({ minimum: 0, maximum: 100, description: 'percent done while it runs' }),
  stage: Type.Union([Type.String(), Type.Null()], { description: 'what it is doing now' }),
  contentType: Type.String(),
  mode: Type.String({ description: 'supplement (adds or replaces files of the head; removals by lantai-remove.txt) | replace (the whole payload)' }),
  bytesReceived: Type.Integer({ description: 'bytes of the upload received' }),
  sha256: Type.Union([Type.String(), Type.Null()], { description: 'the package digest: sha256 over the lines "<sha256>  <path>" of every file of the bag, sorted by path, so the same bag as tar, tar.gz or zip gives the same value' }),
  duplicateOf: Type.Union([Type.String(), Type.Null()], { description: 'when rejected as a duplicate: the submission whose version is the head this one would have left unchanged' }),
  packageId: Type.Union([Type.String(), Type.Null()], { description: 'the package it was stored in' }),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'the package version it became' }),
  error: ErrorValue,
  report: Type.Unknown({ description: 'the full validation report: every problem, as `lantai validate --json`; a resubmission\'s `review` names the last notice\'s defects resolved and remaining' }),
  applicationId: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'the acceptance application it answers' })),
  createdAt: Time('when the upload began'),
  updatedAt: Time('last change')
})

export const VersionView = Type.Object({
  number: Type.Integer(), submissionId: Type.String(), createdAt: Type.String(), message: Type.String(), fileCount: Type.Integer(), bytes: Type.Integer()
})

export const PackageView = Type.Object({
  id: Type.String({ description: 'package id' }),
  projectCode: ProjectCode,
  projectName: Type.Optional(Type.String()),
  unit: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ocflId: Type.String({ description: 'OCFL object id' }),
  headVersion: Type.Integer({ description: 'the latest version' }),
  state: Type.String({ description: 'active | damaged' }),
  fileCount: Type.Integer(),
  bytes: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  tier: Type.Optional(Type.String({ description: 'classification label (密级): 非密, 秘密 or 机密; the highest of its files and project' }))
})

export const SealDecisionView = Type.Object({
  logicalPath: Type.String(),
  version: Type.Integer({ description: 'the version whose file was checked' }),
  format: Type.String({ description: 'pdf | ofd | p7s | other' }),
  signatures: Type.Integer(),
  outcome: Type.String({ description: 'paper_waived | dual_set | paper_required' }),
  rule: Type.String({ description: 'the decision rule (R0 origin, R1 waiver, R3 failure, R4 indeterminate, R5 unsigned); src/seals/README.md' }),
  provisional: Type.Boolean({ description: 'R4: waits for trust or revocation data; re-run by a re-validation' }),
  integrityAlert: Type.Boolean({ description: 'R3: a signature failed; the file may have changed after signing' }),
  reason: Type.String(),
  checkedAt: Type.String()
})

export const SealSummaryView = Type.Object({
  files: Type.Integer(), signedFiles: Type.Integer(), paperWaived: Type.Integer(), dualSet: Type.Integer(), paperRequired: Type.Integer(),
  integrityAlerts: Type.Integer(), reviewQueue: Type.Integer({ description: 'provisional decisions waiting for a re-validation' }),
  lastCheckedAt: Type.Union([Type.String(), Type.Null()])
}, { description: 'the paper decisions of the package\'s files (notice clause 五)' })

export const FileView = Type.Object({
  version: Type.Integer(), logicalPath: Type.String(), contentPath: Type.String(), size: Type.Integer(),
  sha512: Type.String({ description: 'sha512, the OCFL content address; kept for every file' }),
  sm3: Type.String({ description: 'SM3 (GB/T 32905); kept for every file' }),
  sha256: Type.Union([Type.String(), Type.Null()], { description: 'kept when the bag declared a sha256 manifest (files stored before issue 13 all have it); null otherwise' }),
  md5: Type.Union([Type.String(), Type.Null()], { description: 'kept when the bag declared an md5 manifest (files stored before issue 13 all have it); null otherwise' }),
  otherDigests: Type.Record(Type.String(), Type.String(), { description: 'the other algorithms the bag\'s manifests declared, by BagIt name (sha1, sha384, sha3256 …) → lowercase hex; often empty' }),
  format: Type.Union([Type.String(), Type.Null()], { description: 'the format identified by the file\'s bytes at acceptance (ofd, pdf-a, jpeg …); null when none was, or stored before' }),
  scopeItem: Type.Union([Type.String(), Type.Null()], { description: 'the filing-scope item it was filed under (e.g. A1-1); null when none, or stored before' }),
  producer: Type.Union([Type.Object({
    role: Type.String({ description: 'builder, survey, design, construction, supervision, authority or mapping' }),
    name: Type.Union([Type.String(), Type.Null()]),
    uscc: Type.Union([Type.String(), Type.Null()], { description: 'unified social credit code' })
  }), Type.Null()], { description: 'the unit that produced it (谁形成谁负责), as acceptance found it when the version was recorded; null when stored before' }),
  tier: Type.Optional(Type.String({ description: 'classification label (密级) of the file: 非密, 秘密 or 机密' })),
  pipelineSurvey: Type.Optional(Type.Boolean({ description: 'pipeline-survey data (地下管线测绘数据), at least 秘密' }))
}, { description: 'a logical file with the digests kept of its bytes: sha512 and SM3 always, plus every algorithm its bag\'s manifests declared' })

export const EventView = Type.Object({
  id: Type.Integer(), at: Type.String(), type: Type.String(), outcome: Type.String(), agent: Type.String(),
  objectType: Type.String(), objectId: Type.String(), detail: Type.Unknown()
})

export const pageOf = <T extends ReturnType<typeof Type.Object>>(item: T) => Type.Object({
  items: Type.Array(item), total: Type.Integer({ description: 'items matching, over all pages' }), limit: Type.Integer(), offset: Type.Integer()
})

export { Nullable }
