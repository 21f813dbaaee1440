// Python iterators (SPEC §4.1): what Jinja2's select/reject/selectattr/rejectattr/map/unique/batch/
// slice/items filters return (generators) and what reverse returns for a list, tuple, range or dict
// (reversed(x), a reverse iterator). Like Python's they are lazy (an item is computed when a
// consumer pulls it, so an error in an item nobody reads never happens), single pass (a second
// `| list` of the same generator is empty), always true, without len() or [index], and printed
// `<generator object select_or_reject at 0x…>`. Consumers pull through next(); the producers charge
// the work budget per item as they go, as the eager filters did.
import { COST, charge, chargeItems, chargeList, checkItems } from './budget.js'
import { PyObject, pyAddress } from './values.js'

/** What next() returns once the iterator is exhausted (Python's StopIteration). */
export const DONE: unique symbol = Symbol('StopIteration')

/** Computes the next item, or DONE. */
export type Step = () => unknown

/**
 * Work units of one pull: a call through the iterator and its step (measured at 50–90 ns per
 * stage of a chain of generators), charged on top of what the step itself charges, so a long
 * chain of generators over a long list runs out of budget before it holds the event loop.
 */
const STEP_UNITS = 64

export class PyIter extends PyObject {
  private step: Step | null

  /**
   * `pyType`: Python's type ('generator', 'list_reverseiterator', …); `label`: the repr without its
   * address ('generator object select_or_reject', 'list_reverseiterator object').
   */
  constructor (readonly pyType: string, private readonly label: string, step: Step) {
    super()
    this.step = step
  }

  /** The next item, or DONE (for good: an exhausted iterator stays exhausted). */
  next (): unknown {
    const step = this.step
    if (step === null) return DONE
    charge(STEP_UNITS)
    const v = step()
    if (v === DONE) this.step = null
    return v
  }

  pyRepr (): string {
    return `<${this.label} at ${pyAddress(this)}>`
  }
}

/** A generator of Jinja2's filters module, named as Python names it (`sync_do_map`, …). */
export function generator (name: string, step: Step): PyIter {
  return new PyIter('generator', `generator object ${name}`, step)
}

/** reversed(seq) of a list, tuple, range or dict (its keys, values or items): `typeName` as Python names it. */
export function reverseIterator (typeName: string, items: readonly unknown[]): PyIter {
  let i = items.length - 1
  return new PyIter(typeName, `${typeName} object`, () => i >= 0 ? items[i--] : DONE)
}

/** list(it): the items left, charged as the list they make. */
export function drain (it: PyIter): unknown[] {
  const out: unknown[] = []
  for (let v = it.next(); v !== DONE; v = it.next()) {
    out.push(v)
    // A producer charges what it computes; the list it fills is held to the item cap as it grows.
    if ((out.length & 0xffff) === 0) {
      checkItems(out.length)
      chargeItems(0x10000, COST.listItem)
    }
  }
  chargeList(out.length & 0xffff)
  return out
}

/**
 * The items of a for loop over an iterator (or over a filtered `for … if`), pulled as the loop
 * advances. `has(i)` pulls up to item i (what `loop.last` and `loop.nextitem` peek at);
 * `length()` pulls the rest (`loop.length`, as Jinja2's LoopContext does).
 */
export class LazyItems {
  readonly buf: unknown[] = []
  private src: PyIter | null

  constructor (src: PyIter) {
    this.src = src
  }

  has (i: number): boolean {
    const buf = this.buf
    while (buf.length <= i) {
      const src = this.src
      if (src === null) return false
      const v = src.next()
      if (v === DONE) {
        this.src = null
        return false
      }
      buf.push(v)
    }
    return true
  }

  length (): number {
    while (this.has(this.buf.length));
    return this.buf.length
  }
}
