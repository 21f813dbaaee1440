// The one object of helpers that generated template code may call (passed to it as `it.r`).
// Generated code never touches a value directly: every attribute, item, call, operator, filter and
// test goes through here, so the sandbox rules of access.ts apply to everything a template does.
import { ConduitError } from '../../errors.js'
import { TemplateRenderError } from '../types.js'
import type { Pos } from '../ast.js'
import { BoundMethod, getAttr, getCheckedAttr, getItem, isTemplateObject } from './access.js'
import { LIMITS, chargeLoopIteration } from './env.js'
import type { RuntimeEnv } from './env.js'
import { BOUND_FILTERS, FILTERS } from './filters.js'
import { FUNCTIONS } from './functions.js'
import { callMethod } from './methods.js'
import { LoopContext } from './loop.js'
import type { LoopItems } from './loop.js'
import { DONE, LazyItems, PyIter, drain } from './iterators.js'
import * as ops from './operators.js'
import { TESTS } from './tests.js'
import { BUDGET, COST, chargeItems } from './budget.js'
import {
  HOST_RECORD, Markup, Namespace, ProfileFields, PyDict, UNDEFINED, Undefined, fromHost, makeDict, makeTuple, pyStr,
  pyTypeName, truthy
} from './values.js'
import { parseJson } from './filters/from-json.js'
import { subscriptSlice } from './slice.js'
import { foldConstant } from './const-fold.js'

const USER_FIELDS = ['id', 'email', 'first_name', 'last_name', 'username'] as const
// Anonymous: every user.* is None, profile_fields included, so by_id() on it fails as in Jinja2.
const ANONYMOUS_USER = makeDict([...USER_FIELDS, 'profile_fields'].map(f => [f, null]))

/**
 * `user` as a dict: the fields of SPEC §2.1 first (None when absent), other keys of the object
 * after them in its order, profile_fields last. Built per render: a few properties, converted when
 * read (the gateway's user objects are shared by every request of a token, never written to).
 */
function wrapUser (user: unknown): unknown {
  if (user === null || typeof user !== 'object' || Array.isArray(user)) return ANONYMOUS_USER
  const host = user as Record<string, unknown>
  const pf = host.profile_fields
  const fields = pf !== null && typeof pf === 'object' && !Array.isArray(pf) ? new ProfileFields(pf as Record<string, unknown>, HOST_RECORD) : null
  if (hasOnlyUserKeys(host)) {
    // The usual shape: a record in the order above (no integer-like key to move first).
    return new PyDict({
      id: userField(host.id),
      email: userField(host.email),
      first_name: userField(host.first_name),
      last_name: userField(host.last_name),
      username: userField(host.username),
      profile_fields: fields
    })
  }
  const out = new PyDict()
  for (const f of USER_FIELDS) out.setStr(f, Object.hasOwn(host, f) ? userField(host[f]) : null)
  for (const k of Object.keys(host)) {
    if (!out.has(k) && k !== 'profile_fields' && host[k] !== undefined) out.setStr(k, fromHost(host[k]))
  }
  out.setStr('profile_fields', fields)
  return out
}

function userField (v: unknown): unknown {
  return v === undefined ? null : fromHost(v)
}

/** A plain object whose keys are all fields of SPEC §2.1 (what the gateway's callers module builds). */
function hasOnlyUserKeys (host: object): boolean {
  const proto: unknown = Object.getPrototypeOf(host)
  if (proto !== Object.prototype && proto !== null) return false
  for (const k in host) {
    switch (k) {
      case 'id': case 'email': case 'first_name': case 'last_name': case 'username': case 'profile_fields': continue
      default: return false
    }
  }
  return true
}

// A caller payload parsed by Conduit's own JSON reader, once per payload object.
const parsedPayloads = new WeakMap<object, unknown>()

/**
 * `body_raw`: the caller's payload. The pipeline parses it with JavaScript's JSON.parse, which moves
 * integer-like keys first, rounds integers beyond 2^53 and reads 10.0 as 10; when its text is at
 * hand it is read again as from_json reads it, so the payload keeps Python's values exactly.
 */
function payloadValue (raw: unknown, text: unknown): unknown {
  if (raw === null || raw === undefined || typeof text !== 'string') return fromHost(raw)
  const key = typeof raw === 'object' ? raw : null
  const hit = key === null ? undefined : parsedPayloads.get(key)
  if (hit !== undefined) return hit
  let value: unknown
  try {
    value = parseJson(text)
  } catch {
    return fromHost(raw)
  }
  if (key !== null) parsedPayloads.set(key, value)
  return value
}

/** A context name's value (SPEC §4.3): host values become template values. */
function contextValue (v: unknown, name: string, text?: unknown): unknown {
  if (v === undefined) return new Undefined(name)
  if (name === 'body_raw') return payloadValue(v, text)
  if (name === 'request' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const host = v as Record<string, unknown>
    const out = fromHost(v)
    if (out instanceof PyDict && host.body_raw !== undefined && host.body_raw !== null) {
      out.setStr('body_raw', payloadValue(host.body_raw, host.body_text))
    }
    return out
  }
  return fromHost(v)
}

function has (map: Record<string, string> | null | undefined, key: string): boolean {
  return map !== null && map !== undefined && Object.hasOwn(map, key)
}

function lookup (map: Record<string, string> | null | undefined, key: string, fn: string): unknown {
  return has(map, key) ? (map as Record<string, string>)[key] : new Undefined(`${fn}('${key}')`)
}

/** Python iteration: lists and tuples as they are, str by character, dict by key; Undefined is empty. */
function iterate (v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v
  if (v instanceof PyIter) return drain(v)
  if (typeof v === 'string') {
    chargeItems(v.length, COST.codePoint)
    return Array.from(v)
  }
  if (v instanceof Markup) {
    chargeItems(v.text.length, COST.codePoint)
    return Array.from(v.text)
  }
  if (v instanceof PyDict) {
    chargeItems(v.size)
    return v.keys()
  }
  if (v instanceof Undefined) return []
  throw new TemplateRenderError(`'${pyTypeName(v)}' object is not iterable`)
}

/**
 * The items of a for loop: a list as it is; an iterator, or any iterable under a `for … if`
 * filter, as LazyItems pulled while the loop runs (the filter runs on an item when the loop gets
 * to it). A value that is not iterable fails here, before the loop starts, as in Python.
 */
function loopItems (v: unknown, _pos: number, filter?: (item: unknown) => boolean): LoopItems {
  if (filter === undefined) return v instanceof PyIter ? new LazyItems(v) : iterate(v)
  let next: () => unknown
  if (v instanceof PyIter) {
    next = () => v.next()
  } else {
    const items = iterate(v)
    let i = 0
    next = () => i < items.length ? items[i++] : DONE
  }
  return new LazyItems(new PyIter('generator', 'generator object <genexpr>', () => {
    for (;;) {
      const item = next()
      if (item === DONE || filter(item)) return item
    }
  }))
}

function unpack (v: unknown, n: number): readonly unknown[] {
  const items = iterate(v)
  if (items.length !== n) {
    // How many there were is not said: it is the length of a value (SPEC §4.6).
    throw new TemplateRenderError(items.length > n
      ? `too many values to unpack (expected ${n})`
      : `not enough values to unpack (expected ${n})`)
  }
  return items
}

function callValue (env: RuntimeEnv, fn: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
  if (fn instanceof BoundMethod) {
    return callMethod(env, fn, args, kwargs)
  }
  if (fn instanceof Undefined) throw new TemplateRenderError(fn.describe())
  throw new TemplateRenderError(`'${pyTypeName(fn)}' object is not callable`)
}

function setNamespaceAttr (ns: unknown, attr: string, value: unknown): void {
  if (!(ns instanceof Namespace)) throw new TemplateRenderError('cannot assign attribute on non-namespace object')
  ns.attrs.set(attr, value)
}

/** Dict literal from alternating keys and values, Python keys of any hashable type. */
function dictLiteral (kv: unknown[]): PyDict {
  const out = new PyDict()
  for (let i = 0; i < kv.length; i += 2) out.set(kv[i], kv[i + 1])
  return out
}

function outputTooLarge (limit: number): never {
  throw new TemplateRenderError(`rendered output exceeds ${limit} bytes`)
}

/** Cheap check inside loops: UTF-16 length never exceeds the UTF-8 byte length. */
function checkLength (env: RuntimeEnv, out: string): void {
  if (out.length > env.outputLimit) outputTooLarge(env.outputLimit)
}

/**
 * The same check for the text a `{% set x %}…{% endset %}` block captures: it is a value, not the
 * field's output (Jinja2 lets a header template capture more than it prints), so only the cap on
 * any string holds.
 */
function checkCapture (out: string): void {
  if (out.length > BUDGET.maxStringLength) throw new TemplateRenderError(`value too large: a string of more than ${BUDGET.maxStringLength} characters`)
}

/** Exact check of the final output. */
function checkOutput (env: RuntimeEnv, out: string): string {
  // UTF-16 length ≤ UTF-8 length: a long output fails without measuring (flattening) it.
  if (out.length > env.outputLimit) outputTooLarge(env.outputLimit)
  if (out.length * 3 > env.outputLimit && Buffer.byteLength(out, 'utf8') > env.outputLimit) outputTooLarge(env.outputLimit)
  return out
}

/** Any failure during a render becomes a TemplateRenderError with the position of the failing node. */
function toRenderError (err: unknown, pos: Pos | undefined): Error {
  if (err instanceof TemplateRenderError) {
    if (err.line !== undefined || pos === undefined) return err
    // Add the position in place: subclasses (JwtSigningError) keep their identity for the pipeline.
    const positioned = new TemplateRenderError(err.message, pos)
    Object.defineProperties(err, {
      message: { value: positioned.message, configurable: true, writable: true },
      line: { value: pos.line, configurable: true },
      column: { value: pos.column, configurable: true }
    })
    return err
  }
  if (err instanceof ConduitError) return err
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new TemplateRenderError('template too deeply nested to render', pos)
  }
  // Never leak a JS message, stack or value: they may carry data from the context.
  return new TemplateRenderError('internal error while rendering the template', pos)
}

function test (env: RuntimeEnv, name: string, value: unknown, args: unknown[]): boolean {
  const fn = TESTS[name] as (typeof TESTS)[string]
  return fn(env, value, args) === true
}

export const RT = Object.freeze({
  NO_ARGS: Object.freeze([] as unknown[]) as unknown[],
  NO_KWARGS: Object.freeze({}) as Record<string, unknown>,
  str: pyStr,
  truthy,
  attr: (obj: unknown, name: string, _pos?: number): unknown => getAttr(obj, name, true),
  key: (obj: unknown, name: string, _pos?: number): unknown => getCheckedAttr(obj, name),
  item: (obj: unknown, key: unknown, _pos?: number): unknown => getItem(obj, key),
  slice: subscriptSlice,
  foldConst: foldConstant,
  loopItems,
  unpack,
  charge: chargeLoopIteration,
  Loop: LoopContext,
  filters: FILTERS,
  fb: BOUND_FILTERS,
  tests: TESTS,
  test,
  functions: FUNCTIONS,
  call: callValue,
  nsSet: setNamespaceAttr,
  dict: dictLiteral,
  tuple: makeTuple,
  UNDEFINED,
  undef: (hint: string): Undefined => new Undefined(hint),
  user: wrapUser,
  ctx: contextValue,
  has,
  lookup,
  checkLength,
  checkCapture,
  checkOutput,
  err: toRenderError,
  isTemplateObject,
  limits: LIMITS,
  ...ops
})

export type Runtime = typeof RT
