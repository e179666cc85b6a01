import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { declassify, FileReadGate, packageFor, raiseLabel, tiersFor, type AggregationGuard, type PipelineReadGuard } from '../../access/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { callerOf } from '../plugins/auth.js'
import { sendProblem } from '../plugins/problem-details.js'
import type { OcflObjectReader } from '../../ocfl/index.js'
import { StoredFileReader } from '../../preservation/file-read.js'
import { parseRange } from '../range.js'
import { Page, Problem, ProblemResponses } from '../schemas/common.js'
import { EventView, FileView, pageOf, PackageView, SealSummaryView, VersionView } from '../schemas/views.js'

export interface PackageRoutesOptions {
  catalogue: Catalogue
  reader: OcflObjectReader
  /** the aggregation guard (issue 15 item 5), called for each read of pipeline-survey data; none when absent */
  pipelineGuard?: PipelineReadGuard
  /** the aggregation guard's count of the pipeline-survey records a listing returns (issue 15 item 5); none when absent */
  aggregation?: AggregationGuard
}

const Id = Type.Object({ id: Type.String({ description: 'package id' }) })
/** FILE_DAMAGED names the package's content.damaged event, so the archivist can read what was found. */
const DamagedProblem = Type.Object({
  ...Problem.properties,
  event: Type.Optional(Type.Integer({ description: 'the content.damaged event (GET /v1/packages/{id}/events)' }))
}, { description: 'application/problem+json (RFC 9457); FILE_DAMAGED names its event' })
const Tier = Type.Union([Type.Literal('非密'), Type.Literal('秘密'), Type.Literal('机密')], { description: 'classification tier (密级): 非密, 秘密 or 机密' })
const LabelChange = Type.Object({
  tier: Tier,
  reason: Type.String({ minLength: 1, maxLength: 2000, description: 'why, for the event and the audit trail' })
})
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64')

export const packageRoutes: FastifyPluginAsyncTypebox<PackageRoutesOptions> = async (app, { catalogue, reader, pipelineGuard, aggregation }) => {
  const files = new StoredFileReader({ catalogue, reader })
  const gate = new FileReadGate(files, pipelineGuard)

  app.get('/packages', {
    config: { action: 'package.search' },
    schema: {
      summary: 'Search archival packages by project code, name, unit and date', tags: ['packages'],
      querystring: Type.Composite([Page, Type.Object({
        q: Type.Optional(Type.String({ description: 'part of the project code or name' })),
        project: Type.Optional(Type.String({ description: 'exact project code' })),
        unit: Type.Optional(Type.String({ description: 'construction unit' })),
        createdFrom: Type.Optional(Type.String({ format: 'date' })),
        createdTo: Type.Optional(Type.String({ format: 'date' }))
      })]),
      response: { 200: pageOf(PackageView), ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, project, ...rest } = req.query
    return { ...await catalogue.packages.search({ ...rest, projectCode: project, limit, offset, tiers: tiersFor(callerOf(req)) }), limit, offset }
  })

  app.get('/packages/:id', {
    config: { action: 'package.read', objectParam: 'id' },
    schema: {
      summary: 'A package with its versions and the summary of its paper decisions', tags: ['packages'], params: Id,
      response: { 200: Type.Composite([PackageView, Type.Object({ versions: Type.Array(VersionView), seals: SealSummaryView })]), ...ProblemResponses }
    }
  }, async req => {
    const pkg = await packageFor(catalogue, callerOf(req), req.params.id, 'package.read') // PACKAGE_NOT_FOUND before anything else is read
    return { ...pkg, versions: await catalogue.packages.versions(req.params.id), seals: await catalogue.sealDecisions.summary(req.params.id) }
  })

  app.get('/packages/:id/files', {
    config: { action: 'package.read', objectParam: 'id' },
    schema: {
      summary: 'The files of a version (the latest by default), with every digest', tags: ['packages'], params: Id,
      querystring: Type.Composite([Page, Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) })]),
      response: { 200: pageOf(FileView), ...ProblemResponses }
    }
  }, async req => {
    const pkg = await packageFor(catalogue, callerOf(req), req.params.id, 'package.read')
    const { limit, offset, version } = req.query
    const page = await catalogue.packages.files(pkg.id, { version: files.version(pkg, version), limit, offset })
    await aggregation?.enforceListed(callerOf(req), page.items, { requestId: req.id })
    return { ...page, limit, offset }
  })

  app.get('/packages/:id/events', {
    config: { action: 'package.events', objectParam: 'id' },
    schema: {
      summary: 'The package\'s events (PREMIS-style), oldest first', tags: ['packages'], params: Id,
      querystring: Page, response: { 200: pageOf(EventView), ...ProblemResponses }
    }
  }, async req => {
    const pkg = await packageFor(catalogue, callerOf(req), req.params.id, 'package.events')
    const { limit, offset } = req.query
    return { ...await catalogue.events.list({ objectType: 'package', objectId: pkg.id, limit, offset, order: 'asc' }), limit, offset }
  })

  app.get('/packages/:id/files/*', {
    config: { action: 'file.read', objectParam: 'id' },
    schema: {
      summary: 'Download a file (streamed and verified; Range supported; digests in Repr-Digest and x-lantai-* headers)', tags: ['packages'],
      description: 'A file known damaged is refused with 409 FILE_DAMAGED naming the content.damaged event. A whole file is hashed as it streams: bytes that do not match are recorded as damage, and the response is cut off before its last byte (or refused, when nothing was sent yet).',
      params: Type.Object({ id: Type.String(), '*': Type.String({ description: 'the logical path, e.g. data/竣工图/总平面图.pdf' }) }),
      querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, description: 'a version; the latest by default' })) }),
      response: { 200: Type.Unknown({ description: 'the file\'s bytes' }), 206: Type.Unknown({ description: 'the requested byte range' }), ...ProblemResponses, 409: DamagedProblem, 416: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    let whole = false
    const read = await gate.open(callerOf(req), {
      packageId: req.params.id,
      logicalPath: req.params['*'],
      version: req.query.version,
      range: ({ size }) => {
        const range = parseRange(req.headers.range, size)
        if (range.kind === 'unsatisfiable') {
          reply.header('content-range', `bytes */${size}`)
          throw new LantaiError('RANGE_NOT_SATISFIABLE', `${req.headers.range ?? ''} of ${size} bytes`)
        }
        whole = range.kind === 'partial' // a Range asking for every byte: 206, verified as a whole file
        return range.kind === 'partial' ? range : undefined
      }
    })
    if (read.kind === 'damaged') {
      return sendProblem(req, reply, 'FILE_DAMAGED', 409, `${read.file.logicalPath} of ${req.params.id}: its stored bytes were found damaged (event ${read.eventId}); it is served again once a resubmission of the original repairs it`, { event: read.eventId })
    }
    const { file, stream } = read
    // Success headers only now that there are bytes to send: an error answer must not carry them.
    reply.header('accept-ranges', 'bytes')
      // RFC 9530: the digests kept of this file that the registry names (sha256 only when the bag declared it).
      .header('repr-digest', `${file.sha256 === null ? '' : `sha-256=:${b64(file.sha256)}:, `}sha-512=:${b64(file.sha512)}:`)
      .header('x-lantai-sm3', file.sm3)
      // Files stored before issue 13 keep their sha256 tag, so a client's cached copy stays valid.
      .header('etag', `"${file.sha256 ?? file.sha512}"`)
    if (file.sha256 !== null) reply.header('x-lantai-sha256', file.sha256)
    if (file.md5 !== null) reply.header('x-lantai-md5', file.md5)
    reply
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.logicalPath.split('/').pop() ?? 'file')}`)
      .type('application/octet-stream')
    if (read.range !== null) {
      reply.code(206).header('content-range', `bytes ${read.range.start}-${read.range.end}/${file.size}`).header('content-length', read.range.end - read.range.start + 1)
      return reply.send(stream)
    }
    if (whole) reply.code(206).header('content-range', `bytes 0-${file.size - 1}/${file.size}`)
    reply.header('content-length', file.size)
    stream.once('error', err => {
      req.log.warn({ err, package: req.params.id, contentPath: file.contentPath }, 'download found damaged bytes; response cut off')
      // Nothing sent yet (a file of one chunk): the error handler answers instead, without the file's headers.
      if (!reply.raw.headersSent) for (const h of SUCCESS_HEADERS) reply.removeHeader(h)
    })
    return reply.send(stream)
  })

  app.post('/packages/:id/label', {
    config: { action: 'package.label.raise', objectParam: 'id' },
    schema: {
      summary: 'Raise a package\'s classification label (immediate; a package.label.raised event)', tags: ['access'], params: Id, body: LabelChange,
      description: 'Only higher than the current tier, and not above the security officer\'s own clearance. Lowering is POST /packages/{id}/declassify.',
      response: { 200: PackageView, ...ProblemResponses }
    }
  }, async req => await raiseLabel(catalogue, callerOf(req), req.params.id, req.body.tier, req.body.reason))

  app.post('/packages/:id/declassify', {
    config: { action: 'package.label.lower', objectParam: 'id' },
    schema: {
      summary: 'Declassify a package (lower its label): only through an approved two-person request', tags: ['access'], params: Id, body: LabelChange,
      description: 'Declassification is a two-person change: file POST /approvals {kind: "declassify", objectId: package id, parameters: {tier}}; a second security officer\'s approval carries it out (package.label.lowered names both). A direct call carries no approval and is refused with 409 ACCESS_DECLASSIFY_UNAPPROVED.',
      response: { 200: PackageView, ...ProblemResponses }
    }
  }, async req => await declassify(catalogue, callerOf(req), req.params.id, req.body.tier, req.body.reason, null))
}

const SUCCESS_HEADERS = ['accept-ranges', 'repr-digest', 'x-lantai-sha256', 'x-lantai-sm3', 'x-lantai-md5', 'etag', 'content-disposition', 'content-length', 'content-range', 'content-type']
