// The traffic fields a connector or composite may carry: `rate_limit` (SPEC §17) and `cache` (§8).
// Checked at registry load like every other field, so a typo stops the load with its position
// instead of silently using the default limit.
import type { RateLimitKey } from '../settings/types.js'
import { describe, isPlainObject } from './schema.js'

export interface RateLimitRule {
  max: number
  windowSeconds: number
  /** Absent: the `rateLimit.key` setting. */
  key?: RateLimitKey
}

export const RATE_LIMIT_KEYS: readonly RateLimitKey[] = ['caller', 'tenant', 'ip', 'global']
const RATE_LIMIT_FIELDS = ['max', 'window_seconds', 'key']
/** A day: a longer window is almost surely a unit mistake (seconds, not milliseconds). */
const MAX_WINDOW_SECONDS = 86_400
const MAX_REQUESTS = 1_000_000_000

type Report = (field: string, message: string) => void

/**
 * `rate_limit`: absent → undefined (the settings default applies); false → no limit; an object
 * with `max` and `window_seconds` (and an optional `key`, default from settings) → its own limit.
 */
export function checkRateLimit (raw: unknown, field: string, error: Report, warn: Report): RateLimitRule | false | undefined {
  if (raw === undefined || raw === null) return undefined
  if (raw === false) return false
  if (!isPlainObject(raw)) {
    error(field, `must be false or an object {"max": 100, "window_seconds": 60, "key": "caller"}, not ${describe(raw)}`)
    return undefined
  }
  for (const key of Object.keys(raw)) {
    if (!RATE_LIMIT_FIELDS.includes(key)) warn(`${field}.${key}`, `unknown rate_limit field '${key}' is ignored`)
  }
  let ok = true
  const int = (value: unknown, name: string, max: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      error(`${field}.${name}`, value === undefined ? 'is required' : `must be a whole number from 1 to ${max}, not ${JSON.stringify(value)}`)
      ok = false
      return 0
    }
    return value
  }
  const max = int(raw.max, 'max', MAX_REQUESTS)
  const windowSeconds = int(raw.window_seconds, 'window_seconds', MAX_WINDOW_SECONDS)
  let key: RateLimitKey | undefined
  if (raw.key !== undefined) {
    if (typeof raw.key !== 'string' || !(RATE_LIMIT_KEYS as readonly string[]).includes(raw.key)) {
      error(`${field}.key`, `must be one of ${RATE_LIMIT_KEYS.map(k => `"${k}"`).join(', ')}, not ${JSON.stringify(raw.key)}`)
      ok = false
    } else {
      key = raw.key as RateLimitKey
    }
  }
  if (!ok) return undefined
  return key === undefined ? { max, windowSeconds } : { max, windowSeconds, key }
}

/** `cache`: absent or true → cached per HTTP semantics; false → never cached. */
export function checkCache (raw: unknown, field: string, error: Report): boolean | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'boolean') {
    error(field, `must be true or false, not ${describe(raw)}`)
    return undefined
  }
  return raw
}
