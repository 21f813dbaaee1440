// The last output of each response template whose output is a function of the upstream status and
// body alone (meta.ts readsOnlyResponseStatusAndBody): when the next answer carries the same status
// and the same body text, rendering again would print the same text, so the text is reused. An
// upstream that answers many callers alike (a catalogue, rates, a status page, every hit of the
// HTTP cache) then costs one render, not one per call; an answer that differs costs one string
// comparison more than rendering.
//
// Exact, not approximate: the render is deterministic (no clock, no variables, no caller data),
// and an entry keeps the work units its render used, so a call whose budget (SPEC §4.5, sized by
// all the data the call carries) is smaller than that renders again and fails as it would have.
// Only successful renders are kept. Upstream bodies and rendered outputs are no secrets (response
// templates cannot read them, SPEC §4.3); the memo holds them in memory only, bounded in bytes.
import { LRUCache } from 'lru-cache'

interface Entry {
  status: number
  body: string | null
  output: string
  /** Work units the render used. */
  work: number
}

/** The memo's whole size (UTF-16 bytes of bodies and outputs), across all templates. */
const MAX_BYTES = 32 * 1024 * 1024
/** Bodies and outputs longer than this are never kept: one answer may not crowd out the rest. */
const MAX_CHARS = 1024 * 1024

const entries = new LRUCache<object, Entry>({
  maxSize: MAX_BYTES,
  sizeCalculation: e => 2 * ((e.body?.length ?? 0) + e.output.length) + 64
})

/** The output `template` rendered for an answer like `response`, if its render fits in `budget`. */
export function recall (template: object, response: unknown, budget: number): string | undefined {
  const e = entries.get(template)
  if (e === undefined || typeof response !== 'object' || response === null) return undefined
  // A kept status is a number and a kept body a string or null, so === also checks the shape.
  const { status_code: status, body } = response as { status_code?: unknown, body?: unknown }
  return status === e.status && body === e.body && e.work <= budget ? e.output : undefined
}

export function remember (template: object, response: unknown, output: string, work: number): void {
  if (typeof response !== 'object' || response === null || output.length > MAX_CHARS) return
  const { status_code: status, body } = response as { status_code?: unknown, body?: unknown }
  if (typeof status !== 'number' || !(body === null || (typeof body === 'string' && body.length <= MAX_CHARS))) return
  entries.set(template, { status, body, output, work })
}
