// Tokenizer for Conduit's Jinja2 subset, with Jinja2's default settings: trim_blocks and
// lstrip_blocks off, one trailing newline of the template dropped, \r\n and \r in text read as \n.
// Whitespace control (`{%-`, `-%}`, `{{-`, `-}}`, `{#-`, `-#}`) and `{% raw %}` are resolved here,
// so the parser sees only text, tag boundaries and expression tokens.
import type { Pos } from './ast.js'
import { TemplateSyntaxError } from './ast.js'
import { isIdentifier, isNameChar } from './runtime/unicode.js'
import { lastIndexAtMost } from './binary-search.js'
import { PY_WHITESPACE, isPySpace, stripBy } from './runtime/filters/python.js'

export type TokenType =
  | 'data' | 'var_begin' | 'var_end' | 'block_begin' | 'block_end'
  | 'name' | 'string' | 'int' | 'float' | 'op' | 'eof'

export interface Token extends Pos {
  type: TokenType
  /** Text of data, name and op tokens; decoded value of string tokens; digits of numbers. */
  value: string
  /** Offset in the source where the token starts / ends (var_begin … var_end slice a `{{ }}` tag). */
  start: number
  end: number
}

export class LexError extends TemplateSyntaxError {}

const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '~', '[', ']', '(', ')', '{', '}', '<', '>', '=', '.', ':', '|', ',']
const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' }
const NAME_START = /[A-Za-z_]/
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y

/**
 * The end of the name token at `p`: Jinja2's name_re, a run of Python's \w and the other identifier
 * characters (unicode.ts), ASCII ones first (the common case).
 */
function nameEnd (src: string, p: number): number {
  NAME_RE.lastIndex = p
  let end = NAME_RE.exec(src)?.index === p ? NAME_RE.lastIndex : p
  while (end < src.length) {
    const cp = src.codePointAt(end) as number
    if (cp < 0x80 ? !/[A-Za-z0-9_]/.test(src[end] as string) : !isNameChar(cp)) break
    end += cp > 0xffff ? 2 : 1
  }
  return end
}
// Numbers as Jinja2's lexer reads them: a float first (never right after a '.', so `a.1.5` is two
// subscripts), then an integer, whose decimal form has no leading zero (`007` lexes as `00` then
// `7`, a syntax error; `007.5` is a float).
const FLOAT_RE = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y
const INT_RE = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y
// Whitespace control strips, and tokens are separated by, Python's whitespace (str.isspace, and
// `\s` of its re): JavaScript's \s and trim() leave out U+001C–U+001F and U+0085 and take U+FEFF.
const WS_RE = new RegExp(`[${PY_WHITESPACE}]+`, 'y')
const RAW_OPEN_RE = new RegExp(`[${PY_WHITESPACE}]*raw[${PY_WHITESPACE}]*(-?)%\\}`, 'y')
const ENDRAW_RE = new RegExp(`\\{%(-|\\+)?[${PY_WHITESPACE}]*endraw[${PY_WHITESPACE}]*([-+]?)%\\}`, 'g')

const trimStart = (text: string): string => stripBy(text, true, false, isPySpace)
const trimEnd = (text: string): string => stripBy(text, false, true, isPySpace)
const NEWLINES = /\r\n|\r/g

/** Maps source offsets to 1-based line and column. */
export class PositionMap {
  private readonly lineStarts: number[] = [0]
  constructor (source: string) {
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i)
      if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1)
    }
  }

  at (offset: number): Pos {
    const starts = this.lineStarts
    const lo = lastIndexAtMost(starts, offset)
    return { line: lo + 1, column: offset - (starts[lo] as number) + 1 }
  }
}

/**
 * Python's str escapes, as Jinja2 decodes string literals (encode('ascii', 'backslashreplace')
 * then decode('unicode-escape')). `fail` gets Python's message for an escape it refuses.
 */
function decodeString (source: string, fail: (message: string) => never): string {
  // Jinja2 normalises the newlines written in the source, then decodes escapes (so '\r' stays CR).
  const raw = source.replace(NEWLINES, '\n')
  if (!raw.includes('\\')) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string
    if (ch !== '\\' || i === raw.length - 1) {
      out += ch
      continue
    }
    const next = raw[i + 1] as string
    i++
    switch (next) {
      case '\\': out += '\\'; break
      case "'": out += "'"; break
      case '"': out += '"'; break
      case 'a': out += '\x07'; break
      case 'b': out += '\b'; break
      case 'f': out += '\f'; break
      case 'n': out += '\n'; break
      case 'r': out += '\r'; break
      case 't': out += '\t'; break
      case 'v': out += '\v'; break
      case '\n': break
      case 'x': case 'u': case 'U': {
        const len = next === 'x' ? 2 : next === 'u' ? 4 : 8
        const hex = raw.slice(i + 1, i + 1 + len)
        if (!(hex.length === len && /^[0-9a-fA-F]+$/.test(hex))) {
          fail(`truncated \\${next === 'x' ? 'xXX' : next === 'u' ? 'uXXXX' : 'UXXXXXXXX'} escape`)
        }
        const cp = parseInt(hex, 16)
        if (cp > 0x10ffff) fail('illegal Unicode character')
        out += String.fromCodePoint(cp)
        i += len
        break
      }
      case 'N':
        // \N{name} needs Unicode's name table, which the engine does not carry.
        if (raw[i + 1] !== '{' || !raw.includes('}', i + 2)) fail('malformed \\N character escape')
        fail('\\N{…} escapes are not supported: write the character itself or its \\uXXXX escape')
        break
      default:
        if (next.charCodeAt(0) >= 0x80) {
          // backslashreplace has turned the character into its \x, \u or \U escape, whose backslash
          // this one escapes: the text of that escape is what remains.
          const cp = raw.codePointAt(i) as number
          out += '\\' + (cp <= 0xff ? 'x' + cp.toString(16).padStart(2, '0') : cp <= 0xffff ? 'u' + cp.toString(16).padStart(4, '0') : 'U' + cp.toString(16).padStart(8, '0'))
          if (cp > 0xffff) i++
        } else if (next >= '0' && next <= '7') {
          let oct = next
          while (oct.length < 3 && /[0-7]/.test(raw[i + 1] ?? '')) oct += raw[++i] as string
          out += String.fromCodePoint(parseInt(oct, 8))
        } else {
          out += '\\' + next
        }
    }
  }
  return out
}

function findTagStart (src: string, from: number): number {
  let i = src.indexOf('{', from)
  while (i !== -1) {
    const c = src[i + 1]
    if (c === '{' || c === '%' || c === '#') return i
    i = src.indexOf('{', i + 1)
  }
  return -1
}

export interface LexResult {
  tokens: Token[]
  positions: PositionMap
  /** True when the template contains at least one tag or comment. */
  hasTags: boolean
}

export function tokenize (source: string): LexResult {
  const positions = new PositionMap(source)
  // Jinja2 drops one trailing newline (keep_trailing_newline=False).
  let src = source
  if (src.endsWith('\r\n')) src = src.slice(0, -2)
  else if (src.endsWith('\n') || src.endsWith('\r')) src = src.slice(0, -1)
  const tokens: Token[] = []
  let pos = 0
  let lstripNext = false
  let hasTags = false

  const tok = (type: TokenType, value: string, start: number, end: number): Token => {
    const p = positions.at(start)
    return { type, value, start, end, line: p.line, column: p.column }
  }
  const fail = (message: string, offset: number): never => {
    throw new LexError(message, positions.at(offset))
  }
  const pushData = (text: string, start: number, rstrip: boolean): void => {
    if (lstripNext) text = trimStart(text)
    if (rstrip) text = trimEnd(text)
    lstripNext = false
    if (text !== '') tokens.push(tok('data', text.replace(NEWLINES, '\n'), start, start + text.length))
  }

  while (pos < src.length) {
    const tagAt = findTagStart(src, pos)
    if (tagAt === -1) {
      pushData(src.slice(pos), pos, false)
      pos = src.length
      break
    }
    hasTags = true
    const kind = src[tagAt + 1] as string
    const marker = src[tagAt + 2]
    const stripBefore = marker === '-'
    pushData(src.slice(pos, tagAt), pos, stripBefore)
    let p = tagAt + 2 + (marker === '-' || marker === '+' ? 1 : 0)

    if (kind === '#') {
      const close = src.indexOf('#}', p)
      if (close === -1) {
        // Jinja2's lexer stops without a word when a comment opener (and its - or +) ends the template.
        if (p === src.length) break
        fail('unexpected end of template: comment not closed (missing #})', tagAt)
      }
      lstripNext = src[close - 1] === '-' && close - 1 >= p
      pos = close + 2
      continue
    }

    if (kind === '%') {
      RAW_OPEN_RE.lastIndex = p
      const raw = RAW_OPEN_RE.exec(src)
      if (raw !== null) {
        const contentStart = RAW_OPEN_RE.lastIndex
        ENDRAW_RE.lastIndex = contentStart
        const end = ENDRAW_RE.exec(src)
        if (end === null) fail("unexpected end of template: expected 'endraw' to close 'raw' from " + where(positions.at(tagAt)), tagAt)
        let content = src.slice(contentStart, (end as RegExpExecArray).index)
        if (raw[1] === '-') content = trimStart(content)
        if ((end as RegExpExecArray)[1] === '-') content = trimEnd(content)
        if (content !== '') tokens.push(tok('data', content.replace(NEWLINES, '\n'), contentStart, contentStart + content.length))
        lstripNext = (end as RegExpExecArray)[2] === '-'
        pos = ENDRAW_RE.lastIndex
        continue
      }
    }

    const isVar = kind === '{'
    tokens.push(tok(isVar ? 'var_begin' : 'block_begin', src.slice(tagAt, p), tagAt, p))
    const closer = isVar ? '}}' : '%}'
    let depth = 0
    const brackets: string[] = []
    for (;;) {
      WS_RE.lastIndex = p
      if (WS_RE.exec(src) !== null) p = WS_RE.lastIndex
      if (p >= src.length) {
        fail(`unexpected end of template: expected '${closer}' to close the tag from ${where(positions.at(tagAt))}`, p)
      }
      if (depth === 0) {
        if (src.startsWith('-' + closer, p)) {
          tokens.push(tok(isVar ? 'var_end' : 'block_end', '-' + closer, p, p + 3))
          lstripNext = true
          p += 3
          break
        }
        if (src.startsWith(closer, p)) {
          tokens.push(tok(isVar ? 'var_end' : 'block_end', closer, p, p + 2))
          p += 2
          break
        }
        // `+%}` ends a block without trim_blocks (off here anyway): the same as `%}`.
        if (!isVar && src.startsWith('+%}', p)) {
          tokens.push(tok('block_end', '+%}', p, p + 3))
          p += 3
          break
        }
      }
      const ch = src[p] as string
      if (ch === "'" || ch === '"') {
        let i = p + 1
        while (i < src.length && src[i] !== ch) i += src[i] === '\\' ? 2 : 1
        if (i >= src.length) fail('unexpected end of template: string literal not closed', p)
        tokens.push(tok('string', decodeString(src.slice(p + 1, i), message => fail(message, p)), p, i + 1))
        p = i + 1
        continue
      }
      if (ch >= '0' && ch <= '9') {
        let m: RegExpExecArray | null = null
        if (src[p - 1] !== '.') {
          FLOAT_RE.lastIndex = p
          m = FLOAT_RE.exec(src)
        }
        const isFloat = m !== null
        if (m === null) {
          INT_RE.lastIndex = p
          m = INT_RE.exec(src) as RegExpExecArray
        }
        const text = m[0]
        tokens.push(tok(isFloat ? 'float' : 'int', text.replace(/_/g, ''), p, p + text.length))
        p += text.length
        continue
      }
      if (NAME_START.test(ch) || (ch.charCodeAt(0) >= 0x80 && isNameChar(src.codePointAt(p) as number))) {
        const end = nameEnd(src, p)
        const name = src.slice(p, end)
        // Jinja2 accepts a name token only if it is a Python identifier (no leading digit, ² …).
        if (!isIdentifier(name)) fail('Invalid character in identifier', p)
        tokens.push(tok('name', name, p, end))
        p = end
        continue
      }
      const op = OPERATORS.find(o => src.startsWith(o, p))
      if (op === undefined) fail(`unexpected character '${ch}'`, p)
      if (op === '(' || op === '[' || op === '{') {
        brackets.push(CLOSERS[op] as string)
      } else if ((op === ')' || op === ']' || op === '}') && brackets.length > 0) {
        const expected = brackets.pop() as string
        if (op !== expected) fail(`unexpected '${op as string}', expected '${expected}'`, p)
      }
      depth = brackets.length
      tokens.push(tok('op', op as string, p, p + (op as string).length))
      p += (op as string).length
    }
    pos = p
  }
  tokens.push(tok('eof', '', src.length, src.length))
  return { tokens, positions, hasTags }
}

export function where (pos: Pos): string {
  return `line ${pos.line}, column ${pos.column}`
}
