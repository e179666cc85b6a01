import t from 'tap'
import { MemoryReplayGuard, signWebhook, verifyWebhook } from '../../src/integration/index.js'

// verifyWebhook is what a partner system runs on each webhook it receives (docs/webhooks.md).

const SECRET = 'enforcement-system-shared-secret-0123456789'
const NOW = new Date('2024-08-01T02:00:00.000Z')
const body = JSON.stringify({ id: 'evt_01J4', type: 'commitment.overdue', createdAt: NOW.toISOString(), data: { commitment: 'CN-1' } })
const signed = (at = NOW.getTime(), text = body, secret = SECRET): Record<string, string> =>
  signWebhook(secret, 'hmac-sha256', { id: 'evt_01J4', type: 'commitment.overdue' }, at, text)

t.test('a message signed now with the shared secret is accepted, with its id and type', async t => {
  t.same(verifyWebhook(SECRET, signed(), body, NOW), { ok: true, id: 'evt_01J4', type: 'commitment.overdue', timestamp: NOW.getTime() })
  t.same(verifyWebhook(SECRET, signed(), Buffer.from(body), NOW).ok, true, 'the raw body as bytes too')
})

t.test('a message without its signature, timestamp or id is WEBHOOK_UNSIGNED', async t => {
  for (const drop of ['lantai-signature', 'lantai-timestamp', 'lantai-event-id']) {
    const headers = signed()
    delete headers[drop]
    t.match(verifyWebhook(SECRET, headers, body, NOW), { ok: false, code: 'WEBHOOK_UNSIGNED', message: new RegExp(drop) }, `without ${drop}`)
  }
  t.match(verifyWebhook(SECRET, { ...signed(), 'lantai-timestamp': 'yesterday' }, body, NOW), { ok: false, code: 'WEBHOOK_UNSIGNED' })
})

t.test('a changed body, timestamp or secret is WEBHOOK_SIGNATURE_INVALID', async t => {
  t.match(verifyWebhook(SECRET, signed(), body.replace('CN-1', 'CN-2'), NOW), { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' }, 'tampered body')
  t.match(verifyWebhook(SECRET, { ...signed(), 'lantai-timestamp': String(NOW.getTime() + 1) }, body, NOW), { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' }, 'timestamp moved')
  t.match(verifyWebhook(SECRET, signed(NOW.getTime(), body, 'someone-else-entirely-0123456789abcdef'), body, NOW), { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' }, 'another secret')
  t.match(verifyWebhook(SECRET, { ...signed(), 'lantai-signature': 'hmac-sha256=zz' }, body, NOW), { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' }, 'not hex')
  t.match(verifyWebhook(SECRET, signed(), body, NOW, { algorithm: 'hmac-sm3' }), { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' }, 'an algorithm other than the agreed one')
})

t.test('a message signed outside the window is WEBHOOK_STALE, either way', async t => {
  t.match(verifyWebhook(SECRET, signed(NOW.getTime() - 301_000), body, NOW), { ok: false, code: 'WEBHOOK_STALE', message: /301 s from now/ }, 'an old message sent again')
  t.match(verifyWebhook(SECRET, signed(NOW.getTime() + 301_000), body, NOW), { ok: false, code: 'WEBHOOK_STALE' }, 'from the future')
  t.equal(verifyWebhook(SECRET, signed(NOW.getTime() - 299_000), body, NOW).ok, true, 'within 300 s')
  t.equal(verifyWebhook(SECRET, signed(NOW.getTime() - 50_000), body, NOW, { toleranceSeconds: 30 }).ok, false, 'the window is the receiver\'s to set')
})

t.test('the same signed message twice is WEBHOOK_REPLAYED; a retry (same id, signed anew) passes', async t => {
  const replay = new MemoryReplayGuard()
  const first = signed()
  t.equal(verifyWebhook(SECRET, first, body, NOW, { replay }).ok, true)
  t.match(verifyWebhook(SECRET, first, body, new Date(NOW.getTime() + 5000), { replay }), { ok: false, code: 'WEBHOOK_REPLAYED' })
  t.match(verifyWebhook(SECRET, signed(NOW.getTime() + 10_000), body, new Date(NOW.getTime() + 10_000), { replay }), { ok: true, id: 'evt_01J4' },
    'a retry: the receiver drops it by its event id')
  // Once the first falls out of the window, its replay is stale rather than remembered.
  t.match(verifyWebhook(SECRET, first, body, new Date(NOW.getTime() + 400_000), { replay }), { ok: false, code: 'WEBHOOK_STALE' })
})

t.test('header names are matched whatever their case, as frameworks pass them', async t => {
  const upper = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toUpperCase(), v]))
  t.equal(verifyWebhook(SECRET, upper, body, NOW).ok, true)
})
