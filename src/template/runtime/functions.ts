// The global functions of SPEC §4.2 other than get_secret/get_variable (which the engine resolves
// from the render context): range, namespace, dict, now, jwt_encode.
import type { RuntimeEnv } from './env.js'
import { chargeRangeItems } from './env.js'
import { Markup, Namespace, PyDict, isDict, isFloat, isNumber, makeDict, makeFloat, isUndefined, pyTypeName, toNumber } from './values.js'
import { bindArgs, registry } from './filters/args.js'
import { fail, intArg, iterate, undefinedError } from './filters/python.js'
import { jwtEncode } from './jwt-encode.js'
import { markList } from './list-kinds.js'
import { chargeItems, chargeList } from './budget.js'
import { PyIter } from './iterators.js'

export type TemplateFunction = (env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>) => unknown

function noKwargs (name: string, kwargs: Record<string, unknown>): void {
  if (Object.keys(kwargs).length > 0) fail(`${name}() takes no keyword arguments`)
}

/** range(stop) / range(start, stop[, step]) as a list, charged against the per-render bound first. */
function range (env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>): number[] {
  noKwargs('range', kwargs)
  if (args.length === 0) fail('range expected at least 1 argument, got 0')
  if (args.length > 3) fail(`range expected at most 3 arguments, got ${args.length}`)
  const ints = args.map(a => intArg(a, 'range'))
  const [start, stop, step] = ints.length === 1 ? [0, ints[0] as number, 1] : [ints[0] as number, ints[1] as number, ints[2] ?? 1]
  if (step === 0) fail('range() arg 3 must not be zero')
  const count = Math.max(0, Math.ceil((stop - start) / step))
  chargeRangeItems(env, count)
  chargeList(count)
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) out[i] = start + i * step
  return markList(out, { kind: 'range', start, stop, step })
}

/** dict(mapping_or_pairs?, **kwargs) → the key/value pairs, Python's dict() argument rules. */
function dictPairs (name: string, args: unknown[], kwargs: Record<string, unknown>): Array<[unknown, unknown]> {
  if (args.length > 1) fail(`${name} expected at most 1 argument, got ${args.length}`)
  const pairs: Array<[unknown, unknown]> = []
  if (args.length === 1) {
    const src = args[0]
    chargeItems(isDict(src) ? src.size : Array.isArray(src) ? src.length : 0, 4)
    if (isDict(src)) pairs.push(...src.entries())
    // dict() asks its argument for .keys() first, which an Undefined refuses.
    else if (isUndefined(src)) undefinedError(src)
    else if (Array.isArray(src) || typeof src === 'string' || src instanceof Markup || src instanceof PyIter) {
      iterate(src).forEach((item) => {
        const kv = Array.isArray(item) || typeof item === 'string' || item instanceof PyIter ? [...iterate(item)] : undefined
        // Neither the element's index nor its length is echoed: both come from a value (SPEC §4.6).
        if (kv === undefined) fail(`cannot convert a ${name} update sequence element to a sequence`)
        if (kv.length !== 2) fail(`a ${name} update sequence element has the wrong length; 2 is required`)
        pairs.push([kv[0], kv[1]])
      })
    } else {
      fail(`'${pyTypeName(src)}' object is not iterable`)
    }
  }
  pairs.push(...Object.entries(kwargs))
  return pairs
}

function dict (_env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>): PyDict {
  return makeDict(dictPairs('dict', args, kwargs))
}

function namespace (_env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>): Namespace {
  // Attributes are names: a key that is not a str could never be read back.
  const pairs = dictPairs('namespace', args, kwargs).filter((pair): pair is [string, unknown] => typeof pair[0] === 'string')
  return new Namespace(makeDict(pairs).entries() as Array<[string, unknown]>)
}

/** now(offset=0): Unix seconds from the render's clock, plus offset seconds. */
function now (env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const { offset } = bindArgs('now', ['offset'], { offset: 0 }, args, kwargs)
  if (!(isNumber(offset) || typeof offset === 'boolean')) fail(`now(): offset must be a number of seconds, not ${pyTypeName(offset)}`)
  const seconds = Math.floor(env.clock() / 1000)
  const total = seconds + toNumber(offset)
  return isFloat(offset) ? makeFloat(total) : total
}

function jwt (_env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>): string {
  const p = bindArgs('jwt_encode', ['payload', 'key', 'algorithm', 'headers'], { headers: null }, args, kwargs)
  return jwtEncode(p.payload, p.key, p.algorithm, p.headers)
}

/** Frozen, without a prototype: a name like 'constructor' or 'toString' finds nothing. */
export const FUNCTIONS: Record<string, TemplateFunction> = registry({
  range,
  namespace,
  dict,
  now,
  jwt_encode: jwt
})
