// `from_json`: JSON text to template values as Python's json.loads builds them. A hand parser
// because JSON.parse cannot tell 1 (int) from 1.0 (float), rounds integers beyond 2^53 (64-bit ids)
// and moves integer-like keys ("10") first; objects become PyDicts in document order.
import { PyDict, makeFloat } from '../values.js'
import { TemplateRenderError } from '../../types.js'

const MAX_DEPTH = 512

class Parser {
  pos = 0
  depth = 0
  constructor (readonly text: string) {}

  error (): never {
    throw new TemplateRenderError(`from_json: invalid JSON at position ${this.pos}`)
  }

  ws (): void {
    const t = this.text
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos)
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break
      this.pos++
    }
  }

  value (): unknown {
    this.ws()
    const t = this.text
    const c = t[this.pos]
    if (c === '{') return this.object()
    if (c === '[') return this.array()
    if (c === '"') return this.string()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number()
    for (let i = 0; i < WORDS.length; i++) {
      const [word, v] = WORDS[i] as [string, unknown]
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length
        return v
      }
    }
    return this.error()
  }

  nest (): void {
    if (++this.depth > MAX_DEPTH) throw new TemplateRenderError(`from_json: nesting deeper than ${MAX_DEPTH} levels at position ${this.pos}`)
  }

  object (): PyDict {
    this.nest()
    this.pos++
    const out = new PyDict()
    this.ws()
    if (this.text[this.pos] === '}') {
      this.pos++
      this.depth--
      return out
    }
    for (;;) {
      this.ws()
      if (this.text.charCodeAt(this.pos) !== 0x22) this.error()
      const key = this.string()
      this.ws()
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.error()
      this.pos++
      // Python keeps the last value of a repeated key, at the place of its first occurrence.
      out.setStr(key, this.value())
      this.ws()
      const c = this.text.charCodeAt(this.pos)
      this.pos++
      if (c === 0x7d) break
      if (c !== 0x2c) {
        this.pos--
        this.error()
      }
    }
    this.depth--
    return out
  }

  array (): unknown[] {
    this.nest()
    this.pos++
    const out: unknown[] = []
    this.ws()
    if (this.text[this.pos] === ']') {
      this.pos++
      this.depth--
      return out
    }
    for (;;) {
      out.push(this.value())
      this.ws()
      const c = this.text[this.pos]
      this.pos++
      if (c === ']') break
      if (c !== ',') {
        this.pos--
        this.error()
      }
    }
    this.depth--
    return out
  }

  string (): string {
    const t = this.text
    const start = ++this.pos
    PLAIN_RUN.lastIndex = start
    PLAIN_RUN.test(t)
    let end = PLAIN_RUN.lastIndex
    // The common case: no escape before the closing quote.
    if (t.charCodeAt(end) === 0x22) {
      this.pos = end + 1
      return t.slice(start, end)
    }
    let out = t.slice(start, end)
    this.pos = end
    for (;;) {
      if (this.pos >= t.length) this.error()
      const c = t.charCodeAt(this.pos)
      if (c === 0x22) break
      if (c < 0x20) this.error()
      if (c === 0x5c) {
        const e = t[this.pos + 1]
        if (e === 'u') {
          const hex = t.slice(this.pos + 2, this.pos + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.error()
          out += String.fromCharCode(parseInt(hex, 16))
          this.pos += 6
        } else {
          const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e]
          if (simple === undefined) this.error()
          out += simple
          this.pos += 2
        }
        PLAIN_RUN.lastIndex = this.pos
        PLAIN_RUN.test(t)
        end = PLAIN_RUN.lastIndex
        out += t.slice(this.pos, end)
        this.pos = end
        continue
      }
      this.pos++
    }
    this.pos++
    return out
  }

  number (): unknown {
    NUMBER.lastIndex = this.pos
    const m = NUMBER.exec(this.text)
    if (m === null) {
      if (this.text.startsWith('-Infinity', this.pos)) {
        this.pos += 9
        return -Infinity
      }
      return this.error()
    }
    const text = m[0]
    this.pos += text.length
    const n = Number(text)
    if (m[2] !== undefined || m[3] !== undefined) return makeFloat(n)
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n
    // Python 3.11 refuses to read an int of more than 4300 digits (int_max_str_digits).
    if (text.length - (text.startsWith('-') ? 1 : 0) > 4300) throw new TemplateRenderError(`from_json: integer of more than 4300 digits at position ${this.pos - text.length}`)
    return BigInt(text)
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
/** Characters a JSON string holds as they are: up to a quote, a backslash or a control character. */
// eslint-disable-next-line no-control-regex -- control characters end the run: JSON forbids them raw
const PLAIN_RUN = /[^"\\\x00-\x1f]*/y
const WORDS: Array<[string, unknown]> = [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity]]
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'
}

export function parseJson (text: string): unknown {
  const p = new Parser(text)
  const v = p.value()
  p.ws()
  if (p.pos !== text.length) p.error()
  return v
}
