// JSON as Python's json module writes it. `tojson` must be byte-identical to Jinja2's
// (htmlsafe_json_dumps: json.dumps(sort_keys=True) then <, >, &, ' as \u escapes); `json_encode` is
// Conduit's plain json.dumps(value): keys in insertion order, no HTML escapes. Both escape non-ASCII
// as \uXXXX (ensure_ascii), print floats as Python's repr (2.0, 1e-05) and NaN/Infinity as Python does.
import { Namespace, PyFloat, Undefined, isDict, isUndefined, pyRepr, pyTypeName, compareCodePoints } from './values.js'
import { BoundMethod } from './access.js'
import { listKindName } from './list-kinds.js'
import { TemplateRenderError } from '../types.js'

export interface DumpOptions {
  sortKeys: boolean
  /** Python's indent: a number of spaces or the indent string itself; null for one line. */
  indent: number | string | null
  /** [item separator, key separator]; defaults follow json.dumps (', ' or ',' when indenting). */
  separators?: [string, string]
}

const ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f'
}

/** json's ensure_ascii string encoding: every UTF-16 unit outside ' '..'~' as \uXXXX. */
export function jsonString (s: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue
    out += s.slice(start, i)
    const ch = s[i] as string
    out += ESCAPES[ch] ?? '\\u' + c.toString(16).padStart(4, '0')
    start = i + 1
  }
  return out + s.slice(start) + '"'
}

function typeNameForJson (v: unknown): string {
  if (v instanceof Undefined) return 'Undefined'
  if (v instanceof BoundMethod) return 'builtin_function_or_method'
  if (v instanceof Namespace) return 'Namespace'
  return pyTypeName(v) === 'object' ? (v as object).constructor?.name ?? 'object' : pyTypeName(v)
}

function floatJson (n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return 'Infinity'
  if (n === -Infinity) return '-Infinity'
  return pyRepr(new PyFloat(n))
}

export function pyJsonDumps (value: unknown, options: DumpOptions): string {
  const { sortKeys, indent } = options
  const indentUnit = indent === null ? null : typeof indent === 'number' ? ' '.repeat(Math.max(0, indent)) : indent
  const [itemSep, keySep] = options.separators ?? (indentUnit === null ? [', ', ': '] : [',', ': '])
  const active = new Set<object>()

  const enter = (obj: object): void => {
    if (active.has(obj)) throw new TemplateRenderError('Circular reference detected')
    active.add(obj)
  }

  const encode = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null'
    if (v === true) return 'true'
    if (v === false) return 'false'
    if (typeof v === 'string') return jsonString(v)
    if (typeof v === 'number') return Number.isInteger(v) ? pyRepr(v) : floatJson(v)
    if (v instanceof PyFloat) return floatJson(v.value)
    let items: string[]
    let open: string
    let close: string
    if (Array.isArray(v)) {
      const kind = listKindName(v)
      if (kind !== undefined) throw new TemplateRenderError(`Object of type ${kind} is not JSON serializable`)
      enter(v)
      items = v.map(x => encode(x, level + 1))
      open = '['
      close = ']'
    } else if (isDict(v)) {
      enter(v)
      let keys = Object.keys(v)
      if (sortKeys) keys = keys.sort(compareCodePoints)
      items = keys.map(k => jsonString(k) + keySep + encode(v[k], level + 1))
      open = '{'
      close = '}'
    } else {
      throw new TemplateRenderError(`Object of type ${typeNameForJson(v)} is not JSON serializable`)
    }
    active.delete(v)
    if (items.length === 0) return open + close
    if (indentUnit === null) return open + items.join(itemSep) + close
    const inner = '\n' + indentUnit.repeat(level + 1)
    return open + inner + items.join(itemSep + inner) + '\n' + indentUnit.repeat(level) + close
  }

  if (isUndefined(value)) throw new TemplateRenderError('Object of type Undefined is not JSON serializable')
  return encode(value, 0)
}

const HTML_UNSAFE: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', "'": '\\u0027' }

function indentArg (indent: unknown, filter: string): number | string | null {
  if (indent === null || indent === undefined || isUndefined(indent)) return null
  if (typeof indent === 'number' && Number.isInteger(indent)) return indent
  if (typeof indent === 'string') return indent
  throw new TemplateRenderError(`${filter}: indent must be an integer or a string, not ${pyTypeName(indent)}`)
}

/** Jinja2's `tojson(indent=None)`. */
export function toJson (value: unknown, indent?: unknown): string {
  const text = pyJsonDumps(value, { sortKeys: true, indent: indentArg(indent, 'tojson') })
  return text.replace(/[<>&']/g, ch => HTML_UNSAFE[ch] as string)
}

/** Conduit's `json_encode(indent=None)`: Python's json.dumps(value, indent=indent). */
export function jsonEncode (value: unknown, indent?: unknown): string {
  return pyJsonDumps(value, { sortKeys: false, indent: indentArg(indent, 'json_encode') })
}

/** Compact JSON as PyJWT writes JWT segments (separators ',' and ':'). */
export function compactJson (value: unknown, sortKeys: boolean): string {
  return pyJsonDumps(value, { sortKeys, indent: null, separators: [',', ':'] })
}
