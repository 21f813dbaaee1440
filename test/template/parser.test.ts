import t from 'tap'
import { ParseError, parse } from '../../src/template/parser.js'
import type { Expr, Node } from '../../src/template/ast.js'

/** A compact s-expression of an expression tree, to assert shape and precedence. */
function show (e: Expr | null): string {
  if (e === null) return '_'
  switch (e.type) {
    case 'Literal': return JSON.stringify(e.value) + (e.float === true ? 'f' : '')
    case 'Name': return e.name
    case 'List': return `[${e.items.map(show).join(' ')}]`
    case 'Tuple': return `(tuple ${e.items.map(show).join(' ')})`
    case 'Dict': return `{${e.entries.map(x => `${show(x.key)}:${show(x.value)}`).join(' ')}}`
    case 'GetAttr': return `(. ${show(e.object)} ${e.name})`
    case 'GetItem': return `([] ${show(e.object)} ${show(e.key)})`
    case 'Slice': return `(slice ${show(e.object)} ${show(e.start)} ${show(e.stop)} ${show(e.step)})`
    case 'Call': return `(call ${show(e.callee)}${e.args.map(a => ' ' + show(a)).join('')}${e.kwargs.map(k => ` ${k.name}=${show(k.value)}`).join('')})`
    case 'Filter': return `(|${e.name} ${show(e.value)}${e.args.map(a => ' ' + show(a)).join('')}${e.kwargs.map(k => ` ${k.name}=${show(k.value)}`).join('')})`
    case 'Test': return `(is${e.negated ? 'not' : ''} ${e.name} ${show(e.value)}${e.args.map(a => ' ' + show(a)).join('')})`
    case 'Binary': return `(${e.op} ${show(e.left)} ${show(e.right)})`
    case 'Unary': return `(${e.op} ${show(e.operand)})`
    case 'Logical': return `(${e.op} ${show(e.left)} ${show(e.right)})`
    case 'Compare': return `(cmp ${show(e.first)}${e.ops.map(o => ` ${o.op} ${show(o.right)}`).join('')})`
    case 'CondExpr': return `(if ${show(e.test)} ${show(e.then)} ${show(e.otherwise)})`
  }
}

function expr (source: string): string {
  const node = parse(`{{ ${source} }}`).body[0] as Node & { type: 'Output' }
  return show(node.expr)
}

t.test('literals', async t => {
  t.equal(expr("'a' \"b\""), '"ab"')
  t.equal(expr('1'), '1')
  t.equal(expr('2.0'), '2f')
  t.equal(expr('true'), 'true')
  t.equal(expr('False'), 'false')
  t.equal(expr('none'), 'null')
  t.equal(expr('None'), 'null')
  t.equal(expr('[1, "a",]'), '[1 "a"]')
  t.equal(expr('(1,)'), '(tuple 1)')
  t.equal(expr('()'), '(tuple )')
  t.equal(expr('(1)'), '1')
  t.equal(expr('1, 2'), '(tuple 1 2)')
  t.equal(expr("{'a': 1, 'b': [2]}"), '{"a":1 "b":[2]}')
})

t.test('precedence follows Jinja2', async t => {
  t.equal(expr('1 + 2 * 3'), '(+ 1 (* 2 3))')
  t.equal(expr('a or b and not c'), '(or a (and b (not c)))')
  t.equal(expr('not a == b'), '(not (cmp a == b))')
  t.equal(expr('a ~ b + c'), '(+ (~ a b) c)')
  t.equal(expr('a + b ~ c * d'), '(+ a (~ b (* c d)))')
  t.equal(expr('-2 ** 2'), '(** (- 2) 2)')
  t.equal(expr('2 ** 3 ** 2'), '(** (** 2 3) 2)')
  t.equal(expr('-x|abs'), '(|abs (- x))')
  t.equal(expr('a|f + 1'), '(+ (|f a) 1)')
  t.equal(expr('1 < a <= 3'), '(cmp 1 < a <= 3)')
  t.equal(expr('a in b'), '(cmp a in b)')
  t.equal(expr('a not in b'), '(cmp a not in b)')
  t.equal(expr('a // b % c / d'), '(/ (% (// a b) c) d)')
  t.equal(expr('a if b else c if d else e'), '(if b a (if d c e))')
  t.equal(expr('a if b'), '(if b a _)')
})

t.test('postfix: attributes, items, slices and calls', async t => {
  t.equal(expr('a.b[0].c'), '(. ([] (. a b) 0) c)')
  t.equal(expr('a.0'), '([] a 0)')
  t.equal(expr('a[1:2]'), '(slice a 1 2 _)')
  t.equal(expr('a[::-1]'), '(slice a _ _ (- 1))')
  t.equal(expr('a[:2]'), '(slice a _ 2 _)')
  t.equal(expr('a[1:]'), '(slice a 1 _ _)')
  t.equal(expr('a[1, 2]'), '([] a (tuple 1 2))')
  t.equal(expr("f(1, x, k='v')"), '(call f 1 x k="v")')
  t.equal(expr('user.profile_fields.by_id(5)'), '(call (. (. user profile_fields) by_id) 5)')
})

t.test('filters and tests', async t => {
  t.equal(expr("x|default('a')|upper"), '(|upper (|default x "a"))')
  t.equal(expr('x|join(sep=",")'), '(|join x sep=",")')
  t.equal(expr('x is defined'), '(is defined x)')
  t.equal(expr('x is not none'), '(isnot none x)')
  t.equal(expr('x is divisibleby 3'), '(is divisibleby x 3)')
  t.equal(expr('x is divisibleby(3)'), '(is divisibleby x 3)')
  t.equal(expr('x is defined and y'), '(and (is defined x) y)')
  t.equal(expr("x is in ['a']"), '(is in x ["a"])')
})

t.test('statements', async t => {
  const tpl = parse('{% if a %}1{% elif b %}2{% else %}3{% endif %}')
  const node = tpl.body[0] as Node & { type: 'If' }
  t.equal(node.type, 'If')
  t.equal(node.otherwise[0]?.type, 'If')
  t.equal(((node.otherwise[0] as Node & { type: 'If' }).otherwise[0] as Node & { type: 'Text' }).text, '3')

  const loop = parse('{% for k, v in d.items() if v %}{{ k }}{% else %}none{% endfor %}').body[0] as Node & { type: 'For' }
  t.same(loop.target.type === 'Tuple' && loop.target.names.map(n => n.name), ['k', 'v'])
  t.equal(show(loop.filter), 'v')
  t.equal(loop.otherwise.length, 1)

  const set = parse('{% set ns.count = 1 %}').body[0] as Node & { type: 'Set' }
  t.same(set.target, { type: 'NsAttr', name: 'ns', attr: 'count', line: 1, column: 8 })
  const tupleSet = parse('{% set a, b = 1, 2 %}').body[0] as Node & { type: 'Set' }
  t.equal(tupleSet.target.type, 'Tuple')
  t.equal(show(tupleSet.value), '(tuple 1 2)')

  const block = parse('{% set x | upper %}hi{% endset %}').body[0] as Node & { type: 'BlockSet' }
  t.equal(block.type, 'BlockSet')
  t.same(block.filters.map(f => f.name), ['upper'])
})

t.test('every node has its position; an output keeps its source text', async t => {
  const out = parse('ab\n  {{- get_secret( "x" ) -}}').body[1] as Node & { type: 'Output' }
  t.same([out.line, out.column], [2, 3])
  t.equal(out.source, '{{- get_secret( "x" ) -}}')
  const call = out.expr as Expr & { type: 'Call' }
  t.same([call.callee.line, call.callee.column], [2, 7])
})

t.test('syntax errors name the position and what was expected', async t => {
  const cases: Array<[string, string, number, number]> = [
    ['{% if x %}a', "unexpected end of template: expected 'endif' to close 'if' from line 1, column 1", 1, 12],
    ['{% for x in y %}\n{% if x %}{% endif %}', "unexpected end of template: expected 'endfor' to close 'for' from line 1, column 1", 2, 22],
    ['{% set x %}abc', "unexpected end of template: expected 'endset' to close 'set' from line 1, column 1", 1, 15],
    ['x\n  {% for a in b %}{% endif %}', "unexpected 'endif' inside 'for' from line 2, column 3", 2, 22],
    ['{% endif %}', "unexpected 'endif': no open block to close", 1, 4],
    ['{{ x + }}', 'unexpected end of print statement, expected an expression', 1, 8],
    ['{{ }}', 'unexpected end of print statement, expected an expression', 1, 4],
    ['{{ (1 }}', "unexpected '}', expected ')'", 1, 7],
    ['{{ x y }}', "unexpected 'y', expected '}}' (end of print statement)", 1, 6],
    ['{% foo %}', "unknown tag 'foo'", 1, 4],
    ['{% for x y %}', "unexpected 'y', expected 'in'", 1, 10],
    // A trailing comma makes Jinja2 read `in` as one more target name: `for a, in xs` does not parse.
    ['{% for a, in [1] %}{% endfor %}', "unexpected '[', expected 'in'", 1, 14],
    ['{% for (a, b), in [1] %}{% endfor %}', "unexpected '[', expected 'in'", 1, 19],
    ['{% if x %}{% else %}{% else %}{% endif %}', "unexpected 'else' inside 'if' from line 1, column 1", 1, 24],
    ['{% set %}', 'unexpected end of statement block, expected a variable name', 1, 8],
    ['{{ f(a=1, 2) }}', 'positional argument follows keyword argument', 1, 11],
    ['{{ x is a is b }}', 'you cannot chain multiple tests with is', 1, 11],
    ['{% for x in y recursive %}{% endfor %}', 'recursive loops are not supported in Conduit templates', 1, 15],
    // Jinja2 takes one ':' only where a body starts, not at the end tags nor after `set x = …`.
    ['{% if x:: %}{% endif %}', "unexpected ':', expected '%}' (end of statement block)", 1, 9],
    ['{% if x %}{% endif: %}', "unexpected ':', expected '%}' (end of statement block)", 1, 19],
    ['{% set x = 1: %}', "unexpected ':', expected '%}' (end of statement block)", 1, 13],
    // After a comma only the end of the tag ends a target tuple, as in Jinja2.
    ['{% set o, = [1] %}', "unexpected '=', expected a variable name", 1, 11],
    ['{% set a, b, = [1, 2] %}', "unexpected '=', expected a variable name", 1, 14]
  ]
  for (const [source, message, line, column] of cases) {
    try {
      parse(source)
      t.fail(`${source} should not parse`)
    } catch (err) {
      t.ok(err instanceof ParseError, source)
      t.match((err as ParseError).message, message, source)
      t.same([(err as ParseError).line, (err as ParseError).column], [line, column], `${source}: position`)
    }
  }
})

t.test('a colon may end the header of a block, as in Python (Jinja2 skips one before the body)', async t => {
  const { compileTemplate } = await import('../../src/template/index.js')
  const cases: Array<[string, string]> = [
    ['{% if true: %}a{% endif %}', 'a'],
    ['{% if false: %}a{% elif true: %}b{% endif %}', 'b'],
    ['{% if false %}a{% else: %}c{% endif %}', 'c'],
    ['{% for i in [1, 2]: %}{{ i }}{% endfor %}', '12'],
    ['{% for i in []: %}{{ i }}{% else: %}none{% endfor %}', 'none'],
    ['{% for i in [1, 2, 3] if i > 1: %}{{ i }}{% endfor %}', '23'],
    ['{% set x | upper: %}body{% endset %}{{ x }}', 'BODY'],
    ['{%- if true : -%} a {%- endif %}', 'a']
  ]
  for (const [source, output] of cases) t.equal(compileTemplate(source, 'request_body').render({}), output, source)
})
