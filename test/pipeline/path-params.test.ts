import t from 'tap'
import { ConduitError } from '../../src/errors.js'
import type { Connector } from '../../src/registry/types.js'
import { isValidPathParamValue, parsePathParamsHeader, resolvePathParams, PATH_PARAMS_HEADER_MAX } from '../../src/pipeline/path-params.js'

function connector (rows: Connector['pathParams'], keys: string[]): Connector {
  return { permalink: 'c', pathParams: rows, urlPathParamKeys: keys } as unknown as Connector
}

t.test('X-Path-Params is parsed like a query string', async t => {
  t.same({ ...parsePathParamsHeader('user_id=42&post_slug=hello') }, { user_id: '42', post_slug: 'hello' })
  t.same({ ...parsePathParamsHeader('a=has+space&b=with%2Fslash&c=') }, { a: 'has space', b: 'with/slash', c: '' })
  t.same({ ...parsePathParamsHeader(undefined) }, {})
  t.same({ ...parsePathParamsHeader('a=1&a=2') }, { a: '2' }, 'last repeated key wins')
})

t.test('X-Path-Params longer than 4096 characters is INVALID_REQUEST', async t => {
  t.doesNotThrow(() => parsePathParamsHeader('a=' + 'x'.repeat(PATH_PARAMS_HEADER_MAX - 2)))
  t.throws(() => parsePathParamsHeader('a=' + 'x'.repeat(PATH_PARAMS_HEADER_MAX - 1)), { code: 'INVALID_REQUEST', status: 400 })
})

t.test('the value table of SPEC §2', async t => {
  for (const ok of ['42', 'user-42', 'USER_42', 'my.handle', 'a~b', 'x'.repeat(200)]) t.ok(isValidPathParamValue(ok), ok)
  for (const bad of ['', 'has space', 'with/slash', 'with?q', '..', 'a..b', '%20', 'with#hash', 'x'.repeat(201), 'é']) {
    t.notOk(isValidPathParamValue(bad), JSON.stringify(bad))
  }
})

t.test('values come from the caller only for overridable rows', async t => {
  const c = connector([
    { key: 'fixed', value: 'configured', overridable: false },
    { key: 'free', value: 'default', overridable: true }
  ], ['fixed', 'free'])
  t.same(resolvePathParams(c, { fixed: 'caller', free: 'mine' }), { fixed: 'configured', free: 'mine' })
  t.same(resolvePathParams(c, {}), { fixed: 'configured', free: 'default' })
})

t.test('missing keys, invalid keys, and missing wins', async t => {
  const c = connector([
    { key: 'a', overridable: true },
    { key: 'b', overridable: true },
    { key: 'c', value: 'ok', overridable: true }
  ], ['a', 'b', 'c'])
  const err = t.throws(() => resolvePathParams(c, { c: 'fine' })) as ConduitError
  t.equal(err.code, 'MISSING_PATH_PARAMETERS')
  t.same(err.params, ['a', 'b'])
  const inv = t.throws(() => resolvePathParams(c, { a: 'has space', b: '', c: 'ok' })) as ConduitError
  t.equal(inv.code, 'INVALID_PATH_PARAMETERS', 'a key sent empty is invalid, not missing')
  t.same(inv.params, ['a', 'b'])
  const both = t.throws(() => resolvePathParams(c, { a: '..' })) as ConduitError
  t.equal(both.code, 'MISSING_PATH_PARAMETERS')
  t.same(both.params, ['b'])
})

t.test('a non-overridable row without a value is missing whatever the caller sends', async t => {
  const c = connector([{ key: 'id', overridable: false }], ['id'])
  t.throws(() => resolvePathParams(c, { id: '42' }), { code: 'MISSING_PATH_PARAMETERS' })
})
