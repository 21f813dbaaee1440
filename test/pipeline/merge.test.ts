import t from 'tap'
import { appendQuery, applyAuthQuery, mergeHeaders, mergeQuery, renderField } from '../../src/pipeline/merge.js'
import { TemplateRenderError } from '../../src/template/types.js'
import { fakeTemplate } from './fixtures/fake-template.js'

t.test('headers: fixed rows ignore the caller, overridable rows take the caller value, others are dropped', async t => {
  const rows = [
    { key: 'X-Fixed', value: fakeTemplate('configured'), overridable: false },
    { key: 'X-Free', value: fakeTemplate('default'), overridable: true },
    { key: 'X-Kept', value: fakeTemplate('kept'), overridable: true }
  ]
  const out = mergeHeaders(rows, { 'x-fixed': 'caller', 'x-free': 'mine', 'x-unconfigured': 'nope' }, {})
  t.same(out, { 'X-Fixed': 'configured', 'X-Free': 'mine', 'X-Kept': 'kept' })
})

t.test('header values are sent as rendered; a line break is a render error', async t => {
  const rows = [{ key: 'X-Space', value: fakeTemplate('{{ v }}', () => ' a b%20c '), overridable: false }]
  t.same(mergeHeaders(rows, {}, {}), { 'X-Space': ' a b%20c ' })
  const bad = [{ key: 'X-Bad', value: fakeTemplate('{{ v }}', () => 'a\r\nInjected: 1'), overridable: false }]
  t.throws(() => mergeHeaders(bad, {}, {}), { code: 'TEMPLATE_RENDER_ERROR', message: /headers\[0\]\.value/ })
})

t.test('query: configured rows, then unconfigured caller parameters', async t => {
  const rows = [
    { key: 'fixed', value: fakeTemplate('1'), overridable: false },
    { key: 'free', value: fakeTemplate('2'), overridable: true },
    { key: 'kept', value: fakeTemplate('3'), overridable: true }
  ]
  const out = mergeQuery(rows, [['fixed', 'x'], ['free', 'y'], ['extra', 'a'], ['extra', 'b']], {})
  t.same(out, [['fixed', '1'], ['free', 'y'], ['kept', '3'], ['extra', 'a'], ['extra', 'b']])
})

t.test('authentication query pairs replace caller pairs of the same key', async t => {
  t.same(applyAuthQuery([['api_key', 'caller'], ['q', '1']], [['api_key', 'real']]), [['q', '1'], ['api_key', 'real']])
})

t.test('query values are percent-encoded and appended to any query the URL has', async t => {
  t.equal(appendQuery('https://a.test/x', [['q', 'a b&c=d/é'], ['k y', '+']]), 'https://a.test/x?q=a%20b%26c%3Dd%2F%C3%A9&k%20y=%2B')
  t.equal(appendQuery('https://a.test/x?v=1', [['q', '2']]), 'https://a.test/x?v=1&q=2')
  t.equal(appendQuery('https://a.test/x?', [['q', '2']]), 'https://a.test/x?q=2')
  t.equal(appendQuery('https://a.test/x#frag', []), 'https://a.test/x')
})

t.test('render errors name the field and never carry a secret value', async t => {
  const tpl = fakeTemplate('{{ x }}', () => { throw new TemplateRenderError('bad value s3cr3t-value here', { line: 1, column: 4 }) })
  t.throws(() => renderField(tpl, { secrets: { k: 's3cr3t-value' } }, 'headers[2].value'), {
    code: 'TEMPLATE_RENDER_ERROR',
    message: 'headers[2].value: bad value [REDACTED] here (line 1, column 4)'
  })
})
