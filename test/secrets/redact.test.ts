import t from 'tap'
import { REDACTED, redactionVariants, scrub } from '../../src/secrets/redact.js'

t.test('every occurrence of every value is replaced', async t => {
  t.equal(scrub('a hunter2 b hunter2', ['hunter2']), `a ${REDACTED} b ${REDACTED}`)
  t.equal(scrub('token=abcd&key=wxyz', ['abcd', 'wxyz']), `token=${REDACTED}&key=${REDACTED}`)
  t.equal(scrub('nothing here', ['hunter2']), 'nothing here')
  t.equal(scrub('empty values are ignored', ['']), 'empty values are ignored')
})

t.test('the longer of two overlapping values is replaced whole', async t => {
  t.equal(scrub('key sk_live_abcdef', ['sk_live', 'sk_live_abcdef']), `key ${REDACTED}`)
})

t.test('escaped spellings inside JSON and URLs are caught', async t => {
  const value = 'pa"ss\\word/with space'
  const line = JSON.stringify({ msg: `sent ${value}`, url: `https://x/?k=${encodeURIComponent(value)}` })
  const out = scrub(line, [value])
  t.notMatch(out, /ss\\\\word|with%20space|pa\\"ss/)
  t.same(JSON.parse(out), { msg: `sent ${REDACTED}`, url: `https://x/?k=${REDACTED}` })
  t.same(redactionVariants('plain'), ['plain'])
})

t.test('values shorter than 4 characters are masked only as a whole JSON string, never inside free text', async t => {
  t.equal(scrub('execute the request', ['e']), 'execute the request')
  t.equal(scrub('{"msg":"execute","field":"e","k":"abc"}', ['e', 'abc']), '{"msg":"execute","field":"[REDACTED]","k":"[REDACTED]"}')
  t.equal(scrub('token abcd here', ['abcd']), `token ${REDACTED} here`, 'four characters are redacted everywhere')
})
