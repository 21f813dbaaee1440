// `rate_limit` and `cache` on connectors and composites (SPEC §8, §17): checked at registry load,
// every bad value named with its file, connector and field.
import t from 'tap'
import { validateRegistryText } from '../../src/registry/load.js'
import { formatProblem, type RegistryOptions } from '../../src/registry/types.js'

const strict: RegistryOptions = { allowInsecure: false, allowPrivateNetworks: false }
const base = { name: 'Weather', url: 'https://api.example.com/data' }
const composite = { name: 'Flow', steps: [{ name: 'one', url: 'https://api.example.com/one' }] }

function check (def: unknown): ReturnType<typeof validateRegistryText> {
  return validateRegistryText(JSON.stringify(def, null, 2), strict, 'registry.json')
}
function errors (def: unknown): string[] {
  return check(def).errors.map(formatProblem)
}

t.test('a connector may set its own limit, no limit, or leave the default', async t => {
  t.same(check({ ...base, rate_limit: { max: 5, window_seconds: 10, key: 'tenant' } }).connectors[0].rateLimit, { max: 5, windowSeconds: 10, key: 'tenant' })
  t.same(check({ ...base, rate_limit: { max: 5, window_seconds: 10 } }).connectors[0].rateLimit, { max: 5, windowSeconds: 10 }, 'the key defaults to the rateLimit.key setting')
  t.equal(check({ ...base, rate_limit: false }).connectors[0].rateLimit, false)
  t.equal(check(base).connectors[0].rateLimit, undefined)
  t.same(check({ ...base, rate_limit: { max: 1, window_seconds: 1, key: 'caller', burst: 3 } }).warnings.map(formatProblem),
    ["registry.json › connector 'Weather' › rate_limit.burst: unknown rate_limit field 'burst' is ignored"])
})

t.test('a bad rate_limit names the connector and the field', async t => {
  t.same(errors({ ...base, rate_limit: true }), [
    "registry.json › connector 'Weather' › rate_limit: must be false or an object {\"max\": 100, \"window_seconds\": 60, \"key\": \"caller\"}, not a boolean"
  ])
  t.same(errors({ ...base, rate_limit: { max: 0, window_seconds: 1.5, key: 'user' } }), [
    "registry.json › connector 'Weather' › rate_limit.max: must be a whole number from 1 to 1000000000, not 0",
    "registry.json › connector 'Weather' › rate_limit.window_seconds: must be a whole number from 1 to 86400, not 1.5",
    "registry.json › connector 'Weather' › rate_limit.key: must be one of \"caller\", \"tenant\", \"ip\", \"global\", not \"user\""
  ])
  t.same(errors({ ...base, rate_limit: {} }), [
    "registry.json › connector 'Weather' › rate_limit.max: is required",
    "registry.json › connector 'Weather' › rate_limit.window_seconds: is required"
  ])
})

t.test('cache is true or false', async t => {
  t.equal(check({ ...base, cache: false }).connectors[0].cache, false)
  t.equal(check(base).connectors[0].cache, undefined)
  t.same(errors({ ...base, cache: 'no' }), ["registry.json › connector 'Weather' › cache: must be true or false, not a string"])
})

t.test('composites take the same fields', async t => {
  const r = check({ composite_connectors: [{ ...composite, rate_limit: { max: 2, window_seconds: 60, key: 'global' }, cache: false }] })
  t.same(r.errors, [])
  t.same(r.composites[0].rateLimit, { max: 2, windowSeconds: 60, key: 'global' })
  t.equal(r.composites[0].cache, false)
  t.same(errors({ composite_connectors: [{ ...composite, rate_limit: { max: 'ten', window_seconds: 60 } }] }), [
    "registry.json › connector 'Flow' › rate_limit.max: must be a whole number from 1 to 1000000000, not \"ten\""
  ])
})

t.test('one bad connector rejects the registry and the others are still checked', async t => {
  const problems = errors({ connectors: [{ ...base, rate_limit: { max: -1, window_seconds: 60 } }, { name: 'Other', url: 'https://b.example.com', cache: 1 }] })
  t.equal(problems.length, 2)
  t.match(problems[0], /connector 'Weather' › rate_limit\.max/)
  t.match(problems[1], /connector 'Other' › cache/)
})
