import t from 'tap'
import { createHmac } from 'node:crypto'
import Fastify from 'fastify'
import { createCallerVerifier } from '../../src/callers/identity.js'
import errorsPlugin from '../../plugins/errors.js'
import callersPlugin from '../../plugins/callers.js'

const SECRET = 'callers-plugin-test-secret-0123456789'

function token (claims: Record<string, unknown>): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
}

t.test('request.caller is set before the handler, so later hooks can key on caller and tenant', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(errorsPlugin)
  await app.register(callersPlugin, { verifier: createCallerVerifier({ callers: { jwt: { secret: SECRET }, tenantId: 'default-tenant' } }) })
  const seenInHook: unknown[] = []
  app.get('/who', {
    onRequest: [app.identifyCaller],
    preHandler: (request, _reply, done) => { seenInHook.push(request.caller?.tenantId); done() }
  }, async (request) => ({ user: request.caller?.user.id ?? null, tenant: request.caller?.tenantId }))
  app.get('/other', async (request) => ({ caller: request.caller }))

  const exp = Math.floor(Date.now() / 1000) + 60
  const known = await app.inject({ url: '/who', headers: { authorization: `Bearer ${token({ sub: 'u-1', tenant_id: 't-9', exp })}` } })
  t.same(known.json(), { user: 'u-1', tenant: 't-9' })
  const again = await app.inject({ url: '/who', headers: { authorization: `Bearer ${token({ sub: 'u-1', tenant_id: 't-9', exp })}` } })
  t.same(again.json(), { user: 'u-1', tenant: 't-9' }, 'a cached verification')
  const anonymous = await app.inject({ url: '/who' })
  t.same(anonymous.json(), { user: null, tenant: 'default-tenant' })
  t.same(seenInHook, ['t-9', 't-9', 'default-tenant'])

  const bad = await app.inject({ url: '/who', headers: { authorization: 'Bearer not.a.jwt' } })
  t.equal(bad.statusCode, 401)
  t.match(bad.json(), { success: false, errors: { code: 'INVALID_CALLER_TOKEN' } })
  t.same((await app.inject({ url: '/other' })).json(), { caller: null }, 'routes without the hook have no caller')
})
