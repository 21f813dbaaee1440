// The tests of SPEC §4.2 (`x is defined`, `x is divisibleby(3)`, …) with Jinja2 3.1's semantics,
// including its aliases (==, !=, <, <=, >, >=, equalto, greaterthan, lessthan), and Jinja2's
// `true`, `false` and `escaped`, which templates written for Jinja2 use.
import type { RuntimeEnv } from './env.js'
import {
  Markup, Namespace, PyFloat, isDict, unmark, isFloat, isInt, isIntegral, isNumber, isUndefined, pyEquals, pyStr, pyTypeName
} from './values.js'
import { registry } from './filters/args.js'
import { listContains, mod, lt as ltOp, le as leOp, gt as gtOp, ge as geOp } from './operators.js'
import { isIterable, iteratorContains, strIsLower, strIsUpper, undefinedError, fail } from './filters/python.js'
import { PyIter } from './iterators.js'
import { charge } from './budget.js'
import { isDictView } from './list-kinds.js'

export type TestFn = (env: RuntimeEnv, value: unknown, args: unknown[]) => boolean

function arity (name: string, args: unknown[], count: number): void {
  if (args.length !== count) {
    fail(`test '${name}' takes ${count === 0 ? 'no arguments' : `${count} argument${count === 1 ? '' : 's'}`} (${args.length} given)`)
  }
}

function unary (name: string, fn: (value: unknown) => boolean): TestFn {
  return (_env, value, args) => {
    charge(1)
    arity(name, args, 0)
    return fn(value)
  }
}

function binary (name: string, fn: (value: unknown, other: unknown) => boolean): TestFn {
  return (_env, value, args) => {
    charge(1)
    arity(name, args, 1)
    return fn(value, args[0])
  }
}

/** `value % n == r` as Jinja2's even/odd/divisibleby compute it: Python's % (exact for big ints; a str formats). */
function modIs (a: unknown, b: unknown, r: number): boolean {
  if (isUndefined(a)) undefinedError(a)
  if (isUndefined(b)) undefinedError(b)
  return pyEquals(mod(a, b), r)
}

// Jinja2's ordering tests are Python's operators (operator.lt …): the same type checks, and dict
// views compared as sets.
const lt = binary('lt', ltOp)
const le = binary('le', leOp)
const gt = binary('gt', gtOp)
const ge = binary('ge', geOp)
const eq = binary('eq', (a, b) => pyEquals(a, b))
const ne = binary('ne', (a, b) => !pyEquals(a, b))

/** Python's `is`: identity for objects; small ints and strs are shared objects in CPython. */
function sameAs (a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return isInt(a) && isInt(b) && a === b && a >= -5 && a <= 256
  if (a instanceof PyFloat || b instanceof PyFloat) return a === b
  if (isUndefined(a) || isUndefined(b)) return false
  return a === b
}

/** Python's `value in seq`. */
export function pyIn (value: unknown, seq: unknown): boolean {
  if (typeof seq === 'string') {
    if (isUndefined(value)) undefinedError(value)
    if (typeof value !== 'string') fail(`'in <string>' requires string as left operand, not ${pyTypeName(value)}`)
    charge(seq.length)
    return seq.includes(value)
  }
  if (Array.isArray(seq)) return listContains(seq, value)
  if (isDict(seq)) return seq.has(value)
  if (seq instanceof PyIter) return iteratorContains(seq, value)
  if (isUndefined(seq)) return false
  if (seq instanceof Namespace) fail("argument of type 'Namespace' is not iterable")
  return fail(`argument of type '${pyTypeName(seq)}' is not iterable`)
}

/** A Markup is a str to every test: its text is tested. */
function markupAsText (fn: TestFn): TestFn {
  return (env, value, args) => fn(env, unmark(value), args.some(a => a instanceof Markup) ? args.map(unmark) : args)
}

const RAW_TESTS: Record<string, TestFn> = {
  defined: unary('defined', v => !isUndefined(v)),
  undefined: unary('undefined', v => isUndefined(v)),
  none: unary('none', v => v === null),
  boolean: unary('boolean', v => typeof v === 'boolean'),
  // Jinja2 3.0's identity tests: `1 is true` is False.
  true: unary('true', v => v === true),
  false: unary('false', v => v === false),
  // Python's numbers.Number includes bool; `integer` does not.
  number: unary('number', v => isNumber(v) || typeof v === 'boolean'),
  integer: unary('integer', v => isIntegral(v)),
  float: unary('float', v => isFloat(v)),
  string: unary('string', v => typeof v === 'string'),
  mapping: unary('mapping', v => isDict(v)),
  // Jinja2 checks len() and __getitem__: str, list, tuple, dict and the default Undefined pass; a
  // dict view has len() but no __getitem__.
  sequence: unary('sequence', v => typeof v === 'string' || (Array.isArray(v) && !isDictView(v)) || isDict(v) || isUndefined(v)),
  iterable: unary('iterable', v => isIterable(v)),
  even: unary('even', v => modIs(v, 2, 0)),
  odd: unary('odd', v => modIs(v, 2, 1)),
  divisibleby: binary('divisibleby', (v, n) => modIs(v, n, 0)),
  lower: unary('lower', v => strIsLower(pyStr(v))),
  upper: unary('upper', v => strIsUpper(pyStr(v))),
  sameas: binary('sameas', sameAs),
  in: binary('in', pyIn),
  eq,
  '==': eq,
  equalto: eq,
  ne,
  '!=': ne,
  lt,
  '<': lt,
  lessthan: lt,
  le,
  '<=': le,
  gt,
  '>': gt,
  greaterthan: gt,
  ge,
  '>=': ge
}

/** Frozen, without a prototype: a name like 'constructor' or 'toString' finds nothing. */
export const TESTS: Record<string, TestFn> = registry({
  ...Object.fromEntries(Object.entries(RAW_TESTS).map(([name, fn]) => [name, markupAsText(fn)])),
  // Whether the value is markup (has __html__): tojson's output, and what keeps it so.
  escaped: unary('escaped', v => v instanceof Markup)
})
