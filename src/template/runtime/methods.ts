// The safe methods of SPEC §4.2 (dict items/keys/values/get, the str methods, list.append) and
// `user.profile_fields.by_id(N)`. access.ts hands out BoundMethods only for these names; this is
// where they run, with Python's argument rules and results.
import type { RuntimeEnv } from './env.js'
import { isTemplateObject } from './access.js'
import type { BoundMethod } from './access.js'
import { Markup, PyDict, htmlEscape, isTuple, isUndefined, makeTuple, pyStr, pyTypeName, unmark } from './values.js'
import {
  codePoints, fail, sliceBounds, strCapitalize, strReplace, strSplit, strStrip, strTitle, intArg
} from './filters/python.js'
import { bindArgs } from './filters/args.js'
import { listKindName, markList } from './list-kinds.js'
import { BUDGET, COST, charge, chargeChars, chargeItems, chargeString } from './budget.js'

/** Python's argument-count check of a built-in method, with CPython's wording. */
function positional (owner: string, name: string, args: unknown[], kwargs: Record<string, unknown>, min: number, max: number): void {
  if (Object.keys(kwargs).length > 0) fail(`${owner}.${name}() takes no keyword arguments`)
  const n = args.length
  if (n >= min && n <= max) return
  if (max === 0) fail(`${owner}.${name}() takes no arguments (${n} given)`)
  if (min === 1 && max === 1) fail(`${owner}.${name}() takes exactly one argument (${n} given)`)
  if (n < min) fail(`${name} expected at least ${min} argument${min === 1 ? '' : 's'}, got ${n}`)
  fail(`${name} expected at most ${max} argument${max === 1 ? '' : 's'}, got ${n}`)
}

function callDictMethod (d: PyDict, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  // A list of the entries; items() also builds a tuple per entry (a new list each).
  if (name !== 'get') chargeItems(d.size, name === 'items' ? COST.listItem + COST.newList : COST.listItem)
  switch (name) {
    case 'items':
      positional('dict', name, args, kwargs, 0, 0)
      return markList(d.entries().map(e => makeTuple(e)), { kind: 'dict_items' })
    case 'keys':
      positional('dict', name, args, kwargs, 0, 0)
      return markList(d.keys(), { kind: 'dict_keys' })
    case 'values':
      positional('dict', name, args, kwargs, 0, 0)
      return markList(d.values(), { kind: 'dict_values' })
    case 'get': {
      positional('dict', name, args, kwargs, 1, 2)
      const v = d.get(args[0])
      if (v !== undefined) return v
      return args.length > 1 ? args[1] : null
    }
  }
  return fail(`'dict' object has no attribute '${name}'`)
}

/**
 * startswith/endswith without bounds, on the UTF-16 text (no list of code points): a match counts
 * unless it splits a surrogate pair of `s`, where Python sees one code point.
 */
function wholeAffix (s: string, name: 'startswith' | 'endswith', target: unknown): boolean {
  const candidates = isTuple(target) ? target : [target]
  return candidates.some(c => {
    if (typeof c !== 'string') {
      fail(`${name} first arg must be str or a tuple of str, not ${pyTypeName(isTuple(target) ? c : target)}`)
    }
    if (c.length === 0) return true
    if (name === 'startswith') {
      return s.startsWith(c) && !(isHighSurrogate(c.charCodeAt(c.length - 1)) && isLowSurrogate(s.charCodeAt(c.length)))
    }
    return s.endsWith(c) && !(isLowSurrogate(c.charCodeAt(0)) && isHighSurrogate(s.charCodeAt(s.length - c.length - 1)))
  })
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

function affix (s: string, name: 'startswith' | 'endswith', args: unknown[], kwargs: Record<string, unknown>): boolean {
  positional('str', name, args, kwargs, 1, 3)
  chargeChars(s)
  if (args.length === 1) return wholeAffix(s, name, args[0])
  const cps = codePoints(s)
  const [start, end] = sliceBounds(cps.length, args[1], args[2])
  // Python: a start beyond the end never matches, not even the empty prefix (each affix's type
  // is still checked first, in order).
  const rawStart = args[1] === undefined || args[1] === null ? 0 : intArg(args[1], name)
  const beyond = rawStart > cps.length
  const part = cps.slice(start, end).join('')
  const target = args[0]
  const candidates = isTuple(target) ? target : [target]
  return candidates.some(c => {
    if (typeof c !== 'string') {
      fail(`${name} first arg must be str or a tuple of str, not ${pyTypeName(isTuple(target) ? c : target)}`)
    }
    if (beyond || end - start < codePoints(c).length) return false
    return name === 'startswith' ? part.startsWith(c) : part.endsWith(c)
  })
}

function callStrMethod (s: string, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  switch (name) {
    case 'upper':
      positional('str', name, args, kwargs, 0, 0)
      chargeChars(s)
      return built(s.toUpperCase())
    case 'lower':
      positional('str', name, args, kwargs, 0, 0)
      chargeChars(s)
      return built(s.toLowerCase())
    case 'title':
      positional('str', name, args, kwargs, 0, 0)
      return strTitle(s)
    case 'capitalize':
      positional('str', name, args, kwargs, 0, 0)
      return strCapitalize(s)
    case 'strip': case 'lstrip': case 'rstrip':
      positional('str', name, args, kwargs, 0, 1)
      return strStrip(s, args[0], name !== 'rstrip', name !== 'lstrip', name)
    case 'split': {
      const p = bindArgs('split', ['sep', 'maxsplit'], { sep: null, maxsplit: -1 }, args, kwargs)
      return strSplit(s, p.sep, p.maxsplit)
    }
    case 'startswith': case 'endswith':
      return affix(s, name, args, kwargs)
    case 'replace': {
      positional('str', name, args, kwargs, 2, 3)
      const [old, replacement] = args
      if (typeof old !== 'string') fail(`replace() argument 1 must be str, not ${pyTypeName(old)}`)
      if (typeof replacement !== 'string') fail(`replace() argument 2 must be str, not ${pyTypeName(replacement)}`)
      const count = args.length > 2 ? intArg(args[2], 'replace') : -1
      return strReplace(s, old, replacement, count)
    }
  }
  return fail(`'str' object has no attribute '${name}'`)
}

/**
 * A str method of a Markup, as markupsafe wraps them: str arguments are escaped (split's separator
 * and the affixes of startswith/endswith are not), str results are Markup again.
 */
function callMarkupMethod (text: string, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const plain = name === 'split' || name === 'startswith' || name === 'endswith'
  const out = callStrMethod(text, name, args.map(a => plain ? unmark(a) : typeof a === 'string' ? htmlEscape(a) : unmark(a)), kwargs)
  if (typeof out === 'string') return new Markup(out)
  if (Array.isArray(out)) return out.map(x => typeof x === 'string' ? new Markup(x) : x)
  return out
}

/** by_id(N): the profile field whose key is str(N), None when there is none (as dict.get answers). */
function byId (receiver: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
  positional('profile_fields', 'by_id', args, kwargs, 1, 1)
  const key = pyStr(args[0])
  if (isTemplateObject(receiver)) return receiver.templateAttr(key)
  if (receiver instanceof PyDict) {
    const v = receiver.getStr(key)
    return v === undefined ? null : v
  }
  if (receiver === null) fail("'None' has no attribute 'by_id'")
  return null
}

/** A str built by a native routine whose length is known only afterwards (casing can lengthen it). */
function built (out: string): string {
  chargeString(out.length)
  return out
}

export function callMethod (_env: RuntimeEnv, method: BoundMethod, args: unknown[], kwargs: Record<string, unknown>): unknown {
  charge(1)
  const { receiver, name } = method
  if (name === 'by_id') return byId(receiver, args, kwargs)
  if (isUndefined(receiver)) fail(receiver.describe())
  if (typeof receiver === 'string') return callStrMethod(receiver, name, args, kwargs)
  if (receiver instanceof Markup) return callMarkupMethod(receiver.text, name, args, kwargs)
  if (Array.isArray(receiver)) {
    const kindName = listKindName(receiver)
    if (name !== 'append' || isTuple(receiver) || kindName !== undefined) {
      fail(`'${kindName ?? pyTypeName(receiver)} object' has no attribute '${name}'`)
    }
    positional('list', name, args, kwargs, 1, 1)
    if (receiver.length >= BUDGET.maxItems) fail(`value too large: more than ${BUDGET.maxItems} items`)
    receiver.push(args[0])
    return null
  }
  if (receiver instanceof PyDict) return callDictMethod(receiver, name, args, kwargs)
  return fail(`'${pyTypeName(receiver)}' object has no attribute '${name}'`)
}
