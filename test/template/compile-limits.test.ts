// SPEC §4.5: compiling any template within the 64 KiB source limit never overflows the stack. A long
// elif chain compiles (it is walked and emitted flat); nesting deeper than 64 levels and operator
// chains longer than 256 are refused with a positioned compile error, also when compileTemplate is
// called from deep inside a stack (a request handler, a watcher callback).
import t from 'tap'
import { TemplateCompileError, compileTemplate } from '../../src/template/index.js'

const rep = (s: string, n: number): string => s.repeat(n)

/** A {% if %} with as many {% elif %} branches as fit in `bytes`. */
function elifChain (bytes: number): { source: string, branches: number } {
  let source = '{% set x = 7 %}{% if x == 0 %}zero'
  let i = 1
  while (source.length < bytes) source += `{% elif x == ${i++} %}b${i}`
  return { source: source + '{% else %}none{% endif %}', branches: i }
}

function deep<T> (frames: number, fn: () => T): T {
  return frames === 0 ? fn() : deep(frames - 1, fn)
}

function compileError (source: string): TemplateCompileError {
  try {
    compileTemplate(source, 'request_body')
  } catch (err) {
    if (err instanceof TemplateCompileError) return err
    throw err
  }
  throw new Error('expected a compile error')
}

t.test('a 52 KB elif chain compiles and renders the matching branch', async t => {
  const { source, branches } = elifChain(52 * 1024)
  t.ok(branches > 2000, `${branches} branches`)
  t.equal(compileTemplate(source, 'request_body').render({}), 'b8')
  const last = source.replace('{% set x = 7 %}', `{% set x = ${branches - 1} %}`)
  t.equal(compileTemplate(last, 'request_body').render({}), `b${branches}`)
  const none = source.replace('{% set x = 7 %}', '{% set x = -1 %}')
  t.equal(compileTemplate(none, 'request_body').render({}), 'none')
})

t.test('a long elif chain assigning names keeps Jinja2 scoping', async t => {
  let source = '{% set y = 0 %}{% for i in [1, 2] %}{% if i == 0 %}{% set y = 100 %}'
  for (let i = 1; i < 1500; i++) source += `{% elif i == ${i} %}{% set y = ${i} %}`
  source += '{% endif %}{{ y }},{% endfor %}{{ y }}'
  t.equal(compileTemplate(source, 'request_body').render({}), '1,2,0')
})

t.test('hostile nesting and chains are refused with a position, never a stack overflow', async t => {
  const cases: Array<[string, string, RegExp]> = [
    ['parentheses', '{{ ' + rep('(', 30000) + '1' + rep(')', 30000) + ' }}', /nested too deeply/],
    ['lists', '{{ ' + rep('[', 20000) + rep(']', 20000) + ' }}', /nested too deeply/],
    ['dicts', '{{ ' + rep("{'a': ", 9000) + '1' + rep('}', 9000) + ' }}', /nested too deeply/],
    ['if expressions', '{{ ' + rep('1 if 1 else ', 5000) + '1 }}', /nested too deeply/],
    ['not', '{{ ' + rep('not ', 12000) + '1 }}', /nested too deeply/],
    ['unary minus', '{{ ' + rep('-', 30000) + '1 }}', /nested too deeply/],
    ['1+1+… of 64 KiB', '{{ 1' + rep('+1', 32000) + ' }}', /more than 256 operators/],
    ['a ~ chain', '{{ 1' + rep(' ~ 1', 15000) + ' }}', /more than 256 operators/],
    ['filters', '{{ 1' + rep('|abs', 12000) + ' }}', /more than 256 operators/],
    ['attributes', '{{ user' + rep('.a', 25000) + ' }}', /more than 256 operators/],
    ['calls', "{{ 'x'" + rep('.strip()', 7000) + ' }}', /more than 256 operators/],
    ['and', '{{ 1' + rep(' and 1', 9000) + ' }}', /more than 256 operators/],
    ['comparisons', '{{ 1' + rep(' < 1', 9000) + ' }}', /more than 256 operators/],
    ['if blocks', rep('{% if 1 %}', 3000) + rep('{% endif %}', 3000), /nesting depth exceeds 64/],
    ['for blocks', rep('{% for x in [1] %}', 1500) + rep('{% endfor %}', 1500), /nesting depth exceeds 64/],
    ['set blocks', rep('{% set x %}', 2500) + rep('{% endset %}', 2500), /nesting depth exceeds 64/]
  ]
  for (const [name, body, message] of cases) {
    const source = body.slice(0, 64 * 1024)
    const err = deep(2000, () => compileError(source))
    t.match(err.problems[0]?.message, message, name)
    t.ok((err.problems[0]?.line ?? 0) >= 1 && (err.problems[0]?.column ?? 0) > 1, `${name}: positioned`)
  }
})

t.test('the longest accepted chains compile and render from a deep stack', async t => {
  const cases: Array<[string, string]> = [
    ['{{ 1' + rep('+1', 255) + ' }}', '256'],
    ["{{ 'ab'" + rep('|upper|lower', 127) + ' }}', 'ab'],
    ["{{ ' x '" + rep('.strip()', 127) + ' }}', 'x'],
    [rep('{% for x in [1] %}', 32) + '{{ ' + rep('(', 30) + '1' + rep(' + 1', 200) + rep(')', 30) + ' }}' + rep('{% endfor %}', 32), '201'],
    [rep('{% if 1 %}', 63) + 'deep' + rep('{% endif %}', 63), 'deep']
  ]
  for (const [source, expected] of cases) {
    t.equal(deep(2000, () => compileTemplate(source, 'request_body').render({})), expected, source.slice(0, 40))
  }
})

t.test('constant expressions with a slice (Jinja2 folds them) compile linearly and render within the budget', async t => {
  // Each is evaluated from its tree as Jinja2 folds it (fold.ts), every node folded once.
  const chain = (open: string, close: string): string => {
    const one = '{{ ' + open + '(1.5)[1:2]' + rep(' ~ 1', 250) + close + ' }}'
    return rep(one, Math.floor(60_000 / one.length))
  }
  const started = Date.now()
  const folded = compileTemplate(chain('', ''), 'request_body')
  // The `if` without else makes every fold fail, so each level runs again as ordinary code.
  const refolded = compileTemplate(chain("('a' if false) ~ ", ''), 'request_body')
  t.ok(Date.now() - started < 3000, 'both compile in well under the time of a registry load')
  t.match(folded.render({}), /^1{250}/, 'the slice of a float is Undefined in the fold')
  const renderStarted = Date.now()
  t.throws(() => refolded.render({}), /not subscriptable|work budget exceeded/, 'unfolded, the slice raises')
  t.ok(Date.now() - renderStarted < 250, 'a render of failing folds stays within the event-loop bound')
})
