// Host values (the render context) as template values: dicts in the host's key order whose values
// convert when first read, without touching the caller's objects.
import t from 'tap'
import { compileTemplate } from '../../../src/template/index.js'
import { PyDict, fromHost, pyRepr } from '../../../src/template/runtime/values.js'

const render = (source: string, context: object, kind: 'request_body' | 'response_body' | 'header' = 'response_body'): string =>
  compileTemplate(source, kind).render(context)

t.test('rendering reads the context without changing it (frozen objects too)', async t => {
  const response = Object.freeze({
    status_code: 200,
    headers: Object.freeze({ 'content-type': 'application/json', etag: 'x' }),
    body: '{"a": 1}'
  })
  const user = Object.freeze({ id: 'u', email: 'e@x', first_name: null, last_name: null, username: 'ada', profile_fields: Object.freeze({ 12: 'Eng' }) })
  const before = JSON.stringify({ response, user })
  const out = render('{{ response }} {{ response.headers | tojson }} {{ user }} {{ user.profile_fields.by_id(12) }}', { response, user })
  t.equal(out, "{'status_code': 200, 'headers': {'content-type': 'application/json', 'etag': 'x'}, 'body': '{\"a\": 1}'} " +
    '{"content-type": "application/json", "etag": "x"} ' +
    "{'id': 'u', 'email': 'e@x', 'first_name': None, 'last_name': None, 'username': 'ada', 'profile_fields': {'12': 'Eng'}} Eng")
  t.equal(JSON.stringify({ response, user }), before)
})

t.test('host dicts: undefined values are absent, "__proto__" is a key, big ints are exact, order is the host\'s', async t => {
  const host = JSON.parse('{"b": 1, "__proto__": {"p": 2}, "10": 3}') as Record<string, unknown>
  host.skip = undefined
  host.big = 2 ** 60
  const d = fromHost(host) as PyDict
  t.equal(d.size, 4)
  t.equal(pyRepr(d), "{'10': 3, 'b': 1, '__proto__': {'p': 2}, 'big': 1152921504606846976}")
  t.same(d.keys(), ['10', 'b', '__proto__', 'big'])
  t.equal(d.get('skip'), undefined)
  t.equal(d.get('toString'), undefined)
  t.equal(Object.getPrototypeOf(host), Object.prototype, 'the host object is untouched')
  d.setStr('c', 4)
  t.same(d.keys(), ['10', 'b', '__proto__', 'big', 'c'], 'a write keeps the order')
  t.equal(host.c, undefined, 'and does not reach the host object')
  t.equal(fromHost(d), d, 'a template value passes through')
})

t.test('a cyclic host list stays cyclic; a nested dict is the same dict on every read', async t => {
  const list: unknown[] = [1]
  list.push(list)
  const converted = (fromHost({ l: list }) as PyDict).get('l') as unknown[]
  t.equal(converted[1], converted)
  t.equal(render('{{ response.headers is sameas response.headers }}', { response: { status_code: 200, headers: { a: 'b' }, body: '' } }), 'True')
})

t.test('user: the fields of SPEC §2.1 first, other keys after them, profile_fields last', async t => {
  t.equal(render('{{ user }}', { user: { profile_fields: { 7: 'x', 3: 'y' }, email: 'e', id: 'i' } }, 'header'),
    "{'id': 'i', 'email': 'e', 'first_name': None, 'last_name': None, 'username': None, 'profile_fields': {'3': 'y', '7': 'x'}}")
  t.equal(render('{{ user }}', { user: { role: 'admin', id: 'i', profile_fields: null, 2: 'two' } }, 'header'),
    "{'id': 'i', 'email': None, 'first_name': None, 'last_name': None, 'username': None, '2': 'two', 'role': 'admin', 'profile_fields': None}")
  t.equal(render('{{ user.profile_fields.by_id(3) }} {{ user.profile_fields.by_id(4) }}', { user: { id: 'i', profile_fields: { 3: [1, 2] } } }, 'header'), '[1, 2] None')
  t.equal(render('{{ user.email }}', { user: null }, 'header'), 'None')
})

t.test('dict views compare as sets by hash, in time linear in their size', async t => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`)
  const a = Object.fromEntries(keys.map(k => [k, k.length]))
  const b = Object.fromEntries([...keys].reverse().map(k => [k, k.length]))
  const context = { response: { status_code: 200, headers: {}, body: JSON.stringify({ a, b }) } }
  const source = '{% set d = response.body | from_json %}{{ d.a.keys() == d.b.keys() }}|{{ d.a.items() == d.b.items() }}|{{ d.a.keys() < d.b.keys() }}|{{ d.a.items() <= d.b.items() }}'
  t.equal(render(source, context), 'True|True|False|True', 'two 20,000-key views in opposite orders, within the work budget')
})
