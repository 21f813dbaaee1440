// Where a field of a JSON document is written, so a problem reported for `headers[1].value` can
// point at its line and column in the editor's Code view. The text is valid JSON (it was parsed
// before validation); paths use the registry's problem notation: `a.b[2].c`.
import { lineColumn } from '../json.js'

/** Start offset of every value in `text`, keyed by its path ('' is the root). */
export function valueOffsets (text: string): Map<string, number> {
  const out = new Map<string, number>()
  let i = 0
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++ }
  const string = (): string => {
    const start = i
    i++
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  const value = (path: string, depth: number): void => {
    ws()
    out.set(path, i)
    const ch = text[i]
    if (depth > 64) throw new RangeError('nested too deeply')
    if (ch === '{') {
      i++; ws()
      while (text[i] !== '}' && i < text.length) {
        const key = string(); ws(); i++ // ':'
        value(path === '' ? key : `${path}.${key}`, depth + 1); ws()
        if (text[i] === ',') { i++; ws() }
      }
      i++
    } else if (ch === '[') {
      i++; ws()
      let n = 0
      while (text[i] !== ']' && i < text.length) {
        value(`${path}[${n++}]`, depth + 1); ws()
        if (text[i] === ',') { i++; ws() }
      }
      i++
    } else if (ch === '"') {
      string()
    } else {
      while (i < text.length && !',}] \t\n\r'.includes(text[i] as string)) i++
    }
  }
  try {
    value('', 0)
  } catch {
    // Not valid JSON after all, or too deep: whatever was found is still right.
  }
  return out
}

/** Line and column where the field's value is written, or of its nearest written parent. */
export function locateField (text: string, field: string, offsets = valueOffsets(text)): { line: number, column: number } | undefined {
  let path = field
  while (true) {
    const offset = offsets.get(path)
    if (offset !== undefined) return path === '' && field !== '' ? undefined : lineColumn(text, offset)
    if (path === '') return undefined
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['))
    path = cut <= 0 ? '' : path.slice(0, cut)
  }
}
