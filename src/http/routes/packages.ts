import { createHash } from 'node:crypto'
import { pipeline, Transform, type Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { isLantaiError, LantaiError } from '../../errors.js'
import { sendProblem } from '../plugins/problem-details.js'
import { ROLES } from '../../auth/roles.js'
import type { OcflObjectReader } from '../../ocfl/index.js'
import { parseRange } from '../range.js'
import { Page, Problem, ProblemResponses } from '../schemas/common.js'
import { EventView, FileView, pageOf, PackageView, SealSummaryView, VersionView } from '../schemas/views.js'

export interface PackageRoutesOptions { catalogue: Catalogue, reader: OcflObjectReader }

const Id = Type.Object({ id: Type.String({ description: 'package id' }) })
/** FILE_DAMAGED names the package's content.damaged event, so the archivist can read what was found. */
const DamagedProblem = Type.Object({
  ...Problem.properties,
  event: Type.Optional(Type.Integer({ description: 'the content.damaged event (GET /v1/packages/{id}/events)' }))
}, { description: 'application/problem+json (RFC 9457); FILE_DAMAGED names its event' })
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64')

export const packageRoutes: FastifyPluginAsyncTypebox<PackageRoutesOptions> = async (app, { catalogue, reader }) => {
  const getPackage = (id: string) => {
    const pkg = catalogue.packages.get(id)
    if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', id)
    return pkg
  }

  app.get('/packages', {
    config: { roles: ROLES },
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
    return { ...catalogue.packages.search({ ...rest, projectCode: project, limit, offset }), limit, offset }
  })

  app.get('/packages/:id', {
    config: { roles: ROLES, objectParam: 'id' },
    schema: {
      summary: 'A package with its versions and the summary of its paper decisions', tags: ['packages'], params: Id,
      response: { 200: Type.Composite([PackageView, Type.Object({ versions: Type.Array(VersionView), seals: SealSummaryView })]), ...ProblemResponses }
    }
  }, async req => ({ ...getPackage(req.params.id), versions: catalogue.packages.versions(req.params.id), seals: catalogue.sealDecisions.summary(req.params.id) }))

  app.get('/packages/:id/files', {
    config: { roles: ROLES, objectParam: 'id' },
    schema: {
      summary: 'The files of a version (the latest by default), with every digest', tags: ['packages'], params: Id,
      querystring: Type.Composite([Page, Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) })]),
      response: { 200: pageOf(FileView), ...ProblemResponses }
    }
  }, async req => {
    const pkg = getPackage(req.params.id)
    const { limit, offset, version } = req.query
    if (version !== undefined && version > pkg.headVersion) throw new LantaiError('VERSION_NOT_FOUND', `${pkg.id} has versions 1 to ${pkg.headVersion}, not ${version}`)
    return { ...catalogue.packages.files(pkg.id, { version: version ?? pkg.headVersion, limit, offset }), limit, offset }
  })

  app.get('/packages/:id/events', {
    config: { roles: ROLES, objectParam: 'id' },
    schema: {
      summary: 'The package\'s events (PREMIS-style), oldest first', tags: ['packages'], params: Id,
      querystring: Page, response: { 200: pageOf(EventView), ...ProblemResponses }
    }
  }, async req => {
    const pkg = getPackage(req.params.id)
    const { limit, offset } = req.query
    return { ...catalogue.events.list({ objectType: 'package', objectId: pkg.id, limit, offset, order: 'asc' }), limit, offset }
  })

  app.get('/packages/:id/files/*', {
    config: { roles: ROLES, objectParam: 'id' },
    schema: {
      summary: 'Download a file (streamed and verified; Range supported; digests in Repr-Digest and x-lantai-* headers)', tags: ['packages'],
      description: 'A file known damaged is refused with 409 FILE_DAMAGED naming the content.damaged event. A whole file is hashed as it streams: bytes that do not match are recorded as damage, and the response is cut off before its last byte (or refused, when nothing was sent yet).',
      params: Type.Object({ id: Type.String(), '*': Type.String({ description: 'the logical path, e.g. data/竣工图/总平面图.pdf' }) }),
      querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, description: 'a version; the latest by default' })) }),
      response: { 200: Type.Unknown({ description: 'the file\'s bytes' }), 206: Type.Unknown({ description: 'the requested byte range' }), ...ProblemResponses, 409: DamagedProblem, 416: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    const pkg = getPackage(req.params.id)
    const logicalPath = req.params['*']
    const version = req.query.version
    if (version !== undefined && version > pkg.headVersion) throw new LantaiError('VERSION_NOT_FOUND', `${pkg.id} has versions 1 to ${pkg.headVersion}, not ${version}`)
    const file = catalogue.packages.file(pkg.id, logicalPath, version)
    if (file === null) throw new LantaiError('FILE_NOT_FOUND', `${logicalPath} in ${pkg.id}${version === undefined ? '' : ` v${version}`}`)
    const agent = req.principal?.tokenId ?? 'system'
    const damagedBy = catalogue.packages.content(pkg.id, file.contentPath)?.damagedBy ?? null
    // Known damage is refused whole and in part: a range cannot be verified (below), so it would hand
    // out bytes known bad as if they were the file's.
    if (damagedBy !== null) {
      return sendProblem(req, reply, 'FILE_DAMAGED', 409, `${file.logicalPath} of ${pkg.id}: its stored bytes were found damaged (event ${damagedBy}); it is served again once a resubmission of the original repairs it`, { event: damagedBy })
    }
    const range = parseRange(req.headers.range, file.size)
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${file.size}`)
      throw new LantaiError('RANGE_NOT_SATISFIABLE', `${req.headers.range ?? ''} of ${file.size} bytes`)
    }
    const partial = range.kind === 'partial' && !(range.start === 0 && range.end === file.size - 1) ? range : null
    let stream: NodeJS.ReadableStream
    try {
      stream = await reader.openContent(pkg.ocflId, file.contentPath, partial === null ? undefined : { start: partial.start, end: partial.end })
    } catch (err) {
      if (!isLantaiError(err) || !['STORAGE_NOT_FOUND', 'OCFL_CONTENT_NOT_FOUND'].includes(err.code)) throw err
      // The catalogue lists the file but its bytes are gone: damage, recorded as fixity would, and
      // answered without the store's keys.
      const { eventId } = catalogue.packages.recordDamage(pkg.id, file.contentPath, { source: 'download', outcome: 'missing', agent, detail: { logicalPath: file.logicalPath } })
      throw new LantaiError('FILE_NOT_FOUND', `${file.logicalPath} of ${pkg.id}: its stored bytes are missing; recorded as damage (event ${eventId})`)
    }
    // Success headers only now that there are bytes to send: an error answer must not carry them.
    reply.header('accept-ranges', 'bytes')
      .header('repr-digest', `sha-256=:${b64(file.sha256)}:, sha-512=:${b64(file.sha512)}:`)
      .header('x-lantai-sha256', file.sha256).header('x-lantai-sm3', file.sm3).header('x-lantai-md5', file.md5)
      .header('etag', `"${file.sha256}"`)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.logicalPath.split('/').pop() ?? 'file')}`)
      .type('application/octet-stream')
    if (partial !== null) {
      // A part of a file cannot be checked against the file's digest: it is sent as stored. Clients
      // verify the whole against Repr-Digest once they have every part.
      reply.code(206).header('content-range', `bytes ${partial.start}-${partial.end}/${file.size}`).header('content-length', partial.end - partial.start + 1)
      return reply.send(stream)
    }
    if (range.kind === 'partial') reply.code(206).header('content-range', `bytes 0-${file.size - 1}/${file.size}`)
    reply.header('content-length', file.size)
    return reply.send(pipeline(stream as Readable, verifying(file.sha512, found => {
      const { eventId } = catalogue.packages.recordDamage(pkg.id, file.contentPath, {
        source: 'download', outcome: 'mismatch', agent, detail: { logicalPath: file.logicalPath, disagreements: [`sha512: catalogue ${file.sha512}, read ${found}`] }
      })
      req.log.warn({ package: pkg.id, contentPath: file.contentPath, event: eventId }, 'download found damaged bytes; response cut off')
      // Nothing sent yet (a file of one chunk): the error handler answers instead, without the file's headers.
      if (!reply.raw.headersSent) for (const h of SUCCESS_HEADERS) reply.removeHeader(h)
      return new LantaiError('FILE_DAMAGED', `${file.logicalPath} of ${pkg.id}: the stored bytes do not match its sha512 (event ${eventId})`, { event: eventId })
    }), () => {}))
  })
}

const SUCCESS_HEADERS = ['accept-ranges', 'repr-digest', 'x-lantai-sha256', 'x-lantai-sm3', 'x-lantai-md5', 'etag', 'content-disposition', 'content-length', 'content-range', 'content-type']

/**
 * Passes the bytes on while hashing them, one chunk behind: the last chunk goes out only once the
 * whole file's sha512 matched, so a client never receives a complete body of bad bytes (its response
 * is cut short of Content-Length instead).
 */
function verifying (sha512: string, onMismatch: (found: string) => Error): Transform {
  const hash = createHash('sha512')
  let held: Buffer | null = null
  return new Transform({
    transform (chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      if (held !== null) this.push(held)
      held = chunk
      done()
    },
    flush (done) {
      const found = hash.digest('hex')
      if (found !== sha512) { done(onMismatch(found)); return }
      if (held !== null) this.push(held)
      done()
    }
  })
}
