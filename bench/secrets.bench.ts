// Secret cache micro-benchmark: the synchronous fast path for a cached name, a whole resolve()
// of a typical connector's names, and the coalescing of concurrent cold lookups.
// Run: npx tsx bench/secrets.bench.ts
import { SecretCache } from '../src/secrets/cache.js'
import type { EntryKind, SecretStore, StoreEntry } from '../src/secrets/types.js'

class CountingStore implements SecretStore {
  readonly backend = 'file' as const
  reads = 0
  async get (_kind: EntryKind, name: string): Promise<string | undefined> {
    this.reads++
    await new Promise(resolve => setTimeout(resolve, 5)) // a store round trip
    return `value-of-${name}`
  }

  async list (): Promise<StoreEntry[]> { return [] }
  async create (): Promise<void> {}
  async update (): Promise<void> {}
  async delete (): Promise<void> {}
  async ping (): Promise<void> {}
  async close (): Promise<void> {}
}

function nsPerOp (iterations: number, fn: () => void): number {
  for (let i = 0; i < 10_000; i++) fn() // warm-up
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) fn()
  return Number(process.hrtime.bigint() - start) / iterations
}

async function nsPerAsyncOp (iterations: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 1_000; i++) await fn()
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) await fn()
  return Number(process.hrtime.bigint() - start) / iterations
}

const store = new CountingStore()
const cache = new SecretCache(store, { ttlSeconds: 3600, negativeTtlSeconds: 5, staleIfErrorSeconds: 3600, maxEntries: 10_000 })

const names = ['api_key', 'oauth_client_id', 'oauth_client_secret']
await cache.resolve(names, ['base_url'])

let sink: unknown
const peekNs = nsPerOp(5_000_000, () => { sink = cache.peek('secret', 'api_key') })
const getNs = await nsPerAsyncOp(500_000, () => cache.get('secret', 'api_key'))
const resolveNs = await nsPerAsyncOp(200_000, () => cache.resolve(names, ['base_url']))

const before = store.reads
await Promise.all(Array.from({ length: 100 }, () => cache.resolve(['cold_name'], [])))
const coalesced = store.reads - before

if (sink === undefined) throw new Error('peek missed')
console.log(`cached peek (sync fast path):        ${peekNs.toFixed(1)} ns/op`)
console.log(`cached get (promise):                ${getNs.toFixed(1)} ns/op`)
console.log(`resolve 3 secrets + 1 variable, hot: ${resolveNs.toFixed(1)} ns/op`)
console.log(`100 concurrent resolves of one cold name: ${coalesced} store read(s)`)
