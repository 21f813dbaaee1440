// Per-render state shared by the generated code and the runtime library: the clock and the
// counters that enforce the bounds of SPEC §4.5 (exceeding one is a render error, never a hang).
import { TemplateRenderError } from '../types.js'

export const LIMITS = {
  sourceBytes: 64 * 1024,
  fieldOutputBytes: 8 * 1024,
  bodyOutputBytes: 10 * 1024 * 1024,
  loopIterations: 100_000,
  rangeItems: 10_000,
  nestingDepth: 64
} as const

export interface RuntimeEnv {
  /** Milliseconds since the epoch. */
  clock: () => number
  loopIterations: number
  rangeItems: number
  /** Output byte limit of the field being rendered. */
  outputLimit: number
}

export function createEnv (clock: () => number, outputLimit: number): RuntimeEnv {
  return { clock, loopIterations: 0, rangeItems: 0, outputLimit }
}

export function chargeLoopIteration (env: RuntimeEnv): void {
  if (++env.loopIterations > LIMITS.loopIterations) {
    throw new TemplateRenderError(`loop limit exceeded: more than ${LIMITS.loopIterations} iterations in one render`)
  }
}

export function chargeRangeItems (env: RuntimeEnv, count: number): void {
  env.rangeItems += count
  if (env.rangeItems > LIMITS.rangeItems) {
    throw new TemplateRenderError(`range limit exceeded: more than ${LIMITS.rangeItems} range() items in one render`)
  }
}
