import t from 'tap'
import { ConduitError, toEnvelope } from '../src/errors.js'

t.test('a ConduitError becomes the envelope with its status, code, scope and params', async t => {
  const { status, body } = toEnvelope(new ConduitError('MISSING_PATH_PARAMETERS', 'Missing path parameters', { params: ['id'] }), 'req-1')
  t.equal(status, 400)
  t.same(body, { success: false, errors: { code: 'MISSING_PATH_PARAMETERS', detail: 'Missing path parameters', params: ['id'] }, request_id: 'req-1' })
})

t.test('a table scope is filled in, and an explicit scope wins', async t => {
  t.equal(toEnvelope(new ConduitError('UPSTREAM_TIMEOUT', 'x'), 'r').body.errors.scope, 'Downstream (network/external service)')
  t.equal(toEnvelope(new ConduitError('COMPOSITE_STEP_FAILED', 'x', { scope: "Composite step 'a' (index 0): Downstream (HTTP error)" }), 'r').body.errors.scope,
    "Composite step 'a' (index 0): Downstream (HTTP error)")
})

t.test('any other error is INTERNAL_ERROR and its text never leaves', async t => {
  const { status, body } = toEnvelope(new Error('/srv/conduit/src/x.ts: secret hunter2'), 'r')
  t.equal(status, 500)
  t.same(body.errors, { code: 'INTERNAL_ERROR', detail: 'Unexpected error' })
  t.notMatch(JSON.stringify(body), /hunter2|\/srv/)
})
