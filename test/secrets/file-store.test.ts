import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { FileSecretStore, FileStoreError } from '../../src/secrets/file-store.js'

function paths (t: Test): { dir: string, path: string, keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-fs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return { dir, path: join(dir, 'data', 'secrets.json'), keyFile: join(dir, 'data', 'master.key') }
}

t.test('first start creates a 0600 key file; values round-trip across reopen', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  t.ok(existsSync(keyFile))
  t.equal(statSync(keyFile).mode & 0o777, 0o600)
  t.equal(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').length, 32)
  await store.create('secret', 'api_key', 'sk_live_123')
  await store.create('variable', 'region', 'eu-west-1')
  const again = new FileSecretStore({ path, keyFile })
  t.equal(await again.get('secret', 'api_key'), 'sk_live_123')
  t.equal(await again.get('variable', 'region'), 'eu-west-1')
  t.equal(await again.get('secret', 'region'), undefined, 'kinds are separate')
  t.same(await again.list('secret'), [{ name: 'api_key', value: 'sk_live_123' }])
})

t.test('the file holds a format version and only AES-GCM ciphertext', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  await store.create('secret', 'api_key', 'sk_live_plaintext_marker')
  await store.create('secret', 'other', 'sk_live_plaintext_marker')
  const text = readFileSync(path, 'utf8')
  t.notMatch(text, /plaintext_marker/)
  const doc = JSON.parse(text)
  t.equal(doc.version, 1)
  const a = doc.secrets.api_key
  t.equal(Buffer.from(a.iv, 'base64').length, 12)
  t.equal(Buffer.from(a.tag, 'base64').length, 16)
  t.not(a.iv, doc.secrets.other.iv, 'a random IV per value')
  t.not(a.ciphertext, doc.secrets.other.ciphertext)
  t.equal(statSync(path).mode & 0o777, 0o600)
})

t.test('CONDUIT_MASTER_KEY is used when set and must be base64 of 32 bytes', async t => {
  const { path, keyFile } = paths(t)
  const masterKey = randomBytes(32).toString('base64')
  const store = new FileSecretStore({ path, keyFile, masterKey })
  await store.create('secret', 'api_key', 'v1')
  t.notOk(existsSync(keyFile), 'no key file is created when a master key is given')
  t.equal(await new FileSecretStore({ path, keyFile, masterKey }).get('secret', 'api_key'), 'v1')
  t.throws(() => new FileSecretStore({ path, keyFile, masterKey: randomBytes(16).toString('base64') }),
    { message: 'CONDUIT_MASTER_KEY (settings secrets.file.masterKey) must decode to exactly 32 bytes, got 16' })
  t.throws(() => new FileSecretStore({ path, keyFile, masterKey: 'not base64!!' }),
    /CONDUIT_MASTER_KEY \(settings secrets\.file\.masterKey\) is not valid base64/)
})

t.test('a wrong key fails at open naming the key source, never yielding a garbled value', async t => {
  const { path, keyFile } = paths(t)
  await new FileSecretStore({ path, keyFile }).create('secret', 'api_key', 'v1')
  const wrong = randomBytes(32).toString('base64')
  t.throws(() => new FileSecretStore({ path, keyFile, masterKey: wrong }), {
    name: 'FileStoreError',
    message: `Cannot decrypt secrets file ${path} with the key from CONDUIT_MASTER_KEY (settings secrets.file.masterKey): wrong key`
  })
  writeFileSync(keyFile, wrong + '\n')
  t.throws(() => new FileSecretStore({ path, keyFile }), { message: `Cannot decrypt secrets file ${path} with the key from key file ${keyFile}: wrong key` })
})

t.test('an empty store opened with another key is refused too (key check)', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  await store.create('secret', 'a', 'b')
  await store.delete('secret', 'a')
  t.throws(() => new FileSecretStore({ path, keyFile, masterKey: randomBytes(32).toString('base64') }), FileStoreError)
})

t.test('a lost key file with an existing secrets file is reported, not silently replaced', async t => {
  const { path, keyFile } = paths(t)
  await new FileSecretStore({ path, keyFile }).create('secret', 'a', 'b')
  rmSync(keyFile)
  t.throws(() => new FileSecretStore({ path, keyFile }), { message: `Key file ${keyFile} does not exist but secrets file ${path} does: restore the key file or set CONDUIT_MASTER_KEY` })
  t.notOk(existsSync(keyFile))
})

t.test('a malformed or foreign-version file is reported with its path', async t => {
  const { path, keyFile } = paths(t)
  new FileSecretStore({ path, keyFile }) // eslint-disable-line no-new
  writeFileSync(path, '{"version": 1, "secr')
  t.throws(() => new FileSecretStore({ path, keyFile }), { message: `Secrets file ${path} is not valid JSON` })
  writeFileSync(path, '{"version": 7}')
  t.throws(() => new FileSecretStore({ path, keyFile }), { message: `Secrets file ${path} has format version 7; this Conduit reads version 1` })
  writeFileSync(path, '{}')
  t.throws(() => new FileSecretStore({ path, keyFile }), { message: `Secrets file ${path} has no format version` })
})

t.test('a tampered entry is an error, never a wrong value', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  await store.create('secret', 'a', 'alpha')
  await store.create('secret', 'b', 'bravo')
  const doc = JSON.parse(readFileSync(path, 'utf8'))
  doc.secrets.a = doc.secrets.b // moved between names: the name is authenticated data
  writeFileSync(path, JSON.stringify(doc))
  const reopened = new FileSecretStore({ path, keyFile })
  await t.rejects(reopened.get('secret', 'a'), { code: 'SECRET_STORE_UNAVAILABLE', message: "File secret store unavailable: secret 'a' cannot be decrypted (tampered entry)" })
  t.equal(await reopened.get('secret', 'b'), 'bravo')
})

t.test('save errors of SPEC §5', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  await store.create('secret', 'api_key', 'v')
  await t.rejects(store.create('secret', 'api-key', 'v'), { code: 'INVALID_NAME', message: 'Invalid secret name', status: 400 })
  await t.rejects(store.create('variable', 'api key', 'v'), { code: 'INVALID_NAME', message: 'Invalid variable name' })
  await t.rejects(store.create('secret', 'x', ''), { code: 'EMPTY_VALUE', message: 'Empty secret value', status: 400 })
  await t.rejects(store.create('secret', 'api_key', 'w'), { code: 'DUPLICATE_NAME', message: 'Duplicate secret name', status: 409 })
  await t.rejects(store.create('variable', 'api_key', 'w'), { code: 'DUPLICATE_NAME', message: 'Duplicate variable name' }, 'unique across kinds')
  await t.rejects(store.update('secret', 'missing', 'w'), { code: 'NOT_FOUND', message: "Secret 'missing' not found", status: 404 })
  await t.rejects(store.delete('variable', 'missing'), { code: 'NOT_FOUND', message: "Variable 'missing' not found" })
  await t.rejects(store.update('secret', 'api_key', ''), { code: 'EMPTY_VALUE' })
  t.equal(await store.get('secret', 'API_KEY'), undefined, 'names are case-sensitive')
  await store.update('secret', 'api_key', 'v2')
  t.equal(await store.get('secret', 'api_key'), 'v2')
  await store.delete('secret', 'api_key')
  t.equal(await store.get('secret', 'api_key'), undefined)
  await store.create('variable', 'api_key', 'now free')
  t.equal(await store.get('variable', 'api_key'), 'now free')
})

t.test('concurrent writes in one process are serialized and none is lost', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.create('secret', `s_${i}`, `v${i}`)))
  const reopened = new FileSecretStore({ path, keyFile })
  t.equal((await reopened.list('secret')).length, 40)
})

t.test('two writers on one file (server and CLI) serialize through the lock file: nothing is lost', async t => {
  const { path, keyFile } = paths(t)
  const a = new FileSecretStore({ path, keyFile })
  const b = new FileSecretStore({ path, keyFile })
  await Promise.all(Array.from({ length: 15 }, (_, i) => [a.create('secret', `a_${i}`, 'x'), b.create('variable', `b_${i}`, 'y')]).flat())
  const reopened = new FileSecretStore({ path, keyFile })
  t.equal((await reopened.list('secret')).length, 15)
  t.equal((await reopened.list('variable')).length, 15)
  t.notOk(existsSync(path + '.lock'), 'the lock is released')
})

t.test('a lock file left by a crashed writer is broken once stale', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile }, { lockStaleMs: 50 })
  writeFileSync(path + '.lock', '')
  const past = new Date(Date.now() - 1_000)
  utimesSync(path + '.lock', past, past)
  await store.create('secret', 'after_crash', 'v')
  t.equal(await new FileSecretStore({ path, keyFile }).get('secret', 'after_crash'), 'v')
})

t.test('a live lock that never goes away ends in SECRET_STORE_UNAVAILABLE, not a hang', async t => {
  const { path, keyFile } = paths(t)
  let slept = 0
  const store = new FileSecretStore({ path, keyFile }, { lockWaitMs: 100, sleep: async () => { slept++; await new Promise(resolve => setTimeout(resolve, 5)) } })
  // Another writer's lock, fresh for the whole wait.
  writeFileSync(path + '.lock', '')
  const future = new Date(Date.now() + 3_600_000)
  utimesSync(path + '.lock', future, future)
  await t.rejects(store.create('secret', 'x', 'v'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'File secret store unavailable: the secrets file is locked by another process' })
  t.ok(slept > 0)
})

t.test('writes by another process (the CLI) are seen without restart', async t => {
  const { path, keyFile } = paths(t)
  const server = new FileSecretStore({ path, keyFile })
  t.equal(await server.get('secret', 'api_key'), undefined)
  await new FileSecretStore({ path, keyFile }).create('secret', 'api_key', 'from-cli')
  t.equal(await server.get('secret', 'api_key'), 'from-cli')
  await server.ping()
})

// The child process of the crash test, written to the temp dir so the test runner never picks it up.
const WRITE_LOOP = `// Child process for the crash test: writes to the file store as fast as it can until killed.
// Each round sets \`counter\` to round-N and then creates item_N, so a consistent file always has
// items up to the counter's round (or one past it).
import { FileSecretStore } from 'FILE_STORE_MODULE'

const [path, keyFile] = process.argv.slice(2) as [string, string]
const store = new FileSecretStore({ path, keyFile }, { lockStaleMs: 100 })
const current = await store.get('secret', 'counter')
let round = current === undefined ? 0 : Number(current.slice('round-'.length)) + 1
if (current === undefined) await store.create('secret', 'counter', 'round-0')
// A kill between the two writes of a round leaves its item to create.
else if (await store.get('secret', \`item_\${round - 1}\`) === undefined) await store.create('secret', \`item_\${round - 1}\`, \`value-\${round - 1}\`)
process.stdout.write('ready\\n')
for (;;) {
  await store.update('secret', 'counter', \`round-\${round}\`)
  await store.create('secret', \`item_\${round}\`, \`value-\${round}\`)
  round++
}
`

t.test('SIGKILL in the middle of writes always leaves a loadable file with old or new content', async t => {
  const { dir, path, keyFile } = paths(t)
  const script = join(dir, 'write-loop.mts')
  writeFileSync(script, WRITE_LOOP.replace('FILE_STORE_MODULE', new URL('../../src/secrets/file-store.ts', import.meta.url).pathname))
  let lastRound = -1
  for (let kill = 0; kill < 5; kill++) {
    const child = spawn(process.execPath, ['--import', 'tsx', script, path, keyFile], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve() })
      child.on('exit', code => reject(new Error(`child exited early with ${code}`)))
    })
    await new Promise(resolve => setTimeout(resolve, 30 + Math.floor(Math.random() * 120)))
    const exited = new Promise(resolve => child.on('exit', resolve))
    child.kill('SIGKILL')
    await exited
    const store = new FileSecretStore({ path, keyFile })
    const counter = await store.get('secret', 'counter')
    t.match(counter, /^round-\d+$/, `after kill ${kill + 1} the file loads`)
    const round = Number(counter?.slice(6))
    t.ok(round >= lastRound, 'no committed write was lost')
    lastRound = round
    const items = await store.list('secret')
    for (const item of items) {
      if (item.name === 'counter') continue
      const n = Number(item.name.slice(5))
      t.equal(item.value, `value-${n}`)
      if (n > round) t.fail(`item_${n} exists past round ${round}`)
    }
    // Every round up to the counter's has its item, except possibly the one being created at the kill.
    const names = new Set(items.map(i => i.name))
    for (let n = 0; n < round; n++) if (!names.has(`item_${n}`)) t.fail(`item_${n} was lost`)
  }
  t.ok(lastRound > 0, 'the child made progress')
  const leftovers = readdirSync(join(dir, 'data')).filter(f => f.endsWith('.tmp'))
  t.ok(leftovers.every(f => f.startsWith('.secrets.json.')), 'only our own temp files may be left behind')
})

t.test('a lock whose writer was killed with -9 is taken over at once, not after the stale time', async t => {
  const { dir, path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile }) // default stale time: 10 s
  await store.create('secret', 'before', 'v')
  // A writer that takes the lock the way the store does and is killed while holding it.
  const holder = join(dir, 'hold-lock.mjs')
  writeFileSync(holder, `import { writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
writeFileSync(process.argv[2], process.pid + '\\n' + hostname() + '\\n', { flag: 'wx' })
process.stdout.write('locked\\n')
setInterval(() => {}, 1000)
`)
  const child = spawn(process.execPath, [holder, path + '.lock'], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>(resolve => child.stdout.on('data', () => resolve()))

  // While the writer lives, its lock is respected.
  const waiting = new FileSecretStore({ path, keyFile }, { lockWaitMs: 200 })
  await t.rejects(waiting.create('secret', 'blocked', 'v'), { code: 'SECRET_STORE_UNAVAILABLE' }, 'a live owner keeps its lock')

  const exited = new Promise(resolve => child.on('exit', resolve))
  child.kill('SIGKILL')
  await exited
  t.ok(existsSync(path + '.lock'), 'the dead writer left its lock behind')
  const started = Date.now()
  await new FileSecretStore({ path, keyFile }).create('secret', 'after_kill', 'v')
  const elapsed = Date.now() - started
  t.ok(elapsed < 1000, `the first write after the crash took ${elapsed} ms`)
  t.notOk(existsSync(path + '.lock'))
})

t.test('a lock file naming our own pid is left from a previous run with the same pid (a restarted container)', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile })
  writeFileSync(path + '.lock', `${process.pid}\n${hostname()}\n`)
  const started = Date.now()
  await store.create('secret', 'same_pid', 'v')
  t.ok(Date.now() - started < 1000)
})

t.test('two writers that judged the same dead lock: the later one leaves the lock the first took', async t => {
  const { path, keyFile } = paths(t)
  await new FileSecretStore({ path, keyFile }).create('secret', 'before', 'v')
  const dead = spawn(process.execPath, ['-e', ''])
  await new Promise(resolve => dead.on('exit', resolve))
  writeFileSync(path + '.lock', `${dead.pid ?? 0}\n${hostname()}\nnonce-of-the-dead-writer\n`)
  // Between this writer's judgement and its break, another writer broke the dead lock and took its own.
  const live = `${process.ppid}\n${hostname()}\nnonce-of-the-live-writer\n`
  let breaks = 0
  const store = new FileSecretStore({ path, keyFile }, {
    lockWaitMs: 300,
    beforeBreak: async () => { if (breaks++ === 0) writeFileSync(path + '.lock', live) }
  })
  await t.rejects(store.create('secret', 'racing', 'v'), { code: 'SECRET_STORE_UNAVAILABLE' }, 'the live lock is waited for')
  t.equal(readFileSync(path + '.lock', 'utf8'), live, 'the other writer still holds its lock')
  t.equal(await new FileSecretStore({ path, keyFile }).get('secret', 'racing'), undefined, 'nothing was written past it')
  t.notOk(existsSync(path + '.lock.break'), 'the break lock is released')
})

t.test('a break lock left by a writer that died while breaking is removed once stale', async t => {
  const { path, keyFile } = paths(t)
  const store = new FileSecretStore({ path, keyFile }, { lockStaleMs: 50 })
  const past = new Date(Date.now() - 1_000)
  for (const file of [path + '.lock', path + '.lock.break']) {
    writeFileSync(file, '')
    utimesSync(file, past, past)
  }
  await store.create('secret', 'after_break', 'v')
  t.equal(await new FileSecretStore({ path, keyFile }).get('secret', 'after_break'), 'v')
  t.notOk(existsSync(path + '.lock'))
  t.notOk(existsSync(path + '.lock.break'))
})

t.test('the store says when it generated the key file, and only then', async t => {
  const { path, keyFile } = paths(t)
  t.equal(new FileSecretStore({ path, keyFile }).createdKeyFile, keyFile)
  t.equal(new FileSecretStore({ path, keyFile }).createdKeyFile, undefined, 'an existing key is not new')
  t.equal(new FileSecretStore({ path: path + '2', keyFile: keyFile + '2', masterKey: randomBytes(32).toString('base64') }).createdKeyFile, undefined)
})
