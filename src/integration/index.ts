// The public face of interconnection (issue 14 item 11): the outbox's dispatcher, webhook signing and
// verifying, the integration policy, and inbound idempotency. Other capabilities publish through
// `catalogue.outbox.publish(type, payload, tx)`; partner systems verify with `verifyWebhook`.
export { backoffMs, type BackoffPolicy } from './backoff.js'
export { WEBHOOK_WORK, WebhookDispatcher, webhookBody, type DispatcherOptions } from './dispatcher.js'
export { ABANDONED_AFTER_MS, IDEMPOTENCY_KEY, canonicalJson, requestDigest } from './inbound.js'
export {
  DEFAULT_INTEGRATION_POLICY, DeliverySettings, IntegrationPolicy, MIN_SECRET_LENGTH, SubscriberEntry, loadIntegrationPolicy, parseIntegrationPolicy, secretProblem,
  toSubscriberInput, urlProblem
} from './policy.js'
export { MemoryReplayGuard, WEBHOOK_HEADERS, signWebhook, verifyWebhook, webhookSignature, type ReplayGuard, type VerifyOptions, type VerifyResult } from './signature.js'
