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

function ms (n: number): number {
  return Math.round(n * 1000) / 1000
}

/** Server-Timing `desc` is a quoted string: keep it printable and unquoted. */
function quoted (text: string): string {
  return '"' + text.replace(/[^\x20-\x7e]|["\\]/g, '') + '"'
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
    const total = (this.#endedAt as number) - this.startedAt
    const external = this.externalMs
    const externalDesc = this.timeout ? 'Timeout' : (this.externalHost ?? 'None')
    const serverTiming = [
      `setup;dur=${ms(this.setupMs)};desc="Setup"`,
      `transform;dur=${ms(this.transformMs)};desc="Template"`,
      `cache;dur=${ms(this.cacheMs)};desc="${this.cacheHit ? 'Cache Hit' : 'Cache Miss'}"`,
      `external;dur=${ms(external)};desc=${quoted(externalDesc)}`,
      ...this.steps.map(s => `step.${s.name};dur=${ms(s.ms)};desc=${quoted(s.name)}`),
      `total;dur=${ms(total)};desc="Total"`
    ].join(', ')
    const report: Record<string, unknown> = {
      request_id: requestId,
      total_ms: ms(total),
      internal_ms: ms(Math.max(0, total - external)),
      external_ms: ms(external),
      breakdown: {
        setup_ms: ms(this.setupMs),
        transform_ms: ms(this.transformMs),
        cache_ms: ms(this.cacheMs),
        http_request_ms: ms(external)
      },
      cache_hit: this.cacheHit
    }
    if (this.externalHost !== undefined) report.external_host = this.externalHost
    if (this.timeout) report.timeout = true
    if (this.error !== undefined) report.error = this.error
    return {
      'x-request-id': requestId,
      'server-timing': serverTiming,
      // Header values must stay within Latin-1: escape anything beyond ASCII.
      'x-connector-timing': asciiJson(report)
    }
  }
}

/** JSON with every non-ASCII character escaped, safe as an HTTP header value. */
export function asciiJson (value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}
