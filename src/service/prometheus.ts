import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { DELIVERY_STATES, type Catalogue, type JobState } from '../catalogue/index.js'
import type { FixityOutcomeName, LeaseResource, Metrics, TakeoverReason } from '../metrics.js'

// The Prometheus side of `Metrics` (issue 12 item 7). One registry per service, never prom-client's
// global one: tests start several services in one process, and two would collide on the same names.
// Counters are counted as things happen (rate() gives per second); what the catalogue already knows
// (jobs by state, files due) is read from it at scrape time, so a restart never resets it.

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'parked', 'done', 'failed']

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry()
  readonly #ingestBytes: Counter<'stage'>
  readonly #ingestFiles: Counter<'stage'>
  readonly #takeovers: Counter<'resource' | 'reason'>
  readonly #fixityFiles: Counter<'outcome'>
  readonly #fixityBytes: Counter
  readonly #fixityDamaged: Counter
  readonly #requests: Histogram<'method' | 'route' | 'status_class'>

  constructor (catalogue: Catalogue) {
    const registers = [this.registry]
    // Unprefixed (process_cpu_seconds_total, nodejs_heap_size_used_bytes …), as the usual Node dashboards expect.
    collectDefaultMetrics({ register: this.registry })
    this.#ingestBytes = new Counter({ name: 'lantai_ingest_bytes_total', help: 'Bytes of submissions received into staging (stage=received) or stored as OCFL versions (stage=stored)', labelNames: ['stage'], registers })
    this.#ingestFiles = new Counter({ name: 'lantai_ingest_files_total', help: 'Payload files of submissions received into staging (stage=received) or stored as OCFL versions (stage=stored)', labelNames: ['stage'], registers })
    for (const stage of ['received', 'stored']) { this.#ingestBytes.inc({ stage }, 0); this.#ingestFiles.inc({ stage }, 0) }
    this.#takeovers = new Counter({ name: 'lantai_lease_takeovers_total', help: 'Leases taken from another holder: its lease ran out (reason=expired) or its process was found gone at start (reason=holder_gone)', labelNames: ['resource', 'reason'], registers })
    this.#fixityFiles = new Counter({ name: 'lantai_fixity_files_checked_total', help: 'Content files whose fixity was checked, by outcome', labelNames: ['outcome'], registers })
    for (const outcome of ['ok', 'mismatch', 'missing']) this.#fixityFiles.inc({ outcome }, 0)
    this.#fixityBytes = new Counter({ name: 'lantai_fixity_bytes_checked_total', help: 'Bytes of content files read by fixity checks', registers })
    this.#fixityDamaged = new Counter({ name: 'lantai_fixity_files_damaged_total', help: 'Fixity checks that found a content file damaged or missing (metadata drift excluded)', registers })
    this.#requests = new Histogram({
      name: 'lantai_http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120, 600],
      registers
    })
    new Gauge({
      name: 'lantai_jobs',
      help: 'Jobs in the catalogue by kind and state',
      labelNames: ['kind', 'state'],
      registers,
      // prom-client awaits an async collect before it writes the scrape
      async collect () {
        const counts = await catalogue.jobs.counts()
        this.reset()
        // Every state of every kind seen, so a state that empties shows 0 rather than vanishing.
        for (const kind of new Set(counts.map(c => c.kind))) for (const state of JOB_STATES) this.set({ kind, state }, 0)
        for (const c of counts) this.set({ kind: c.kind, state: c.state }, c.count)
      }
    })
    new Gauge({
      name: 'lantai_webhook_deliveries',
      help: 'Webhook deliveries in the outbox by subscriber and state (pending, delivered, failed)',
      labelNames: ['subscriber', 'state'],
      registers,
      async collect () {
        const counts = await catalogue.outbox.counts()
        this.reset()
        for (const subscriber of new Set(counts.map(c => c.subscriber))) for (const state of DELIVERY_STATES) this.set({ subscriber, state }, 0)
        for (const c of counts) this.set({ subscriber: c.subscriber, state: c.state }, c.count)
      }
    })
    new Gauge({
      name: 'lantai_fixity_files_due',
      help: 'Content files whose next fixity check is due now',
      registers,
      async collect () { this.set(await catalogue.packages.countDueForFixity()) }
    })
  }

  ingested (stage: 'received' | 'stored', bytes: number, files: number): void {
    this.#ingestBytes.inc({ stage }, bytes)
    this.#ingestFiles.inc({ stage }, files)
  }

  leaseTakenOver (resource: LeaseResource, reason: TakeoverReason): void {
    this.#takeovers.inc({ resource, reason })
  }

  fixityChecked (outcome: FixityOutcomeName, bytes: number, damaged: boolean): void {
    this.#fixityFiles.inc({ outcome })
    this.#fixityBytes.inc(bytes)
    if (damaged) this.#fixityDamaged.inc()
  }

  /** `route` is the route template (/v1/packages/:id), never the URL: labels stay few. */
  requestDone (method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds)
  }

  async text (): Promise<string> { return await this.registry.metrics() }

  get contentType (): string { return this.registry.contentType }
}
