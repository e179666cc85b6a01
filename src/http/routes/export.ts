import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { authorize, FileReadGate, packageFor, type ExportGate } from '../../access/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { OcflObjectReader } from '../../ocfl/index.js'
import { planBagExport, streamBagExport } from '../../preservation/bag-export.js'
import { StoredFileReader } from '../../preservation/file-read.js'
import { callerOf } from '../plugins/auth.js'
import { ProblemResponses } from '../schemas/common.js'

// GET /v1/packages/:id/export (docs/export.md): a thin shell. The package is loaded through the gate,
// the bag planned (preservation/bag-export.ts), the export admitted (access/export-gate.ts: the two-person
// rule for classified material, the aggregation guard), and only then the first byte sent, each file's
// bytes through the file-read gate.

export interface ExportRoutesOptions { catalogue: Catalogue, reader: OcflObjectReader, exports: ExportGate }

export const exportRoutes: FastifyPluginAsyncTypebox<ExportRoutesOptions> = async (app, { catalogue, reader, exports }) => {
  const files = new StoredFileReader({ catalogue, reader })
  // No per-file guard here: the export's pipeline-survey files are counted once, as an export, by the ExportGate.
  const gate = new FileReadGate(files)

  app.get('/packages/:id/export', {
    config: { action: 'package.export', objectParam: 'id' },
    schema: {
      summary: 'Export a version of a package as a BagIt bag (a tar, streamed)', tags: ['packages'],
      description: 'The tar holds one directory, <id>-v<N>, with bagit.txt, bag-info.txt, manifest-sha512.txt, manifest-sm3.txt, their tag manifests, the submitted bag\'s metadata/ files and data/. A classified package (秘密, 机密) needs the caller\'s approved export-classified request (403 EXPORT_APPROVAL_REQUIRED otherwise); its pipeline-survey files count against the aggregation guard (403 AGGREGATION_CAP_EXCEEDED). Both are decided before the first byte.',
      params: Type.Object({ id: Type.String({ description: 'package id' }) }),
      querystring: Type.Object({ version: Type.Optional(Type.String({ pattern: '^v?[1-9][0-9]{0,8}$', description: 'the version, vN or N; the latest by default' })) }),
      response: { 200: Type.Unknown({ description: 'application/x-tar: the bag' }), ...ProblemResponses, 409: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    const principal = callerOf(req)
    const pkg = await packageFor(catalogue, principal, req.params.id, 'package.export')
    const version = files.version(pkg, req.query.version === undefined ? undefined : Number(req.query.version.replace(/^v/, '')))
    const plan = await planBagExport(catalogue, pkg, version, {
      check: file => {
        const decision = authorize(principal, 'file.read', { kind: 'file', packageId: pkg.id, path: file.logicalPath, tier: file.tier })
        if (!decision.allowed) throw new LantaiError(decision.hide ? 'PACKAGE_NOT_FOUND' : 'FORBIDDEN', decision.hide ? pkg.id : `${principal.role} may not file.read`)
      }
    })
    await exports.admit(principal, pkg, { version, files: plan.payload.files, bytes: plan.payload.bytes, pipeline: plan.pipeline, requestId: req.id })
    const stream = streamBagExport(catalogue, plan, async logicalPath => await gate.open(principal, { packageId: pkg.id, logicalPath, version }))
    stream.once('error', err => { req.log.warn({ err, package: pkg.id, version }, 'export cut off') })
    return reply.header('content-disposition', `attachment; filename="${plan.name}.tar"`).type('application/x-tar').send(stream)
  })
}
