// Where a problem's field is written in the Code view's text.
import t from 'tap'
import { locateField, valueOffsets } from '../../src/studio/json-locate.js'

const text = JSON.stringify({
  name: 'A "quoted" \\ name',
  url: 'https://x',
  headers: [{ key: 'K', value: '{{ get_secret("k") }}' }, { key: 'L', value: 'v', overridable: true }],
  authentication: { type: 'api_key', config: { key: 'k', value: 'v' } },
  empty: {},
  list: []
}, null, 2)

t.test('fields are found at their value', async t => {
  t.same(locateField(text, 'name'), { line: 2, column: 11 })
  t.same(locateField(text, 'url'), { line: 3, column: 10 })
  t.same(locateField(text, 'headers[1].value'), { line: 11, column: 16 })
  t.same(locateField(text, 'headers[1].overridable'), { line: 12, column: 22 })
  t.same(locateField(text, 'authentication.config.value'), { line: 19, column: 16 })
  t.same(locateField(text, 'empty'), { line: 22, column: 12 })
})

t.test('a field that is not written points at its nearest written parent', async t => {
  t.same(locateField(text, 'headers[1].missing'), locateField(text, 'headers[1]'))
  t.same(locateField(text, 'authentication.config.in'), locateField(text, 'authentication.config'))
  t.equal(locateField(text, 'permalink'), undefined, 'the whole document is no position')
})

t.test('broken or deep text gives what was found, never throws', async t => {
  t.ok(valueOffsets('{"a": [1, 2').has('a[1]'))
  t.doesNotThrow(() => valueOffsets('['.repeat(10_000)))
  t.equal(valueOffsets('').size, 1)
})
