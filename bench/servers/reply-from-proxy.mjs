// Scenario (2): a bare @fastify/reply-from proxy, the yardstick Conduit is compared with.
import Fastify from 'fastify'
import replyFrom from '@fastify/reply-from'

const upstream = process.argv[2]
const app = Fastify({ logger: false })
await app.register(replyFrom, { base: upstream })
app.get('/proxy', (request, reply) => reply.from('/data'))
await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\n')
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
