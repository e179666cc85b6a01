import t from 'tap'
import { perContent } from '../../src/seals/x509.js'

t.test('perContent computes once per content, whichever array holds it', async t => {
  let calls = 0
  const length = perContent(bytes => { calls++; return bytes.length })
  t.equal(length(Buffer.from('seal certificate')), 16)
  t.equal(length(Buffer.from('seal certificate')), 16, 'a new array with the same bytes')
  t.equal(calls, 1)
  t.equal(length(Buffer.from('another')), 7)
  t.equal(calls, 2, 'other bytes are computed')
})

t.test('perContent keeps only the last `max` contents', async t => {
  let calls = 0
  const id = perContent(bytes => { calls++; return bytes[0] }, 2)
  for (const b of [1, 2, 3]) id(Uint8Array.of(b))
  t.equal(calls, 3)
  id(Uint8Array.of(3))
  id(Uint8Array.of(2))
  t.equal(calls, 3, 'the two most recent are kept')
  id(Uint8Array.of(1))
  t.equal(calls, 4, 'the oldest was dropped')
})
