// JSON as Python's json module writes it. `tojson` must be byte-identical to Jinja2's
// (htmlsafe_json_dumps: json.dumps(sort_keys=True) then <, >, &, ' as \u escapes); `json_encode` is
// Conduit's plain json.dumps(value): keys in insertion order, no HTML escapes. Both escape non-ASCII
// as \uXXXX (ensure_ascii), print floats as Python's repr (2.0, 1e-05) and NaN/Infinity as Python does.
import { Markup, Namespace, PyDict, PyFloat, Undefined, floatRepr, isUndefined, pyLess, pyRepr, pyTypeName, compareCodePoints } from './values.js'
import { listKindName } from './list-kinds.js'
import { TemplateRenderError } from '../types.js'
import { BUDGET, COST, charge, chargeChars, chargeItems, chargeString } from './budget.js'

export interface DumpOptions {
  sortKeys: boolean
  /** Python's indent: a number of spaces or the indent string itself; null for one line. */
  indent: number | string | null
  /** [item separator, key separator]; defaults follow json.dumps (', ' or ',' when indenting). */
  separators?: [string, string]
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f'
}
const HTML_CHARS = '<>&\''

/** For each ASCII unit, its escape in json.dumps output ('' when written as is); [plain, htmlsafe]. */
function escapeTable (html: boolean): string[] {
  return Array.from({ length: 128 }, (_, c) => {
    const ch = String.fromCharCode(c)
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c && !(html && HTML_CHARS.includes(ch))) return ''
    return SHORT_ESCAPES[ch] ?? '\\u' + c.toString(16).padStart(4, '0')
  })
}
const ESCAPE_TABLES = [escapeTable(false), escapeTable(true)] as const
/** 1 where the table escapes: a byte test is cheaper per character than a string compare. */
const ESCAPE_FLAGS = ESCAPE_TABLES.map(table => Uint8Array.from(table, e => e === '' ? 0 : 1))

function encodeString (s: string, html: boolean): string {
  chargeChars(s)
  const flags = ESCAPE_FLAGS[html ? 1 : 0] as Uint8Array
  const n = s.length
  let i = 0
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || flags[c] === 1) break
  }
  if (i === n) return '"' + s + '"'
  // Escaping builds the text piece by piece: charged per character left to scan.
  chargeItems(n - i, COST.parse * 2)
  const table = ESCAPE_TABLES[html ? 1 : 0]
  let out = '"' + s.slice(0, i)
  let start = i
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 128 && flags[c] === 0) continue
    if (start < i) out += s.slice(start, i)
    out += c < 128 ? table[c] as string : '\\u' + c.toString(16).padStart(4, '0')
    start = i + 1
  }
  return start < n ? out + s.slice(start) + '"' : out + '"'
}

/** json's ensure_ascii string encoding: every UTF-16 unit outside ' '..'~' as \uXXXX. */
export function jsonString (s: string): string {
  return encodeString(s, false)
}

function typeNameForJson (v: unknown): string {
  if (v instanceof Undefined) return 'Undefined'
  if (v instanceof Namespace) return 'Namespace'
  return pyTypeName(v) === 'object' ? (v as object).constructor?.name ?? 'object' : pyTypeName(v)
}

function floatJson (n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return 'Infinity'
  if (n === -Infinity) return '-Infinity'
  return floatRepr(n)
}

/** json.dumps's str of a non-str key: int, float, bool and None keys are allowed, nothing else. */
function jsonKey (k: unknown): string {
  if (typeof k === 'string') return k
  if (k === true) return 'true'
  if (k === false) return 'false'
  if (k === null) return 'null'
  if (typeof k === 'bigint') return k.toString()
  if (typeof k === 'number') return Number.isInteger(k) ? pyRepr(k) : floatJson(k)
  if (k instanceof PyFloat) return floatJson(k.value)
  throw new TemplateRenderError(`keys must be str, int, float, bool or None, not ${pyTypeName(k)}`)
}

/**
 * A container of more items than this, scalars, is written by one join: appending would leave two
 * rope pieces per item to the collector. Containers of containers are appended (a join would copy
 * each item's rope once more), as are small ones.
 */
const JOIN_FROM = 64

function isScalar (v: unknown): boolean {
  return v === null || typeof v !== 'object' || v instanceof PyFloat
}

/** Levels whose containers the circular-reference check keeps in an array rather than a Set. */
const SHALLOW = 16

function circular (): never {
  throw new TemplateRenderError('Circular reference detected')
}

/** One json.dumps call. A class rather than closures: tojson runs per item in response loops. */
class Encoder {
  /** Containers being encoded below the first SHALLOW levels, for json's circular-reference check. */
  private active: Set<object> | null = null
  /** The container being encoded at each of the first SHALLOW levels (entries above the current level are stale). */
  private readonly path: object[] = []
  /** By nesting level (the dicts of one level are mostly alike): the last keys and their order. */
  private readonly lastKeys: string[][] = []
  private readonly lastOrder: Array<[number[], string[]]> = []
  constructor (
    private readonly sortKeys: boolean,
    private readonly indentUnit: string | null,
    private readonly itemSep: string,
    private readonly keySep: string,
    private readonly html: boolean
  ) {}

  encode (v: unknown, level: number): string {
    if (typeof v === 'string') return encodeString(v, this.html)
    if (v instanceof Markup) return encodeString(v.text, this.html)
    if (typeof v === 'number') return Number.isInteger(v) ? pyRepr(v) : floatJson(v)
    if (v === null || v === undefined) return 'null'
    if (v === true) return 'true'
    if (v === false) return 'false'
    if (v instanceof PyFloat) return floatJson(v.value)
    if (Array.isArray(v)) {
      const kind = listKindName(v)
      if (kind !== undefined) throw new TemplateRenderError(`Object of type ${kind} is not JSON serializable`)
      if (v.length === 0) return '[]'
      // Plus a fixed part: entering a container (the circular check, its own str) costs as much
      // as a new list does.
      chargeItems(v.length, COST.parse)
      charge(COST.newList * 4)
      this.enter(v, level)
      const sep = this.separator(level)
      let out = '[' + this.opening(level)
      const plain = v.length > JOIN_FROM ? this.plainJoin(v, sep) : undefined
      if (plain !== undefined) out += plain
      else if (v.length > JOIN_FROM && isScalar(v[0])) {
        // Joined once: appending would leave two rope pieces per item to the collector. A str
        // built per item costs far more than the scan charged above.
        chargeItems(v.length, COST.reprItem)
        const parts = new Array<string>(v.length)
        for (let i = 0; i < v.length; i++) parts[i] = this.encode(v[i], level + 1)
        out += parts.join(sep)
      } else {
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += sep
          out += this.encode(v[i], level + 1)
        }
      }
      this.leave(v, level)
      // Each level copies the text of the levels below it (a list shared many times, deep nesting).
      chargeItems(out.length, 2)
      return out + this.closing(level) + ']'
    }
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof PyDict) {
      let out: string
      // A dict costs more than a list: its values are converted on first read, its keys ordered.
      charge(COST.newList * 2)
      if (v.hasOnlyStrKeys()) {
        const [keys, values] = v.strEntries()
        if (keys.length === 0) return '{}'
        chargeItems(keys.length)
        const [order, prefixes] = this.strKeyOrder(keys, level)
        this.enter(v, level)
        const sep = this.separator(level)
        out = '{' + this.opening(level)
        if (order.length > JOIN_FROM && isScalar(values[order[0] as number])) {
          const parts = new Array<string>(order.length)
          for (let i = 0; i < order.length; i++) parts[i] = (prefixes[i] as string) + this.encode(values[order[i] as number], level + 1)
          out += parts.join(sep)
        } else {
          for (let i = 0; i < order.length; i++) {
            if (i > 0) out += sep
            out += (prefixes[i] as string) + this.encode(values[order[i] as number], level + 1)
          }
        }
      } else {
        if (v.size === 0) return '{}'
        chargeItems(v.size)
        const entries = this.dictEntries(v)
        this.enter(v, level)
        const sep = this.separator(level)
        out = '{' + this.opening(level)
        for (let i = 0; i < entries.length; i++) {
          const [k, value] = entries[i] as [string, unknown]
          if (i > 0) out += sep
          out += encodeString(k, this.html) + this.keySep + this.encode(value, level + 1)
        }
      }
      this.leave(v, level)
      chargeItems(out.length, 2)
      return out + this.closing(level) + '}'
    }
    throw new TemplateRenderError(`Object of type ${typeNameForJson(v)} is not JSON serializable`)
  }

  /**
   * The items of a long list of strs that need no escape, or of ints, joined at once (no str per
   * item); undefined for any other list.
   */
  private plainJoin (v: readonly unknown[], sep: string): string | undefined {
    const flags = ESCAPE_FLAGS[this.html ? 1 : 0] as Uint8Array
    if (typeof v[0] === 'string') {
      let length = 0
      for (let i = 0; i < v.length; i++) {
        const x = v[i]
        if (typeof x !== 'string') return undefined
        // Charged before it is scanned, and the text held to the cap before it is joined.
        if ((length += x.length + 4) > BUDGET.maxStringLength) chargeString(length)
        chargeChars(x)
        for (let j = 0; j < x.length; j++) {
          const c = x.charCodeAt(j)
          if (c >= 128 || flags[c] === 1) return undefined
        }
      }
      return '"' + v.join('"' + sep + '"') + '"'
    }
    for (let i = 0; i < v.length; i++) if (!Number.isSafeInteger(v[i])) return undefined
    return v.join(sep)
  }

  /**
   * The output order of a dict's str keys (indices into `keys`) and, in that order, each key's
   * encoded `"key": ` prefix. The dicts of a list (records of one API) mostly share their keys: the
   * last order of the same nesting level is reused when they match.
   */
  private strKeyOrder (keys: string[], level: number): [number[], string[]] {
    const slot = level < SHALLOW ? level : SHALLOW
    const last = this.lastKeys[slot]
    if (last !== undefined && last.length === keys.length) {
      let same = true
      for (let i = 0; i < keys.length; i++) {
        if (last[i] !== keys[i]) {
          same = false
          break
        }
      }
      if (same) return this.lastOrder[slot] as [number[], string[]]
    }
    const order = Array.from(keys, (_, i) => i)
    if (this.sortKeys) order.sort((a, b) => compareCodePoints(keys[a] as string, keys[b] as string))
    const result: [number[], string[]] = [order, order.map(i => encodeString(keys[i] as string, this.html) + this.keySep)]
    this.lastKeys[slot] = keys
    this.lastOrder[slot] = result
    return result
  }

  /** json.dumps's view of a dict with non-str keys: sorted by the Python keys (sort_keys), keys written as strs. */
  private dictEntries (d: PyDict): Array<[string, unknown]> {
    const entries = d.entries()
    if (this.sortKeys) {
      // sorted(d.items()): Python compares the keys (a str with an int raises TypeError).
      entries.sort((a, b) => pyLess(a[0], b[0]) ? -1 : pyLess(b[0], a[0]) ? 1 : 0)
    }
    return entries.map(([k, value]) => [jsonKey(k), value])
  }

  /**
   * json's circular-reference check: the containers being encoded, outermost first. The first
   * levels are an array searched from the top (cheaper than a Set at the depth of most data).
   */
  private enter (obj: object, level: number): void {
    if (level < SHALLOW) {
      const path = this.path
      for (let i = 0; i < level; i++) if (path[i] === obj) circular()
      path[level] = obj
      return
    }
    this.active ??= new Set()
    if (this.active.has(obj) || this.path.includes(obj)) circular()
    this.active.add(obj)
  }

  private leave (obj: object, level: number): void {
    if (level >= SHALLOW) this.active?.delete(obj)
  }

  private separator (level: number): string {
    return this.indentUnit === null ? this.itemSep : this.itemSep + '\n' + this.indent(level + 1)
  }

  private opening (level: number): string {
    return this.indentUnit === null ? '' : '\n' + this.indent(level + 1)
  }

  private closing (level: number): string {
    return this.indentUnit === null ? '' : '\n' + this.indent(level)
  }

  /** The indent of one line: as long as the template says, so charged before it is built. */
  private indent (level: number): string {
    const unit = this.indentUnit as string
    chargeString(unit.length * level)
    return unit.repeat(level)
  }
}

function dumps (value: unknown, options: DumpOptions, html: boolean): string {
  if (typeof value === 'string') return encodeString(value, html)
  if (value instanceof Markup) return encodeString(value.text, html)
  if (isUndefined(value)) throw new TemplateRenderError('Object of type Undefined is not JSON serializable')
  const { sortKeys, indent } = options
  if (typeof indent === 'number') chargeString(Math.max(0, indent))
  const indentUnit = indent === null ? null : typeof indent === 'number' ? ' '.repeat(Math.max(0, indent)) : indent
  const itemSep = options.separators?.[0] ?? (indentUnit === null ? ', ' : ',')
  const keySep = options.separators?.[1] ?? ': '
  const text = new Encoder(sortKeys, indentUnit, itemSep, keySep, html).encode(value, 0)
  // Escapes make the text up to six times its strings: the finished value is held to the cap.
  if (text.length > 65536) chargeString(text.length)
  return text
}

export function pyJsonDumps (value: unknown, options: DumpOptions): string {
  return dumps(value, options, false)
}

const HTML_UNSAFE: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', "'": '\\u0027' }
const HTML_UNSAFE_CHARS = /[<>&']/

function indentArg (indent: unknown, filter: string): number | string | null {
  if (indent === null || indent === undefined || isUndefined(indent)) return null
  if (typeof indent === 'number' && Number.isInteger(indent)) return indent
  // ' ' * True is one space.
  if (typeof indent === 'boolean') return indent ? 1 : 0
  if (typeof indent === 'string') return indent
  throw new TemplateRenderError(`${filter}: indent must be an integer or a string, not ${pyTypeName(indent)}`)
}

/** Jinja2's `tojson(indent=None)`. */
export function toJson (value: unknown, indent?: unknown): string {
  // json.dumps of a str (a Markup is one) never reads the indent, nor checks it.
  if (typeof value === 'string') return encodeString(value, true)
  if (value instanceof Markup) return encodeString(value.text, true)
  const unit = indentArg(indent, 'tojson')
  // Strings (keys included) are escaped while encoding; only a string indent can add more of < > & '.
  const text = dumps(value, { sortKeys: true, indent: unit }, true)
  return typeof unit === 'string' && HTML_UNSAFE_CHARS.test(unit) ? text.replace(/[<>&']/g, ch => HTML_UNSAFE[ch] as string) : text
}

/**
 * Conduit's `json_encode(indent=None, sort_keys=False, separators=None)`: Python's json.dumps with
 * those arguments (compact JSON for a signature is `separators=(',', ':')`).
 */
export function jsonEncode (value: unknown, indent?: unknown, sortKeys = false, separators: unknown = null): string {
  const seps = separatorsArg(separators)
  if (typeof value === 'string' || value instanceof Markup) return pyJsonDumps(value, { sortKeys: false, indent: null })
  return pyJsonDumps(value, { sortKeys, indent: indentArg(indent, 'json_encode'), ...(seps === undefined ? {} : { separators: seps }) })
}

/** json.dumps' separators: None, or an (item separator, key separator) pair of str. */
function separatorsArg (separators: unknown): [string, string] | undefined {
  if (separators === null || separators === undefined || isUndefined(separators)) return undefined
  if (Array.isArray(separators) && separators.length === 2 && typeof separators[0] === 'string' && typeof separators[1] === 'string') {
    return [separators[0], separators[1]]
  }
  throw new TemplateRenderError('json_encode: separators must be a pair of strings, such as (\',\', \':\')')
}

/** Compact JSON as PyJWT writes JWT segments (separators ',' and ':'). */
export function compactJson (value: unknown, sortKeys: boolean): string {
  return pyJsonDumps(value, { sortKeys, indent: null, separators: [',', ':'] })
}
