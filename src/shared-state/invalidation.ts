// Secret-cache invalidation across replicas (SPEC §19): a write through any replica's admin API or
// Studio is published on one Redis channel, and every other replica drops that name from its
// cache at once (pub/sub delivers in milliseconds, well within the one second the SPEC allows).
//
// Messages carry kind and name only, never a value. While Redis is down a write cannot be
// published: the writer keeps the names and publishes them when Redis is back, and every replica
// whose subscription was interrupted marks its whole cache stale (values are re-read on next use
// and still serve stale-if-error), so no invalidation is lost to an outage.
import type { EntryKind } from '../secrets/types.js'
import type { SharedConnection } from './connection.js'

export const INVALIDATION_CHANNEL = 'conduit:secrets:invalidate'
/** Names kept for publishing while Redis is down; beyond it the other replicas rely on the resync. */
const MAX_PENDING = 10_000

export interface InvalidationTarget {
  /** Drops one name locally (without publishing it again). */
  forget: (kind: EntryKind, name: string) => void
  /** Marks everything for a re-read: invalidations may have been missed. */
  markAllStale: () => void
}

export interface InvalidationBus {
  /** Tells every other replica to drop this name. */
  publish: (kind: EntryKind, name: string) => void
  /** Resolves once the subscription is in place (or at once when Redis is down). */
  readonly subscribed: Promise<void>
}

interface Message { o: string, k: EntryKind, n: string }

function parse (text: string): Message | undefined {
  try {
    const m = JSON.parse(text) as Partial<Message>
    if (typeof m.o === 'string' && (m.k === 'secret' || m.k === 'variable') && typeof m.n === 'string') return m as Message
  } catch { /* not ours */ }
  return undefined
}

export function createInvalidationBus (conn: SharedConnection, target: InvalidationTarget): InvalidationBus {
  const pending = new Map<string, { kind: EntryKind, name: string }>()
  let subscriberWasDown = false

  conn.subscriber.on('message', (channel: string, text: string) => {
    if (channel !== INVALIDATION_CHANNEL) return
    const m = parse(text)
    if (m !== undefined && m.o !== conn.processId) target.forget(m.k, m.n)
  })
  conn.subscriber.on('close', () => { subscriberWasDown = true })
  // ioredis subscribes again by itself after a reconnect (autoResubscribe); what was published
  // meanwhile never reached us.
  conn.subscriber.on('ready', () => {
    if (subscriberWasDown) {
      subscriberWasDown = false
      target.markAllStale()
    }
  })
  const subscribe = async (): Promise<void> => {
    if (conn.subscriber.status !== 'ready') await new Promise<void>(resolve => conn.subscriber.once('ready', () => resolve()))
    await conn.subscriber.subscribe(INVALIDATION_CHANNEL)
  }
  const subscribed = subscribe().catch(() => {})

  const send = async (kind: EntryKind, name: string): Promise<void> => {
    const message = JSON.stringify({ o: conn.processId, k: kind, n: name } satisfies Message)
    await conn.run(async redis => { await redis.publish(INVALIDATION_CHANNEL, message) }, () => {
      pending.delete(`${kind}:${name}`)
      pending.set(`${kind}:${name}`, { kind, name })
      if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value as string)
    })
  }
  conn.onAvailability(up => {
    if (!up || pending.size === 0) return
    const names = [...pending.values()]
    pending.clear()
    for (const { kind, name } of names) send(kind, name).catch(() => {})
  })

  return {
    publish (kind, name) {
      send(kind, name).catch(() => {})
    },
    subscribed
  }
}
