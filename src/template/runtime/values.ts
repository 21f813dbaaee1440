// Python value semantics for the template runtime (SPEC §4.1). The mapping from Jinja2 values to JS:
//   None → null · Undefined → UNDEFINED (an Undefined instance) · bool → boolean · str → string
//   int → an integral JS number within ±(2^53 - 1), a bigint beyond (never a bigint inside that
//   range, so the common path stays a JS number) · float → a non-integral JS number, or a PyFloat
//   for an integral float (2.0) so that it prints as Python does · list → Array · tuple → Array
//   marked by makeTuple() · dict → PyDict (insertion order, keys of any hashable type) ·
//   namespace() → Namespace
// Host values (the render context, plain JS objects) enter through fromHost().
// Every helper here is total: it never throws on a value shape it does not know, except where
// Python itself raises (documented at the function).

import { TemplateRenderError } from '../types.js'
import { isSetView, listKind, listKindName, listKindRepr } from './list-kinds.js'
import { BUDGET, COST, charge, chargeItems, chargeString } from './budget.js'
import { isPrintable } from './unicode.js'

/**
 * Jinja2's default Undefined: prints as '', is falsy, iterates as empty; attribute access on it is
 * an error whose message says where it came from (a missing name, or a missing attribute of a value).
 */
export class Undefined {
  readonly hint: string | undefined
  /** For a missing attribute or item: the Jinja2 description of the owner ('dict object', 'None'). */
  readonly owner: string | undefined
  readonly attr: string | undefined
  constructor (hint?: string, owner?: string, attr?: string) {
    this.hint = hint
    this.owner = owner
    this.attr = attr
  }

  /** Jinja2's UndefinedError message for this value. */
  describe (): string {
    // No attr: the name was computed from data and is not shown (SPEC §4.6).
    if (this.owner !== undefined) return this.attr === undefined ? `${this.owner} has no such attribute or item` : `${this.owner} has no attribute '${this.attr}'`
    if (this.hint !== undefined) return `'${this.hint}' is undefined`
    return 'the value is undefined'
  }
}
export const UNDEFINED = new Undefined()

export function isUndefined (v: unknown): v is Undefined {
  return v instanceof Undefined
}

/** An integral-valued float (2.0, float(3), 4 / 2). Non-integral floats are plain numbers. */
export class PyFloat {
  readonly value: number
  constructor (value: number) {
    this.value = value
  }
}

export function makeFloat (n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n
}

/** An int held as a JS number (within the safe range). A bigint int is isBigInt(). */
export function isInt (v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v)
}

/** An int beyond ±(2^53 - 1). */
export function isBigInt (v: unknown): v is bigint {
  return typeof v === 'bigint'
}

/** Any Python int (not bool): a safe-range number or a bigint. */
export function isIntegral (v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))
}

/** The canonical int for an exact integer: a JS number when safe, else a bigint. */
export function normInt (n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n
}

/** A Python int as a bigint (number ints are exact below 2^53; bools count as 0/1). */
export function toBigInt (v: number | bigint | boolean): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'boolean') return v ? 1n : 0n
  return BigInt(v)
}

export function isFloat (v: unknown): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))
}

/** int, float or PyFloat (not bool, although Python's bool is an int subclass). */
export function isNumber (v: unknown): v is number | bigint | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat || typeof v === 'bigint'
}

/** Numeric value of int, float, PyFloat or bool (a bigint correctly rounded); NaN for anything else. */
export function toNumber (v: unknown): number {
  if (typeof v === 'number') return v
  if (v instanceof PyFloat) return v.value
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'bigint') return Number(v)
  return NaN
}

// Marks are own symbol properties of the array: a WeakSet or WeakMap entry costs a microsecond or
// more once many are live (a loop building tuples stalled the event loop), a property a few ns.
// Arrays keep their fast elements; copies (slice, spread, map) are plain lists, as in Python.
const TUPLE = Symbol('tuple')
const TUPLE_FIELDS = Symbol('tuple fields')
// A frozen array cannot take a property: marked here instead (never in practice).
const FROZEN_TUPLES = new WeakMap<object, readonly string[] | null>()
let frozenTuples = false

interface Marked { [TUPLE]?: true, [TUPLE_FIELDS]?: readonly string[] }

function markTuple (items: object, names: readonly string[] | null): void {
  if (Object.isExtensible(items)) {
    (items as Marked)[TUPLE] = true
    if (names !== null) (items as Marked)[TUPLE_FIELDS] = names
  } else {
    frozenTuples = true
    FROZEN_TUPLES.set(items, names)
  }
}

export function makeTuple<T> (items: T[]): T[] {
  markTuple(items, null)
  return items
}

/** A tuple whose items are also readable by name (Python namedtuple, e.g. groupby's grouper/list). */
export function makeNamedTuple<T> (items: T[], names: readonly string[]): T[] {
  markTuple(items, names)
  return items
}

/** Index of a named field of a namedtuple, or -1. */
export function namedTupleIndex (v: unknown[], name: string): number {
  const names = (v as Marked)[TUPLE_FIELDS] ?? (frozenTuples ? FROZEN_TUPLES.get(v) : undefined)
  return names === undefined || names === null ? -1 : names.indexOf(name)
}

export function isTuple (v: unknown): v is unknown[] {
  return Array.isArray(v) && ((v as Marked)[TUPLE] === true || (frozenTuples && FROZEN_TUPLES.has(v)))
}

export function isList (v: unknown): v is unknown[] {
  return Array.isArray(v)
}

/**
 * markupsafe's Markup, what Jinja2's tojson returns: a str that escapes what is joined to it
 * (`Markup + str` escapes the str) and prints as `Markup('…')` inside a container. Everything that
 * reads it as text (printing, `~`, most filters, tests) sees `text`.
 */
export class Markup {
  readonly text: string
  constructor (text: string) {
    this.text = text
  }
}

/**
 * A complex number: Python's result of a negative number raised to a fractional power. It prints
 * as Python prints it and compares equal to numbers; arithmetic on it is refused (an error).
 */
export class PyComplex {
  constructor (readonly re: number, readonly im: number) {}
}

/** Python's repr of a complex: integral parts without '.0', no real part when it is +0. */
function complexRepr (c: PyComplex): string {
  const part = (n: number): string => {
    const text = floatRepr(n)
    return text.endsWith('.0') ? text.slice(0, -2) : text
  }
  const im = part(c.im) + 'j'
  if (c.re === 0 && !Object.is(c.re, -0)) return im
  const sign = c.im < 0 || Object.is(c.im, -0) ? '' : '+'
  return `(${part(c.re)}${sign}${im})`
}

/** markupsafe.escape of a str. */
export function htmlEscape (s: string): string {
  // A scan that copies the runs between escapes (a replace callback per character costs ~100 ns
  // each on an escape-dense payload); pieces are joined once.
  chargeItems(s.length, 1)
  let parts: string[] | null = null
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const escape = c === 0x26 ? '&amp;' : c === 0x3c ? '&lt;' : c === 0x3e ? '&gt;' : c === 0x22 ? '&#34;' : c === 0x27 ? '&#39;' : null
    if (escape === null) continue
    if (parts === null) {
      // Escaping builds the text piece by piece: charged per character left to scan.
      chargeItems(s.length - i, COST.parse)
      parts = []
    }
    if (i > start) parts.push(s.slice(start, i))
    parts.push(escape)
    start = i + 1
  }
  if (parts === null) return s
  if (start < s.length) parts.push(s.slice(start))
  return parts.join('')
}

/** The text of a Markup, any other value as it is. */
export function unmark (v: unknown): unknown {
  return v instanceof Markup ? v.text : v
}

/** namespace(): the only object whose attributes templates may assign (`{% set ns.x = … %}`). */
export class Namespace {
  readonly attrs: Map<string, unknown>
  constructor (init?: Iterable<[string, unknown]>) {
    this.attrs = new Map(init)
  }
}

/**
 * A runtime object with Python's object semantics: printed by its own repr (a generator, the loop
 * object), true, equal and hashable by identity, of the Python type `pyType`.
 */
export abstract class PyObject {
  abstract readonly pyType: string
  abstract pyRepr (): string
}

/** The key a Undefined is stored under: all Undefined values are one key, as in Jinja2. */
const UNDEFINED_KEY = Symbol('Undefined')

/**
 * Fills the values of a record-backed PyDict on its first read: from_json converts the objects of
 * JSON.parse, fromHost the objects of the render context, lazily (a subtree the template never
 * reads is never converted).
 */
export interface RecordFiller {
  /** The record with template values: `rec` converted in place, or a converted copy. */
  fill (rec: Record<string, unknown>): Record<string, unknown>
  /** True when the record's own keys are the dict's keys before it is filled. */
  readonly exactKeys: boolean
  /**
   * True when the record holds each integer-like key ("10") as RECORD_KEY_MARK + key: a JS object
   * would move it first, a marked one keeps its place in the text.
   */
  readonly markedKeys: boolean
}

/** Prefix of an integer-like key in a record with marked keys (JSON text cannot hold U+0001 raw). */
export const RECORD_KEY_MARK = '\u0001'
const INTEGER_LIKE = /^(?:0|[1-9][0-9]*)$/

/** A key a JS object orders first (an array index), conservatively any integer-like text. */
export function isIntegerLikeKey (key: string): boolean {
  const c = key.charCodeAt(0)
  return c >= 0x30 && c <= 0x39 && INTEGER_LIKE.test(key)
}

/** The record's name of a key, and back. */
function markKey (key: string): string {
  return isIntegerLikeKey(key) ? RECORD_KEY_MARK + key : key
}
function unmarkKey (name: string): string {
  return name.charCodeAt(0) === 1 ? name.slice(1) : name
}

/**
 * A Python dict: insertion order for every key (a JS object would move "10" first) and keys of any
 * hashable type, equal keys being one entry as in Python (True, 1 and 1.0 are one key; the first
 * key written is kept). Entries live in a Map under a normalized key: a str is itself, a number is
 * its double (a bigint beyond 2^53), True/False are 1/0; the Python key object is remembered beside
 * when it differs from its normalized form. Values are never JS undefined.
 * A dict read by from_json or taken from the render context starts as a record instead: an object
 * with only str keys (the one JSON.parse built, whose key order is the text's because from_json
 * made sure it has no integer-like key or has them marked; or a host object, in its own order);
 * it becomes a Map on its first write.
 */
export class PyDict {
  private m: Map<unknown, unknown> | null
  /** Record mode: the str-keyed object holding the entries (m is null). */
  private rec: Record<string, unknown> | null
  /** Converts the record's values on the first read; null once done. */
  private filler: RecordFiller | null
  private recSize: number
  /** The record's own keys once `size` listed them (a big record's Object.keys is slow: kept for map()). */
  private recKeys: string[] | null = null
  /** Integer-like keys are held marked (RecordFiller.markedKeys). */
  private readonly marked: boolean
  /** Normalized key → the Python key, where they differ (True, 2.0, a tuple, Undefined). */
  private originals: Map<unknown, unknown> | null = null
  /** Canonical text of a tuple key → the token object it is stored under. */
  private tuples: Map<string, object> | null = null

  /**
   * An empty dict, or one over the record `rec` whose values `filler` converts on the first read
   * (from_json's objects, converted in place; the context's host objects, copied).
   */
  constructor (rec?: Record<string, unknown>, filler?: RecordFiller) {
    if (rec === undefined) {
      this.m = new Map()
      this.rec = null
    } else {
      this.m = null
      this.rec = rec
    }
    this.filler = filler ?? null
    this.recSize = -1
    this.marked = filler?.markedKeys ?? false
  }

  get size (): number {
    if (this.m !== null) return this.m.size
    if (this.recSize < 0) {
      const keys = Object.keys(this.keyRecord())
      this.recSize = keys.length
      if (keys.length > LIST_FROM_MAP) this.recKeys = keys
    }
    return this.recSize
  }

  /** The record, its values converted. */
  private record (): Record<string, unknown> {
    const filler = this.filler
    if (filler !== null) {
      // Marked filled only once it is: a fill cut short (a render error) is done again on the next read.
      this.rec = filler.fill(this.rec as Record<string, unknown>)
      this.filler = null
    }
    return this.rec as Record<string, unknown>
  }

  /** The record as far as its keys are concerned (filled only when that changes them). */
  private keyRecord (): Record<string, unknown> {
    return this.filler === null || this.filler.exactKeys ? this.rec as Record<string, unknown> : this.record()
  }

  private recGet (key: string): unknown {
    const rec = this.record()
    if (this.marked) {
      // No key of the text starts with the mark (from_json made sure): a marked name is none.
      if (key.charCodeAt(0) === 1) return undefined
      key = markKey(key)
    }
    const v = rec[key]
    // Inherited members of Object.prototype are functions, or the __proto__ accessor: not entries.
    if (v === undefined || typeof v === 'function') return undefined
    if (key === '__proto__' && !Object.hasOwn(rec, key)) return undefined
    return v
  }

  /** Record mode ends at the first write: entries move to a Map. */
  private map (): Map<unknown, unknown> {
    if (this.m !== null) return this.m
    const rec = this.record()
    const m = new Map<unknown, unknown>()
    for (const k of this.recKeys ?? Object.keys(rec)) m.set(this.marked ? unmarkKey(k) : k, rec[k])
    this.recKeys = null
    this.m = m
    this.rec = null
    return m
  }

  /**
   * Moves a big record to a Map before it is listed: Object.keys of an object of thousands
   * of keys (a dictionary-mode object) costs ~150 ns a key on every call, so `d.keys()` in a loop
   * over a 1 MiB JSON object stalled the event loop; a Map lists its keys at a few ns each.
   */
  private mapForListing (): void {
    if (this.size > LIST_FROM_MAP) this.map()
  }

  /** The value of a str key, undefined when absent: the hot path of attribute access. */
  getStr (key: string): unknown {
    return this.m !== null ? this.m.get(key) : this.recGet(key)
  }

  /** Sets a str key (from_json, host objects, keyword arguments). */
  setStr (key: string, value: unknown): void {
    this.map().set(key, value)
  }

  /** d[key]: undefined when absent; raises Python's TypeError for an unhashable key. */
  get (key: unknown): unknown {
    if (typeof key === 'string') return this.getStr(key)
    const k = this.normalize(key, false)
    if (this.m === null) return typeof k === 'string' ? this.recGet(k) : undefined
    return k === undefined ? undefined : this.m.get(k)
  }

  has (key: unknown): boolean {
    return this.get(key) !== undefined
  }

  /** d[key] = value; an existing equal key keeps its place and its original key object. */
  set (key: unknown, value: unknown): void {
    const m = this.map()
    if (typeof key === 'string') {
      m.set(key, value)
      return
    }
    const k = this.normalize(key, true)
    if (!m.has(k) && k !== key) {
      this.originals ??= new Map()
      this.originals.set(k, key)
    }
    m.set(k, value)
  }

  /** The Python keys, in insertion order. */
  keys (): unknown[] {
    if (this.m === null) this.mapForListing()
    if (this.m === null) {
      const keys = Object.keys(this.keyRecord())
      if (this.marked) for (let i = 0; i < keys.length; i++) keys[i] = unmarkKey(keys[i] as string)
      return keys
    }
    const out = Array.from(this.m.keys())
    const originals = this.originals
    if (originals !== null) {
      for (let i = 0; i < out.length; i++) if (originals.has(out[i])) out[i] = originals.get(out[i])
    }
    return out
  }

  values (): unknown[] {
    if (this.m === null) this.mapForListing()
    if (this.m === null) return this.recordEntries()[1]
    return Array.from(this.m.values())
  }

  /** Record mode: the record's own key names (marked ones as they are) and their values, in order. */
  private recordEntries (): [string[], unknown[]] {
    const rec = this.record()
    const keys = Object.keys(rec)
    const values = new Array<unknown>(keys.length)
    for (let i = 0; i < keys.length; i++) values[i] = rec[keys[i] as string]
    return [keys, values]
  }

  /** [key, value] pairs, in insertion order. */
  entries (): Array<[unknown, unknown]> {
    if (this.m === null) this.mapForListing()
    if (this.m === null) {
      const rec = this.record()
      const keys = Object.keys(rec)
      const out = new Array<[unknown, unknown]>(keys.length)
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string
        out[i] = [this.marked ? unmarkKey(k) : k, rec[k]]
      }
      return out
    }
    const out = Array.from(this.m.entries())
    const originals = this.originals
    if (originals !== null) {
      for (const e of out) if (originals.has(e[0])) e[0] = originals.get(e[0])
    }
    return out
  }

  /** For a dict whose keys are all str: the keys and their values, in insertion order. */
  strEntries (): [string[], unknown[]] {
    if (this.m === null) this.mapForListing()
    if (this.m === null) {
      const [keys, values] = this.recordEntries()
      if (this.marked) for (let i = 0; i < keys.length; i++) keys[i] = unmarkKey(keys[i] as string)
      return [keys, values]
    }
    return [Array.from(this.m.keys()) as string[], Array.from(this.m.values())]
  }

  /** True when every key is a str (the common case: JSON objects, host objects). */
  hasOnlyStrKeys (): boolean {
    if (this.m === null) return true
    if (this.originals !== null) return false
    for (const k of this.m.keys()) if (typeof k !== 'string') return false
    return true
  }

  /** The Map key of a Python key; undefined (lookup) or a new token (create) for an unseen tuple. */
  private normalize (key: unknown, create: true): unknown
  private normalize (key: unknown, create: false): unknown
  private normalize (key: unknown, create: boolean): unknown {
    if (typeof key === 'number') return Number.isInteger(key) && !Number.isSafeInteger(key) ? BigInt(key) : key
    if (typeof key === 'bigint' || key === null) return key
    if (typeof key === 'boolean') return key ? 1 : 0
    if (key instanceof PyFloat) return this.normalize(key.value, false)
    if (key instanceof Markup) return key.text
    if (key instanceof Undefined) return UNDEFINED_KEY
    // Objects without their own equality are hashable by identity.
    if (key instanceof PyObject || key instanceof Namespace) return key
    // A complex is hashable: with no imaginary part it is the same key as its real part.
    if (key instanceof PyComplex && key.im === 0) return this.normalize(key.re, create as false)
    if (isTuple(key) || listKindName(key) === 'range' || key instanceof PyComplex) {
      const text = hashText(key)
      let token = this.tuples?.get(text)
      if (token === undefined && create) {
        token = {}
        this.tuples ??= new Map()
        this.tuples.set(text, token)
      }
      return token
    }
    throw new TemplateRenderError(`unhashable type: '${pyTypeName(key)}'`)
  }
}

/** Records with more keys than this are listed (keys, values, items) from a Map. */
const LIST_FROM_MAP = 256

/** `user.profile_fields`: a dict keyed by field id that also answers `by_id(N)` (SPEC §2.1). */
export class ProfileFields extends PyDict {}

/**
 * A text equal for keys Python considers equal (1, 1.0 and True; equal tuples); raises TypeError
 * for an unhashable value. Used for tuple keys of dicts and for unique().
 */
export function hashText (value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'string') return 's:' + value
  if (value instanceof Markup) return 's:' + value.text
  if (typeof value === 'bigint') return 'n:' + value.toString()
  if (typeof value === 'boolean' || isNumber(value)) {
    const n = toNumber(value)
    return 'n:' + (Number.isInteger(n) && !Number.isSafeInteger(n) ? BigInt(n).toString() : String(n))
  }
  if (value instanceof Undefined) return 'Undefined'
  if (value instanceof PyComplex) return value.im === 0 ? hashText(value.re) : 'c:' + String(value.re) + ',' + String(value.im)
  if (value instanceof PyObject || value instanceof Namespace) return 'o:' + objectId(value)
  // A range is hashable; equal ranges (the same items) are one key.
  if (Array.isArray(value) && listKindName(value) === 'range') {
    return value.length === 0 ? 'r:0' : `r:${value.length},${String(value[0])},${value.length > 1 ? String((value[1] as number) - (value[0] as number)) : ''}`
  }
  if (isTuple(value)) {
    chargeItems(value.length, COST.equality)
    return 't:[' + value.map(hashText).join(',') + ']'
  }
  throw new TemplateRenderError(`unhashable type: '${pyTypeName(value)}'`)
}

const objectIds = new WeakMap<object, number>()
let lastObjectId = 0

/** A number that identifies an object: Python's id() for hashing by identity. */
function objectId (o: object): number {
  let id = objectIds.get(o)
  if (id === undefined) objectIds.set(o, id = ++lastObjectId)
  return id
}

/**
 * A Python-looking address for a repr (`<generator object … at 0x7f…>`): 0x7f and ten hex digits,
 * as CPython prints heap objects on 64-bit Linux (the same length, so `| length` of the text
 * agrees). It is derived from a serial, never from memory: nothing about the process shows. The
 * same object (a value that is not an object: a new one each time) has the same address.
 */
export function pyAddress (o: unknown): string {
  const id = o !== null && typeof o === 'object' ? objectId(o) : ++lastObjectId
  return '0x7f' + (0x3a00000000 + id * 0x40).toString(16).padStart(10, '0')
}

/** A dict from [key, value] pairs (dict literals, dict()). */
export function makeDict (pairs: Iterable<readonly [unknown, unknown]>): PyDict {
  const d = new PyDict()
  for (const [k, v] of pairs) d.set(k, v)
  return d
}

export function isDict (v: unknown): v is PyDict {
  return v instanceof PyDict
}

function isPlainObject (v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

// Arrays of the host are copied once (their items converted), so a cyclic one stays cyclic.
const fromHostArrays = new WeakMap<object, unknown[]>()
/**
 * Lists within lists of the host are copied at once, recursively: bounded well within the stack.
 * json.loads refuses 1,000 levels, so no payload Jinja2 could read is deeper.
 */
const MAX_HOST_DEPTH = 1000
let hostDepth = 0

/**
 * Converts a host object's values on the first read of its dict, into a copy: the render context
 * belongs to the caller (one request renders several fields from the same objects).
 */
export const HOST_RECORD: RecordFiller = {
  exactKeys: false,
  markedKeys: false,
  fill (host: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(host)) {
      const v = host[k]
      if (v === undefined) continue
      // A "__proto__" key is an entry, never the copy's prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: fromHost(v), enumerable: true, writable: true, configurable: true })
      else out[k] = fromHost(v)
    }
    return out
  }
}

/**
 * A host value (the render context: JSON from a JS parser, the pipeline's objects) as a template
 * value: plain objects become PyDicts in the host's key order, whose values convert when first
 * read (a context object the template never reads costs one small object); arrays are copied with
 * converted items; integers beyond 2^53 become bigints; template values pass through unchanged.
 */
export function fromHost (v: unknown): unknown {
  if (v === undefined) return null
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? BigInt(v) : v
  if (v === null || typeof v !== 'object') return v
  if (v instanceof PyDict) return v
  if (Array.isArray(v)) {
    if (isTuple(v)) return v
    const hit = fromHostArrays.get(v)
    if (hit !== undefined) return hit
    if (hostDepth >= MAX_HOST_DEPTH) throw new TemplateRenderError(`value nested too deeply (more than ${MAX_HOST_DEPTH} levels of lists)`)
    const out = new Array<unknown>(v.length)
    // Remembered before the items are converted, so a cyclic array converts to a cyclic list.
    fromHostArrays.set(v, out)
    hostDepth++
    try {
      for (let i = 0; i < v.length; i++) out[i] = fromHost(v[i])
    } catch (err) {
      // A copy cut short must not be what a later read of the same object (another field) finds.
      fromHostArrays.delete(v)
      throw err
    } finally {
      hostDepth--
    }
    return out
  }
  if (!isPlainObject(v)) return v
  return new PyDict(v, HOST_RECORD)
}

export function isString (v: unknown): v is string {
  return typeof v === 'string'
}

/** Python truthiness. */
export function truthy (v: unknown): boolean {
  if (v === null || v === undefined || v instanceof Undefined) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v !== 0
  if (v instanceof PyFloat) return v.value !== 0
  if (typeof v === 'string') return v.length > 0
  if (Array.isArray(v)) return v.length > 0
  if (v instanceof PyDict) return v.size > 0
  if (v instanceof Markup) return v.text.length > 0
  if (v instanceof PyComplex) return v.re !== 0 || v.im !== 0
  return true
}

/** Python's str() of an int: no exponent notation, whatever the magnitude. */
function intToString (n: number): string {
  if (Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n)
  return BigInt(n).toString()
}

// One remembered repr: round() knows the decimal digits of its result, and the value is usually
// printed right after (`{{ x | round(2) }}`), so it need not run the shortest-digits search again.
let knownFloat = NaN
let knownRepr = ''

/** Records `text` as the repr of `n` (the caller guarantees it is exactly what floatRepr returns). */
export function rememberFloatRepr (n: number, text: string): void {
  knownFloat = n
  knownRepr = text
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr (n: number): string {
  if (n === knownFloat && n !== 0) return knownRepr
  const abs = Math.abs(n)
  // Between 1e-4 and 1e16 JS and Python agree on the shortest round-trip digits.
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(n)
    return Number.isInteger(n) ? text + '.0' : text
  }
  if (Number.isNaN(n)) return 'nan'
  if (n === Infinity) return 'inf'
  if (n === -Infinity) return '-inf'
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0'
  const [mantissa, expText] = n.toExponential().split('e') as [string, string]
  const exp = Number(expText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const sign = negative ? '-' : ''
  if (exp >= -5 && exp < 16) {
    let text: string
    if (exp < 0) {
      text = '0.' + '0'.repeat(-exp - 1) + digits
    } else if (digits.length > exp + 1) {
      text = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1)
    } else {
      text = digits + '0'.repeat(exp + 1 - digits.length) + '.0'
    }
    // Python switches to exponent form below 1e-4.
    if (exp >= -4) return sign + text
  }
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits
  const e = Math.abs(exp) < 10 ? '0' + String(Math.abs(exp)) : String(Math.abs(exp))
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e}`
}

function hex (n: number, width: number): string {
  return n.toString(16).padStart(width, '0')
}

/**
 * Python repr() of a str (unicode_repr): single quotes unless the text has ' and no "; the quote,
 * backslash, \t \n \r escaped; other ASCII controls as \xNN; a non-ASCII character as it is when
 * Python's str.isprintable() accepts it (unicode.ts, Python's Unicode tables), else as \xNN, \uNNNN
 * or \UNNNNNNNN (a lone surrogate included).
 */
export function stringRepr (s: string): string {
  chargeItems(s.length, 1)
  // Most strs need no escape: written as they are.
  if (isPlainRepr(s)) return "'" + s + "'"
  // Escaping builds the str piece by piece: a fixed cost per str beside the per-character one.
  charge(s.length * COST.unicodeChar + COST.reprItem)
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  const q = quote.charCodeAt(0)
  // Runs without escapes are copied whole. A short str is concatenated; a long one collects its
  // pieces and joins them once (a str grown by one concatenation per escape is a rope of millions
  // of pieces on an escape-dense payload).
  if (s.length <= 64) return shortStringRepr(s, quote)
  const parts: string[] = [quote]
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let width = 1
    let escape: string
    if (c >= 0x20 && c < 0x7f) {
      if (c !== 0x5c && c !== q) continue
      escape = c === 0x5c ? '\\\\' : '\\' + quote
    } else if (c < 0x80) {
      escape = c === 0x09 ? '\\t' : c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : '\\x' + hex(c, 2)
    } else {
      let cp = c
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const low = s.charCodeAt(i + 1)
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
          width = 2
        }
      }
      if (isPrintable(cp)) {
        i += width - 1
        continue
      }
      escape = cp <= 0xff ? '\\x' + hex(cp, 2) : cp <= 0xffff ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8)
    }
    if (i > start) parts.push(s.slice(start, i))
    parts.push(escape)
    start = i + width
    i += width - 1
  }
  if (start < s.length) parts.push(s.slice(start))
  parts.push(quote)
  return parts.join('')
}

/** stringRepr of a short str that needs escapes, built by concatenation. */
function shortStringRepr (s: string, quote: string): string {
  let out = quote
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c < 0x7f) out += c === 0x5c ? '\\\\' : c === 0x27 && quote === "'" ? "\\'" : s[i]
    else if (c < 0x80) out += c === 0x09 ? '\\t' : c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : '\\x' + hex(c, 2)
    else {
      let cp = c
      let width = 1
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const low = s.charCodeAt(i + 1)
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
          width = 2
        }
      }
      out += isPrintable(cp) ? s.slice(i, i + width) : cp <= 0xff ? '\\x' + hex(cp, 2) : cp <= 0xffff ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8)
      i += width - 1
    }
  }
  return out + quote
}

/** True when repr() writes `s` as it is between single quotes: printable ASCII without ' or \\. */
function isPlainRepr (s: string): boolean {
  // A scan: a regular expression costs more than the whole test on the short strs of a list.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x27 || c === 0x5c) return false
  }
  return true
}

/**
 * The lists, tuples, dicts and namespaces whose repr is being written: a container met again
 * inside itself prints as `[...]`, `(...)` or `{...}`, as Python's Py_ReprEnter does (so a list
 * appended to itself prints in time linear in its size, instead of recursing until the budget
 * runs out).
 */
const reprActive = new Set<object>()

/** The repr of a list, tuple, dict view, dict or namespace. */
function containerRepr (v: unknown[] | PyDict | Namespace): string {
  // A namespace prints its attribute dict: that dict is what Python marks as in progress.
  const key: object = v instanceof Namespace ? v.attrs : v
  if (reprActive.has(key)) {
    if (v instanceof Namespace) return '<Namespace {...}>'
    if (v instanceof PyDict) return '{...}'
    return listKindName(v) !== undefined ? '...' : isTuple(v) ? '(...)' : '[...]'
  }
  // Entering a container (the in-progress mark, a str built for it) costs as much as a new list.
  charge(v instanceof PyDict ? COST.newList * 8 : COST.newList * 4)
  reprActive.add(key)
  try {
    if (v instanceof Namespace) return `<Namespace ${itemsRepr(Array.from(v.attrs.entries()), true)}>`
    if (v instanceof PyDict) return itemsRepr(v.entries(), true)
    const kind = listKind(v)
    // A dict view prints its items as a list does (charged the same way); a range its bounds.
    if (kind !== undefined) return kind.kind === 'range' ? listKindRepr(v, pyRepr) as string : `${kind.kind}([${listRepr(v)}])`
    const inner = listRepr(v)
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`
    return `[${inner}]`
  } finally {
    reprActive.delete(key)
  }
}

/**
 * The items of a list, comma-separated. Charged per item (each repr is a str built) and per
 * character written; a level copies the text of the levels below it once, and that is charged too.
 */
function listRepr (v: readonly unknown[]): string {
  const n = v.length
  chargeItems(n, 1)
  if (n === 0) return ''
  // The common lists print without building a str per item: plain strs, and ints.
  // Each str is charged before it is scanned (and the text held to the cap before it is joined):
  // a few long strs repeated would otherwise be scanned and joined for free.
  let kind = typeof v[0]
  let length = 0
  for (let i = 0; i < n && kind !== 'object'; i++) {
    const x = v[i]
    if (kind === 'string') {
      if (typeof x !== 'string') kind = 'object'
      else {
        if ((length += x.length + 4) > BUDGET.maxStringLength) chargeString(length)
        chargeItems(x.length, 1)
        if (!isPlainRepr(x)) kind = 'object'
      }
    } else if (!(typeof x === 'number' && Number.isSafeInteger(x))) kind = 'object'
  }
  let inner: string
  if (kind === 'string') inner = "'" + v.join("', '") + "'"
  else if (kind === 'number') inner = v.join(', ')
  else {
    chargeItems(n, COST.reprItem)
    const parts = new Array<string>(n)
    for (let i = 0; i < n; i++) parts[i] = pyRepr(v[i])
    inner = parts.join(', ')
  }
  chargeItems(inner.length, COST.reprChar)
  return inner
}

/** `{k: v, …}` of [key, value] pairs, charged as listRepr is. */
function itemsRepr (entries: ReadonlyArray<readonly [unknown, unknown]>, braces: boolean): string {
  chargeItems(entries.length, COST.reprItem * 2)
  const parts = new Array<string>(entries.length)
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as readonly [unknown, unknown]
    parts[i] = pyRepr(e[0]) + ': ' + pyRepr(e[1])
  }
  const inner = parts.join(', ')
  chargeItems(inner.length, COST.reprChar)
  return braces ? '{' + inner + '}' : inner
}

/** Python repr(). */
export function pyRepr (v: unknown): string {
  if (v === null || v === undefined) return 'None'
  // Jinja2's Undefined.__repr__: what a list, tuple or dict holding one prints.
  if (v instanceof Undefined) return 'Undefined'
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'number') return Number.isInteger(v) ? intToString(v) : floatRepr(v)
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof PyFloat) return floatRepr(v.value)
  if (typeof v === 'string') return stringRepr(v)
  if (v instanceof Markup) return `Markup(${stringRepr(v.text)})`
  if (v instanceof PyComplex) return complexRepr(v)
  if (Array.isArray(v) || v instanceof PyDict || v instanceof Namespace) return containerRepr(v)
  if (v instanceof PyObject) return v.pyRepr()
  if (typeof v === 'function') return '<function>'
  return '<object>'
}

/** Python str(): what `{{ v }}` prints. */
export function pyStr (v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isInteger(v) ? intToString(v) : floatRepr(v)
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Undefined) return ''
  if (v instanceof Markup) return v.text
  return pyRepr(v)
}

/**
 * How Python's containers compare their elements (list and dict ==, `in`, ordering, groupby):
 * PyObject_RichCompareBool, identity first, then ==. The one value identical to itself yet not ==
 * to itself is a float nan. JS numbers have no identity, so here every nan is the same object as
 * every other: what Python answers for json's nan (json.loads gives one nan object, so
 * `(t | from_json) == (t | from_json)` is True) and for a nan held in one variable, though not for
 * two nans computed apart.
 */
export function sameOrEqual (a: unknown, b: unknown): boolean {
  // eslint-disable-next-line no-self-compare
  return pyEquals(a, b) || (a !== a && b !== b)
}

/** Python ==, with int/float/bool numeric equality and deep list/dict equality. */
export function pyEquals (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Markup || b instanceof Markup) return pyEquals(unmark(a), unmark(b))
  if (a instanceof PyComplex || b instanceof PyComplex) {
    const asComplex = (v: unknown): PyComplex | null => v instanceof PyComplex ? v : isNumber(v) || typeof v === 'boolean' ? new PyComplex(toNumber(v), 0) : null
    const x = asComplex(a)
    const y = asComplex(b)
    return x !== null && y !== null && x.re === y.re && x.im === y.im
  }
  const aNum = isNumber(a) || typeof a === 'boolean'
  const bNum = isNumber(b) || typeof b === 'boolean'
  if (aNum && bNum) {
    if (typeof a === 'bigint' || typeof b === 'bigint') return compareNumeric(a, b) === 0
    return toNumber(a) === toNumber(b)
  }
  if (a instanceof Undefined && b instanceof Undefined) return true
  if (a === undefined) return b === null
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isSetView(a) && isSetView(b)) return a.length === b.length && viewSubset(a, b)
    // values() views are equal only to themselves (a === b above).
    if (listKindName(a) === 'dict_values') return false
    if (isTuple(a) !== isTuple(b) || a.length !== b.length || listKindName(a) !== listKindName(b)) return false
    chargeItems(a.length, COST.equality)
    return a.every((x, i) => sameOrEqual(x, b[i]))
  }
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.size !== b.size) return false
    chargeItems(a.size, COST.equality)
    return a.entries().every(([k, v]) => {
      const other = b.get(k)
      return other !== undefined && sameOrEqual(v, other)
    })
  }
  return false
}

/**
 * Exact comparison of two Python numbers (int of any size, float, bool) as Python compares int with
 * float: -1, 0, 1, or NaN when either is nan.
 */
export function compareNumeric (a: unknown, b: unknown): number {
  if (typeof a !== 'bigint' && typeof b !== 'bigint') {
    const x = toNumber(a)
    const y = toNumber(b)
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  // One bigint, one double: compare the double's floor (exact) and its fraction.
  const flip = typeof a !== 'bigint'
  const big = (flip ? b : a) as bigint
  const x = toNumber(flip ? a : b)
  let r: number
  if (Number.isNaN(x)) return NaN
  if (x === Infinity) r = -1
  else if (x === -Infinity) r = 1
  else {
    const floor = BigInt(Math.floor(x))
    if (big < floor) r = -1
    else if (big > floor) r = 1
    else r = Number.isInteger(x) ? 0 : -1
  }
  return flip ? -r : r
}

/** Python type name, for error messages that match Jinja2's wording. */
export function pyTypeName (v: unknown): string {
  if (v === null || v === undefined) return 'NoneType'
  if (v instanceof Undefined) return 'Undefined'
  if (typeof v === 'boolean') return 'bool'
  if (isInt(v) || typeof v === 'bigint') return 'int'
  if (isFloat(v)) return 'float'
  if (typeof v === 'string') return 'str'
  if (isTuple(v)) return 'tuple'
  if (Array.isArray(v)) return listKindName(v) ?? 'list'
  if (v instanceof Namespace) return 'Namespace'
  if (v instanceof PyDict) return 'dict'
  if (v instanceof Markup) return 'Markup'
  if (v instanceof PyComplex) return 'complex'
  if (v instanceof PyObject) return v.pyType
  return 'object'
}

/**
 * Python's < for sorting and comparisons. Raises (as a TemplateRenderError) where Python raises
 * TypeError: e.g. comparing str with int, or None with anything.
 */
export function pyLess (a: unknown, b: unknown): boolean {
  if (a instanceof Markup || b instanceof Markup) return pyLess(unmark(a), unmark(b))
  const aNum = isNumber(a) || typeof a === 'boolean'
  const bNum = isNumber(b) || typeof b === 'boolean'
  if (aNum && bNum) return compareNumeric(a, b) < 0
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b) < 0
  // keys() and items() order as sets: a proper subset is less.
  if (isSetView(a) && isSetView(b)) return (a as unknown[]).length < (b as unknown[]).length && viewSubset(a as unknown[], b as unknown[])
  // Ranges and values() views have no order.
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b) && listKindName(a) === undefined && listKindName(b) === undefined) {
    const n = Math.min(a.length, b.length)
    chargeItems(n)
    for (let i = 0; i < n; i++) {
      if (!sameOrEqual(a[i], b[i])) return pyLess(a[i], b[i])
    }
    return a.length < b.length
  }
  throw new TemplateRenderError(`'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`)
}

/**
 * Every item of the view `a` is in the view `b` (items of a dict view are never repeated), looked
 * up as Python does: by hash in a keys() view, by the key's hash and then the value in an items() view.
 */
export function viewSubset (a: readonly unknown[], b: readonly unknown[]): boolean {
  chargeItems(a.length + b.length, COST.equality)
  if (listKindName(b) === 'dict_items') {
    const values = new Map<string, unknown>()
    for (const item of b) values.set(hashText((item as unknown[])[0]), (item as unknown[])[1])
    return a.every(x => {
      if (!isTuple(x) || x.length !== 2) return false
      const key = hashText(x[0])
      return values.has(key) && sameOrEqual(values.get(key), x[1])
    })
  }
  const keys = new Set(b.map(hashText))
  return a.every(x => keys.has(hashText(x)))
}

/** Python compares strings by code point, JS by UTF-16 unit: they differ above U+FFFF. */
export function compareCodePoints (a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Below the first difference both strings agree, so two non-surrogate units are two code points.
    if ((x & 0xf800) !== 0xd800 && (y & 0xf800) !== 0xd800) return x < y ? -1 : 1
    return compareByIterator(a, b)
  }
  return a.length < b.length ? -1 : 1
}

function compareByIterator (a: string, b: string): number {
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done === true) return y.done === true ? 0 : -1
    if (y.done === true) return 1
    const cx = x.value.codePointAt(0) as number
    const cy = y.value.codePointAt(0) as number
    if (cx !== cy) return cx < cy ? -1 : 1
  }
}
