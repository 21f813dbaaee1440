import t from 'tap'
import { callMethod } from '../../../src/template/runtime/methods.js'
import { BoundMethod, getAttr, isTemplateObject } from '../../../src/template/runtime/access.js'
import type { TemplateObject } from '../../../src/template/runtime/access.js'
import { createEnv } from '../../../src/template/runtime/env.js'
import { UNDEFINED, fromHost, isTuple, makeTuple, pyRepr } from '../../../src/template/runtime/values.js'
import { listKindRepr } from '../../../src/template/runtime/list-kinds.js'
import { TemplateRenderError } from '../../../src/template/types.js'

const env = createEnv(() => 0, 8192)
function m (receiver: unknown, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): unknown {
  // A list receiver is used as it is: append() must change that very list.
  return callMethod(env, new BoundMethod(Array.isArray(receiver) || isTemplateObject(receiver) ? receiver : fromHost(receiver), name), args.map(fromHost), kwargs)
}

t.test('dict methods', async t => {
  const d = { b: 2, a: 1 }
  t.equal(listKindRepr(m(d, 'keys') as unknown[], pyRepr), "dict_keys(['b', 'a'])")
  t.equal(listKindRepr(m(d, 'values') as unknown[], pyRepr), 'dict_values([2, 1])')
  t.equal(listKindRepr(m(d, 'items') as unknown[], pyRepr), "dict_items([('b', 2), ('a', 1)])")
  const items = m(d, 'items') as unknown[][]
  t.same(items, [['b', 2], ['a', 1]])
  t.ok(items.every(isTuple))
  t.same(m(d, 'keys'), ['b', 'a'])
  t.same(m(d, 'values'), [2, 1])
  t.equal(m(d, 'get', ['a']), 1)
  t.equal(m(d, 'get', ['z']), null)
  t.equal(m(d, 'get', ['z', 'dflt']), 'dflt')
  t.equal(m({ 1: 'one' }, 'get', [1]), null, "the int 1 is not the key '1', as in Python")
  t.equal(m({ 1: 'one' }, 'get', ['1']), 'one')
  t.throws(() => m(d, 'get'), new TemplateRenderError('get expected at least 1 argument, got 0'))
  t.throws(() => m(d, 'keys', [1]), /dict\.keys\(\) takes no arguments \(1 given\)/)
  t.throws(() => m(d, 'get', ['a'], { default: 1 }), /takes no keyword arguments/)
})

t.test('str methods', async t => {
  t.equal(m('aß', 'upper'), 'ASS')
  t.equal(m('ÀB', 'lower'), 'àb')
  t.equal(m('  x \u3000', 'strip'), 'x')
  t.equal(m('xyaxy', 'strip', ['xy']), 'a')
  t.equal(m('  x  ', 'lstrip'), 'x  ')
  t.equal(m('  x  ', 'rstrip'), '  x')
  t.equal(m('\ufeffx', 'strip'), '\ufeffx', 'U+FEFF is not Python whitespace')
  t.same(m(' a  b c ', 'split'), ['a', 'b', 'c'])
  t.same(m(' a  b c ', 'split', [null, 1]), ['a', 'b c '])
  t.same(m('a,b,,c', 'split', [',']), ['a', 'b', '', 'c'])
  t.same(m('a,b,,c', 'split', [','], { maxsplit: 1 }), ['a', 'b,,c'])
  t.same(m('', 'split'), [])
  t.same(m('', 'split', [',']), [''])
  t.throws(() => m('a', 'split', ['']), /empty separator/)
  t.throws(() => m('a', 'split', [1]), /must be str or None, not int/)
  t.ok(m('hello', 'startswith', ['he']))
  t.ok(m('hello', 'startswith', [makeTuple(['x', 'h'])]))
  t.ok(m('hello', 'endswith', ['lo']))
  t.ok(m('hello', 'startswith', ['l', 2]))
  t.ok(m('hello', 'endswith', ['l', 0, 4]))
  t.throws(() => m('hello', 'startswith', [1]), /first arg must be str or a tuple of str, not int/)
  t.equal(m('hello', 'endswith', [makeTuple(['o', 2])]), true, 'the first match answers, as in Python')
  // By code point, as Python: half of a surrogate pair is no prefix or suffix (Python 3.11 answers).
  t.equal(m('x\u{1F600}', 'endswith', ['\ude00']), false)
  t.equal(m('x\u{1F600}', 'endswith', ['\u{1F600}']), true)
  t.equal(m('\u{1F600}y', 'startswith', ['\ud83d']), false)
  t.equal(m('\ud83dy', 'startswith', ['\ud83d']), true)
  t.equal(m('a\ude00', 'endswith', ['\ude00']), true)
  t.equal(m('ab', 'endswith', ['']), true)
  t.equal(m('ab', 'startswith', [makeTuple(['z', 'a'])]), true)
  t.equal(m('ab', 'endswith', ['xab']), false)
  t.equal(m('aaa', 'replace', ['a', 'b']), 'bbb')
  t.equal(m('aaa', 'replace', ['a', 'b', 2]), 'bba')
  t.equal(m('ab', 'replace', ['', '-']), '-a-b-')
  t.throws(() => m('ab', 'replace', [1, 'x']), /argument 1 must be str, not int/)
  t.equal(m("they're 3rd-place", 'title'), "They'Re 3Rd-Place")
  t.equal(m('hELLO wORLD', 'capitalize'), 'Hello world')
  t.throws(() => m('a', 'upper', [1]), /str\.upper\(\) takes no arguments \(1 given\)/)
})

t.test('list.append mutates the list and returns None; tuples have no append', async t => {
  const list = [1]
  t.equal(m(list, 'append', [2]), null)
  t.same(list, [1, 2])
  t.throws(() => m(makeTuple([1]), 'append', [2]), new TemplateRenderError("'tuple object' has no attribute 'append'"))
  t.throws(() => m(m({ a: 1 }, 'keys'), 'append', [2]), new TemplateRenderError("'dict_keys object' has no attribute 'append'"))
  t.throws(() => m(list, 'append'), /list\.append\(\) takes exactly one argument \(0 given\)/)
})

t.test('getAttr hands out the methods callMethod runs', async t => {
  const bound = getAttr('abc', 'upper')
  t.ok(bound instanceof BoundMethod)
  t.equal(callMethod(env, bound as BoundMethod, [], {}), 'ABC')
})

t.test('by_id reads profile fields by id', async t => {
  const fields = { 7: 'blue', 12: { nested: true } }
  t.equal(m(fields, 'by_id', [7]), 'blue')
  t.equal(pyRepr(m(fields, 'by_id', ['12'])), "{'nested': True}")
  t.equal(m(fields, 'by_id', [99]), null, 'a missing id is None')
  const obj: TemplateObject = { templateAttr: name => name === '3' ? 'three' : UNDEFINED }
  t.equal(m(obj, 'by_id', [3]), 'three')
  t.equal(m(fields, 'by_id', [1.5]), null, "the key is str(N), as dict.get(str(N)) reads it: '1.5' is no id")
  t.throws(() => m(fields, 'by_id'), /by_id\(\) takes exactly one argument \(0 given\)/)
  t.throws(() => m(null, 'by_id', [1]), /'None' has no attribute 'by_id'/)
})

t.test('a method on an unknown receiver or name is an error', async t => {
  t.throws(() => m(UNDEFINED, 'upper'), /is undefined/)
  t.throws(() => m(5, 'upper'), /'int' object has no attribute 'upper'/)
  t.throws(() => m('a', 'format'), /'str' object has no attribute 'format'/)
  t.throws(() => m({}, 'pop'), /'dict' object has no attribute 'pop'/)
})
