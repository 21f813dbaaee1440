// `conduit serve` start-up and lifecycle (SPEC §13): a generated admin token, SIGHUP reload,
// graceful SIGTERM, refusal to start on bad settings or a bad registry; and `conduit test`.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, startConduit, startUpstream } from './fixtures/harness.js'
import type { Upstream } from './fixtures/harness.js'

let upstream: Upstream
t.before(async () => {
  upstream = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ path: req.url }))
  })
})
t.teardown(async () => { await upstream?.close() })

t.test('generated admin token, SIGHUP reload, graceful SIGTERM', async t => {
  const registry = (extra: unknown[] = []): unknown => ({ connectors: [{ name: 'One', url: `${upstream.origin}/one` }, ...extra] })
  const conduit = await startConduit({ registry: registry(), generateAdminToken: true, env: { CONDUIT_REGISTRY_WATCH: 'false' } })
  const tokenFile = join(conduit.dir, 'data', 'admin.token')
  const token = readFileSync(tokenFile, 'utf8').trim()
  t.ok(token.length >= 32, 'a long random token')
  t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'mode 0600')
  t.match(conduit.output(), tokenFile, 'the token file path is logged')
  t.notOk(conduit.output().includes(token), 'the token itself is not')
  const list = await conduit.call('GET', '/admin/connectors', { headers: { authorization: `Bearer ${token}` } })
  t.equal(list.status, 200)

  conduit.writeRegistry(registry([{ name: 'Two', url: `${upstream.origin}/two` }]))
  t.equal((await conduit.call('GET', '/connectors/two/execute')).status, 404, 'watching is off: not reloaded yet')
  conduit.signal('SIGHUP')
  let status = 0
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise(resolve => setTimeout(resolve, 50))
    status = (await conduit.call('GET', '/connectors/two/execute')).status
  }
  t.equal(status, 200, 'SIGHUP reloaded the registry')

  conduit.signal('SIGTERM')
  t.equal(await conduit.exited, 0, 'SIGTERM exits cleanly')
  await conduit.stop()
})

t.test('serve refuses to start on invalid settings or an invalid registry', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-serve-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = join(dir, 'conduit.json')
  writeFileSync(config, '{}')
  const env = { CONDUIT_DATA_DIR: join(dir, 'data'), CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'), CONDUIT_ADMIN_TOKEN: 'x'.repeat(32) }
  const badSetting = await runCli(['serve', '--config', config, '--port', '0'], { ...env, CONDUIT_UPSTREAM_TIMEOUT_MS: 'soon' })
  t.equal(badSetting.code, 1)
  t.match(badSetting.stderr, /upstream\.timeoutMs/)
  const registry = join(dir, 'registry.json')
  writeFileSync(registry, JSON.stringify({ connectors: [{ name: 'Broken', url: 'https://api.example.com/{{ get_secret("k") }}' }] }))
  const badRegistry = await runCli(['serve', '--config', config, '--registry', registry, '--port', '0'], env)
  t.equal(badRegistry.code, 1)
  t.match(badRegistry.stderr, /Broken/)
  t.match(badRegistry.stderr, /url/)
})

t.test('conduit test runs a connector and shows the debug view', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = join(dir, 'conduit.json')
  writeFileSync(config, '{}')
  const registry = join(dir, 'registry.json')
  writeFileSync(registry, JSON.stringify({
    connectors: [{
      name: 'Cli echo',
      url: `${upstream.origin}/cli/{{ pathParams.id }}`,
      method: 'POST',
      path_parameters: [{ key: 'id', overridable: true }],
      headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('not_set') }}" }, { key: 'X-Free', value: 'd', overridable: true }]
    }]
  }))
  const payload = join(dir, 'payload.json')
  writeFileSync(payload, '{"hello":"world"}')
  const env = {
    CONDUIT_DATA_DIR: join(dir, 'data'),
    CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
    CONDUIT_UPSTREAM_ALLOW_INSECURE: 'true',
    CONDUIT_UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
    CONDUIT_REGISTRY_PATH: registry
  }
  const args = ['test', 'cli-echo', '--config', config, '--path-param', 'id=7', '--query', 'q=a b', '--header', 'X-Free=given', '--payload', '@' + payload]
  const plain = await runCli([...args, '--verbose'], env)
  t.equal(plain.code, 0, plain.stderr)
  t.match(plain.stdout, /HTTP 200/)
  t.match(plain.stdout, /"path": ?"\/cli\/7\?q=a%20b"/, 'the upstream saw the query (the body may be pretty-printed)')
  t.match(plain.stdout, "Bearer {{ get_secret('not_set') }}", 'the debug view shows the template')
  const last = upstream.to('/cli/').at(-1)
  t.equal(last?.body, '{"hello":"world"}')
  t.equal(last?.headers['x-free'], 'given')

  const json = await runCli([...args, '--json', '--verbose'], env)
  t.equal(json.code, 0)
  const out = JSON.parse(json.stdout)
  t.equal(out.status, 200)
  t.equal(out.debug.headers['X-Free'], 'given')
  t.same(JSON.parse(out.body), { path: '/cli/7?q=a%20b' })

  const missing = await runCli(['test', 'cli-echo', '--config', config, '--json'], env)
  t.equal(missing.code, 1)
  t.equal(JSON.parse(JSON.parse(missing.stdout).body).errors.code, 'MISSING_PATH_PARAMETERS')
  const unknown = await runCli(['test', 'nope', '--config', config], env)
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /nope/)
})
