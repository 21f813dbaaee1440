// Lists that stand for Python objects which are not lists: range() results and dict views
// (keys()/values()/items()). They iterate, index and count like the list they hold, but Python
// prints them differently (`range(0, 3)`, `dict_keys(['a'])`), refuses them in json.dumps and has
// no append on them. The kind is a mark kept beside the array; any filter that builds a new list
// (list, sort, map, …) returns a plain list, as in Python.
export type ListKind =
  | { kind: 'range', start: number, stop: number, step: number }
  | { kind: 'dict_keys' | 'dict_values' | 'dict_items' }

// An own symbol property, like values.ts's tuple marks (a WeakMap entry costs far more to add).
const KIND = Symbol('list kind')
const FROZEN_KINDS = new WeakMap<object, ListKind>()
let frozenKinds = false

export function markList<T> (items: T[], kind: ListKind): T[] {
  if (Object.isExtensible(items)) (items as { [KIND]?: ListKind })[KIND] = kind
  else {
    frozenKinds = true
    FROZEN_KINDS.set(items, kind)
  }
  return items
}

export function listKind (v: unknown): ListKind | undefined {
  return Array.isArray(v) ? (v as { [KIND]?: ListKind })[KIND] ?? (frozenKinds ? FROZEN_KINDS.get(v) : undefined) : undefined
}

/** Python's type name of a marked list ('range', 'dict_keys', …), undefined for a plain list. */
export function listKindName (v: unknown): string | undefined {
  return listKind(v)?.kind
}

/** keys(), values() or items() of a dict: iterable and sized, but not subscriptable. */
export function isDictView (v: unknown): boolean {
  const kind = listKind(v)?.kind
  return kind === 'dict_keys' || kind === 'dict_values' || kind === 'dict_items'
}

/** keys() or items() of a dict: set-like, so == and the order operators compare as sets do. */
export function isSetView (v: unknown): boolean {
  const kind = listKind(v)?.kind
  return kind === 'dict_keys' || kind === 'dict_items'
}

/**
 * Python's repr of a marked list, undefined for a plain list. `repr` prints the items; values.ts's
 * pyRepr passes itself (this module imports nothing, so there is no import cycle).
 */
export function listKindRepr (v: readonly unknown[], repr: (x: unknown) => string): string | undefined {
  const k = listKind(v)
  if (k === undefined) return undefined
  if (k.kind === 'range') return k.step === 1 ? `range(${k.start}, ${k.stop})` : `range(${k.start}, ${k.stop}, ${k.step})`
  return `${k.kind}([${v.map(repr).join(', ')}])`
}
