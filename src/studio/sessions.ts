// Studio sessions (SPEC §20): a random id in an HttpOnly cookie maps to a server-side record with
// its CSRF token and expiry, so signing out or expiring really ends the session (a signed
// stateless cookie could not be revoked). Sessions live in this process only: the Studio is an
// operator tool served by the admin listener, and a restart signs everyone out.
import { randomBytes, timingSafeEqual } from 'node:crypto'

export const SESSION_TTL_MS = 8 * 60 * 60 * 1000

export interface StudioSession {
  readonly id: string
  /** Sent in every form and in the X-CSRF-Token header of the Studio's own fetches. */
  readonly csrf: string
  readonly expiresAt: number
}

export interface SessionStoreOptions {
  ttlMs?: number
  /** Milliseconds since the epoch. */
  clock?: () => number
  /** Oldest sessions are dropped beyond this many, so sign-ins cannot grow memory without bound. */
  maxSessions?: number
}

export function randomToken (): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison of two tokens of any length. */
export function sameToken (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export class SessionStore {
  readonly ttlMs: number
  readonly #clock: () => number
  readonly #max: number
  // Insertion order is creation order: the first key is the oldest session.
  readonly #sessions = new Map<string, StudioSession>()

  constructor (options: SessionStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS
    this.#clock = options.clock ?? Date.now
    this.#max = options.maxSessions ?? 1000
  }

  create (): StudioSession {
    const session: StudioSession = { id: randomToken(), csrf: randomToken(), expiresAt: this.#clock() + this.ttlMs }
    while (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value as string)
    this.#sessions.set(session.id, session)
    return session
  }

  /** The live session with this id; an expired one is forgotten and undefined is returned. */
  get (id: string | undefined): StudioSession | undefined {
    if (id === undefined || id === '') return undefined
    const session = this.#sessions.get(id)
    if (session === undefined) return undefined
    if (session.expiresAt <= this.#clock()) {
      this.#sessions.delete(id)
      return undefined
    }
    return session
  }

  delete (id: string): void {
    this.#sessions.delete(id)
  }
}
