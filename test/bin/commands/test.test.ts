import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseTestArgs } from '../../../bin/commands/test.js'

t.test('conduit test options', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-testargs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'p.json'), '{"a":1}')
  const args = parseTestArgs(['crm', '--query', 'a=1', '--query', 'a=2', '--path-param', 'id=42', '--header', 'X-Thing=v=w',
    '--payload', '@' + join(dir, 'p.json'), '--verbose', '--json', '--user', 'email=ops@example.com', '--user', 'profile_fields.7=gold',
    '--connect-to', 'api.example.com:443:127.0.0.1:8443'])
  t.same(args, {
    permalink: 'crm',
    query: [['a', '1'], ['a', '2']],
    pathParams: { id: '42' },
    headers: { 'x-thing': 'v=w' },
    payload: '{"a":1}',
    user: { email: 'ops@example.com', profile_fields: { 7: 'gold' } },
    verbose: true,
    json: true,
    connectTo: { 'api.example.com:443': '127.0.0.1:8443' },
    composite: false
  })
  t.match(parseTestArgs(['x', '--payload', '{"inline":true}', '--caller-jwt', 'a.b.c', '--record', 'c.json']), { payload: '{"inline":true}', callerJwt: 'a.b.c', record: 'c.json' })
})

t.test('conduit test usage errors exit 2 with the message and the usage line', async t => {
  const errors: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((chunk: string) => { errors.push(chunk); return true }) as typeof process.stderr.write
  try {
    t.equal(parseTestArgs([]), 2)
    t.equal(parseTestArgs(['a', 'b']), 2)
    t.equal(parseTestArgs(['a', '--query', 'novalue']), 2)
    t.equal(parseTestArgs(['a', '--header']), 2)
    t.equal(parseTestArgs(['a', '--user', 'mail=x']), 2)
    t.equal(parseTestArgs(['a', '--user', 'email=x', '--caller-jwt', 'y']), 2)
    t.equal(parseTestArgs(['a', '--connect-to', 'nonsense']), 2)
  } finally {
    process.stderr.write = write
  }
  const text = errors.join('')
  t.match(text, /conduit test: PERMALINK is required\nusage: conduit test PERMALINK \[options\]/)
  t.match(text, /unexpected argument 'b'/)
  t.match(text, /--query takes key=value, not 'novalue'/)
  t.match(text, /--header needs a value/)
  t.match(text, /--user: unknown field 'mail'/)
  t.match(text, /either --user or --caller-jwt/)
  t.match(text, /--connect-to takes HOST:PORT:HOST2:PORT2/)
})
