// Messages between SealVerifierPool and verify-worker. Everything in them is structured-clone safe: the
// report is plain data with Uint8Array evidence, a Date stays a Date.
import type { ErrorCode } from '../errors.js'
import type { TrustStore } from './trust.js'
import type { FileSealReport, VerifyFileOptions } from './verify-file.js'

/** What a task carries besides its path: the options that are data (the trust goes once, the signal stays). */
export type TaskOptions = Omit<VerifyFileOptions, 'trust' | 'signal'>

export type ToSealWorker =
  | { type: 'trust', trust: TrustStore }
  | { type: 'verify', task: number, file: string, options: TaskOptions }
  | { type: 'cancel', task: number }

export type FromSealWorker =
  | { task: number, ok: true, report: FileSealReport }
  | { task: number, ok: false, error: { message: string, code?: ErrorCode, details?: Record<string, unknown> } }
