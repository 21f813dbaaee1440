// Unicode classes as Python 3.11 and Jinja2 see them (unicode-tables.ts, generated from Python by
// scripts/gen-unicode-tables.py): JavaScript's own tables are of a newer Unicode version and define
// printable and identifier characters differently.
import { CONTINUE, NAME, PRINTABLE, START, UNICODE_RUNS } from './unicode-tables.js'
import { lastIndexAtMost } from '../binary-search.js'

const runs = UNICODE_RUNS.split(',')
/** First code point of each run, and its class bits. */
const RUN_STARTS = new Uint32Array(runs.length)
const RUN_CLASSES = new Uint8Array(runs.length)
/** The class bits of every BMP code point, looked up directly. */
const BMP = new Uint8Array(0x10000)

{
  let at = 0
  runs.forEach((run, i) => {
    const bits = parseInt(run.slice(0, 1), 16)
    const length = parseInt(run.slice(1), 36)
    RUN_STARTS[i] = at
    RUN_CLASSES[i] = bits
    if (at < 0x10000) BMP.fill(bits, at, Math.min(at + length, 0x10000))
    at += length
  })
}

function classOf (cp: number): number {
  if (cp < 0x10000) return BMP[cp] as number
  return RUN_CLASSES[lastIndexAtMost(RUN_STARTS, cp)] as number
}

/** str.isprintable() of one code point: what repr() writes as it is. */
export function isPrintable (cp: number): boolean {
  return (classOf(cp) & PRINTABLE) !== 0
}

/** A character of a name token in Jinja2's lexer (jinja2/_identifier.py). */
export function isNameChar (cp: number): boolean {
  return (classOf(cp) & NAME) !== 0
}

/** str.isidentifier() of a whole name. */
export function isIdentifier (name: string): boolean {
  let first = true
  for (const ch of name) {
    const bits = classOf(ch.codePointAt(0) as number)
    if ((bits & (first ? START : CONTINUE)) === 0) return false
    first = false
  }
  return !first
}
