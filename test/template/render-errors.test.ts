// SPEC §4.6: a render error names the field, the position and the kind of failure, never a value
// taken from the context (secret, variable, user field, caller payload, upstream body), whole or
// transformed (reversed, lower-cased, upper-cased, sliced). Many failing templates are rendered over
// a context whose every value is a marker; no error message may contain any trace of one.
import t from 'tap'
import { TemplateRenderError, compileTemplate } from '../../src/template/index.js'
import type { FieldKind, RenderContext } from '../../src/template/index.js'

// Letters only (positions in messages are digits), and no English 4-gram in any transform.
const MARKERS = {
  secret: 'QZXJKVWQPZJX',
  variable: 'VWXQZKJQXVZP',
  email: 'KJZQXWVQJZKX',
  tenant: 'XQJZVKWZQJXV',
  body: 'ZJQXKWVZXQJK',
  upstream: 'WQZXJVKQZWJX',
  header: 'JXZQWKVJQZXW'
}

/** Every string a message must not contain: each marker, its transforms, and their 4-character slices. */
function forbidden (): string[] {
  const out = new Set<string>()
  for (const m of Object.values(MARKERS)) {
    for (const form of [m, [...m].reverse().join(''), m.toLowerCase(), [...m].reverse().join('').toLowerCase()]) {
      for (let i = 0; i + 4 <= form.length; i++) out.add(form.slice(i, i + 4))
      out.add(form.toUpperCase())
    }
  }
  return [...out]
}
const FORBIDDEN = forbidden()

function leaks (message: string): string[] {
  const lower = message.toLowerCase()
  return FORBIDDEN.filter(f => lower.includes(f.toLowerCase()))
}

const context: RenderContext = {
  user: { id: MARKERS.email, email: MARKERS.email, first_name: MARKERS.email, last_name: null, username: null, profile_fields: { 7: MARKERS.email } },
  tenant_id: MARKERS.tenant,
  secrets: { k: MARKERS.secret },
  variables: { v: MARKERS.variable },
  body_text: JSON.stringify({ name: MARKERS.body, n: MARKERS.body, list: [MARKERS.body] }),
  body_raw: { name: MARKERS.body, n: MARKERS.body, list: [MARKERS.body] },
  response: { status_code: 200, headers: { 'x-h': MARKERS.header }, body: JSON.stringify({ name: MARKERS.upstream, items: [MARKERS.upstream] }) }
}

/** Expressions whose value carries a marker, per field kind that can read them. */
const VALUES: Record<string, string[]> = {
  header: ["get_secret('k')", "get_secret('k') | reverse", "get_secret('k') | lower", "get_secret('k')[1:]", "get_variable('v')", 'user.email', 'tenant_id'],
  request_body: ['body_text', '(body_text | from_json).name', "(body_text | from_json)['n'] | lower", 'body_raw.name', 'body_raw.list[0] | reverse', 'user.first_name'],
  response_body: ['(response.body | from_json).name', "response.headers['x-h']", "(response.body | from_json)['items'][0] | upper", 'response.body']
}

/** Failing uses of a value V: every kind of error a built-in raises on a string. */
const FAILURES = [
  '{{ {}[V].x }}', '{{ {}[V[2:]].x }}', '{{ {V: 1}[V ~ "q"].x }}', '{{ V.x.y }}', '{{ V[V].x }}', '{{ (V | list)[V] .x }}',
  '{{ V | from_json }}', '{{ ("[1, " ~ V ~ "]") | from_json }}', '{{ V | int + [] }}', '{{ V | float + [] }}',
  '{{ V % 1 }}', '{{ (V ~ "%z") % () }}', '{{ V | format(1, 2) }}', '{{ ("%(" ~ V ~ ")s") | format(a=1) }}', '{{ ("%(" ~ V ~ ")s") % {"a": 1} }}',
  "{{ '%c' % V }}", "{{ '%d' % V }}", '{{ V + 1 }}', '{{ V < 1 }}', '{{ V - V }}', '{{ V ** 2 }}', '{{ -V }}',
  '{{ V | base64_decode }}', '{{ dict([V]) }}', '{{ dict([[V]]) }}', '{% set a, b = V %}', '{% for a, b in [V] %}{% endfor %}',
  '{{ V | batch(V) }}', '{{ V | slice(V) }}', '{{ V | round(V) }}', '{{ V | round }}', '{{ V | truncate(1) }}', "{{ V | truncate(5, end='...', leeway=-1) }}",
  '{{ V | map(V) | list }}', '{{ V | select(V) | list }}', '{{ [V] | selectattr(V, V) | list }}', '{{ V | tojson(indent=[]) }}',
  '{{ range(V) }}', '{{ namespace(V) }}', "{{ V.split('') }}", '{{ V | sum }}', '{{ V | list | sum(start=V) }}', '{{ V | sort(attribute=V) | first | int + [] }}',
  '{{ user.profile_fields.by_id(V).x }}', '{{ user.profile_fields.by_id([V]) }}', '{{ V | dictsort }}', '{{ V | items }}', '{{ V is divisibleby(V) }}',
  '{{ V is odd }}', '{{ V | abs }}', '{{ V | attr(V) | int + [] }}', '{{ [V] | unique(attribute=V) | first + 1 }}', '{{ [[V]] | unique | list }}',
  '{{ V | urlencode | from_json }}', '{{ V.startswith(1) }}', '{{ V.strip(1) }}', '{{ V.replace(1, 2) }}', '{{ V | join(1, V) }}',
  '{{ V | groupby(V) | list | first + 1 }}', '{{ [V, 1] | sort }}', '{{ [V, 1] | max }}', '{{ V in 1 }}', '{{ 1 in V }}',
  '{{ V | count + V }}', '{{ [V] * V }}', '{{ V * V }}', '{{ V | wordcount + V }}', '{{ V | string | tojson | from_json | int + [] }}',
  '{{ (V ~ V) | replace(V, V, V) }}', '{{ V | capitalize | title | int + [] }}', '{{ {"a": V} | tojson | from_json | items | first | first + 1 }}'
]

t.test('no render error names, quotes or transforms a context value', async t => {
  let failures = 0
  for (const [kind, values] of Object.entries(VALUES)) {
    for (const v of values) {
      for (const f of FAILURES) {
        const source = f.replaceAll('V', `(${v})`)
        let template
        try {
          template = compileTemplate(source, kind as FieldKind)
        } catch (err) {
          t.fail(`${source} should compile: ${(err as Error).message}`)
          continue
        }
        try {
          template.render(context)
        } catch (err) {
          failures++
          t.ok(err instanceof TemplateRenderError, `${source}: a render error`)
          const found = leaks((err as Error).message)
          if (found.length > 0) t.fail(`${kind} ${source} → "${(err as Error).message}" carries ${found.join(', ')}`)
        }
      }
    }
  }
  // Most of the cases must actually fail, or the test would prove nothing.
  t.ok(failures > FAILURES.length * 10, `${failures} renders failed`)
})

t.test('the known leaks of issue 8 now name only the kind of failure', async t => {
  const cases: Array<[string, FieldKind, RegExp]> = [
    ["{{ {}[get_secret('k')[1:]].x }}", 'header', /^'dict object' has no such attribute or item \(line 1, column/],
    ["{{ (get_secret('k') | reverse) | from_json }}", 'header', /^from_json: invalid JSON at position 0 \(line 1/],
    ["{{ (get_secret('k') | lower) % 1 }}", 'header', /^not all arguments converted during string formatting/],
    ["{{ (get_secret('k') ~ '%z') % () }}", 'header', /^unsupported format character \(line 1/],
    ["{{ ('%(' ~ get_secret('k') ~ ')s') | format(a=1) }}", 'header', /^KeyError: format: no keyword argument matches a %\(…\) conversion/],
    ["{{ user.profile_fields.by_id(get_secret('k')).x.y }}", 'header', /^'None' has no attribute 'x' \(line 1/],
    ['{% set a, b = body_text %}', 'request_body', /^too many values to unpack \(expected 2\)/]
  ]
  for (const [source, kind, expected] of cases) {
    t.throws(() => compileTemplate(source, kind).render(context), { name: 'TemplateRenderError', message: expected }, source)
  }
})

t.test('a name written in the template is still named', async t => {
  t.throws(() => compileTemplate("{% set d = {'a': {}} %}{{ d.a.missing.x }}", 'header').render(context),
    { message: /^'dict object' has no attribute 'missing'/ })
})
