import t from 'tap'
import { JsonSyntaxError, locateJsonError, parseJson } from '../src/json.js'

t.test('valid JSON parses, a byte order mark is skipped', async t => {
  t.same(parseJson('\ufeff{"a": [1, true, null, "x\\u0041"]}'), { a: [1, true, null, 'xA'] })
})

t.test('syntax errors carry line and column of the offending character', async t => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['{"a": 1,}', 1, 9, /double-quoted property name/],
    ['{\n  "a" 1\n}', 2, 7, /':' after property name/],
    ['[1,\n 2\n 3]', 3, 2, /',' or '\]'/],
    ['{"a": "x', 1, 9, /unterminated string/],
    ['{"a": tru}', 1, 10, /'true'/],
    ['{} {}', 1, 4, /end of input/],
    ['{"a": "\\q"}', 1, 9, /bad escape/],
    ['', 1, 1, /unexpected end of input/]
  ]
  for (const [text, line, column, reason] of cases) {
    try {
      parseJson(text)
      t.fail(`accepted ${JSON.stringify(text)}`)
    } catch (err) {
      t.type(err, JsonSyntaxError)
      const e = err as JsonSyntaxError
      t.same([e.line, e.column], [line, column], JSON.stringify(text))
      t.match(e.message, reason)
      t.match(e.message, `line ${line}, column ${column}`)
    }
  }
})

t.test('the locator agrees with JSON.parse on valid input', async t => {
  t.same(locateJsonError('{"a": -1.5e3}'), { offset: 13, reason: 'invalid JSON' })
})
