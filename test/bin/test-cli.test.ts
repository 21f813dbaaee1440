// `conduit test` and `conduit validate --check-secrets` as a user runs them (SPEC §13, §22): the
// README's crm-contact example with --user, a composite, a caller JWT, and a misspelt secret name
// found before production.
import { createServer as createHttpsServer } from 'node:https'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { SignJWT } from 'jose'
import { ROOT, conduit } from './fixtures/cli.js'

const CERT = join(ROOT, 'test/upstream/fixtures/self-signed.crt')
const KEY = join(ROOT, 'test/upstream/fixtures/self-signed-test-only.key.txt')
const CRM_TOKEN = 'crm-' + randomBytes(8).toString('hex')

function api (req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, value: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)) }
  if (req.headers.authorization !== `Bearer ${CRM_TOKEN}`) return send(401, { message: 'bad token' })
  if (req.url?.startsWith('/crm/v3/objects/contacts/42') === true) {
    return send(200, { id: '42', properties: { email: 'grace@example.com' }, asked_by: req.headers['x-user-email'] ?? null, associations: { companies: { results: [{ id: '7' }] } } })
  }
  if (req.url === '/crm/v3/objects/companies/7') return send(200, { id: '7', properties: { name: 'Navy' } })
  send(404, { message: 'not found' })
}

function workdir (t: { teardown: (fn: () => unknown) => void }, settings: Record<string, unknown>): { dir: string, env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-test-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'config'))
  writeFileSync(join(dir, 'config', 'conduit.json'), JSON.stringify({ dataDir: join(dir, 'data'), ...settings }))
  return { dir, env: { CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'), NODE_EXTRA_CA_CERTS: CERT } }
}

t.test('the README example: conduit test crm-contact --path-param contact_id=42 --user email=… --verbose', async t => {
  const server = createHttpsServer({ cert: readFileSync(CERT), key: readFileSync(KEY) }, api)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  // The example registry as shipped; its crm_host variable points at the loopback sandbox.
  const { dir, env } = workdir(t, { registry: { path: join(ROOT, 'config/connectors_registry.json') }, upstream: { allowPrivateNetworks: true } })
  t.equal((await conduit(['secrets', 'set', 'crm_token'], { cwd: dir, env, stdin: CRM_TOKEN })).code, 0)
  t.equal((await conduit(['variables', 'set', 'crm_host', `127.0.0.1:${(server.address() as AddressInfo).port}`], { cwd: dir, env })).code, 0)

  const r = await conduit(['test', 'crm-contact', '--path-param', 'contact_id=42', '--user', 'email=ops@example.com', '--verbose'], { cwd: dir, env })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^--- request \(X-Debug-Request\) ---\n/)
  t.match(r.stdout, /"Authorization": "Bearer \{\{ get_secret\('crm_token'\) \}\}"/)
  t.match(r.stdout, /"X-User-Email": "ops@example.com"/)
  t.match(r.stdout, /"unresolved": \[\]/)
  t.match(r.stdout, /--- response ---\nHTTP 200\n/)
  t.match(r.stdout, /"asked_by": "ops@example.com"/)
  t.notOk(r.stdout.includes(CRM_TOKEN) || r.stderr.includes(CRM_TOKEN), 'the secret value is never printed')

  const anonymous = await conduit(['test', 'crm-contact', '--path-param', 'contact_id=42'], { cwd: dir, env })
  t.equal(anonymous.code, 1)
  t.match(anonymous.stdout, /HTTP 401\n[\s\S]*"code": "AUTHENTICATION_REQUIRED"/)
})

t.test('a composite and a caller JWT in conduit test', async t => {
  const server = createServer(api)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const jwtSecret = 'host-app-signing-secret-0123456789'
  const registry = {
    connectors: [{ name: 'Contact', url: `${origin}/crm/v3/objects/contacts/42`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('crm_token') }}" }, { key: 'X-User-Email', value: '{{ user.email }}' }] }],
    composite_connectors: [{
      name: 'Contact With Company',
      steps: [
        { name: 'contact', url: `${origin}/crm/v3/objects/contacts/{{ request.query_parameters.contact_id }}`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('crm_token') }}" }] },
        {
          name: 'company',
          url: `${origin}/crm/v3/objects/companies/{{ (steps.contact.body | from_json if steps.contact.body is string else steps.contact.body).associations.companies.results[0].id }}`,
          headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('crm_token') }}" }],
          response_body: "{{ {'company': (response.body | from_json if response.body is string else response.body).properties.name} | tojson }}",
          response_content_type: 'application/json'
        }
      ]
    }]
  }
  const { dir, env } = workdir(t, { registry: { path: 'registry.json' }, upstream: { allowInsecure: true, allowPrivateNetworks: true }, callers: { jwt: { secret: jwtSecret } } })
  writeFileSync(join(dir, 'registry.json'), JSON.stringify(registry))
  t.equal((await conduit(['secrets', 'set', 'crm_token'], { cwd: dir, env, stdin: CRM_TOKEN })).code, 0)

  const composite = await conduit(['test', 'contact-with-company', '--query', 'contact_id=42', '--json'], { cwd: dir, env })
  t.equal(composite.code, 0, composite.stderr)
  const out = JSON.parse(composite.stdout)
  t.equal(out.status, 200)
  t.same(JSON.parse(out.body), { company: 'Navy' })
  t.match(out.headers['server-timing'], /step\.contact;dur=.*step\.company;dur=/)
  const withPath = await conduit(['test', 'contact-with-company', '--path-param', 'a=1'], { cwd: dir, env })
  t.equal(withPath.code, 1)
  t.match(withPath.stderr, /composite connectors take no path parameters/)

  const token = await new SignJWT({ email: 'jwt-user@example.com' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setExpirationTime('5m').sign(Buffer.from(jwtSecret))
  const byJwt = await conduit(['test', 'contact', '--caller-jwt', token], { cwd: dir, env })
  t.equal(byJwt.code, 0, byJwt.stderr)
  t.match(byJwt.stdout, /"asked_by": "jwt-user@example.com"/)
  const badJwt = await conduit(['test', 'contact', '--caller-jwt', token + 'x'], { cwd: dir, env })
  t.equal(badJwt.code, 1)
  t.match(badJwt.stderr, /The caller token is not valid/)
})

t.test('validate --check-secrets names a misspelt secret; --strict makes it an error', async t => {
  const { dir, env } = workdir(t, { registry: { path: 'registry.json' } })
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({
    connectors: [{
      name: 'Typo',
      url: "https://{{ get_variable('api_host') }}/v1",
      headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_kye') }}" }],
      authentication: { type: 'api_key', config: { key: 'X-Key', value: "{{ get_secret('api_key') }}", in: 'header' } }
    }]
  }))
  t.equal((await conduit(['secrets', 'set', 'api_key'], { cwd: dir, env, stdin: 'the-real-key' })).code, 0)
  t.equal((await conduit(['variables', 'set', 'api_host', 'api.example.com'], { cwd: dir, env })).code, 0)

  const plain = await conduit(['validate'], { cwd: dir, env })
  t.equal(plain.code, 0)
  t.notOk(plain.stderr.includes('api_kye'), 'without --check-secrets the store is not asked')
  const warned = await conduit(['validate', '--check-secrets'], { cwd: dir, env })
  t.equal(warned.code, 0, 'a missing name is a warning')
  t.equal(warned.stderr, "warning: secret 'api_kye' is not in the file store (used by connector 'typo' › headers[0].value)\n")
  t.match(warned.stdout, /checked 2 secret names and 1 variable name against the file store: 1 missing/)
  const strict = await conduit(['validate', '--check-secrets', '--strict'], { cwd: dir, env })
  t.equal(strict.code, 1)
  t.match(strict.stderr, /^error: secret 'api_kye' is not in the file store/)
  t.notOk((warned.stdout + warned.stderr + strict.stderr).includes('the-real-key'))
  const strictAlone = await conduit(['validate', '--strict'], { cwd: dir, env })
  t.equal(strictAlone.code, 2)
  t.match(strictAlone.stderr, /--strict goes with --check-secrets/)
})

t.test('one --help style, and conduit --version', async t => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const version = await conduit(['--version'], { cwd: ROOT })
  t.same(version, { code: 0, stdout: `conduit ${pkg.version}\n`, stderr: '' })
  const top = await conduit(['--help'], { cwd: ROOT })
  t.equal(top.code, 0)
  for (const name of ['serve', 'validate', 'render', 'test', 'contract', 'secrets', 'variables']) {
    t.match(top.stdout, new RegExp(`\\n {2}${name} +\\S`), `${name} listed`)
    const help = await conduit([name, '--help'], { cwd: ROOT })
    t.equal(help.code, 0, name)
    t.match(help.stdout, new RegExp(`^usage: conduit ${name} .*\\n\\n\\S[\\s\\S]*\\noptions:\\n[\\s\\S]*-h, --help +show this help\\n`), `${name} --help`)
  }
  const unknown = await conduit(['contract', '--frobnicate'], { cwd: ROOT })
  t.equal(unknown.code, 2)
  t.equal(unknown.stderr, "conduit contract: unknown option '--frobnicate'\nusage: conduit contract [DIR] [options]\nRun 'conduit contract --help' for every option.\n")
  t.equal((await conduit(['bogus'], { cwd: ROOT })).code, 2)
})
