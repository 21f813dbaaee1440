import t from 'tap'
import { LexError, PositionMap, tokenize } from '../../src/template/lexer.js'

const kinds = (source: string): string[] => tokenize(source).tokens.map(tok => tok.type === 'data' || tok.type === 'op' || tok.type === 'name' ? `${tok.type}:${tok.value}` : tok.type)

t.test('text, tags and expression tokens', async t => {
  t.same(kinds('a {{ x.y }} b'), ['data:a ', 'var_begin', 'name:x', 'op:.', 'name:y', 'var_end', 'data: b', 'eof'])
  t.same(kinds('{% if a >= 1 %}'), ['block_begin', 'name:if', 'name:a', 'op:>=', 'int', 'block_end', 'eof'])
  t.same(kinds('{{ a // b ** c != d }}').filter(k => k.startsWith('op:')), ['op://', 'op:**', 'op:!='])
})

t.test('positions are 1-based line and column', async t => {
  const { tokens } = tokenize('ab\n  {{ x }}\r\n{{ y }}')
  const x = tokens.find(tok => tok.value === 'x')
  const y = tokens.find(tok => tok.value === 'y')
  t.same([x?.line, x?.column], [2, 6])
  t.same([y?.line, y?.column], [3, 4])
  const map = new PositionMap('a\rb\nc')
  t.same(map.at(2), { line: 2, column: 1 })
  t.same(map.at(4), { line: 3, column: 1 })
})

t.test('string literals decode Python escapes', async t => {
  const str = (src: string): string | undefined => tokenize(`{{ ${src} }}`).tokens.find(tok => tok.type === 'string')?.value
  t.equal(str("'a\\nb'"), 'a\nb')
  t.equal(str('"it\'s \\"q\\""'), 'it\'s "q"')
  t.equal(str("'\\x41\\u00e9\\101\\t\\\\'"), 'Aé\x41\t\\')
  t.equal(str("'\\q'"), '\\q')
  t.equal(str("'}}'"), '}}', 'a closing delimiter inside a string is text')
})

t.test('numbers', async t => {
  const nums = tokenize('{{ 1 2.5 1e3 1_000 0x1F }}').tokens.filter(tok => tok.type === 'int' || tok.type === 'float')
  t.same(nums.map(n => `${n.type}:${n.value}`), ['int:1', 'float:2.5', 'float:1e3', 'int:1000', 'int:0x1F'])
})

t.test('whitespace control and comments', async t => {
  const data = (source: string): string[] => tokenize(source).tokens.filter(tok => tok.type === 'data').map(tok => tok.value)
  t.same(data('a  \n {{- x -}} \n b'), ['a', 'b'])
  t.same(data('a \n{%- if x %} \n b'), ['a', ' \n b'])
  t.same(data('a {#- c -#} b'), ['a', 'b'])
  t.same(data('a {# c #} b'), ['a ', ' b'])
  t.same(data('x {%+ if y %}'), ['x '])
})

t.test('raw blocks are text', async t => {
  const { tokens } = tokenize('{% raw %}{{ x }}{% if %}{% endraw %}!')
  t.same(tokens.map(tok => tok.type), ['data', 'data', 'eof'])
  t.equal(tokens[0]?.value, '{{ x }}{% if %}')
  t.same(tokenize('a {%- raw -%}  r  {%- endraw -%}  z').tokens.map(tok => tok.value), ['a', 'r', 'z', ''])
})

t.test('newlines: one trailing newline dropped, \\r\\n and \\r read as \\n', async t => {
  t.same(tokenize('a\n').tokens.map(tok => tok.value), ['a', ''])
  t.same(tokenize('a\n\n').tokens.map(tok => tok.value), ['a\n', ''])
  t.same(tokenize('a\r\nb\rc\r\n').tokens.map(tok => tok.value), ['a\nb\nc', ''])
})

t.test('braces inside an expression do not end the tag', async t => {
  t.same(kinds("{{ {'a': {'b': 1}} }}").slice(-3), ['op:}', 'var_end', 'eof'])
})

t.test('errors name the position', async t => {
  const cases: Array<[string, RegExp, number, number]> = [
    ['ab {{ x', /unexpected end of template: expected '}}' to close the tag from line 1, column 4/, 1, 8],
    ['{% if x', /expected '%}'/, 1, 8],
    ['x\n{# never closed', /comment not closed/, 2, 1],
    ["{{ 'abc }}", /string literal not closed/, 1, 4],
    ['{{ a $ b }}', /unexpected character '\$'/, 1, 6],
    ['{% raw %}x', /expected 'endraw' to close 'raw' from line 1, column 1/, 1, 1]
  ]
  for (const [source, message, line, column] of cases) {
    try {
      tokenize(source)
      t.fail(`${source} should fail`)
    } catch (err) {
      t.ok(err instanceof LexError, source)
      t.match((err as LexError).message, message, source)
      t.same([(err as LexError).line, (err as LexError).column], [line, column], `${source} position`)
    }
  }
})
