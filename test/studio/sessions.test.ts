// Studio session records (SPEC §20) with and without a shared store (SPEC §19).
import t from 'tap'
import { SessionStore } from '../../src/studio/sessions.js'
import type { SessionRecord, SharedSessionStore } from '../../src/studio/sessions.js'

/** A shared store in memory that can be switched off, as Redis going away. */
function fakeShared (): SharedSessionStore & { down: boolean, records: Map<string, SessionRecord> } {
  const records = new Map<string, SessionRecord>()
  const store = {
    down: false,
    records,
    put: async (id: string, record: SessionRecord) => { if (!store.down) records.set(id, record) },
    get: async (id: string) => store.down ? undefined : (records.get(id) ?? null),
    delete: async (id: string) => { if (!store.down) records.delete(id) }
  }
  return store
}

t.test('without a shared store: created, found, expired, deleted', async t => {
  let now = 1_000
  const sessions = new SessionStore({ clock: () => now, ttlMs: 100 })
  const s = await sessions.create()
  t.same(await sessions.get(s.id), s)
  t.equal(await sessions.get('other'), undefined)
  t.equal(await sessions.get(undefined), undefined)
  now += 100
  t.equal(await sessions.get(s.id), undefined, 'expired at its ttl')
  const s2 = await sessions.create()
  await sessions.delete(s2.id)
  t.equal(await sessions.get(s2.id), undefined)
})

t.test('the oldest sessions are dropped beyond maxSessions', async t => {
  const sessions = new SessionStore({ maxSessions: 2 })
  const first = await sessions.create()
  await sessions.create()
  await sessions.create()
  t.equal(await sessions.get(first.id), undefined)
})

t.test('with a shared store the shared record decides; while it is down, this replica\'s own records serve', async t => {
  const shared = fakeShared()
  const a = new SessionStore({ shared })
  const b = new SessionStore({ shared })
  const s = await a.create()
  t.same(await b.get(s.id), s, 'another replica finds it')
  await b.delete(s.id)
  t.equal(await a.get(s.id), undefined, 'a sign-out anywhere ends it everywhere, although A created it')

  const kept = await a.create()
  shared.down = true
  t.same(await a.get(kept.id), kept, 'A still knows the session it created')
  t.equal(await b.get(kept.id), undefined, 'B cannot know it while the store is down')
  const during = await a.create()
  t.same(await a.get(during.id), during, 'sign-in keeps working during the outage')
})

t.test('an expired shared record is no session', async t => {
  let now = 5_000
  const shared = fakeShared()
  const sessions = new SessionStore({ shared, clock: () => now, ttlMs: 50 })
  const s = await sessions.create()
  now += 50
  t.equal(await sessions.get(s.id), undefined)
})
