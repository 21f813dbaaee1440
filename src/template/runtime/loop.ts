// The `loop` object of a for loop (SPEC §4.2): read-only attributes computed from the position.
// Allocated per iteration only when the loop body mentions `loop` as a value. Over an iterator the
// items are pulled as the loop goes (LazyItems): `last` and `nextitem` peek one ahead and `length`
// pulls the rest, as Jinja2's LoopContext does.
import type { TemplateObject } from './access.js'
import { LazyItems } from './iterators.js'
import { PyObject, Undefined } from './values.js'

/** The items of a loop: a list, or the items of an iterator pulled so far. */
export type LoopItems = readonly unknown[] | LazyItems

/** How many items the loop has (an iterator is pulled to its end). */
export function loopLength (items: LoopItems): number {
  return items instanceof LazyItems ? items.length() : items.length
}

/** Whether item i exists (an iterator is pulled up to it). */
export function loopHas (items: LoopItems, i: number): boolean {
  return items instanceof LazyItems ? items.has(i) : i < items.length
}

function itemAt (items: LoopItems, i: number): unknown {
  return items instanceof LazyItems ? items.buf[i] : items[i]
}

export class LoopContext extends PyObject implements TemplateObject {
  readonly pyType = 'LoopContext'

  constructor (private readonly items: LoopItems, private readonly i: number) {
    super()
  }

  templateAttr (name: string): unknown {
    const i = this.i
    switch (name) {
      case 'index': return i + 1
      case 'index0': return i
      case 'revindex': return loopLength(this.items) - i
      case 'revindex0': return loopLength(this.items) - i - 1
      case 'first': return i === 0
      case 'last': return !loopHas(this.items, i + 1)
      case 'length': return loopLength(this.items)
      case 'depth': return 1
      case 'depth0': return 0
      case 'previtem': return i > 0 ? itemAt(this.items, i - 1) : new Undefined('there is no previous item')
      case 'nextitem': return loopHas(this.items, i + 1) ? itemAt(this.items, i + 1) : new Undefined('there is no next item')
    }
    return new Undefined(undefined, "'LoopContext object'", name)
  }

  /** Jinja2's `<LoopContext 2/5>`: the index and the length. */
  pyRepr (): string {
    return `<LoopContext ${this.i + 1}/${loopLength(this.items)}>`
  }
}
