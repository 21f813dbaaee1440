// The upstream every bench scenario ends at: a small JSON API on loopback, in its own process.
import { createServer } from 'node:http'

const items = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, is_public: i % 2 === 0, score: i * 1.5 }))
const payload = JSON.stringify({ ok: true, records: items })

let served = 0

const server = createServer((req, res) => {
  // /cached: what an API that allows caching answers (the cached-GET scenario).
  const cache = req.url?.startsWith('/cached') ? { 'cache-control': 'public, max-age=3600' } : {}
  // /varying: the same records in a body that differs on every call (a sequence number first).
  const body = req.url?.startsWith('/varying') ? `{"seq":"${String(served++).padStart(9, '0')}",${payload.slice(1)}` : payload
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...cache })
  res.end(body)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
