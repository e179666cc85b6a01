import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { ROLES } from '../../auth/roles.js'
import type { OcflObjectReader } from '../../ocfl/index.js'
import { parseRange } from '../range.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { EventView, FileView, pageOf, PackageView, SealSummaryView, VersionView } from '../schemas/views.js'

export interface PackageRoutesOptions { catalogue: Catalogue, reader: OcflObjectReader }

const Id = Type.Object({ id: Type.String({ description: 'package id' }) })
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
      summary: 'Download a file (streamed; Range supported; digests in Repr-Digest and x-lantai-* headers)', tags: ['packages'],
      params: Type.Object({ id: Type.String(), '*': Type.String({ description: 'the logical path, e.g. data/竣工图/总平面图.pdf' }) }),
      querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, description: 'a version; the latest by default' })) }),
      response: { 200: Type.Unknown({ description: 'the file\'s bytes' }), 206: Type.Unknown({ description: 'the requested byte range' }), ...ProblemResponses, 416: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    const pkg = getPackage(req.params.id)
    const file = catalogue.packages.file(pkg.id, req.params['*'], req.query.version)
    if (file === null) throw new LantaiError('FILE_NOT_FOUND', `${req.params['*']} in ${pkg.id}`)
    const range = parseRange(req.headers.range, file.size)
    reply.header('accept-ranges', 'bytes')
      .header('repr-digest', `sha-256=:${b64(file.sha256)}:, sha-512=:${b64(file.sha512)}:`)
      .header('x-lantai-sha256', file.sha256).header('x-lantai-sm3', file.sm3).header('x-lantai-md5', file.md5)
      .header('etag', `"${file.sha256}"`)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.logicalPath.split('/').pop() ?? 'file')}`)
      .type('application/octet-stream')
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${file.size}`)
      throw new LantaiError('RANGE_NOT_SATISFIABLE', `${req.headers.range ?? ''} of ${file.size} bytes`)
    }
    if (range.kind === 'partial') {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${file.size}`).header('content-length', range.end - range.start + 1)
      return reply.send(await reader.openContent(pkg.ocflId, file.contentPath, { start: range.start, end: range.end }))
    }
    reply.header('content-length', file.size)
    return reply.send(await reader.openContent(pkg.ocflId, file.contentPath))
  })
}
