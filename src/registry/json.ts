// JSON.parse with a line and column on syntax errors (SPEC §1, §12). V8's messages differ between
// Node versions ("at position N" on Node 20, "(line L column C)" on newer ones, and sometimes
// neither), so when the message carries no position a small scanner finds the first bad character.
import { positionOf } from './template-scan.js'

export type JsonParseResult =
  | { ok: true, value: unknown }
  | { ok: false, message: string, line: number, column: number }

export function parseJson (text: string): JsonParseResult {
  const body = text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text
  try {
    return { ok: true, value: JSON.parse(body) }
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err)
    return { ok: false, message: `invalid JSON: ${cleanMessage(raw)}`, ...errorPosition(raw, body) }
  }
}

/** Line and column of a JSON.parse error, from its message when it says, else by scanning. */
export function errorPosition (message: string, text: string): { line: number, column: number } {
  const lc = /\(line (\d+) column (\d+)\)/.exec(message)
  if (lc !== null) return { line: Number(lc[1]), column: Number(lc[2]) }
  const at = /at position (\d+)/.exec(message)
  return positionOf(text, at !== null ? Number(at[1]) : locateJsonError(text))
}

/** V8 quotes (part of) the input in some messages; the position says where, the snippet adds noise. */
export function cleanMessage (raw: string): string {
  return raw
    .replace(/,\s*".*" is not valid JSON$/s, '')
    .replace(/\s*(?:in JSON )?at position \d+.*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '')
}

/** Offset of the first syntax error in `text` (text.length when the input ends too early). */
export function locateJsonError (text: string): number {
  let i = 0
  const ws = (): void => { while (i < text.length && /[ \t\r\n]/.test(text[i])) i++ }
  const fail = (): never => { throw new LocatedError(i) }
  const literal = (word: string): void => {
    for (const ch of word) { if (text[i] !== ch) fail(); i++ }
  }
  const string = (): void => {
    i++ // opening quote
    while (i < text.length) {
      const c = text[i]
      if (c === '"') { i++; return }
      if (c.charCodeAt(0) < 0x20) fail()
      if (c === '\\') {
        i++
        if (text[i] === 'u') {
          i++
          for (let n = 0; n < 4; n++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail()
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i])) i++
        else fail()
      } else i++
    }
    fail()
  }
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail()
    while (/[0-9]/.test(text[i] ?? '')) i++
  }
  const number = (): void => {
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else digits()
    if (text[i] === '.') { i++; digits() }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      digits()
    }
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++; ws()
      if (text[i] === '}') { i++; return }
      for (;;) {
        ws()
        if (text[i] !== '"') fail()
        string(); ws()
        if (text[i] !== ':') fail()
        i++; value(); ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') { i++; return }
        fail()
      }
    }
    if (c === '[') {
      i++; ws()
      if (text[i] === ']') { i++; return }
      for (;;) {
        value(); ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return }
        fail()
      }
    }
    if (c === '"') return string()
    if (c === 't') return literal('true')
    if (c === 'f') return literal('false')
    if (c === 'n') return literal('null')
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number()
    fail()
  }
  try {
    value(); ws()
    if (i < text.length) fail()
  } catch (err) {
    if (err instanceof LocatedError) return Math.min(err.offset, text.length)
    throw err
  }
  return text.length
}

class LocatedError extends Error {
  constructor (readonly offset: number) { super('json syntax error') }
}
