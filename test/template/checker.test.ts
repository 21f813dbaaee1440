import t from 'tap'
import { check, unavailableReason } from '../../src/template/checker.js'
import { parse } from '../../src/template/parser.js'
import type { FieldKind } from '../../src/template/types.js'

const problems = (source: string, kind: FieldKind = 'header'): string[] =>
  check(parse(source), kind).problems.map(p => `${p.line}:${p.column} ${p.message}`)

t.test('a clean template has no problems', async t => {
  const r = check(parse("{% set ns = namespace(n=0) %}{% for k, v in user.items() if v %}{{ loop.index }}{{ k|upper }}{% set ns.n = ns.n + 1 %}{% endfor %}{{ get_secret('a') }}{{ now() }}"), 'header')
  t.same(r.problems, [])
  t.same(r.secretNames, ['a'])
  t.same([...r.names], ['user'])
})

t.test('names: unknown, context names elsewhere, locals', async t => {
  t.same(problems('{{ nope }}'), ["1:4 unknown name 'nope'"])
  t.same(problems('{% set x = 1 %}{{ x }}{% for y in [1] %}{% endfor %}{{ y }}'), [], 'names set anywhere are template variables')
  t.same(problems('{{ loop.index }}'), ["1:4 'loop' is only defined inside a for loop"])
  t.same(problems('{% for x in [1] %}{% endfor %}{% for y in [loop] %}{% endfor %}'), ["1:44 'loop' is only defined inside a for loop"])
  t.same(problems('{{ range }}'), ["1:4 'range' is a function: it can only be called, as range(…)"])
  t.same(problems('{% set response = 1 %}{{ response }}', 'url'), [], 'a local may shadow a context name of another field')
})

t.test('get_secret and get_variable take one literal name', async t => {
  t.same(problems("{% set n = 'a' %}{{ get_secret(n) }}"), ["1:31 get_secret() takes exactly one string literal, e.g. get_secret('api_key')"])
  t.same(problems("{{ get_secret('a', 'b') }}"), ["1:14 get_secret() takes exactly one string literal, e.g. get_secret('api_key')"])
  t.same(problems('{{ get_variable() }}'), ["1:16 get_variable() takes exactly one string literal, e.g. get_variable('api_key')"])
  t.same(problems("{{ get_secret(name='a') }}"), ["1:14 get_secret() takes exactly one string literal, e.g. get_secret('api_key')"])
  t.same(problems("{{ get_secret('a-b') }}"), ['1:15 get_secret("a-b"): a secret name must match ^[A-Za-z_][A-Za-z0-9_]*$'])
  t.same(problems("{{ get_variable('') }}"), ['1:17 get_variable(""): a variable name must match ^[A-Za-z_][A-Za-z0-9_]*$'])
  const r = check(parse("{{ get_secret('a') }}{{ get_secret(\"a\") }}{{ get_secret( 'b' ) }}{{ get_variable('v') }}"), 'auth')
  t.same(r.secretNames, ['a', 'b'])
  t.same(r.variableNames, ['v'])
})

t.test('sandbox rules', async t => {
  t.same(problems('{{ user._x }}'), ["1:9 attribute '_x' is not accessible: names starting with '_' are private"])
  t.same(problems('{{ user.constructor }}'), ["1:9 access to 'constructor' is not allowed"])
  t.same(problems("{{ user['prototype'] }}"), ["1:9 access to 'prototype' is not allowed"])
  t.same(problems('{% set ns = namespace() %}{% set ns.__proto__ = 1 %}'), ["1:34 access to '__proto__' is not allowed"])
  t.same(problems("{{ user|map(attribute='__class__') }}"), ["1:23 attribute '__class__' is not accessible: names starting with '_' are private"])
  t.same(problems("{{ user|selectattr('a._b') }}"), ["1:20 attribute '_b' is not accessible: names starting with '_' are private"])
  t.match(problems('{{ user.email.zfill(3) }}')[0], "1:20 calling method 'zfill' is not allowed")
  t.match(problems('{{ user.email.upper() }}'), [])
  t.same(problems('{{ user|nope }}{{ 1 is nope }}'), ["1:9 unknown filter 'nope'", "1:24 unknown test 'nope'"])
  t.same(problems('{% set range = 1 %}{% for loop in [1] %}{% endfor %}'), [
    "1:8 cannot assign to 'range': it is a reserved name",
    "1:27 cannot assign to 'loop': it is a reserved name"
  ])
})

t.test('every problem is collected, in source order', async t => {
  t.same(problems("{{ a }}\n{{ b._c }}{{ get_secret('x') }}", 'url'), [
    "1:4 unknown name 'a'",
    "2:4 unknown name 'b'",
    "2:6 attribute '_c' is not accessible: names starting with '_' are private",
    '2:14 get_secret() is not available in url: secrets resolve only in headers, query parameters and authentication'
  ])
})

t.test('unavailableReason covers every context name and function', async t => {
  t.equal(unavailableReason('user', 'step_response_body'), undefined)
  t.equal(unavailableReason('steps', 'step_url'), undefined)
  t.equal(unavailableReason('response', 'step_response_body'), undefined)
  t.equal(unavailableReason('jwt_encode', 'step_response_body'), 'jwt_encode() is not available in step_response_body: response templates cannot sign tokens')
  t.equal(unavailableReason('get_secret', 'step_auth'), undefined)
  t.equal(unavailableReason('get_secret', 'step_request_body'), 'get_secret() is not available in step_request_body: secrets resolve only in headers, query parameters and authentication')
  t.equal(unavailableReason('whatever', 'url'), "unknown name 'whatever'")
})
