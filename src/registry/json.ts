// JSON.parse with a line and column on syntax errors (SPEC §1, §12). V8's messages differ between
// Node versions ("at position N" on Node 20, "(line L column C)" on newer ones, and sometimes
// neither), so when the message carries no position a small scanner finds the first bad character.
import { lineColumn, locateJsonError } from '../json.js'

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
  return lineColumn(text, at !== null ? Number(at[1]) : locateJsonError(text).offset)
}

/** V8 quotes (part of) the input in some messages; the position says where, the snippet adds noise. */
export function cleanMessage (raw: string): string {
  return raw
    .replace(/,\s*".*" is not valid JSON$/s, '')
    .replace(/\s*(?:in JSON )?at position \d+.*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '')
}
