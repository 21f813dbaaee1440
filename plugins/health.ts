// /healthz (process alive) and /readyz (registry loaded and secret store reachable), no auth (SPEC §12).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

async function healthPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', async () => ({ status: 'ok' }))

  fastify.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {}
    checks.registry = fastify.connectorRegistry.current === undefined ? 'not loaded' : 'ok'
    try {
      await fastify.secretStore.ping()
      checks.secrets = 'ok'
    } catch {
      checks.secrets = 'unreachable'
    }
    const ready = checks.registry === 'ok' && checks.secrets === 'ok'
    return await reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks })
  })
}

export default fp(healthPlugin, {
  fastify: '5.x',
  name: 'conduit-health',
  dependencies: ['conduit-registry', 'conduit-secrets']
})
