import type { AcceptanceApplication, Catalogue, Commitment, VisibleTiers } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'

// Phased acceptance and transfer (分阶段验收、移交, issue 14 item 8; domain-cn.md state machine): each phase
// (and the project as a whole, for applications naming no phase) goes through applications, a decision,
// perhaps a commitment, and a transfer. This is the view of where each one stands.

export type PhaseState = 'not_applied' | 'under_review' | 'rectify' | 'accepted' | 'committed' | 'breached' | 'transferred' | 'withdrawn'

export interface PhaseStatus {
  /** null: applications for the whole project */
  phase: { code: string, name: string, position: number } | null
  state: PhaseState
  applications: Array<Pick<AcceptanceApplication, 'id' | 'number' | 'state' | 'appliedAt' | 'jointDueDate'>>
  /** the accepting decision's opinion, when there is one */
  opinion: string | null
  commitments: Array<Pick<Commitment, 'id' | 'state' | 'dueDate'>>
  /** the accepted submission is stored as a version */
  transferred: { submissionId: string, packageId: string | null, version: number | null } | null
}

/** Given `tiers` (the caller's, issue 15 item 4), what belongs to a package above them (its opinion, commitments, transfer) is left out. */
export async function phaseStatus (catalogue: Catalogue, projectCode: string, tiers?: VisibleTiers): Promise<PhaseStatus[]> {
  if (await catalogue.projects.get(projectCode) === null) throw new LantaiError('PROJECT_NOT_FOUND', projectCode, { code: projectCode })
  const [phases, applications, commitments] = await Promise.all([
    catalogue.phases.list(projectCode), catalogue.reviews.listApplications(projectCode), catalogue.commitments.list({ projectCode, tiers })
  ])
  const slots: Array<PhaseStatus['phase']> = [...phases.map(p => ({ code: p.code, name: p.name, position: p.position }))]
  // The whole project shows only when an application names no phase, or the project has no phases.
  if (phases.length === 0 || applications.some(a => a.phaseCode === null)) slots.unshift(null)
  const out: PhaseStatus[] = []
  for (const phase of slots) {
    const code = phase?.code ?? null
    const apps = applications.filter(a => a.phaseCode === code).reverse()
    const accepted = apps.find(a => a.state === 'accepted')
    let opinion: string | null = null
    let transferred: PhaseStatus['transferred'] = null
    if (accepted !== undefined) {
      const [documents, submissions] = await Promise.all([catalogue.reviews.documentsOf(accepted.id, tiers), catalogue.reviews.submissionsOf(accepted.id, tiers)])
      opinion = documents.find(d => d.kind === 'acceptance-opinion')?.number ?? null
      const stored = submissions.find(s => s.state === 'stored')
      if (stored !== undefined) transferred = { submissionId: stored.id, packageId: stored.packageId, version: stored.version }
    }
    const mine = commitments.filter(c => c.phaseCode === code && (accepted === undefined || c.applicationId === accepted.id))
    const last = apps.at(-1)
    const state: PhaseState = accepted === undefined
      ? (last === undefined ? 'not_applied' : last.state === 'accepted' ? 'accepted' : last.state)
      : mine.some(c => c.state === 'overdue')
        ? 'breached'
        : mine.some(c => c.state === 'open')
          ? 'committed'
          : transferred !== null ? 'transferred' : 'accepted'
    out.push({
      phase,
      state,
      applications: apps.map(a => ({ id: a.id, number: a.number, state: a.state, appliedAt: a.appliedAt, jointDueDate: a.jointDueDate })),
      opinion,
      commitments: mine.map(c => ({ id: c.id, state: c.state, dueDate: c.dueDate })),
      transferred
    })
  }
  return out
}
