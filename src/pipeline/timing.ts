// Timing headers of SPEC §10: one CallTiming per execute request, created before the body is
// read so that every response (errors included) carries Server-Timing and X-Connector-Timing.
import { performance } from 'node:perf_hooks'
import { randomUUID } from 'node:crypto'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,200}$/

/** A valid caller-supplied X-Request-ID is kept; anything else gets a fresh UUID. */
export function requestIdFrom (header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID()
}

/**
 * Milliseconds to three decimals, as text: exactly `String(Math.round(n * 1000) / 1000)`, which is
 * how JSON prints the number, but from the integer count of microseconds (a double's shortest
 * representation is the slower conversion, and a response prints six of these).
 */
export function msText (n: number): string {
  const us = Math.round(n * 1000)
  if (!(us >= 0 && us < 1e15)) return String(us / 1000)
  const whole = Math.floor(us / 1000)
  const frac = us - whole * 1000
  if (frac === 0) return String(whole)
  // frac + 1000 is '1' and three digits; drop its trailing zeros.
  const digits = String(frac + 1000)
  const end = digits.charCodeAt(3) !== 48 ? 4 : digits.charCodeAt(2) !== 48 ? 3 : 2
  return String(whole) + '.' + digits.slice(1, end)
}

/** Server-Timing `desc` is a quoted string: keep it printable and unquoted. */
function quoted (text: string): string {
  return '"' + text.replace(/[^\x20-\x7e]|["\\]/g, '') + '"'
}

// The external host of consecutive responses is mostly the same: its quoted form is kept.
let lastDesc = ''
let lastQuoted = '""'
function quotedDesc (text: string): string {
  if (text !== lastDesc) {
    lastQuoted = quoted(text)
    lastDesc = text
  }
  return lastQuoted
}

export class CallTiming {
  readonly startedAt: number
  #mark: number
  setupMs = 0
  transformMs = 0
  cacheMs = 0
  externalMs = 0
  cacheHit = false
  externalHost: string | undefined
  timeout = false
  error: string | undefined
  /** For the access log and metrics (SPEC §18): the last upstream status and what the HTTP cache did. */
  upstreamStatus: number | undefined
  cacheResult: 'hit' | 'miss' | 'revalidated' | 'bypass' | undefined
  /** Composite connectors (SPEC §15): one Server-Timing entry per step. */
  readonly steps: Array<{ name: string, ms: number }> = []
  #endedAt: number | undefined

  constructor (now: number = performance.now()) {
    this.startedAt = now
    this.#mark = now
  }

  /** Adds the time since the previous mark to a stage. */
  lap (stage: 'setup' | 'transform' | 'cache' | 'external'): void {
    const now = performance.now()
    const d = now - this.#mark
    this.#mark = now
    if (stage === 'setup') this.setupMs += d
    else if (stage === 'transform') this.transformMs += d
    else if (stage === 'cache') this.cacheMs += d
    else this.externalMs += d
  }

  /** Milliseconds since the timing started. */
  elapsed (): number {
    return performance.now() - this.startedAt
  }

  end (): void {
    this.#endedAt ??= performance.now()
  }

  headers (requestId: string): Record<string, string> {
    this.end()
    const endedAt = this.#endedAt as number
    // Each figure is printed once and used in both headers (a number prints as JSON.stringify
    // would print it). Built as text on every response: string concatenation instead of arrays,
    // objects and a whole-report escape pass.
    const total = msText(endedAt - this.startedAt)
    const external = msText(this.externalMs)
    const setup = msText(this.setupMs)
    const transform = msText(this.transformMs)
    const cache = msText(this.cacheMs)
    const externalDesc = this.timeout ? 'Timeout' : (this.externalHost ?? 'None')
    let serverTiming = 'setup;dur=' + setup + ';desc="Setup", transform;dur=' + transform +
      ';desc="Template", cache;dur=' + cache + (this.cacheHit ? ';desc="Cache Hit"' : ';desc="Cache Miss"') +
      ', external;dur=' + external + ';desc=' + quotedDesc(externalDesc)
    for (const step of this.steps) serverTiming += ', step.' + step.name + ';dur=' + msText(step.ms) + ';desc=' + quoted(step.name)
    serverTiming += ', total;dur=' + total + ';desc="Total"'
    let report = '{"request_id":' + jsonString(requestId) +
      ',"total_ms":' + total +
      ',"internal_ms":' + msText(Math.max(0, (endedAt - this.startedAt) - this.externalMs)) +
      ',"external_ms":' + external +
      ',"breakdown":{"setup_ms":' + setup + ',"transform_ms":' + transform + ',"cache_ms":' + cache + ',"http_request_ms":' + external + '}' +
      ',"cache_hit":' + (this.cacheHit ? 'true' : 'false')
    if (this.externalHost !== undefined) report += ',"external_host":' + jsonString(this.externalHost)
    if (this.timeout) report += ',"timeout":true'
    if (this.error !== undefined) report += ',"error":' + jsonString(this.error)
    report += '}'
    return {
      'x-request-id': requestId,
      'server-timing': serverTiming,
      'x-connector-timing': report
    }
  }
}

const PLAIN = /^[\x20-\x7e]*$/
/** Request ids, host names, ports and error codes: nothing JSON would escape. */
const BARE = /^[\w.:[\]-]*$/

/** A JSON string literal that is safe as a header value (non-ASCII escaped). */
function jsonString (text: string): string {
  if (BARE.test(text)) return '"' + text + '"'
  const json = JSON.stringify(text)
  return PLAIN.test(json) ? json : asciiJson(text)
}

/** JSON with every non-ASCII character escaped, safe as an HTTP header value. */
export function asciiJson (value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}
