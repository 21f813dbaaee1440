// The work budget of SPEC §4.5. Each render gets a number of work units (its RuntimeEnv carries
// them); every built-in charges the units of what it touches or builds before it does the work
// (characters scanned or produced, items copied or visited), so a render that would run long or
// build something huge fails with "work budget exceeded" instead. One unit is about a nanosecond
// of the cheapest per-character work; slower per-element work charges a weight (below) per element.
//
// Built-ins reach the budget of the render in progress through `active` rather than an argument:
// rendering is synchronous and never nested, and most helpers (operators, repr, equality) have no
// env parameter. Outside a render (unit tests calling one filter) the budget is unbounded.
import { TemplateRenderError } from '../types.js'

export const BUDGET = {
  /** Units every render has, whatever its input: loops, range() and literals of a 64 KiB template. */
  baseUnits: 8_000_000,
  /**
   * Units per character of the data the render reads (caller payload, upstream bodies): reshaping
   * input is linear in it, so a realistic template needs a small multiple of its size.
   */
  unitsPerInputChar: 24,
  /** No string may exceed this many UTF-16 units, no list or dict this many items. */
  maxStringLength: 10 * 1024 * 1024,
  maxItems: 1_000_000
} as const

/** Weights, in units per element, of work slower than a native character scan. */
export const COST = {
  /** Copying or visiting one item of a list or dict. */
  item: 2,
  /**
   * One item of a new list or dict (repetition, concatenation, slices, `| list`): storing it, and
   * the collection of what a loop builds and drops, measured at 5–12 ns an item.
   */
  listItem: 8,
  /**
   * A new list, whatever its length: an operator on lists (`[x] * 5 + [x] * 5`) costs 300–500 ns
   * in a loop body, most of it before the first item is copied.
   */
  newList: 128,
  /** One comparison of a sort (charged n·log2 n times), one deep-equality step. */
  compare: 8,
  /** Parsing one character (from_json, int, float) or escaping one (tojson, repr). */
  parse: 8,
  /** One str or list built per piece (split, batch, groupby). */
  part: 16,
  /** Building one str per code point (iteration of a str, Array.from). */
  codePoint: 8,
  /** Per-character Unicode property tests (title, islower) and per-byte quoting (urlencode). */
  unicodeChar: 32,
  /** One step of a for loop, plus `node` per expression and statement of its body. */
  loopStep: 4,
  /** Evaluating one node of the template (an operator, a call, an attribute): dozens of ns. */
  node: 16,
  /** One step of a deep equality or hashing walk. */
  equality: 16,
  /** Writing the repr of one item of a list, tuple or dict (a str built per item, then joined). */
  reprItem: 64,
  /** One character of a container's repr, per level of nesting that copies it. */
  reprChar: 2
} as const

export interface Budget {
  /** Units left; below zero the render fails. */
  work: number
  /** Code-point offsets of the last str indexed by code point in this render (python.ts). */
  offsetsOf?: string
  offsets?: Uint32Array | null
}

const UNBOUNDED: Budget = { work: Infinity }
let active: Budget = UNBOUNDED

export class WorkBudgetExceeded extends TemplateRenderError {
  constructor () {
    super('work budget exceeded')
  }
}

function exceeded (): never {
  // Stay exhausted: a caller that catches and goes on still fails at its next charge.
  if (active !== UNBOUNDED) active.work = -1
  else active.work = Infinity
  throw new WorkBudgetExceeded()
}

/** Takes `units` from the render in progress. `!(x >= 0)` also refuses NaN. */
export function charge (units: number): void {
  if (!((active.work -= units) >= 0)) exceeded()
}

/** Charges one unit per character of `s` (plus one for the call). */
export function chargeChars (s: string): void {
  if (!((active.work -= s.length + 1) >= 0)) exceeded()
}

/** Charges `count` items at `weight` units each (plus one for the call). */
export function chargeItems (count: number, weight: number = COST.item): void {
  if (!((active.work -= count * weight + 1) >= 0)) exceeded()
}

/** Charges a sort of n items: n·log2(n) comparisons. */
export function chargeSort (n: number): void {
  charge(n < 2 ? 1 : n * Math.ceil(Math.log2(n)) * COST.compare)
}

/** A string about to be built with `length` UTF-16 units: charged, and refused beyond the cap. */
export function chargeString (length: number): void {
  if (!(length <= BUDGET.maxStringLength)) throw new TemplateRenderError(`value too large: a string of more than ${BUDGET.maxStringLength} characters`)
  charge(length + 1)
}

/** A list or dict about to be built with `count` items: charged, and refused beyond the cap. */
export function chargeList (count: number): void {
  checkItems(count)
  charge(count * COST.listItem + COST.newList)
}

/** Refuses a list or dict of more than the item cap (what it costs is charged elsewhere). */
export function checkItems (count: number): void {
  if (!(count <= BUDGET.maxItems)) throw new TemplateRenderError(`value too large: more than ${BUDGET.maxItems} items`)
}

/** The budget of the render in progress (an unbounded one outside a render). */
export function activeBudget (): Budget {
  return active
}

/** Makes `budget` the one built-ins charge; returns the previous one for endRender(). */
export function beginRender (budget: Budget): Budget {
  const previous = active
  active = budget
  return previous
}

export function endRender (previous: Budget): void {
  active = previous
}

function textLength (v: unknown): number {
  return typeof v === 'string' ? v.length : 0
}

/** A parsed body (no text to measure) is allowed as much as the largest upstream body. */
const PARSED_BODY_CHARS = 10 * 1024 * 1024

function bodyLength (exchange: unknown): number {
  if (exchange === null || typeof exchange !== 'object') return 0
  const body = (exchange as { body?: unknown }).body
  if (body === undefined || body === null) return 0
  return typeof body === 'string' ? body.length : PARSED_BODY_CHARS
}

/** Characters of data a render reads: the caller payload and the upstream bodies of the context. */
export function inputLength (context: {
  body_text?: unknown
  body_raw?: unknown
  response?: unknown
  steps?: unknown
  request?: { body_text?: unknown } | null
}): number {
  let n = textLength(context.body_text)
  if (context.response !== undefined) n += bodyLength(context.response)
  if (context.request !== undefined && context.request !== null) n += textLength(context.request.body_text)
  const steps = context.steps
  if (steps !== undefined && steps !== null && typeof steps === 'object') {
    for (const k in steps) if (Object.hasOwn(steps, k)) n += bodyLength((steps as Record<string, unknown>)[k])
  }
  return n
}

/** The units of one render reading `inputChars` characters of data. */
export function budgetFor (inputChars: number): number {
  return BUDGET.baseUnits + BUDGET.unitsPerInputChar * inputChars
}
