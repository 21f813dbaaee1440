// `from_json`: JSON text to template values as Python's json.loads builds them. A hand parser
// because JSON.parse cannot tell 1 (int) from 1.0 (float), and Python prints them differently.
import { makeFloat } from '../values.js'
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

  object (): Record<string, unknown> {
    this.nest()
    this.pos++
    const out: Record<string, unknown> = {}
    this.ws()
    if (this.text[this.pos] === '}') {
      this.pos++
      this.depth--
      return out
    }
    for (;;) {
      this.ws()
      if (this.text[this.pos] !== '"') this.error()
      const key = this.string()
      this.ws()
      if (this.text[this.pos] !== ':') this.error()
      this.pos++
      const v = this.value()
      // A "__proto__" key must stay an own data property, never reach the prototype; plain
      // assignment for every other key keeps the object in V8's fast mode.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
      else out[key] = v
      this.ws()
      const c = this.text[this.pos]
      this.pos++
      if (c === '}') break
      if (c !== ',') {
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
    let out = ''
    let chunk = start
    for (;;) {
      if (this.pos >= t.length) this.error()
      const c = t.charCodeAt(this.pos)
      if (c === 0x22) break
      if (c < 0x20) this.error()
      if (c === 0x5c) {
        out += t.slice(chunk, this.pos)
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
        chunk = this.pos
        continue
      }
      this.pos++
    }
    out += t.slice(chunk, this.pos)
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
    return m[2] !== undefined || m[3] !== undefined ? makeFloat(n) : n
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
const WORDS: Array<[string, unknown]> = [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity]]
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'
}

/**
 * Where JSON.parse could give a different value than json.loads: a float literal that may be
 * integral (1.0, 2e3, 16+ significant digits), which must stay a float. Any other literal with a
 * fraction has at most 15 significant digits, so its double is not an integer either and a plain
 * number already is Conduit's float. Matches inside strings only cost the fast path.
 */
const MAYBE_INTEGRAL_FLOAT = /\d\.0+(?![0-9])|\d[eE]|(?:\d\.?){16}/

/** More than `max` levels of arrays and objects below `v`. */
function deeperThan (v: unknown, max: number): boolean {
  if (v === null || typeof v !== 'object') return false
  if (max === 0) return true
  const children = Array.isArray(v) ? v : Object.values(v)
  for (let i = 0; i < children.length; i++) if (deeperThan(children[i], max - 1)) return true
  return false
}

export function parseJson (text: string): unknown {
  // JSON.parse is native and builds fast-mode objects (own "__proto__" keys included); the hand
  // parser below decides whenever the result could differ, and words every error.
  if (!MAYBE_INTEGRAL_FLOAT.test(text)) {
    let v: unknown
    let ok = true
    try {
      v = JSON.parse(text)
    } catch {
      ok = false
    }
    // MAX_DEPTH + 1 nested containers need twice that many characters.
    if (ok && (text.length <= 2 * MAX_DEPTH || !deeperThan(v, MAX_DEPTH))) return v
  }
  const p = new Parser(text)
  const v = p.value()
  p.ws()
  if (p.pos !== text.length) p.error()
  return v
}
