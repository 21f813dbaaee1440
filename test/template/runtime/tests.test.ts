import t from 'tap'
import { TESTS, pyIn } from '../../../src/template/runtime/tests.js'
import { createEnv } from '../../../src/template/runtime/env.js'
import { Namespace, PyFloat, UNDEFINED, Undefined, fromHost, makeTuple } from '../../../src/template/runtime/values.js'
import { TemplateRenderError } from '../../../src/template/types.js'

const env = createEnv(() => 0, 8192)
function is (name: string, value: unknown, ...args: unknown[]): boolean {
  const test = TESTS[name]
  if (test === undefined) throw new Error(`no test ${name}`)
  return test(env, fromHost(value), args.map(fromHost))
}

t.test('every test of SPEC §4.2, every Jinja2 alias and Jinja2\'s true, false and escaped are registered', async t => {
  const names = ['defined', 'undefined', 'none', 'number', 'string', 'mapping', 'sequence', 'iterable', 'boolean',
    'integer', 'float', 'even', 'odd', 'divisibleby', 'equalto', 'sameas', 'in', 'lower', 'upper',
    'eq', 'ne', 'lt', 'le', 'gt', 'ge', '==', '!=', '<', '<=', '>', '>=', 'greaterthan', 'lessthan',
    'true', 'false', 'escaped']
  t.same(Object.keys(TESTS).sort(), names.sort())
})

t.test('true and false are identity tests: only the booleans pass', async t => {
  t.ok(is('true', true))
  t.notOk(is('true', 1))
  t.notOk(is('true', 'true'))
  t.ok(is('false', false))
  t.notOk(is('false', 0))
  t.notOk(is('false', null))
  t.notOk(is('false', UNDEFINED))
})

t.test('the ordering tests refuse what the operators refuse, equal values included', async t => {
  t.throws(() => is('le', {}, {}), /'<=' not supported between instances of 'dict' and 'dict'/)
  t.throws(() => is('ge', {}, {}), /'>=' not supported between instances of 'dict' and 'dict'/)
  t.ok(is('le', 2, 2))
  t.ok(is('ge', 'b', 'a'))
})

t.test('type tests follow Python: bool is a number but not an integer', async t => {
  t.ok(is('number', true))
  t.notOk(is('integer', true))
  t.ok(is('integer', 3))
  t.notOk(is('integer', new PyFloat(3)))
  t.ok(is('float', new PyFloat(3)))
  t.ok(is('float', 1.5))
  t.notOk(is('float', 3))
  t.ok(is('boolean', false))
  t.notOk(is('boolean', 0))
  t.ok(is('none', null))
  t.notOk(is('none', UNDEFINED))
  t.ok(is('mapping', { a: 1 }))
  t.notOk(is('mapping', new Namespace()))
  t.ok(is('sequence', 'ab'))
  t.ok(is('sequence', makeTuple([1])))
  t.notOk(is('sequence', 3))
  t.ok(is('iterable', { a: 1 }))
  t.notOk(is('iterable', null))
  t.ok(is('defined', null))
  t.notOk(is('defined', new Undefined('x')))
  t.ok(is('undefined', UNDEFINED))
})

t.test('even/odd/divisibleby use Python modulo and raise like Python', async t => {
  t.ok(is('odd', -3))
  t.ok(is('even', new PyFloat(4)))
  t.ok(is('divisibleby', 7.5, 2.5))
  t.throws(() => is('divisibleby', 9, 0), new TemplateRenderError('integer modulo by zero'))
  t.throws(() => is('even', 'a'), /not all arguments converted/)
  t.throws(() => is('even', null), /unsupported operand type\(s\) for %: 'NoneType' and 'int'/)
  t.throws(() => is('odd', new Undefined('count')), /'count' is undefined/)
})

t.test('comparisons', async t => {
  t.ok(is('eq', 1, new PyFloat(1)))
  t.ok(is('==', 'a', 'a'))
  t.ok(is('ne', 1, 2))
  t.notOk(is('!=', 1, true))
  t.ok(is('lt', 1, 2))
  t.ok(is('lessthan', 'a', 'b'))
  t.ok(is('le', 2, 2))
  t.ok(is('gt', 'b', 'a'))
  t.ok(is('greaterthan', 3, 2))
  t.ok(is('>=', 2, new PyFloat(2)))
  t.notOk(is('<', [1, 3], [1, 2]))
  t.throws(() => is('>', 1, 'a'), new TemplateRenderError("'>' not supported between instances of 'int' and 'str'"))
  t.throws(() => is('ge', null, 1), /'>=' not supported between instances of 'NoneType' and 'int'/)
  t.throws(() => is('eq', 1), /takes 1 argument \(0 given\)/)
  t.throws(() => is('odd', 1, 2), /takes no arguments \(1 given\)/)
})

t.test('sameas is identity', async t => {
  const list = [1]
  t.ok(is('sameas', list, list))
  t.notOk(is('sameas', list, [1]))
  t.ok(is('sameas', null, null))
  t.notOk(is('sameas', true, 1))
  t.ok(is('sameas', 1, 1))
  t.notOk(is('sameas', 1000, 1000))
  t.notOk(is('sameas', UNDEFINED, UNDEFINED))
})

t.test('in', async t => {
  t.ok(is('in', 'b', 'abc'))
  t.ok(is('in', 2, [1, new PyFloat(2)]))
  t.ok(is('in', 'a', { a: 1 }))
  t.notOk(is('in', 1, { 1: 'x' }))
  t.notOk(is('in', 1, UNDEFINED))
  t.throws(() => is('in', 1, 'abc'), /'in <string>' requires string as left operand, not int/)
  t.throws(() => is('in', 1, null), /argument of type 'NoneType' is not iterable/)
  t.throws(() => pyIn([1], fromHost({ a: 1 })), /unhashable type: 'list'/)
})

t.test('lower/upper use str.islower()/isupper()', async t => {
  t.ok(is('lower', 'abc1'))
  t.notOk(is('lower', '123'))
  t.ok(is('upper', 'ABC 1'))
  t.notOk(is('upper', 'aBC'))
  t.notOk(is('upper', null))
})
