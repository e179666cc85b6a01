import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { Engine } from './db/schema.js'
import { oneOf } from './sql.js'

// Issue 15 item 4 for the records that carry no label of their own (submissions, acceptance applications,
// their documents): they take their project's and their package's. These predicates go into the queries'
// WHERE, before paging, so a hidden record is neither listed nor counted nor found by id.

/** The project `code` names has one of `tiers`. */
export const projectVisible = (engine: Engine, code: Expression<unknown>, tiers: readonly string[]): RawBuilder<SqlBool> =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM projects vj WHERE vj.code = ${code} AND ${oneOf(engine, sql.ref('vj.tier'), tiers)})`

/**
 * A submission's project and package have one of `tiers`. Its package is the one it stored into or, before
 * that, its project's (a project has one package): a later version of a 机密 package is 机密 from its upload.
 */
export const submissionVisible = (engine: Engine, projectCode: Expression<unknown>, packageId: Expression<unknown>, tiers: readonly string[]): RawBuilder<SqlBool> =>
  sql<SqlBool>`(${projectVisible(engine, projectCode, tiers)} AND NOT EXISTS (SELECT 1 FROM packages vp WHERE (vp.project_code = ${projectCode} OR vp.id = ${packageId}) AND NOT (${oneOf(engine, sql.ref('vp.tier'), tiers)})))`

