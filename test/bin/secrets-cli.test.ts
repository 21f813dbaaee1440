// `conduit secrets` and `conduit variables` as a user runs them: a child process per command, in a
// temp working directory, with the data directory and master key from the environment. The
// scenarios start together (child processes are the slow part) and are checked one by one.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { FileSecretStore } from '../../src/secrets/file-store.js'
import { conduit as runConduit } from './fixtures/cli.js'
import type { Run } from './fixtures/cli.js'

// Every step is a child process through the TypeScript loader: slow on a busy 2-core machine.
t.setTimeout(300_000)

const MAX_CHILDREN = 4

const WORK = mkdtempSync(join(tmpdir(), 'conduit-cli-'))
t.teardown(() => rmSync(WORK, { recursive: true, force: true }))
const MASTER_KEY = randomBytes(32).toString('base64')

let running = 0
const waiting: Array<() => void> = []

async function slot<T> (fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CHILDREN) await new Promise<void>(resolve => waiting.push(resolve))
  running++
  try {
    return await fn()
  } finally {
    running--
    waiting.shift()?.()
  }
}

/** Runs `conduit ARGS` with cwd WORK, data dir WORK/<dataDir> and the master key; env entries set to undefined are removed. */
function conduit (dataDir: string, args: string[], stdin = '', env: Record<string, string | undefined> = {}): Promise<Run> {
  return slot(async () => await runConduit(args, { cwd: WORK, stdin, env: { CONDUIT_DATA_DIR: join(WORK, dataDir), CONDUIT_MASTER_KEY: MASTER_KEY, ...env } }))
}

/** The store a scenario's CLI runs used; `keyFileOnly` opens it with the key file instead of the master key. */
function storeAt (dataDir: string, keyFileOnly = false): FileSecretStore {
  const dir = join(WORK, dataDir)
  return new FileSecretStore({ path: join(dir, 'secrets.json'), keyFile: join(dir, 'master.key'), ...(keyFileOnly ? {} : { masterKey: MASTER_KEY }) })
}

const VALID = ['api_key', 'oauth_client_id', 'salesforce_client_secret', 'webhook_secret_key']
const INVALID = ['api-key', 'api key', '123key', 'api@key']

// ---- scenarios, started at once -------------------------------------------------------------

const secretLifecycle = (async () => {
  const d = 'lifecycle'
  return {
    created: await conduit(d, ['secrets', 'set', 'api_key'], 'sk_live_cli_value\n'),
    afterCreate: await storeAt(d).get('secret', 'api_key'),
    updated: await conduit(d, ['secrets', 'set', 'api_key'], 'two lines\nkept\n\n'),
    afterUpdate: await storeAt(d).get('secret', 'api_key'),
    pin: await storeAt(d).create('secret', 'pin', '7'),
    list: await conduit(d, ['secrets', 'list']),
    deleted: await conduit(d, ['secrets', 'delete', 'api_key']),
    afterDelete: await storeAt(d).get('secret', 'api_key')
  }
})()

// api_key is created by both lifecycles below; the other valid names here.
const validNames = Promise.all(VALID.slice(1).flatMap((name, i) => [
  conduit(`valid-s${i}`, ['secrets', 'set', name], 'v'),
  conduit(`valid-v${i}`, ['variables', 'set', name, 'v'])
]))

const variableLifecycle = (async () => {
  const d = 'variables'
  return {
    created: await conduit(d, ['variables', 'set', 'api_key', 'https://api.example.com']),
    updated: await conduit(d, ['variables', 'set', 'api_key', 'https://eu.example.com']),
    list: await conduit(d, ['variables', 'list']),
    deleted: await conduit(d, ['variables', 'delete', 'api_key']),
    after: await storeAt(d).list('variable')
  }
})()

const saveErrors = (async () => {
  const d = 'errors'
  const store = storeAt(d)
  await store.create('secret', 'api_key', 'v')
  await store.create('variable', 'region', 'eu')
  const [invalid, rest] = await Promise.all([
    Promise.all(INVALID.flatMap(name => [conduit(d, ['secrets', 'set', name], 'v'), conduit(d, ['variables', 'set', name, 'v'])])),
    Promise.all([
      conduit(d, ['secrets', 'set', 'other'], '\n'),
      conduit(d, ['variables', 'set', 'other', '']),
      conduit(d, ['variables', 'set', 'api_key', 'x']),
      conduit(d, ['secrets', 'set', 'region'], 'x'),
      conduit(d, ['secrets', 'delete', 'nope']),
      conduit(d, ['variables', 'delete', 'nope'])
    ])
  ])
  return { invalid, rest, after: { secrets: await storeAt(d).list('secret'), variables: await storeAt(d).list('variable') } }
})()

const usage = Promise.all([
  conduit('usage', ['secrets', 'set', 'api_key', 'sk_live_on_argv']),
  conduit('usage', ['secrets', 'show']),
  conduit('usage', ['variables', 'set', 'region'])
])

const config = (async () => {
  writeFileSync(join(WORK, 'custom.json'), JSON.stringify({ dataDir: 'elsewhere' }))
  await storeAt('elsewhere').create('variable', 'region', 'eu')
  return await Promise.all([
    conduit('unused', ['variables', 'list', '--config', 'custom.json'], '', { CONDUIT_DATA_DIR: undefined }),
    conduit('unused', ['secrets', 'list', '--config', 'nope.json']),
    conduit('unused', ['secrets', 'list'], '', { CONDUIT_MASTER_KEY: randomBytes(16).toString('base64') }),
    conduit('unused', ['variables', 'list', '--config', join(WORK, 'custom.json')], '', { CONDUIT_DATA_DIR: undefined, CONDUIT_MASTER_KEY: randomBytes(32).toString('base64') })
  ])
})()

const keyFile = (async () => {
  const set = await conduit('keyfile', ['secrets', 'set', 'api_key'], 'v\n', { CONDUIT_MASTER_KEY: undefined })
  return { set, value: await storeAt('keyfile', true).get('secret', 'api_key') }
})()

// A failing scenario fails its own check below, not the whole file as an unhandled rejection.
for (const scenario of [secretLifecycle, validNames, variableLifecycle, saveErrors, usage, config, keyFile]) scenario.catch(() => {})

// ---- checks ---------------------------------------------------------------------------------

t.test('secrets set reads stdin (one trailing newline stripped), list masks, set again updates, delete removes', async t => {
  const r = await secretLifecycle
  t.same(r.created, { code: 0, stdout: "Secret 'api_key' created\n", stderr: '' })
  t.equal(r.afterCreate, 'sk_live_cli_value')
  t.same(r.updated, { code: 0, stdout: "Secret 'api_key' updated\n", stderr: '' })
  t.equal(r.afterUpdate, 'two lines\nkept\n', 'only one newline is stripped')
  t.same(r.list, { code: 0, stdout: 'api_key\tt••••••••\npin\t••••••••\n', stderr: '' })
  t.same(r.deleted, { code: 0, stdout: "Secret 'api_key' deleted\n", stderr: '' })
  t.equal(r.afterDelete, undefined)
})

t.test('variables set NAME VALUE, list in full, delete', async t => {
  const r = await variableLifecycle
  t.same(r.created, { code: 0, stdout: "Variable 'api_key' created\n", stderr: '' })
  t.same(r.updated, { code: 0, stdout: "Variable 'api_key' updated\n", stderr: '' })
  t.same(r.list, { code: 0, stdout: 'api_key\thttps://eu.example.com\n', stderr: '' })
  t.same(r.deleted, { code: 0, stdout: "Variable 'api_key' deleted\n", stderr: '' })
  t.same(r.after, [])
})

t.test('naming examples of SPEC §5 through the CLI', async t => {
  const accepted = await validNames
  VALID.slice(1).forEach((name, i) => {
    t.same(accepted[2 * i], { code: 0, stdout: `Secret '${name}' created\n`, stderr: '' })
    t.same(accepted[2 * i + 1], { code: 0, stdout: `Variable '${name}' created\n`, stderr: '' })
  })
  const { invalid } = await saveErrors
  INVALID.forEach((name, i) => {
    t.same(invalid[2 * i], { code: 1, stdout: '', stderr: 'Invalid secret name\n' }, `secret ${JSON.stringify(name)}`)
    t.same(invalid[2 * i + 1], { code: 1, stdout: '', stderr: 'Invalid variable name\n' }, `variable ${JSON.stringify(name)}`)
  })
})

t.test('save errors: empty values, duplicates across kinds, unknown names; nothing is written', async t => {
  const { rest, after } = await saveErrors
  const [newlineOnly, emptyVar, dupVar, dupSecret, delSecret, delVar] = rest
  t.same(newlineOnly, { code: 1, stdout: '', stderr: 'Empty secret value\n' }, 'a lone newline is stripped, leaving nothing')
  t.same(emptyVar, { code: 1, stdout: '', stderr: 'Empty variable value\n' })
  t.same(dupVar, { code: 1, stdout: '', stderr: 'Duplicate variable name\n' })
  t.same(dupSecret, { code: 1, stdout: '', stderr: 'Duplicate secret name\n' })
  t.same(delSecret, { code: 1, stdout: '', stderr: "Secret 'nope' not found\n" })
  t.same(delVar, { code: 1, stdout: '', stderr: "Variable 'nope' not found\n" })
  t.same(after, { secrets: [{ name: 'api_key', value: 'v' }], variables: [{ name: 'region', value: 'eu' }] })
})

t.test('a secret value on the command line is refused; usage errors exit 2', async t => {
  const [argv, unknown, varMissingValue] = await usage
  t.equal(argv.code, 2)
  t.match(argv.stderr, /^conduit secrets: a secret value is read from stdin, never from the command line/)
  t.equal(await storeAt('usage').get('secret', 'api_key'), undefined)
  t.match(unknown, { code: 2, stderr: /^conduit secrets: unknown subcommand 'show'\nusage: conduit secrets list\|set NAME\|delete NAME/ })
  t.match(varMissingValue, { code: 2, stderr: /^conduit variables: set needs a NAME and a VALUE/ })
})

t.test('--config FILE is honoured; a missing config file and bad keys are clear errors', async t => {
  const [fromConfig, missing, shortKey, wrongKey] = await config
  t.same(fromConfig, { code: 0, stdout: 'region\teu\n', stderr: '' })
  t.equal(missing.code, 1)
  t.match(missing.stderr, /nope\.json/)
  t.same(shortKey, { code: 1, stdout: '', stderr: 'CONDUIT_MASTER_KEY (settings secrets.file.masterKey) must decode to exactly 32 bytes, got 16\n' })
  t.same(wrongKey, { code: 1, stdout: '', stderr: `Cannot decrypt secrets file ${join(WORK, 'elsewhere', 'secrets.json')} with the key from CONDUIT_MASTER_KEY (settings secrets.file.masterKey): wrong key\n` })
})

t.test('without CONDUIT_MASTER_KEY a 0600 key file is created under the data dir and used', async t => {
  const r = await keyFile
  t.same(r.set, { code: 0, stdout: "Secret 'api_key' created\n", stderr: '' })
  t.equal(statSync(join(WORK, 'keyfile', 'master.key')).mode & 0o777, 0o600)
  t.equal(r.value, 'v', 'the key file decrypts what the CLI wrote')
  t.notMatch(readFileSync(join(WORK, 'keyfile', 'secrets.json'), 'utf8'), /"v"/)
})
