import t from 'tap'
import { FUNCTIONS } from '../../../src/template/runtime/functions.js'
import { createEnv, LIMITS } from '../../../src/template/runtime/env.js'
import type { RuntimeEnv } from '../../../src/template/runtime/env.js'
import { Namespace, PyFloat, fromHost, isFloat, makeTuple, pyRepr } from '../../../src/template/runtime/values.js'
import { TemplateRenderError } from '../../../src/template/types.js'
import { jwtVerify } from 'jose'
import { listKindRepr } from '../../../src/template/runtime/list-kinds.js'
import { toJson } from '../../../src/template/runtime/tojson.js'
import { callMethod } from '../../../src/template/runtime/methods.js'
import { BoundMethod } from '../../../src/template/runtime/access.js'

function call (name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, env: RuntimeEnv = createEnv(() => 1_700_000_000_999, 8192)): unknown {
  const fn = FUNCTIONS[name]
  if (fn === undefined) throw new Error(`no function ${name}`)
  return fn(env, args.map(fromHost), Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, fromHost(v)])))
}

t.test('the functions of SPEC §4.2 are registered', async t => {
  t.same(Object.keys(FUNCTIONS).sort(), ['dict', 'jwt_encode', 'namespace', 'now', 'range'])
})

t.test('range results print, serialize and mutate as Python range objects', async t => {
  t.equal(listKindRepr(call('range', [3]) as unknown[], pyRepr), 'range(0, 3)')
  t.equal(listKindRepr(call('range', [0, 10, 3]) as unknown[], pyRepr), 'range(0, 10, 3)')
  t.equal(listKindRepr([0, 1, 2], pyRepr), undefined, 'a plain list is not a range')
  t.throws(() => toJson(call('range', [2])), new TemplateRenderError('Object of type range is not JSON serializable'))
  t.throws(() => callMethod(createEnv(() => 0, 1), new BoundMethod(call('range', [2]), 'append'), [1], {}),
    new TemplateRenderError("'range object' has no attribute 'append'"))
})

t.test('range follows Python', async t => {
  t.same(call('range', [3]), [0, 1, 2])
  t.same(call('range', [2, 5]), [2, 3, 4])
  t.same(call('range', [10, 0, -3]), [10, 7, 4, 1])
  t.same(call('range', [5, 2]), [])
  t.same(call('range', [0, 5, 2]), [0, 2, 4])
  t.same(call('range', [true]), [0])
  t.throws(() => call('range'), new TemplateRenderError('range expected at least 1 argument, got 0'))
  t.throws(() => call('range', [1, 2, 3, 4]), /at most 3 arguments, got 4/)
  t.throws(() => call('range', [0, 5, 0]), /arg 3 must not be zero/)
  t.throws(() => call('range', [new PyFloat(2)]), /'float' object cannot be interpreted as an integer/)
  t.throws(() => call('range', ['3']), /'str' object cannot be interpreted as an integer/)
  t.throws(() => call('range', [3], { step: 1 }), /takes no keyword arguments/)
})

t.test('range items are bounded per render and a huge range fails before allocating', async t => {
  const env = createEnv(() => 0, 8192)
  t.throws(() => call('range', [1e9], {}, env), /range limit exceeded: more than 10000/)
  const env2 = createEnv(() => 0, 8192)
  call('range', [LIMITS.rangeItems - 5], {}, env2)
  call('range', [5], {}, env2)
  t.throws(() => call('range', [1], {}, env2), /range limit exceeded/)
})

t.test('namespace() and dict()', async t => {
  const ns = call('namespace', [], { a: 1, b: 'x' }) as Namespace
  t.ok(ns instanceof Namespace)
  t.same([...ns.attrs], [['a', 1], ['b', 'x']])
  const ns2 = call('namespace', [{ a: 1 }], { b: 2 }) as Namespace
  t.same([...ns2.attrs], [['a', 1], ['b', 2]])
  t.equal(pyRepr(call('dict', [], { a: 1 })), "{'a': 1}")
  t.equal(pyRepr(call('dict', [[['k', 'v'], ['x', 2]]], { z: 0 })), "{'k': 'v', 'x': 2, 'z': 0}")
  t.equal(pyRepr(call('dict', [[['__proto__', 1]]])), "{'__proto__': 1}")
  t.equal(pyRepr(call('dict', [[[1, 'a'], [true, 'b'], [makeTuple([1, 2]), 'c']]])), "{1: 'b', (1, 2): 'c'}", 'keys of any hashable type, as in Python')
  t.throws(() => call('dict', [[[[1], 'a']]]), /unhashable type: 'list'/)
  t.throws(() => call('dict', [5]), /'int' object is not iterable/)
  t.throws(() => call('dict', [[['a', 1, 2]]]), /a dict update sequence element has the wrong length; 2 is required/)
  t.throws(() => call('dict', [[5]]), /cannot convert a dict update sequence element to a sequence/)
  t.throws(() => call('namespace', [{}, {}]), /namespace expected at most 1 argument, got 2/)
})

t.test('now(offset=0) is whole Unix seconds from the render clock', async t => {
  t.equal(call('now'), 1_700_000_000)
  t.equal(call('now', [60]), 1_700_000_060)
  t.equal(call('now', [], { offset: -10 }), 1_699_999_990)
  const f = call('now', [new PyFloat(1)])
  t.ok(isFloat(f))
  t.equal((f as PyFloat).value, 1_700_000_001)
  t.throws(() => call('now', ['1']), /offset must be a number of seconds, not str/)
  t.throws(() => call('now', [1, 2]), /takes at most 1 argument/)
  t.throws(() => call('now', [], { later: 1 }), /unexpected keyword argument 'later'/)
})

t.test('jwt_encode binds payload, key, algorithm and headers positionally or by name', async t => {
  const token = call('jwt_encode', [{ sub: 'a' }, 'secret'], { algorithm: 'HS256', headers: { kid: '1' } }) as string
  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode('secret'))
  t.same(payload, { sub: 'a' })
  t.equal(protectedHeader.kid, '1')
  t.throws(() => call('jwt_encode', [{ sub: 'a' }, 'secret']), /missing required argument 'algorithm'/)
})
