import type { DocumentKind } from '../catalogue/index.js'
import type { Text } from './policy-schema.js'
import type { AcceptanceFinding } from './report.js'
import type { ResubmissionComparison } from './resubmission.js'

// The documents a decision issues, as data: the rectification notice (整改通知书, notice (六): every defect
// at once) and the acceptance opinion (验收合格意见). The HTML page renders this model, and so will the
// sealed PDF: every text is bilingual, every list is data, nothing is pre-formatted.

export interface DocumentParty { code: string, name: string | null }

export interface AcceptanceDocumentBody {
  version: 1
  kind: DocumentKind
  number: string
  title: Text
  issuer: Text
  issuedAt: string
  /** the date printed on the document (Beijing time) */
  issuedOn: string
  project: DocumentParty
  application: { id: string, number: string, jointDueDate: string } | null
  submission: { id: string, sha256: string | null }
  decidedBy: string
  /** the body text, paragraph by paragraph */
  paragraphs: Text[]
  /** notice: every automatic finding and the archivist's items; opinion: the warnings it was accepted with */
  findings: AcceptanceFinding[]
  summary: { errors: number, warnings: number, archivistItems: number }
  /** an acceptance despite errors: the recorded reason */
  override: { reason: string } | null
  /** a resubmission: what the last notice listed, resolved and remaining */
  resubmission: ResubmissionComparison | null
}

export interface DocumentContext {
  number: string
  issuedAt: string
  issuedOn: string
  issuer: Text
  project: DocumentParty
  application: AcceptanceDocumentBody['application']
  submission: AcceptanceDocumentBody['submission']
  decidedBy: string
  resubmission: ResubmissionComparison | null
}

const summaryOf = (findings: readonly AcceptanceFinding[]): AcceptanceDocumentBody['summary'] => ({
  errors: findings.filter(f => f.severity === 'error' && f.source !== 'archivist').length,
  warnings: findings.filter(f => f.severity === 'warning').length,
  archivistItems: findings.filter(f => f.source === 'archivist').length
})

const projectName = (p: DocumentParty): string => p.name === null ? p.code : `${p.name}（${p.code}）`

/** 整改通知书: what must be put right before the package is accepted; nothing was stored. */
export function rectificationNotice (ctx: DocumentContext, findings: readonly AcceptanceFinding[]): AcceptanceDocumentBody {
  const s = summaryOf(findings)
  return {
    version: 1,
    kind: 'rectification-notice',
    ...base(ctx),
    title: { zh: '建设工程档案整改通知书', en: 'Rectification notice for construction project archives' },
    paragraphs: [
      { zh: `经审查，${projectName(ctx.project)}报送的档案（提交编号 ${ctx.submission.id}）存在下列问题，须全部整改后重新报送。本通知一次性告知全部问题。`, en: `The archives submitted for ${ctx.project.name ?? ctx.project.code} (${ctx.project.code}; submission ${ctx.submission.id}) have the defects listed below. Put every one right and submit again. This notice lists all of them at once.` },
      { zh: `共 ${s.errors} 项错误、${s.warnings} 项提示、${s.archivistItems} 项档案员意见。本次报送的文件均未入库。`, en: `${s.errors} errors, ${s.warnings} warnings and ${s.archivistItems} items from the archivist. Nothing of this submission was stored.` },
      ...(ctx.application === null
        ? []
        : [{ zh: `重新报送时请注明验收申请 ${ctx.application.number}（${ctx.application.id}）；联合竣工验收时限：${ctx.application.jointDueDate}。`, en: `When submitting again, name acceptance application ${ctx.application.number} (${ctx.application.id}); the joint-acceptance limit is ${ctx.application.jointDueDate}.` }])
    ],
    findings: [...findings],
    summary: s,
    override: null
  }
}

/** 验收合格意见: the package passed and is transferred as a new version of the project's archive. */
export function acceptanceOpinion (ctx: DocumentContext, findings: readonly AcceptanceFinding[], override: { reason: string } | null): AcceptanceDocumentBody {
  return {
    version: 1,
    kind: 'acceptance-opinion',
    ...base(ctx),
    title: { zh: '建设工程档案验收合格意见', en: 'Acceptance opinion for construction project archives' },
    paragraphs: [
      { zh: `经审查，${projectName(ctx.project)}报送的档案（提交编号 ${ctx.submission.id}）符合归档要求，验收合格，予以接收入库。`, en: `The archives submitted for ${ctx.project.name ?? ctx.project.code} (${ctx.project.code}; submission ${ctx.submission.id}) meet the filing requirements: accepted, and transferred into the archive.` },
      ...(override === null ? [] : [{ zh: `报告所列错误经档案员审核予以豁免，理由：${override.reason}`, en: `The errors of the report were overridden by the archivist, for this reason: ${override.reason}` }])
    ],
    findings: [...findings],
    summary: summaryOf(findings),
    override
  }
}

function base (ctx: DocumentContext): Pick<AcceptanceDocumentBody, 'number' | 'issuer' | 'issuedAt' | 'issuedOn' | 'project' | 'application' | 'submission' | 'decidedBy' | 'resubmission'> {
  return {
    number: ctx.number, issuer: ctx.issuer, issuedAt: ctx.issuedAt, issuedOn: ctx.issuedOn, project: ctx.project, application: ctx.application,
    submission: ctx.submission, decidedBy: ctx.decidedBy, resubmission: ctx.resubmission
  }
}
