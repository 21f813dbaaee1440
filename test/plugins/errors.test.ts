import t from 'tap'
import Fastify from 'fastify'
import type { FastifyError } from 'fastify'
import errorsPlugin, { fromFastifyError } from '../../plugins/errors.js'
import { ConduitError } from '../../src/errors.js'

function fe (props: Partial<FastifyError> & { message?: string }): FastifyError {
  return Object.assign(new Error(props.message ?? 'm'), props) as FastifyError
}

t.test("Fastify's own errors map to the envelope codes", async t => {
  t.equal(fromFastifyError(fe({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))?.code, 'PAYLOAD_TOO_LARGE')
  t.equal(fromFastifyError(fe({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))?.code, 'UNSUPPORTED_MEDIA_TYPE')
  t.equal(fromFastifyError(fe({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }))?.code, 'INVALID_REQUEST')
  t.equal(fromFastifyError(fe({ statusCode: 429 }))?.code, 'RATE_LIMITED')
  t.equal(fromFastifyError(fe({ statusCode: 404 }))?.code, 'NOT_FOUND')
  const json = fromFastifyError(fe({ name: 'SyntaxError', statusCode: 400, message: 'Unexpected token in "{"secret": x" is not valid JSON' }))
  t.equal(json?.code, 'INVALID_REQUEST')
  t.equal(json?.message, 'The request body is not valid JSON', 'the body is never quoted')
  t.equal(fromFastifyError(fe({ statusCode: 418, message: 'internal detail' }))?.message, 'Invalid request')
  t.equal(fromFastifyError(fe({ statusCode: 500 })), undefined)
})

t.test('the handler: ConduitErrors, Fastify errors and unexpected errors', async t => {
  const app = Fastify()
  await app.register(errorsPlugin)
  app.get('/conduit', async () => { throw new ConduitError('INVALID_PATH_PARAMETERS', 'bad', { params: ['id'] }) })
  app.get('/crash', async () => { throw new Error('secret stack /work/main/x.ts') })
  app.post('/json', async (req) => req.body)
  const c = await app.inject({ method: 'GET', url: '/conduit' })
  t.equal(c.statusCode, 400)
  t.same(c.json().errors, { code: 'INVALID_PATH_PARAMETERS', detail: 'bad', params: ['id'] })
  const x = await app.inject({ method: 'GET', url: '/crash' })
  t.equal(x.statusCode, 500)
  t.same(x.json().errors, { code: 'INTERNAL_ERROR', detail: 'Unexpected error' })
  t.notMatch(x.body, /work|stack/)
  const bad = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{"a": nope' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors.code, 'INVALID_REQUEST')
  t.notMatch(bad.body, /nope/)
  const media = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/xml' }, payload: '<a/>' })
  t.equal(media.statusCode, 415)
  t.equal(media.json().errors.code, 'UNSUPPORTED_MEDIA_TYPE')
})

t.test('what the router refuses (bad percent-encoding, an over-long segment) is an envelope too; permalinks of 255 characters route', async t => {
  const { fullApp } = await import('./fixtures/full-app.js')
  const long = 'p'.repeat(255)
  const { app, agent } = await fullApp([{ name: 'Long', permalink: long, url: 'https://api.example.com/long' }])
  agent.get('https://api.example.com').intercept({ path: '/long' }).reply(200, { ok: true })
  const ok = await app.inject({ method: 'GET', url: `/connectors/${long}/execute` })
  t.equal(ok.statusCode, 200, 'a 255-character permalink is executed')
  const tooLong = await app.inject({ method: 'GET', url: `/connectors/${long}x/execute` })
  t.equal(tooLong.statusCode, 404)
  t.same(tooLong.json(), {
    success: false,
    errors: { code: 'NOT_FOUND', detail: `No route GET /connectors/${`${long}x`.slice(0, 200 - '/connectors/'.length)}: a path segment is longer than 255 characters` },
    request_id: tooLong.headers['x-request-id']
  })
  const bad = await app.inject({ method: 'GET', url: '/connectors/%E0%A4%A/execute', headers: { 'x-request-id': 'bad-url-1' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { success: false, errors: { code: 'INVALID_REQUEST', detail: 'The URL path is not valid percent-encoded UTF-8' }, request_id: 'bad-url-1' })
  t.equal(bad.headers['x-request-id'], 'bad-url-1')
})
