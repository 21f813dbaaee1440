// Behaviour checks beyond the recorded Jinja2 cases (runtime-conformance.test.ts): Conduit's own
// filters, argument binding, the sandbox, and value types of results.
import t from 'tap'
import { FILTERS } from '../../../src/template/runtime/filters.js'
import { createEnv } from '../../../src/template/runtime/env.js'
import { BoundMethod, getAttr, getItem } from '../../../src/template/runtime/access.js'
import {
  Markup, Namespace, PyDict, PyFloat, UNDEFINED, Undefined, fromHost, isTuple, isUndefined, makeTuple, pyRepr, pyStr
} from '../../../src/template/runtime/values.js'
import { TemplateRenderError } from '../../../src/template/types.js'
import { PyIter, drain } from '../../../src/template/runtime/iterators.js'

const env = createEnv(() => 0, 8192)
function f (name: string, value: unknown, args: unknown[] = [], kwargs: Record<string, unknown> = {}): unknown {
  const filter = FILTERS[name]
  if (filter === undefined) throw new Error(`no filter ${name}`)
  // Inputs are host values (plain objects), as a render context holds them. A generator or
  // iterator result is read into a list (its items' errors included), as `| list` would.
  const out = filter(env, fromHost(value), args.map(fromHost), kwargs)
  return out instanceof PyIter ? drain(out) : out
}

/** A result with its dicts as plain objects, for t.same; other values (tuples, lists) kept as they are. */
function plain (v: unknown): unknown {
  if (v instanceof PyDict) {
    const out = Object.create(null) as Record<string, unknown>
    for (const [k, x] of v.entries()) out[String(k)] = plain(x)
    return out
  }
  if (Array.isArray(v)) {
    const items = v.map(plain)
    return items.every((x, i) => x === v[i]) ? v : items
  }
  return v
}

t.test('every filter of SPEC §4.2 is registered, and nothing else', async t => {
  const names = ('abs attr batch capitalize count default d dictsort first float format groupby int items join last ' +
    'length list lower map max min replace reject rejectattr reverse round select selectattr slice sort string sum ' +
    'title tojson trim truncate unique upper urlencode wordcount from_json json_encode base64_encode base64_decode').split(' ')
  t.same(Object.keys(FILTERS).sort(), names.sort())
  t.equal(FILTERS.constructor, undefined, 'no prototype names')
  t.ok(Object.isFrozen(FILTERS))
})

t.test('arguments bind like Python: positional, keyword, unknown and duplicate names', async t => {
  t.equal(f('truncate', 'foo bar baz qux', [9], { end: '~' }), 'foo bar~')
  t.equal(f('truncate', 'foo bar baz qux', [], { length: 9, leeway: 0 }), 'foo...')
  t.throws(() => f('truncate', 'x', [], { size: 3 }), new TemplateRenderError("truncate() got an unexpected keyword argument 'size'"))
  t.throws(() => f('truncate', 'x', [3], { length: 3 }), /got multiple values for argument 'length'/)
  t.throws(() => f('replace', 'x', ['a']), /missing required argument 'new'/)
  t.throws(() => f('upper', 'x', [1]), /upper\(\) takes at most 0 arguments \(1 given\)/)
  t.throws(() => f('round', 1.5, [1, 'common', 3]), /takes at most 2 arguments \(3 given\)/)
})

t.test('numeric results keep Python types', async t => {
  t.ok(f('round', 2.5) instanceof PyFloat, 'round of a float is a float')
  t.equal(pyStr(f('round', 2.5)), '2.0')
  t.equal(pyStr(f('round', 42)), '42', 'round of an int stays an int')
  t.equal(pyStr(f('round', 42, [], { method: 'floor' })), '42.0')
  t.equal(pyStr(f('float', '3')), '3.0')
  t.equal(pyStr(f('float', 'x')), '0.0')
  t.equal(pyStr(f('sum', [1.5, 0.5])), '2.0')
  t.equal(pyStr(f('abs', new PyFloat(-2))), '2.0')
  t.equal(f('int', '0x1A', [], { base: 16 }), 26)
  t.equal(f('int', 'nope', [7]), 7)
})

t.test('default replaces only undefined unless boolean=True', async t => {
  t.equal(f('default', UNDEFINED, ['x']), 'x')
  t.equal(f('d', null, ['x']), null)
  t.equal(f('default', '', ['x', true]), 'x')
  t.equal(f('default', UNDEFINED), '')
})

t.test('undefined values behave as Jinja2 default Undefined', async t => {
  const u = new Undefined('missing')
  t.equal(f('length', u), 0)
  t.same(plain(f('list', u)), [])
  t.equal(f('join', u), '')
  t.equal(f('upper', u), '')
  t.ok(isUndefined(f('first', u)))
  t.equal(f('sum', u), 0)
  t.throws(() => f('int', u), new TemplateRenderError("'missing' is undefined"))
  t.throws(() => f('float', u), /'missing' is undefined/)
  t.throws(() => f('tojson', u), /Undefined is not JSON serializable/)
  t.throws(() => f('attr', u, ['x']), /'missing' is undefined/)
})

t.test('attr reads attributes only, through the sandbox', async t => {
  t.ok(isUndefined(f('attr', { a: 1 }, ['a'])), "a dict's keys are items, not attributes")
  t.ok(f('attr', { a: 1 }, ['items']) instanceof BoundMethod)
  t.equal(f('attr', new Namespace([['x', 5]]), ['x']), 5)
  t.ok(isUndefined(f('attr', 'abc', ['__class__'])))
  t.ok(isUndefined(f('attr', 'abc', ['constructor'])))
  t.ok(isUndefined(f('attr', [], ['__proto__'])))
  t.ok(isUndefined(f('attr', null, ['x'])))
  t.throws(() => f('attr', {}, [1]), /attribute name must be a string, not int/)
  t.ok(isUndefined((f('map', [[]], [], { attribute: 'constructor' }) as unknown[])[0]), 'map(attribute=) goes through the sandbox')
  t.same(plain(f('map', [{ constructor: 1, __proto__x: 2 }], [], { attribute: 'constructor' })), [1], "a dict's keys are data, as in Jinja2: no prototype behind them")
})

t.test('map, select and reject name filters and tests that must exist', async t => {
  t.same(plain(f('map', ['a', 'b'], ['upper'])), ['A', 'B'])
  t.same(plain(f('map', [3.14159], ['round', 2])), [3.14])
  t.throws(() => f('map', [1], ['nope']), new TemplateRenderError('map: the first argument does not name a filter of the template language'))
  t.throws(() => f('select', [1], ['nope']), /select\/reject: the first argument does not name a test/)
  t.throws(() => f('selectattr', [{}], ['a', 's3cret']), /selectattr\/rejectattr: the second argument does not name a test/)
  t.throws(() => f('select', [1], ['odd'], { x: 1 }), /tests take no keyword arguments/)
  t.throws(() => f('selectattr', [{}]), /Missing parameter for attribute name/)
  t.throws(() => f('map', [1], [], { attribute: 'a', other: 1 }), /Unexpected keyword argument 'other'/)
  t.equal(pyRepr(f('rejectattr', [{ a: 0 }, { a: 1 }], ['a'])), "[{'a': 0}]")
})

t.test('groupby yields (grouper, list) tuples that also answer .grouper and .list', async t => {
  const groups = f('groupby', [{ k: 'a', n: 1 }, { k: 'B', n: 2 }, { k: 'A', n: 3 }], ['k']) as unknown[][]
  t.equal(groups.length, 2)
  const first = groups[0] as unknown[]
  t.ok(isTuple(first))
  t.equal(first[0], 'a')
  t.equal(getAttr(first, 'grouper'), 'a')
  t.same(plain(getAttr(first, 'list')), [{ k: 'a', n: 1 }, { k: 'A', n: 3 }])
  t.equal(getItem(first, 'grouper'), 'a')
  t.ok(isUndefined(getAttr(first, 'other')))
  t.equal(pyRepr(groups), "[('a', [{'k': 'a', 'n': 1}, {'k': 'A', 'n': 3}]), ('B', [{'k': 'B', 'n': 2}])]")
  t.same(plain(f('map', groups, [], { attribute: 'grouper' })), ['a', 'B'])
})

t.test('sequence filters return lists and reject what Python rejects', async t => {
  t.same(plain(f('reverse', makeTuple([1, 2]))), [2, 1])
  t.equal(f('reverse', 'a\u{1F600}b'), 'b\u{1F600}a')
  t.same(plain(f('truncate', [1, 2])), [1, 2])
  t.throws(() => f('truncate', 'x'.repeat(300), [], { end: 5 }), /object of type 'int' has no len\(\)/)
  t.throws(() => f('truncate', 'x'.repeat(300), [], { end: ['.'] }), /can only concatenate str \(not "list"\) to str/)
  t.throws(() => f('urlencode', [makeTuple(['a', 1, 2])]), /too many values to unpack \(expected 2\)/)
  t.throws(() => f('sum', [1, 'a']), /unsupported operand type\(s\) for \+: 'int' and 'str'/)
  // Python's do_batch compares len(tmp) == linecount (never true for a str) and fails only to fill.
  t.same(f('batch', [1, 2], ['x']), [[1, 2]])
  t.throws(() => f('batch', [1], ['x', 0]), /'<' not supported between instances of 'int' and 'str'/)
  t.throws(() => f('round', 1.5, [1.5]), /'float' object cannot be interpreted as an integer/)
  t.throws(() => f('length', new Namespace()), /object of type 'Namespace' has no len\(\)/)
})

t.test('from_json builds Python values: int vs float, tuples never, dicts with own keys', async t => {
  const v = f('from_json', '{"a": 1, "b": 1.0, "c": [true, null, "x\\u00e9\\n"], "d": 1e2, "e": -0.5, "__proto__": {"p": 1}}') as Record<string, unknown>
  t.equal(pyRepr(v), "{'a': 1, 'b': 1.0, 'c': [True, None, 'xé\\n'], 'd': 100.0, 'e': -0.5, '__proto__': {'p': 1}}")
  t.ok(v instanceof PyDict, 'a dict: keys are data, "__proto__" included, and no prototype is reachable')
  t.equal(f('from_json', ' "s" '), 's')
  t.equal(pyRepr(f('from_json', '[NaN, Infinity, -Infinity]')), '[nan, inf, -inf]')
  t.same(plain(f('from_json', '"\\ud83d\\ude00"')), '\u{1F600}')
})

t.test('from_json reads ints, floats and keys as json.loads does', async t => {
  const cases: Array<[string, string]> = [
    ['{"price": 9.99, "qty": "3", "n": 120, "neg": -0.25}', "{'price': 9.99, 'qty': '3', 'n': 120, 'neg': -0.25}"],
    ['[3.0, 1.000, 1.00000000000000001, 1E5, 2e-1, 15e-1, 123456789012345.6, 1234567890123456.7]',
      '[3.0, 1.0, 1.0, 100000.0, 0.2, 1.5, 123456789012345.6, 1234567890123456.8]'],
    ['{"__proto__": {"p": 1}, "a": [0.5]}', "{'__proto__': {'p': 1}, 'a': [0.5]}"],
    ['"version 1.0"', "'version 1.0'"]
  ]
  for (const [text, repr] of cases) {
    const v = f('from_json', text)
    t.equal(pyRepr(v), repr, text)
  }
  const deep = '[' + ' '.repeat(2000) + '['.repeat(600) + ']'.repeat(600) + ']'
  t.throws(() => f('from_json', deep), /nesting deeper than 512 levels/, 'the depth limit holds')
  t.throws(() => f('from_json', '{"a": 1,}'), /invalid JSON at position 8/)
})

t.test('from_json on invalid JSON names the position', async t => {
  t.throws(() => f('from_json', '{"a": }'), new TemplateRenderError('from_json: invalid JSON at position 6'))
  t.throws(() => f('from_json', ''), /invalid JSON at position 0/)
  t.throws(() => f('from_json', '[1, 2'), /invalid JSON at position 5/)
  t.throws(() => f('from_json', '{"a": 1} x'), /invalid JSON at position 9/)
  t.throws(() => f('from_json', '"a\nb"'), /invalid JSON at position 2/)
  t.throws(() => f('from_json', '01'), /invalid JSON at position 1/)
  t.throws(() => f('from_json', '"\\x"'), /invalid JSON at position 1/)
  t.throws(() => f('from_json', '['.repeat(600) + ']'.repeat(600)), /nesting deeper than 512 levels/)
  t.throws(() => f('from_json', { a: 1 }), /from_json: expected a string, got dict/)
  t.throws(() => f('from_json', UNDEFINED), /expected a string, got an undefined value/)
})

t.test('json_encode and tojson filters', async t => {
  t.equal(f('json_encode', { b: '<', a: 1 }), '{"b": "<", "a": 1}')
  t.equal(f('json_encode', [1], [], { indent: 1 }), '[\n 1\n]')
  t.ok(f('tojson', 1) instanceof Markup, 'tojson returns Markup, as in Jinja2')
  t.equal(pyStr(f('tojson', { b: '<', a: 1 })), '{"a": 1, "b": "\\u003c"}')
  t.equal(pyStr(f('tojson', [1], [2])), '[\n  1\n]')
})

t.test('base64_encode / base64_decode round-trip UTF-8 and reject bad input', async t => {
  t.equal(f('base64_encode', 'user:pässword'), 'dXNlcjpww6Rzc3dvcmQ=')
  t.equal(f('base64_encode', 42), 'NDI=')
  t.equal(f('base64_encode', UNDEFINED), '')
  t.equal(f('base64_decode', 'dXNlcjpww6Rzc3dvcmQ='), 'user:pässword')
  // As base64.b64decode(validate=True): padding required, standard alphabet only, no whitespace.
  t.throws(() => f('base64_decode', 'dXNlcjpww6Rzc3dvcmQ'), /not valid padded base64/, 'unpadded input is refused')
  t.throws(() => f('base64_decode', '8J-YgA=='), /not valid padded base64/, 'the URL-safe alphabet is refused')
  t.throws(() => f('base64_decode', ' YQ=='), /not valid padded base64/)
  t.throws(() => f('base64_decode', 'YQ==YQ=='), /not valid padded base64/, 'data after padding is refused')
  t.equal(f('base64_decode', '8J+YgA=='), '\u{1F600}')
  t.throws(() => f('base64_decode', 'ab$c'), new TemplateRenderError('base64_decode: the value is not valid padded base64'))
  t.throws(() => f('base64_decode', 'a'), /not valid padded base64/)
  t.throws(() => f('base64_decode', 'YQ='), /not valid padded base64/)
  t.throws(() => f('base64_decode', '/w=='), /decoded bytes are not valid UTF-8 text/)
  // Any value is decoded as str() prints it, as base64_encode encodes it: an Undefined is ''.
  t.equal(f('base64_decode', UNDEFINED), '')
  t.throws(() => f('base64_decode', 5), /not valid padded base64/)
  t.throws(() => f('base64_decode', null), /decoded bytes are not valid UTF-8 text/, "'None' is base64 of bytes that are not UTF-8")
})

t.test('format and urlencode', async t => {
  t.equal(f('format', '%s=%.2f', ['pi', 3.14159]), 'pi=3.14')
  t.equal(f('format', '%(a)s-%(b)r', [], { a: 1, b: 'x' }), "1-'x'")
  t.equal(f('format', 42), '42')
  t.throws(() => f('format', 'a%(hidden)s', [], { b: 1 }), new TemplateRenderError('KeyError: format: no keyword argument matches a %(…) conversion'))
  t.equal(f('urlencode', { 'a b': 'é', c: 'd&e' }), 'a+b=%C3%A9&c=d%26e')
  t.equal(f('urlencode', 'a/b c'), 'a/b%20c')
})
