// Per-render state shared by the generated code and the runtime library: the clock and the
// counters that enforce the bounds of SPEC §4.5 (exceeding one is a render error, never a hang).
import { TemplateRenderError } from '../types.js'
import { COST, WorkBudgetExceeded } from './budget.js'
import type { Budget } from './budget.js'

export const LIMITS = {
  sourceBytes: 64 * 1024,
  fieldOutputBytes: 8 * 1024,
  bodyOutputBytes: 10 * 1024 * 1024,
  loopIterations: 100_000,
  rangeItems: 10_000,
  nestingDepth: 64
} as const

/** The render's state; it is also the render's work budget (budget.ts). */
export interface RuntimeEnv extends Budget {
  /** Milliseconds since the epoch. */
  clock: () => number
  loopIterations: number
  rangeItems: number
  /** Output byte limit of the field being rendered. */
  outputLimit: number
}

/** `work`: the render's budget in units (budget.ts); unbounded for direct calls of built-ins. */
export function createEnv (clock: () => number, outputLimit: number, work = Infinity): RuntimeEnv {
  return { clock, loopIterations: 0, rangeItems: 0, outputLimit, work, offsetsOf: undefined, offsets: undefined }
}

/**
 * One step of a for loop. `weight` is the static size of the loop body (its expressions and
 * statements, computed by codegen): a step costs that much whatever the body's values.
 */
export function chargeLoopIteration (env: RuntimeEnv, weight?: number): void {
  if (++env.loopIterations > LIMITS.loopIterations) {
    throw new TemplateRenderError(`loop limit exceeded: more than ${LIMITS.loopIterations} iterations in one render`)
  }
  if (!((env.work -= COST.loopStep + (weight ?? 0) * COST.node) >= 0)) {
    env.work = -1
    throw new WorkBudgetExceeded()
  }
}

export function chargeRangeItems (env: RuntimeEnv, count: number): void {
  env.rangeItems += count
  if (env.rangeItems > LIMITS.rangeItems) {
    throw new TemplateRenderError(`range limit exceeded: more than ${LIMITS.rangeItems} range() items in one render`)
  }
}
