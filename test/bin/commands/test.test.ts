import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseTestArgs } from '../../../bin/commands/test.js'

t.test('conduit test options', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-testargs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'p.json'), '{"a":1}')
  const args = parseTestArgs(['crm', '--query', 'a=1', '--query', 'a=2', '--path-param', 'id=42', '--header', 'X-Thing=v=w', '--payload', '@' + join(dir, 'p.json'), '--verbose', '--json'])
  t.same(args, {
    permalink: 'crm',
    query: [['a', '1'], ['a', '2']],
    pathParams: { id: '42' },
    headers: { 'x-thing': 'v=w' },
    payload: '{"a":1}',
    verbose: true,
    json: true
  })
  t.equal(parseTestArgs(['x', '--payload', '{"inline":true}']).payload, '{"inline":true}')
  t.throws(() => parseTestArgs([]), /PERMALINK is required/)
  t.throws(() => parseTestArgs(['a', 'b']), /unexpected argument 'b'/)
  t.throws(() => parseTestArgs(['a', '--query', 'novalue']), /--query takes key=value/)
  t.throws(() => parseTestArgs(['a', '--header']), /--header needs a value/)
})
