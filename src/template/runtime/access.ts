// Attribute and item access: the sandbox boundary at run time. The checker already rejects names
// starting with '_' and constructor/prototype/__proto__ at compile time; this is the second wall for
// names computed at run time (`obj[key]`, the attr filter, map(attribute=…)). Only own data
// properties of plain values and the whitelisted safe methods are reachable.
import {
  Markup, Namespace, ProfileFields, PyDict, PyObject, Undefined, isInt, isUndefined, namedTupleIndex, pyAddress, pyRepr, pyTypeName
} from './values.js'
import { TemplateRenderError } from '../types.js'
import { strCharAt, strLen } from './filters/python.js'
import { isDictView } from './list-kinds.js'

/** Safe methods of SPEC §4.2, by receiver type. */
export const SAFE_METHODS = {
  dict: new Set(['items', 'keys', 'values', 'get']),
  str: new Set(['upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'startswith', 'endswith', 'replace', 'title', 'capitalize']),
  list: new Set(['append'])
} as const

export const ALL_SAFE_METHOD_NAMES: ReadonlySet<string> = new Set([
  ...SAFE_METHODS.dict, ...SAFE_METHODS.str, ...SAFE_METHODS.list, 'by_id'
])

/** A method looked up on a value, called later through callMethod() of methods.ts. */
export class BoundMethod extends PyObject {
  readonly receiver: unknown
  readonly name: string
  constructor (receiver: unknown, name: string) {
    super()
    this.receiver = receiver
    this.name = name
  }

  /** A method written in Python (by_id, markupsafe's wrappers of str methods) rather than in C. */
  private get pythonMethod (): boolean {
    return this.receiver instanceof ProfileFields ? this.name === 'by_id' : this.receiver instanceof Markup && MARKUP_WRAPPED.has(this.name)
  }

  get pyType (): string {
    return this.pythonMethod ? 'method' : 'builtin_function_or_method'
  }

  /** `<built-in method items of dict object at 0x…>`, `<bound method ProfileFields.by_id of {…}>`. */
  pyRepr (): string {
    const owner = this.receiver instanceof ProfileFields ? 'ProfileFields' : pyTypeName(this.receiver)
    if (this.pythonMethod) return `<bound method ${owner}.${this.name} of ${pyRepr(this.receiver)}>`
    return `<built-in method ${this.name} of ${owner} object at ${pyAddress(this.receiver)}>`
  }
}

/** The str methods markupsafe's Markup redefines in Python (the others stay str's built-ins). */
const MARKUP_WRAPPED = new Set(['upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'replace', 'title', 'capitalize'])

/** Objects that expose named read-only properties to templates (the loop object, user.profile_fields). */
export interface TemplateObject {
  templateAttr (name: string): unknown
}

export function isTemplateObject (v: unknown): v is TemplateObject {
  return v !== null && typeof v === 'object' && typeof (v as Partial<TemplateObject>).templateAttr === 'function'
}

export function isUnsafeName (name: string): boolean {
  return name.charCodeAt(0) === 0x5f || name === 'constructor' || name === 'prototype'
}

/** Jinja2's description of a value's type in "has no attribute" messages. */
function ownerName (obj: unknown): string {
  if (obj === null || obj === undefined) return "'None'"
  const type = pyTypeName(obj)
  // One text per type: a lookup that misses on every item of a long list allocates nothing here.
  let name = OWNER_NAMES.get(type)
  if (name === undefined) {
    name = `'${type} object'`
    OWNER_NAMES.set(type, name)
  }
  return name
}
const OWNER_NAMES = new Map<string, string>()

/**
 * The Undefined of a missing attribute or item. Its error names the attribute only when the name
 * was written in the template (`trusted`): a key computed at render time may carry a context value,
 * a secret's slice say, and a render error never shows one (SPEC §4.6).
 */
function missing (obj: unknown, name?: string, trusted = false): Undefined {
  return new Undefined(undefined, ownerName(obj), trusted ? name : undefined)
}

/** A template object's own Undefined for a name it lacks, without the name unless it is trusted. */
function untrustedResult (v: unknown, trusted: boolean): unknown {
  return !trusted && v instanceof Undefined && v.attr !== undefined ? new Undefined(v.hint, v.owner, undefined) : v
}

/**
 * `obj.name`. Jinja2 tries the attribute first, then the item. `trusted`: the name is written in
 * the template (generated code passes it), not computed from data.
 */
export function getAttr (obj: unknown, name: string, trusted = false): unknown {
  if (isUndefined(obj)) throw new TemplateRenderError(obj.describe())
  if (isUnsafeName(name)) return missing(obj, name, trusted)
  if (typeof obj === 'string' || obj instanceof Markup) return SAFE_METHODS.str.has(name as never) ? new BoundMethod(obj, name) : missing(obj, name, trusted)
  if (Array.isArray(obj)) {
    const field = namedTupleIndex(obj, name)
    if (field !== -1) return obj[field]
    return SAFE_METHODS.list.has(name as never) ? new BoundMethod(obj, name) : missing(obj, name, trusted)
  }
  if (obj instanceof Namespace) return obj.attrs.has(name) ? obj.attrs.get(name) : missing(obj, name, trusted)
  if (isTemplateObject(obj)) return untrustedResult(obj.templateAttr(name), trusted)
  if (obj instanceof PyDict) {
    if (SAFE_METHODS.dict.has(name as never) || (name === 'by_id' && obj instanceof ProfileFields)) return new BoundMethod(obj, name)
    const v = obj.getStr(name)
    return v !== undefined ? v : missing(obj, name, trusted)
  }
  return missing(obj, name, trusted)
}

/**
 * `obj.name` for a name written in the template: the checker has already refused unsafe names, and
 * the name is not a dict method, so a dict's str key is the answer.
 */
export function getCheckedAttr (obj: unknown, name: string): unknown {
  if (obj instanceof PyDict) {
    const v = obj.getStr(name)
    if (v !== undefined) return v
  }
  return getAttr(obj, name, true)
}

/** d[key] for a key that may be unhashable: the TypeError Jinja2's getitem turns into Undefined. */
function dictItem (d: PyDict, key: unknown): unknown {
  try {
    return d.get(key)
  } catch (err) {
    if (err instanceof TemplateRenderError && err.message.startsWith('unhashable type')) return undefined
    throw err
  }
}

/** `obj[key]`. Jinja2 tries the item first, then the attribute. */
export function getItem (obj: unknown, key: unknown): unknown {
  if (obj instanceof PyDict) {
    // Keys are data, never attributes: any str key, '_x' included, is an item of a dict.
    const v = typeof key === 'string' ? obj.getStr(key) : dictItem(obj, key)
    if (v !== undefined) return v
    return typeof key === 'string' ? getAttr(obj, key) : missing(obj)
  }
  if (isUndefined(obj)) throw new TemplateRenderError(obj.describe())
  if (obj instanceof Markup && (isInt(key) || typeof key === 'boolean')) {
    const ch = getItem(obj.text, key)
    return typeof ch === 'string' ? new Markup(ch) : ch
  }
  if (typeof key === 'string' && isUnsafeName(key)) return missing(obj, key)
  if (typeof key === 'boolean') key = key ? 1 : 0
  if (Array.isArray(obj)) {
    if (isInt(key)) {
      // dict_keys[0] is a TypeError, which Jinja2's getitem turns into Undefined.
      if (isDictView(obj)) return missing(obj)
      const i = key < 0 ? obj.length + key : key
      return i >= 0 && i < obj.length ? obj[i] : missing(obj)
    }
    return typeof key === 'string' ? getAttr(obj, key) : missing(obj)
  }
  if (typeof obj === 'string') {
    if (isInt(key)) {
      // By code point, as Python indexes; the offsets of an astral str are built once per render.
      const n = strLen(obj)
      const i = key < 0 ? n + key : key
      return i >= 0 && i < n ? strCharAt(obj, i) : missing(obj)
    }
    return typeof key === 'string' ? getAttr(obj, key) : missing(obj)
  }
  if (typeof key === 'string') return getAttr(obj, key)
  return missing(obj)
}
