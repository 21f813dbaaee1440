import t from 'tap'
import { ConduitError } from '../../src/errors.js'
import { assertSavable, assertValidName, isValidName, notFoundError } from '../../src/secrets/names.js'

const VALID = ['api_key', 'oauth_client_id', 'salesforce_client_secret', 'webhook_secret_key', '_x', 'A1', 'API_KEY']
const INVALID = ['api-key', 'api key', '123key', 'api@key', '', 'é', 'a'.repeat(256)]

t.test('the naming examples of SPEC §5', async t => {
  for (const name of VALID) t.ok(isValidName(name), `${name} is valid`)
  for (const name of INVALID) t.notOk(isValidName(name), `${JSON.stringify(name)} is invalid`)
  t.ok(isValidName('a'.repeat(255)), '255 characters is the limit')
})

t.test('save errors carry the exact messages, codes and statuses', async t => {
  const cases: Array<[() => void, string, string, number]> = [
    [() => assertSavable('secret', 'api-key', 'v'), 'Invalid secret name', 'INVALID_NAME', 400],
    [() => assertSavable('variable', '123key', 'v'), 'Invalid variable name', 'INVALID_NAME', 400],
    [() => assertSavable('secret', 'api_key', ''), 'Empty secret value', 'EMPTY_VALUE', 400],
    [() => assertSavable('variable', 'region', '  \n'), 'Empty variable value', 'EMPTY_VALUE', 400],
    [() => assertValidName('secret', 42), 'Invalid secret name', 'INVALID_NAME', 400]
  ]
  for (const [fn, message, code, status] of cases) {
    try {
      fn()
      t.fail(`expected ${message}`)
    } catch (err) {
      t.ok(err instanceof ConduitError)
      t.match(err, { message, code, status })
    }
  }
  t.doesNotThrow(() => assertSavable('secret', 'api_key', 'x'))
})

t.test('names are case-sensitive and the not-found message names the entry', async t => {
  t.ok(isValidName('Api_Key'))
  t.match(notFoundError('secret', 'x'), { message: "Secret 'x' not found", code: 'NOT_FOUND', status: 404 })
  t.match(notFoundError('variable', 'region'), { message: "Variable 'region' not found", code: 'NOT_FOUND', status: 404 })
})
