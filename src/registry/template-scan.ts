// A light, read-only scan of template text for facts the registry needs at load that the compiled
// template does not expose: where tags are (URL structure), and which `pathParams.<key>` /
// `steps.<name>` attributes a template reads. It never evaluates anything; the template compiler
// remains the judge of what is valid template syntax.

export interface Segment {
  tag: boolean
  text: string
  /** Offset of the segment in the source. */
  start: number
}

const CLOSERS: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' }

/** Splits template source into literal text and tags (`{{ }}`, `{% %}`, `{# #}`). */
export function splitTemplate (source: string): Segment[] {
  const out: Segment[] = []
  let i = 0
  let textStart = 0
  while (i < source.length) {
    // Most characters are not '{': skip them without slicing a two-character string each.
    if (source.charCodeAt(i) !== 123) { i++; continue }
    const open = source.slice(i, i + 2)
    const closer = CLOSERS[open]
    if (closer === undefined) { i++; continue }
    if (i > textStart) out.push({ tag: false, text: source.slice(textStart, i), start: textStart })
    const end = findTagEnd(source, i + 2, closer, open !== '{#')
    out.push({ tag: true, text: source.slice(i, end), start: i })
    i = end
    textStart = end
  }
  if (textStart < source.length) out.push({ tag: false, text: source.slice(textStart), start: textStart })
  return out
}

function findTagEnd (source: string, from: number, closer: string, quotes: boolean): number {
  let i = from
  while (i < source.length) {
    const c = source[i]
    if (quotes && (c === '"' || c === "'")) {
      i++
      while (i < source.length && source[i] !== c) i += source[i] === '\\' ? 2 : 1
      i++
      continue
    }
    if (source.startsWith(closer, i)) return i + 2
    i++
  }
  return source.length
}

interface Token { type: 'name' | 'str' | 'op', value: string, offset: number }

function tokenize (tag: string, base: number): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < tag.length) {
    const c = tag[i]
    if (c === '"' || c === "'") {
      const start = i
      let value = ''
      i++
      while (i < tag.length && tag[i] !== c) {
        if (tag[i] === '\\' && i + 1 < tag.length) { value += tag[i + 1]; i += 2 } else { value += tag[i]; i++ }
      }
      i++
      out.push({ type: 'str', value, offset: base + start })
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(tag.slice(i)) as RegExpExecArray
      out.push({ type: 'name', value: m[0], offset: base + i })
      i += m[0].length
    } else if (/\s/.test(c)) {
      i++
    } else {
      out.push({ type: 'op', value: c, offset: base + i })
      i++
    }
  }
  return out
}

export interface AttributeRef {
  /** The attribute read, or undefined when the object is used in a way that is not `obj.key` / `obj['key']`. */
  key: string | undefined
  offset: number
}

/** Every use of the top-level name `object` in the tags of `source`, with the literal attribute it reads. */
export function attributeRefs (source: string, object: string): AttributeRef[] {
  const refs: AttributeRef[] = []
  for (const seg of splitTemplate(source)) {
    if (!seg.tag || seg.text.startsWith('{#')) continue
    const tokens = tokenize(seg.text.slice(2, -2), seg.start + 2)
    tokens.forEach((tok, n) => {
      if (tok.type !== 'name' || tok.value !== object) return
      const prev = tokens[n - 1]
      if (prev !== undefined && prev.type === 'op' && prev.value === '.') return
      const a = tokens[n + 1]
      const b = tokens[n + 2]
      const c = tokens[n + 3]
      if (a?.type === 'op' && a.value === '.' && b?.type === 'name') {
        refs.push({ key: b.value, offset: tok.offset })
      } else if (a?.type === 'op' && a.value === '[' && b?.type === 'str' && c?.type === 'op' && c.value === ']') {
        refs.push({ key: b.value, offset: tok.offset })
      } else {
        refs.push({ key: undefined, offset: tok.offset })
      }
    })
  }
  return refs
}

/** 1-based line and column of an offset. */
export function positionOf (source: string, offset: number): { line: number, column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') { line++; lineStart = i + 1 }
  }
  return { line, column: offset - lineStart + 1 }
}
