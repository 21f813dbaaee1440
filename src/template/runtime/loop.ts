// The `loop` object of a for loop (SPEC §4.2): read-only attributes computed from the position.
// Allocated per iteration only when the loop body mentions `loop`.
import type { TemplateObject } from './access.js'
import { Undefined } from './values.js'

export class LoopContext implements TemplateObject {
  constructor (private readonly items: readonly unknown[], private readonly i: number) {}

  templateAttr (name: string): unknown {
    const n = this.items.length
    const i = this.i
    switch (name) {
      case 'index': return i + 1
      case 'index0': return i
      case 'revindex': return n - i
      case 'revindex0': return n - i - 1
      case 'first': return i === 0
      case 'last': return i === n - 1
      case 'length': return n
      case 'depth': return 1
      case 'depth0': return 0
      case 'previtem': return i > 0 ? this.items[i - 1] : new Undefined('there is no previous item')
      case 'nextitem': return i < n - 1 ? this.items[i + 1] : new Undefined('there is no next item')
    }
    return new Undefined(undefined, "'LoopContext object'", name)
  }
}
