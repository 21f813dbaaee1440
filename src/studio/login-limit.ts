// Failed sign-in attempts per client IP (SPEC §17: at most 10 failed token attempts per minute per
// IP). A fixed window in memory; once over the limit every attempt from that IP is refused until
// the window ends, so a correct guess cannot be confirmed either.

export interface LoginLimiterOptions {
  max?: number
  windowMs?: number
  clock?: () => number
  /** Windows are pruned beyond this many IPs. */
  maxTracked?: number
}

interface Window { start: number, failures: number }

export class LoginLimiter {
  readonly max: number
  readonly windowMs: number
  readonly #clock: () => number
  readonly #maxTracked: number
  readonly #windows = new Map<string, Window>()

  constructor (options: LoginLimiterOptions = {}) {
    this.max = options.max ?? 10
    this.windowMs = options.windowMs ?? 60_000
    this.#clock = options.clock ?? Date.now
    this.#maxTracked = options.maxTracked ?? 10_000
  }

  #current (ip: string): Window | undefined {
    const w = this.#windows.get(ip)
    if (w !== undefined && this.#clock() - w.start >= this.windowMs) {
      this.#windows.delete(ip)
      return undefined
    }
    return w
  }

  /** Seconds until this IP may try again, or 0 when it may try now. */
  retryAfterSeconds (ip: string): number {
    const w = this.#current(ip)
    if (w === undefined || w.failures < this.max) return 0
    return Math.max(1, Math.ceil((w.start + this.windowMs - this.#clock()) / 1000))
  }

  fail (ip: string): void {
    const w = this.#current(ip)
    if (w !== undefined) { w.failures++; return }
    if (this.#windows.size >= this.#maxTracked) this.#prune()
    this.#windows.set(ip, { start: this.#clock(), failures: 1 })
  }

  #prune (): void {
    const now = this.#clock()
    for (const [ip, w] of this.#windows) if (now - w.start >= this.windowMs) this.#windows.delete(ip)
    // Still full (a flood of distinct addresses): forget the oldest windows.
    for (const ip of this.#windows.keys()) {
      if (this.#windows.size < this.#maxTracked) break
      this.#windows.delete(ip)
    }
  }
}
