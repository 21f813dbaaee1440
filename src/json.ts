// The one JSON parser (settings, registry, payloads): JSON.parse with syntax errors located by line
// and column, so a broken file or payload names where it broke. V8's messages differ between Node
// versions ("at position N" on Node 20, "(line L column C)" on newer ones, and sometimes neither),
// so when the message carries no position a small scanner finds the first bad character.
// parseJson throws (settings); tryParseJson returns the error as a value (registry, payloads).

export class JsonSyntaxError extends Error {
  readonly line: number
  readonly column: number

  constructor (reason: string, line: number, column: number) {
    super(`JSON syntax error at line ${line}, column ${column}: ${reason}`)
    this.name = 'JsonSyntaxError'
    this.line = line
    this.column = column
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn (text: string, offset: number): { line: number, column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lines = before.split('\n')
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 }
}

export function parseJson (text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  try {
    return JSON.parse(body)
  } catch {
    const { offset, reason } = locateJsonError(body)
    const { line, column } = lineColumn(body, offset)
    throw new JsonSyntaxError(reason, line, column)
  }
}

class Stop {
  constructor (readonly offset: number, readonly reason: string) {}
}

/** Offset and reason of the first syntax error in text that JSON.parse rejected. */
export function locateJsonError (text: string): { offset: number, reason: string } {
  let i = 0
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++ }
  const fail = (expected: string): never => {
    if (i >= text.length) throw new Stop(i, `unexpected end of input, expected ${expected}`)
    throw new Stop(i, `unexpected ${JSON.stringify(text[i])}, expected ${expected}`)
  }
  const literal = (word: string): void => {
    for (const ch of word) { if (text[i] !== ch) fail(`'${word}'`); i++ }
  }
  const string = (): void => {
    i++
    while (true) {
      if (i >= text.length) throw new Stop(i, 'unterminated string')
      const ch = text[i] as string
      if (ch === '"') { i++; return }
      if (ch < ' ') throw new Stop(i, 'control character in string')
      if (ch === '\\') {
        i++
        const esc = text[i]
        if (esc === 'u') {
          i++
          // The offending hex digit itself, as V8 reports it.
          for (let n = 0; n < 4; n++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) throw new Stop(i, 'bad \\u escape in string')
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) {
          i++
        } else {
          throw new Stop(i, 'bad escape in string')
        }
      } else {
        i++
      }
    }
  }
  // Digit by digit, so the offset is the first character that cannot continue the number.
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail(i === 0 || !/[-+.eE]/.test(text[i - 1] as string) ? 'a value' : 'a digit')
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
    const ch = text[i]
    if (ch === '{') {
      i++; ws()
      if (text[i] === '}') { i++; return }
      while (true) {
        ws()
        if (text[i] !== '"') fail('a double-quoted property name')
        string(); ws()
        if (text[i] !== ':') fail("':' after property name")
        i++
        value(); ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') { i++; return }
        fail("',' or '}'")
      }
    } else if (ch === '[') {
      i++; ws()
      if (text[i] === ']') { i++; return }
      while (true) {
        value(); ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return }
        fail("',' or ']'")
      }
    } else if (ch === '"') {
      string()
    } else if (ch === 't') {
      literal('true')
    } else if (ch === 'f') {
      literal('false')
    } else if (ch === 'n') {
      literal('null')
    } else {
      number()
    }
  }
  try {
    value(); ws()
    if (i < text.length) fail('end of input')
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, reason: err.reason }
    throw err
  }
  return { offset: text.length, reason: 'invalid JSON' }
}

export type JsonParseResult =
  | { ok: true, value: unknown }
  | { ok: false, message: string, line: number, column: number }

/**
 * JSON.parse with the error as a value (registry files, payloads, admin text): V8's message, cleaned
 * of input quotes and offsets, with the line and column of the first bad character.
 */
export function tryParseJson (text: string): JsonParseResult {
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
  return lineColumn(text, at !== null ? Number(at[1]) : locateJsonError(text).offset)
}

/** V8 quotes (part of) the input in some messages; the position says where, the snippet adds noise. */
export function cleanMessage (raw: string): string {
  return raw
    .replace(/,\s*".*" is not valid JSON$/s, '')
    .replace(/\s*(?:in JSON )?at position \d+.*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '')
}
