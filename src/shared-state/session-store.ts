// Studio sessions shared by replicas (SPEC §19, §20): one Redis key per session, expiring with it.
// Keys are SHA-256 digests of the session id, so Redis never holds a usable cookie value; the
// record is the CSRF token and the expiry. Every call falls back (undefined, or nothing written)
// when Redis cannot answer, and src/studio/sessions.ts then uses this replica's own records.
import { createHash } from 'node:crypto'
import type { SessionRecord, SharedSessionStore } from '../studio/sessions.js'
import type { SharedConnection } from './connection.js'

const PREFIX = 'conduit:studio-session:'

function keyOf (id: string): string {
  return PREFIX + createHash('sha256').update(id).digest('base64url')
}

function parse (text: string | null): SessionRecord | null {
  if (text === null) return null
  try {
    const v = JSON.parse(text) as Partial<SessionRecord>
    if (typeof v.csrf === 'string' && typeof v.expiresAt === 'number') return { csrf: v.csrf, expiresAt: v.expiresAt }
  } catch { /* written by something else */ }
  return null
}

export function createRedisSessionStore (conn: SharedConnection): SharedSessionStore {
  return {
    put: async (id, record, ttlMs) => {
      await conn.run(async redis => { await redis.set(keyOf(id), JSON.stringify(record), 'PX', ttlMs) }, () => undefined)
    },
    get: async id => await conn.run(async redis => parse(await redis.get(keyOf(id))), () => undefined),
    delete: async id => {
      await conn.run(async redis => { await redis.del(keyOf(id)) }, () => undefined)
    }
  }
}
