// `from_json`: JSON text to template values as Python's json.loads builds them. JSON.parse alone
// cannot tell 1 (int) from 1.0 (float), rounds integers beyond 2^53 (64-bit ids), moves
// integer-like keys ("10") first and refuses NaN: parseJson() uses it only after a scan has
// rewritten those tokens (below), and the hand parser reads what that cannot (and names the
// position of an error). Objects become PyDicts in document order.
import { PyDict, isIntegerLikeKey, makeFloat, normInt } from '../values.js'
import type { RecordFiller } from '../values.js'
import { TemplateRenderError } from '../../types.js'
import { COST, chargeItems } from '../budget.js'

const MAX_DEPTH = 512

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

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

  /** The longest JSON number at pos (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), or -Infinity. */
  number (): unknown {
    const t = this.text
    const start = this.pos
    let i = start
    if (t.charCodeAt(i) === 0x2d) i++
    const first = t.charCodeAt(i)
    if (first === 0x30) i++
    else if (first >= 0x31 && first <= 0x39) {
      i++
      while (isDigit(t.charCodeAt(i))) i++
    } else {
      if (t.startsWith('-Infinity', start)) {
        this.pos = start + 9
        return -Infinity
      }
      return this.error()
    }
    let float = false
    if (t.charCodeAt(i) === 0x2e && isDigit(t.charCodeAt(i + 1))) {
      i += 2
      while (isDigit(t.charCodeAt(i))) i++
      float = true
    }
    const e = t.charCodeAt(i)
    if (e === 0x65 || e === 0x45) {
      let j = i + 1
      const sign = t.charCodeAt(j)
      if (sign === 0x2b || sign === 0x2d) j++
      if (isDigit(t.charCodeAt(j))) {
        while (isDigit(t.charCodeAt(j))) j++
        i = j
        float = true
      }
    }
    this.pos = i
    const text = t.slice(start, i)
    const n = Number(text)
    if (float) return makeFloat(n)
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n
    // Python 3.11 refuses to read an int of more than 4300 digits (int_max_str_digits).
    if (text.length - (text.startsWith('-') ? 1 : 0) > 4300) throw new TemplateRenderError(`from_json: integer of more than 4300 digits at position ${start}`)
    return BigInt(text)
  }
}

/** Characters a JSON string holds as they are: up to a quote, a backslash or a control character. */
// eslint-disable-next-line no-control-regex -- control characters end the run: JSON forbids them raw
const PLAIN_RUN = /[^"\\\x00-\x1f]*/y
const WORDS: Array<[string, unknown]> = [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity]]
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'
}

// The fast path: V8's JSON.parse, then objects wrapped as record-backed PyDicts whose values convert
// on first read. JSON.parse alone differs from json.loads on a few tokens; a linear scan of the text
// (a linear regular expression over the tokens that need nothing, JavaScript for the rest) finds
// them first and rewrites each into a marked string that the conversion turns back into Python's
// value:
//   an integer of 16+ digits (beyond 2^53 JSON.parse rounds it) and -0 → int, read exactly;
//   a float literal whose double is integral (1.0, 2e3) → float (JSON.parse gives an int);
//   NaN, Infinity, -Infinity (json.loads accepts them, JSON.parse does not) → float;
//   an integer-like key ("10": JSON objects move it first) → the key marked, which keeps its place;
//   the dict translates (RecordFiller.markedKeys).
// Anything else JSON.parse refuses (invalid JSON), nesting beyond MAX_DEPTH, an integer of more than
// 4300 digits and a text that already holds the mark go to the hand parser, which says where; so
// does a text dense with rewrites, which the hand parser reads faster (DENSE_REWRITES).

/**
 * Starts a rewritten token (RECORD_KEY_MARK): JSON text cannot hold U+0001 raw, and a text holding
 * its escape is left to the hand parser.
 */
const MARK_ESCAPE = '\\u0001'
const MARK_CODE = 1
const HAND = null

/** What a rewritten token becomes: `"\u0001" + kind + token`; a key `"\u0001` + its text. */
const KEY = 0
const INT = 1
const FLOAT = 2
const PREFIXES = ['', '"' + MARK_ESCAPE + 'I', '"' + MARK_ESCAPE + 'F']

interface Plan {
  /** Start, end and kind of each rewritten token, in text order. */
  patches: number[]
  keys: boolean
  values: boolean
}

/** The end of the string starting at `i` (its closing quote), or -1. */
function stringEnd (t: string, i: number): number {
  let e = t.indexOf('"', i + 1)
  while (e !== -1) {
    let b = e - 1
    while (t.charCodeAt(b) === 0x5c) b--
    // An even run of backslashes escapes itself, not the quote.
    if (((e - 1 - b) & 1) === 0) return e
    e = t.indexOf('"', e + 1)
  }
  return -1
}

/**
 * Tokens JSON.parse reads as json.loads does: true, false, null, strings that start with neither a
 * digit nor an escape (so they are no integer-like key), ints of at most 15 digits but -0, floats
 * below 1e15 whose fraction starts with 1 to 8, and floats below 1e6 whose fraction starts with at
 * most 7 zeros then another digit, or at most 7 nines then another digit or its end: they are at
 * least 1e-8 from an integer, so their doubles are not integral.
 * Linear: the alternatives differ in their first character, and a number backtracks at most over
 * its own digits, once, at its start.
 */
const PLAIN_TOKEN = String.raw`"(?:[^"\\0-9][^"\\]*(?:\\[^][^"\\]*)*)?"|true|false|null|(?:0|-?[1-9][0-9]{0,14})(?![0-9.eE])` +
  String.raw`|-?(?:0|[1-9][0-9]{0,14})\.[1-8][0-9]*(?![0-9eE])|-?(?:0|[1-9][0-9]{0,5})\.(?:0{1,7}[1-9]|9{1,7}(?:[0-8]|(?![0-9])))[0-9]*(?![0-9eE])`
/** A run of such tokens and punctuation; it stops at a bracket, whose nesting plan() counts. */
const PLAIN_TOKENS = new RegExp(String.raw`(?:[ \t\n\r,:]|${PLAIN_TOKEN})*`, 'y')
/** The same, brackets included: for a text with too few brackets to nest beyond MAX_DEPTH. */
const PLAIN_TOKENS_AND_BRACKETS = new RegExp(String.raw`(?:[ \t\n\r,:[\]{}]|${PLAIN_TOKEN})*`, 'y')

/** True when `t` has at most `max` opening brackets (in strings or not), so it cannot nest deeper. */
function fewOpeners (t: string, max: number): boolean {
  let count = 0
  for (const opener of ['[', '{']) {
    for (let i = t.indexOf(opener); i !== -1; i = t.indexOf(opener, i + 1)) if (++count > max) return false
  }
  return true
}

/** Whether t[s, e) is an integer-like key written without escapes; undefined when it has one. */
function plainIntegerLike (t: string, s: number, e: number): boolean | undefined {
  let digits = true
  for (let k = s; k < e; k++) {
    const c = t.charCodeAt(k)
    if (c === 0x5c) return undefined
    if (!isDigit(c)) digits = false
  }
  return digits && e > s && (e - s === 1 || t.charCodeAt(s) !== 0x30)
}

/** The text of the JSON string from `i` to its closing quote `e`; undefined when it is not valid. */
function keyText (t: string, i: number, e: number): string | undefined {
  const raw = t.slice(i + 1, e)
  if (!raw.includes('\\')) return raw
  try {
    return JSON.parse(t.slice(i, e + 1)) as string
  } catch {
    return undefined
  }
}

/** What the fast path must rewrite in `t`, or HAND when the hand parser must read it. */
function plan (t: string): Plan | typeof HAND {
  const patches: number[] = []
  let keys = false
  let values = false
  let depth = 0
  const n = t.length
  const plain = fewOpeners(t, MAX_DEPTH) ? PLAIN_TOKENS_AND_BRACKETS : PLAIN_TOKENS
  let i = 0
  while (i < n) {
    plain.lastIndex = i
    plain.test(t)
    i = plain.lastIndex
    if (i >= n) break
    const c = t.charCodeAt(i)
    if (c === 0x22) {
      const e = stringEnd(t, i)
      if (e === -1) return HAND
      const first = t.charCodeAt(i + 1)
      // A key whose text starts with a digit, or an escape that may decode to one.
      if (isDigit(first) || first === 0x5c) {
        let j = e + 1
        while (j < n && (t.charCodeAt(j) === 0x20 || t.charCodeAt(j) === 0x0a || t.charCodeAt(j) === 0x0d || t.charCodeAt(j) === 0x09)) j++
        if (t.charCodeAt(j) === 0x3a) {
          let integerLike = plainIntegerLike(t, i + 1, e)
          if (integerLike === undefined) {
            const key = keyText(t, i, e)
            if (key === undefined) return HAND
            integerLike = isIntegerLikeKey(key)
          }
          if (integerLike) {
            patches.push(i, e + 1, KEY)
            keys = true
          }
        }
      }
      i = e + 1
      continue
    }
    if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) return HAND
      i++
      continue
    }
    if (c === 0x7d || c === 0x5d) {
      depth--
      i++
      continue
    }
    if (c === 0x2d || isDigit(c) || c === 0x4e || c === 0x49) {
      const s = i
      if (c === 0x2d) i++
      if (t.charCodeAt(i) === 0x4e || t.charCodeAt(i) === 0x49) {
        // NaN, Infinity, -Infinity; -NaN is not JSON for json.loads either.
        const word = t.startsWith('Infinity', i) ? 'Infinity' : c !== 0x2d && t.startsWith('NaN', i) ? 'NaN' : undefined
        if (word === undefined) return HAND
        i += word.length
        patches.push(s, i, FLOAT)
        values = true
        continue
      }
      const intStart = i
      while (isDigit(t.charCodeAt(i))) i++
      const intDigits = i - intStart
      let fraction = false
      let exponent = false
      let first = 0
      let fractionDigits = 0
      let fractionZero = true
      if (t.charCodeAt(i) === 0x2e) {
        fraction = true
        const fs = ++i
        first = t.charCodeAt(i)
        while (isDigit(t.charCodeAt(i))) {
          if (t.charCodeAt(i) !== 0x30) fractionZero = false
          i++
        }
        fractionDigits = i - fs
      }
      const e = t.charCodeAt(i)
      if (e === 0x65 || e === 0x45) {
        exponent = true
        i++
        if (t.charCodeAt(i) === 0x2b || t.charCodeAt(i) === 0x2d) i++
        while (isDigit(t.charCodeAt(i))) i++
      }
      if (intDigits === 0) return HAND
      let patch = -1
      if (!fraction && !exponent) {
        // Python 3.11 refuses to read an int of more than 4300 digits: the hand parser says so.
        if (intDigits > 4300) return HAND
        if (intDigits >= 16 || (c === 0x2d && intDigits === 1 && t.charCodeAt(intStart) === 0x30)) patch = INT
      } else if (exponent || intDigits >= 16 || ((first === 0x30 || first === 0x39) && (fractionZero || intDigits + fractionDigits > 15))) {
        // Below 1e15 a fraction of .1 to .8… cannot round to an integral double; others are checked.
        if (fractionZero && fraction && !exponent) patch = FLOAT
        else if (Number.isInteger(Number(t.slice(s, i)))) patch = FLOAT
      }
      if (patch !== -1) {
        patches.push(s, i, patch)
        values = true
      }
      continue
    }
    i++
  }
  if (patches.length > 0 && t.includes(MARK_ESCAPE)) return HAND
  return { patches, keys, values }
}

/** The text with its rewritten tokens. Concatenated (V8 joins the pieces once, in JSON.parse). */
function applyPatches (t: string, patches: readonly number[]): string {
  let out = ''
  let at = 0
  for (let k = 0; k < patches.length; k += 3) {
    const start = patches[k] as number
    const kind = patches[k + 2] as number
    if (kind === KEY) {
      // The mark goes in after the opening quote (an escaped key decodes to the same marked key).
      out += t.slice(at, start + 1) + MARK_ESCAPE
      at = start + 1
    } else {
      const end = patches[k + 1] as number
      out += t.slice(at, start) + (PREFIXES[kind] as string)
      out += t.slice(start, end) + '"'
      at = end
    }
  }
  return out + t.slice(at)
}

/** The value of a rewritten token (a str starting with the mark). */
function markedValue (s: string): unknown {
  const text = s.slice(2)
  return s.charCodeAt(1) === 0x49 ? normInt(BigInt(text)) : makeFloat(Number(text))
}

/** Converts JSON.parse's values to template values, one object at a time as they are read. */
class Converter implements RecordFiller {
  readonly exactKeys = true
  constructor (readonly markedKeys: boolean, readonly values: boolean) {}

  value (v: unknown): unknown {
    if (typeof v === 'object') {
      if (v === null) return v
      return Array.isArray(v) ? this.array(v) : this.object(v as Record<string, unknown>)
    }
    if (this.values && typeof v === 'string' && v.charCodeAt(0) === MARK_CODE) return markedValue(v)
    return v
  }

  /** Converts the elements in place (an element that stays as it is is not written back). */
  array (a: unknown[]): unknown[] {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]
      const c = this.value(v)
      if (c !== v) a[i] = c
    }
    return a
  }

  object (o: Record<string, unknown>): PyDict {
    return new PyDict(o, this)
  }

  fill (rec: Record<string, unknown>): Record<string, unknown> {
    for (const k of Object.keys(rec)) {
      const v = rec[k]
      const c = this.value(v)
      if (c !== v) rec[k] = c
    }
    return rec
  }
}

const PLAIN = new Converter(false, false)

/**
 * Work units (budget.ts) of one rewritten token beyond its characters: the copy of the text around
 * it, the marked str JSON.parse builds, its conversion (a BigInt) — some 500 ns at worst.
 */
const REWRITE_UNITS = 256
/**
 * Below one rewritten token per this many characters the hand parser is the faster reader (it
 * builds each value once, where a rewrite builds a marked str, then the value).
 */
const DENSE_REWRITES = 64

/**
 * json.loads(text) as template values. The caller charges the characters (COST.parse each); this
 * charges what costs more than that: rewritten tokens, and the hand parser's slower reading.
 */
export function parseJson (text: string): unknown {
  const p = plan(text)
  if (p !== HAND && (p.patches.length / 3) * DENSE_REWRITES <= text.length) {
    if (p.patches.length > 0) chargeItems(p.patches.length / 3, REWRITE_UNITS)
    const parsed = viaJsonParse(text, p)
    if (parsed !== NOT_JSON) return parsed
  }
  chargeItems(text.length, COST.parse)
  return parseJsonByHand(text)
}

const NOT_JSON = Symbol('not JSON')

/** JSON.parse of the text with its tokens rewritten, converted; NOT_JSON when JSON.parse refuses it. */
function viaJsonParse (text: string, p: Plan): unknown {
  let v: unknown
  try {
    v = JSON.parse(p.patches.length === 0 ? text : applyPatches(text, p.patches))
  } catch {
    return NOT_JSON
  }
  return (p.keys || p.values ? new Converter(p.keys, p.values) : PLAIN).value(v)
}

/** The fast path alone, however dense the rewrites (for tests); undefined where it cannot read the text. */
export function parseJsonViaJsonParse (text: string): unknown {
  const p = plan(text)
  const v = p === HAND ? NOT_JSON : viaJsonParse(text, p)
  return v === NOT_JSON ? undefined : v
}

/** The hand parser alone (exported for tests that compare it with the fast path). */
export function parseJsonByHand (text: string): unknown {
  const parser = new Parser(text)
  const v = parser.value()
  parser.ws()
  if (parser.pos !== text.length) parser.error()
  return v
}
