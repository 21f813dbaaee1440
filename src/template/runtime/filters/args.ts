// Python-style binding of a filter's or function's positional and keyword arguments to its
// parameter names, so `truncate(10, end='…')` and `truncate(length=10)` mean what they mean in Jinja2.
import { fail } from './python.js'

const MISSING = Symbol('missing')

/**
 * Binds args/kwargs to `params` (names in order). A name with no entry in `defaults` is required.
 * `rest` collects surplus positional arguments instead of failing.
 */
export function bindArgs (
  name: string,
  params: readonly string[],
  defaults: Record<string, unknown>,
  args: readonly unknown[],
  kwargs: Record<string, unknown>
): Record<string, unknown> {
  if (args.length > params.length) {
    fail(`${name}() takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${args.length} given)`)
  }
  const out: Record<string, unknown> = {}
  for (let i = 0; i < params.length; i++) out[params[i] as string] = i < args.length ? args[i] : MISSING
  for (const k in kwargs) {
    if (!Object.hasOwn(kwargs, k)) continue
    if (!params.includes(k)) fail(`${name}() got an unexpected keyword argument '${k}'`)
    if (out[k] !== MISSING) fail(`${name}() got multiple values for argument '${k}'`)
    out[k] = kwargs[k]
  }
  for (let i = 0; i < params.length; i++) {
    const p = params[i] as string
    if (out[p] !== MISSING) continue
    if (!Object.hasOwn(defaults, p)) fail(`${name}() missing required argument '${p}'`)
    out[p] = defaults[p]
  }
  return out
}

/** A frozen registry without a prototype: names like 'constructor' or 'toString' find nothing. */
export function registry<T> (entries: Record<string, T>): Record<string, T> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries))
}
