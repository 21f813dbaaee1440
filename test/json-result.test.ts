import t from 'tap'
import { cleanMessage, errorPosition, locateJsonError, tryParseJson as parseJson } from '../src/json.js'

t.test('valid JSON parses (a byte order mark is ignored)', async t => {
  t.same(parseJson('\uFEFF{"a": [1, 2]}'), { ok: true, value: { a: [1, 2] } })
})

t.test('syntax errors carry the line and column of the first bad character', async t => {
  const cases: Array<[string, number, number]> = [
    ['{\n  "a": 1,\n}', 3, 1], // trailing comma: the '}' where a name was expected
    ['{"a": }', 1, 7],
    ['{\n  "a": tru\n}', 2, 11],
    ['{"a": 1', 1, 8], // input ends too early: just past the end
    ['', 1, 1],
    ['[1, 2] x', 1, 8],
    ['{\n "connectors": [\n  { "name": "x" "url": "y" }\n ]\n}', 3, 17],
    ['{"a": "line\nbreak"}', 1, 12]
  ]
  for (const [text, line, column] of cases) {
    const r = parseJson(text)
    t.equal(r.ok, false, JSON.stringify(text))
    if (!r.ok) {
      t.same({ line: r.line, column: r.column }, { line, column }, JSON.stringify(text))
      t.match(r.message, /^invalid JSON: /)
      t.notMatch(r.message, /is not valid JSON|position/, 'no quoted input or raw offsets in the message')
    }
  }
})

t.test('the fallback scanner agrees with V8 wherever V8 reports a position', async t => {
  const samples = ['{"a": 1,}', '[1,]', '{"a" 1}', '{"a": "\\x"}', '{"a": -}', '{"a": 01}', '{"a": nul}', '{"a": 1}}', '{"a": "\\u12g4"}', '{"a": 1.}', '{"a": 1e}', '{"a": 1e+}', '{"a": -0.5e-3x}']
  for (const text of samples) {
    let v8: number | undefined
    try { JSON.parse(text) } catch (err) {
      const m = /at position (\d+)/.exec((err as Error).message)
      if (m !== null) v8 = Number(m[1])
    }
    if (v8 !== undefined) t.equal(locateJsonError(text).offset, v8, text)
    else t.ok(locateJsonError(text).offset < text.length, `${text}: located inside the text`)
  }
})

t.test('every Node version\'s message form gives the same position', async t => {
  const text = '{\n  "a": 1,\n}'
  // Node 20: "... in JSON at position 12"; Node 22+: "... in JSON at position 12 (line 3 column 1)"; some forms name neither.
  t.same(errorPosition('Expected double-quoted property name in JSON at position 12', text), { line: 3, column: 1 })
  t.same(errorPosition('Expected double-quoted property name in JSON at position 12 (line 3 column 1)', text), { line: 3, column: 1 })
  t.same(errorPosition('Unexpected token \'}\', "{\n  "a": 1,\n}" is not valid JSON', text), { line: 3, column: 1 })
  t.equal(cleanMessage('Expected double-quoted property name in JSON at position 12 (line 3 column 1)'), 'Expected double-quoted property name')
  t.equal(cleanMessage('Unexpected token \'}\', "{"a": }" is not valid JSON'), "Unexpected token '}'")
})
