import t from 'tap'
import { MASK_BULLETS, maskSecret } from '../../src/secrets/mask.js'

t.test('a masked value shows the first character then a fixed run of bullets', async t => {
  t.equal(maskSecret('sk_live_123'), 's••••••••')
  t.equal(maskSecret('ab'), 'a••••••••')
  t.equal(maskSecret('x'.repeat(500)).length, maskSecret('xy').length, 'the length does not leak')
})

t.test('a one-character value shows bullets only', async t => {
  t.equal(maskSecret('z'), MASK_BULLETS)
  t.notMatch(maskSecret('z'), /z/)
  t.equal(maskSecret('😀'), MASK_BULLETS, 'one character even when it is two UTF-16 units')
  t.equal(maskSecret('😀x'), '😀••••••••')
})
