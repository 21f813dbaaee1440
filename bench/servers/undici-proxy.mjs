// The practical limit: a minimal node:http server that forwards each request with undici.request
// and pipes the answer back — no routing, no templates, nothing but the proxying itself.
import { createServer } from 'node:http'
import { Agent, request } from 'undici'

const upstream = process.argv[2]
const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 128 })
const server = createServer(async (req, res) => {
  try {
    const answer = await request(upstream + '/data', { method: 'GET', dispatcher })
    res.writeHead(answer.statusCode, { 'content-type': answer.headers['content-type'] })
    res.end(Buffer.from(await answer.body.arrayBuffer()))
  } catch {
    res.writeHead(502)
    res.end()
  }
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
