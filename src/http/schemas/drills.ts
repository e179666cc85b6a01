import { Type } from '@sinclair/typebox'

// GET /v1/drills: restore drills and their signed reports (issue 16 item 8).

export const DrillView = Type.Object({
  id: Type.String({ description: 'the drill (drl_…)' }),
  nodeId: Type.String({ description: 'the node restored from' }),
  outcome: Type.Union([Type.Literal('passed'), Type.Literal('failed')], { description: 'passed: every sampled package restored whole' }),
  sampleSize: Type.Integer({ description: 'packages restored' }),
  rtoMs: Type.Integer({ description: 'RTO: milliseconds to restore and validate the sample' }),
  rpoMs: Type.Union([Type.Integer(), Type.Null()], { description: 'RPO: the node\'s replication lag at drill time (age of the oldest version it had no verified copy of); null when none' }),
  startedAt: Type.String({ format: 'date-time', description: 'when the drill started' }),
  finishedAt: Type.String({ format: 'date-time', description: 'when it finished' }),
  agent: Type.String({ description: 'who ran it: a token id, cli, or schedule' }),
  algorithm: Type.Union([Type.Literal('sm2-sm3'), Type.Literal('ecdsa-sha256'), Type.Literal('none')], { description: 'the report\'s signature algorithm; none when no center key is configured' }),
  signatureCheck: Type.Union([Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('unsigned')], { description: 'the signature checked now against the certificate the drill carries' })
})

export const DrillDetail = Type.Composite([DrillView, Type.Object({
  report: Type.String({ description: 'the report exactly as signed (JSON text): verify "lantai-drill-report-v1\\n" + report against signature (docs/recovery.md)' }),
  signature: Type.String({ description: 'base64 signature; empty when unsigned' }),
  certificate: Type.String({ description: 'the signer\'s PEM certificate; empty when unsigned' })
})])

export const DrillsPage = Type.Object({
  items: Type.Array(DrillView, { description: 'newest first' }),
  total: Type.Integer({ description: 'drills in all' }),
  limit: Type.Integer({ description: 'page size asked' }),
  offset: Type.Integer({ description: 'rows skipped' })
})
