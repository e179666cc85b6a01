// What the domain tells the operator's monitoring, as plain calls. Capabilities take a `Metrics` and
// never import a metrics library (STYLE.md: the core stays plain); main.ts hands them the Prometheus
// one (service/prometheus.ts), and anything built without one counts into NoopMetrics.

/** Whose lease was taken, and why: it ran out, or its holder was found dead at start. */
export type LeaseResource = 'job' | 'lock'
export type TakeoverReason = 'expired' | 'holder_gone'
export type FixityOutcomeName = 'ok' | 'mismatch' | 'missing'

export interface Metrics {
  /** A submission's bytes and files landed in staging (stage 1), or became an OCFL version (stage 4). */
  ingested (stage: 'received' | 'stored', bytes: number, files: number): void
  /** A worker took over a lease another holder had: rate() above zero means workers die or stall. */
  leaseTakenOver (resource: LeaseResource, reason: TakeoverReason): void
  /** One content file's fixity check; `damaged` when it made the content damaged (not metadata drift). */
  fixityChecked (outcome: FixityOutcomeName, bytes: number, damaged: boolean): void
}

export const NoopMetrics: Metrics = {
  ingested () {},
  leaseTakenOver () {},
  fixityChecked () {}
}
