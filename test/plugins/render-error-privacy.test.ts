// SPEC §4.6 end to end: a render error's 422 detail and the request's log line name the field,
// the position and the kind of failure, never a secret, caller payload or upstream body value,
// whole or transformed.
import t from 'tap'
import { executeApp } from './fixtures/app.js'

const ORIGIN = 'https://api.example.com'
const SECRET = 'QZXJKVWQPZJXQV'
const PAYLOAD = 'ZJQXKWVZXQJKZW'
const UPSTREAM = 'WQZXJVKQZWJXKQ'

function traces (text: string): string[] {
  const found: string[] = []
  for (const m of [SECRET, PAYLOAD, UPSTREAM]) {
    for (const form of [m, [...m].reverse().join('')]) {
      for (let i = 0; i + 4 <= form.length; i++) {
        const slice = form.slice(i, i + 4)
        if (text.toLowerCase().includes(slice.toLowerCase())) found.push(slice)
      }
    }
  }
  return found
}

t.test('422 details and log lines carry no context value', async t => {
  const lines: string[] = []
  const { app, agent, resolver } = await executeApp([
    { name: 'H1', url: `${ORIGIN}/h`, headers: [{ key: 'X-A', value: "{{ {}[get_secret('k')[1:]].x }}" }] },
    { name: 'H2', url: `${ORIGIN}/h`, headers: [{ key: 'X-A', value: "{{ (get_secret('k') | reverse) | from_json }}" }] },
    { name: 'H3', url: `${ORIGIN}/h`, headers: [{ key: 'X-A', value: "{{ (get_secret('k') | lower ~ '%q') % () }}" }] },
    { name: 'B1', url: `${ORIGIN}/b`, method: 'POST', request_body: '{{ (body_text | from_json).name | int + [] }}{{ {}[(body_text | from_json).name].x }}' },
    { name: 'B2', url: `${ORIGIN}/b`, method: 'POST', request_body: '{% set a, b = (body_text | from_json).name %}' },
    { name: 'R1', url: `${ORIGIN}/r`, response_body: "{% set d = response.body if response.body is mapping else response.body | from_json %}{{ {}[d['v'] | upper].x }}" }
  ], { logStream: { write: (line: string) => { lines.push(line) } }, bodyLimit: 4096 })
  resolver.secrets.set('k', SECRET)
  agent.get(ORIGIN).intercept({ path: '/r', method: 'GET' }).reply(200, JSON.stringify({ v: UPSTREAM }), { headers: { 'content-type': 'application/json' } }).persist()
  const calls: Array<[string, string, string?]> = [
    ['GET', 'h1'], ['GET', 'h2'], ['GET', 'h3'],
    ['POST', 'b1', JSON.stringify({ name: PAYLOAD })], ['POST', 'b2', JSON.stringify({ name: PAYLOAD })],
    ['GET', 'r1']
  ]
  for (const [method, permalink, payload] of calls) {
    const res = await app.inject({ method: method as 'GET', url: `/connectors/${permalink}/execute`, payload, headers: payload === undefined ? {} : { 'content-type': 'application/json' } })
    t.equal(res.statusCode, 422, `${permalink}: 422`)
    const { code, detail } = res.json().errors as { code: string, detail: string }
    t.match(code, /^(RESPONSE_)?TEMPLATE_RENDER_ERROR$/, `${permalink}: ${code}`)
    t.match(detail, /line 1, column \d+/, `${permalink}: the detail has the position: ${detail}`)
    t.same(traces(detail), [], `${permalink}: no value in "${detail}"`)
  }
  const logged = lines.join('')
  t.match(logged, /TEMPLATE_RENDER_ERROR/, 'the failures were logged')
  t.same(traces(logged), [], 'no value in any log line')
})
