// Studio sessions (SPEC §20): a random id in an HttpOnly cookie maps to a server-side record with
// its CSRF token and expiry, so signing out or expiring really ends the session (a signed
// stateless cookie could not be revoked). With Redis (SPEC §19) the records are shared, so a
// Studio behind a load balancer over several replicas keeps its session whichever replica answers,
// and signing out on one ends it on all; while Redis is away each replica falls back to the
// sessions it created itself. Without Redis they live in this process: a restart signs everyone out.
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
  /** Records shared by every replica (Redis); this process only when absent. */
  shared?: SharedSessionStore
}

/** A session record as replicas share it (the id is the key). */
export interface SessionRecord { csrf: string, expiresAt: number }

/**
 * Session records shared by replicas (src/shared-state/session-store.ts). `get` answers undefined
 * when the shared store cannot answer (the caller falls back to its own records), null when it
 * holds no such session.
 */
export interface SharedSessionStore {
  put: (id: string, record: SessionRecord, ttlMs: number) => Promise<void>
  get: (id: string) => Promise<SessionRecord | null | undefined>
  delete: (id: string) => Promise<void>
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
  readonly #shared: SharedSessionStore | undefined
  // Insertion order is creation order: the first key is the oldest session. With a shared store
  // these are only the fallback for an outage: the shared record decides.
  readonly #sessions = new Map<string, StudioSession>()

  constructor (options: SessionStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS
    this.#clock = options.clock ?? Date.now
    this.#max = options.maxSessions ?? 1000
    this.#shared = options.shared
  }

  async create (): Promise<StudioSession> {
    const session: StudioSession = { id: randomToken(), csrf: randomToken(), expiresAt: this.#clock() + this.ttlMs }
    while (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value as string)
    this.#sessions.set(session.id, session)
    await this.#shared?.put(session.id, { csrf: session.csrf, expiresAt: session.expiresAt }, this.ttlMs)
    return session
  }

  /** The live session with this id; an expired or unknown one is undefined. */
  async get (id: string | undefined): Promise<StudioSession | undefined> {
    if (id === undefined || id === '') return undefined
    if (this.#shared !== undefined) {
      const record = await this.#shared.get(id)
      if (record === null) {
        this.#sessions.delete(id)
        return undefined
      }
      if (record !== undefined) return record.expiresAt > this.#clock() ? { id, ...record } : undefined
    }
    const session = this.#sessions.get(id)
    if (session === undefined) return undefined
    if (session.expiresAt <= this.#clock()) {
      this.#sessions.delete(id)
      return undefined
    }
    return session
  }

  async delete (id: string): Promise<void> {
    this.#sessions.delete(id)
    await this.#shared?.delete(id)
  }
}
