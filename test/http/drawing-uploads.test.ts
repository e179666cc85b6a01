import t from 'tap'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// Inbound calls are idempotent by the caller's id (issue 14 item 11), uploads too: the drawing-management
// system sends as-built drawing packages with an Idempotency-Key, and a retry of the same bytes (its
// connection dropped before the answer) gets the first answer again instead of a second submission or a
// "duplicate" rejection; the same key with other bytes or for another project is refused.

const CODE = '2026-330106-47-01-000802'
const OTHER = '2026-330106-47-01-000803'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

t.test('a retried drawing upload with the same Idempotency-Key is answered once; other bytes under that key are refused', async t => {
  const s: TestService = await buildTestApp(t)
  const token = (await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'system', label: 'drawing-management system' } })).json().secret as string
  for (const code of [CODE, OTHER]) {
    t.equal((await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: '滨江学校' } })).statusCode, 201)
  }
  const drawings = tarOf(t, makeBag(t, { 'drawings/structure.txt': '结构竣工图 as-built' }))
  const send = async (key: string | null, body: Buffer, project = CODE): Promise<{ status: number, body: Json, replayed: boolean }> => {
    const res = await s.app.inject({
      method: 'POST',
      url: `/v1/submissions?project=${project}`,
      headers: { ...s.auth(token), 'content-type': 'application/x-tar', ...(key === null ? {} : { 'idempotency-key': key }) },
      payload: body
    })
    return { status: res.statusCode, body: res.json(), replayed: res.headers['idempotent-replayed'] === 'true' }
  }

  const first = await send('DWG-2026-0001', drawings)
  t.match(first, { status: 202, replayed: false })
  const again = await send('DWG-2026-0001', drawings)
  t.match(again, { status: 202, replayed: true, body: { id: first.body.id } }, 'the retry: the first answer, byte for byte')
  t.match(await s.settle(first.body.id as string), { state: 'stored' })
  const listed = await s.app.inject({ method: 'GET', url: `/v1/submissions?project=${CODE}`, headers: s.auth() })
  t.equal(listed.json().total, 1, 'one submission, not two')

  const other = tarOf(t, makeBag(t, { 'drawings/structure.txt': '结构竣工图 revised' }))
  t.match(await send('DWG-2026-0001', other), { status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } }, 'other bytes under the same key')
  t.match(await send('DWG-2026-0001', drawings, OTHER), { status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } }, 'the same bytes for another project')

  const next = await send('DWG-2026-0002', other)
  t.match(next, { status: 202, replayed: false }, 'a new key is a new upload')
  t.match(await s.settle(next.body.id as string), { state: 'stored' })

  const refused = await send('DWG-2026-0003', Buffer.from('not an archive'))
  t.match(refused, { status: 415, body: { code: 'UPLOAD_NOT_AN_ARCHIVE' } })
  t.match(await send('DWG-2026-0003', Buffer.from('not an archive')), { status: 415, replayed: false }, 'a refused upload keeps nothing: its retry is checked again')

  const plain = await send(null, tarOf(t, makeBag(t, { 'drawings/site.txt': '总平面图' })))
  t.match(plain, { status: 202, replayed: false }, 'the key stays optional for people uploading by hand')
})
