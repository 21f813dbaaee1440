// Records contracts/*.contract.json for the example registry (config/connectors_registry.json)
// against a fake upstream on loopback, so the examples need no account at any of those APIs:
//
//   npx tsx scripts/record-example-contracts.ts
//
// How: a throw-away CA and a certificate for every example host (openssl), an HTTPS server on
// 127.0.0.1 that answers like those APIs and checks the credentials it is sent, a throw-away file
// secret store holding fake secrets, and for each example one `conduit test … --record` with
// `--connect-to <host>:443:127.0.0.1:<port>` (URLs, Host headers and TLS names stay the real ones)
// and NODE_EXTRA_CA_CERTS so the certificate is trusted. Recording your own connectors is the same
// command against your real API: see README "Testing your connectors".
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const HOSTS = ['api.openweathermap.org', 'api.hubapi.com', 'acme.zendesk.com', 'api.github.com', 'login.salesforce.com', 'acme.my.salesforce.com']
const SECRETS: Record<string, string> = {
  weather_api_key: 'fake-weather-' + randomBytes(8).toString('hex'),
  crm_token: 'fake-crm-' + randomBytes(8).toString('hex'),
  zendesk_api_token: 'fake-zendesk-' + randomBytes(8).toString('hex'),
  github_token: 'fake-github-' + randomBytes(8).toString('hex'),
  salesforce_client_secret: 'fake-sf-' + randomBytes(8).toString('hex')
}
const VARIABLES: Record<string, string> = {
  crm_host: 'api.hubapi.com',
  zendesk_subdomain: 'acme',
  zendesk_email: 'support@acme.example',
  salesforce_instance: 'acme',
  salesforce_client_id: 'conduit-example-client'
}

/** Each example: the arguments of `conduit test`. */
const EXAMPLES: Record<string, string[]> = {
  'weather-api': ['--query', 'q=Paris,fr'],
  'crm-contact': ['--path-param', 'contact_id=42', '--user', 'email=ops@example.com'],
  'create-ticket': ['--payload', '{"subject":"Printer on fire","message":"Smoke from tray 2","priority":"high"}',
    '--user', 'email=ada@example.com', '--user', 'first_name=Ada', '--user', 'last_name=Lovelace', '--user', 'tenant_id=acme'],
  'github-repo-summary': ['--path-param', 'owner=nodejs', '--path-param', 'repo=node'],
  'salesforce-accounts': [],
  'contact-with-company': ['--query', 'contact_id=42']
}

async function bodyOf (req: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text
}

function json (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(value))
}

/** Answers like the example APIs, and 401 when the credentials are not the ones stored. */
async function fakeApi (req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await bodyOf(req)
  const host = req.headers.host ?? ''
  const url = new URL(req.url ?? '/', `https://${host}`)
  const auth = req.headers.authorization
  const bearer = (token: string): boolean => auth === `Bearer ${token}`
  if (host === 'api.openweathermap.org' && url.pathname === '/data/2.5/weather') {
    if (url.searchParams.get('appid') !== SECRETS.weather_api_key) return json(res, 401, { cod: 401, message: 'Invalid API key' })
    return json(res, 200, { name: url.searchParams.get('q')?.split(',')[0], main: { temp: 14.2, humidity: 71 }, weather: [{ main: 'Clouds' }], units: url.searchParams.get('units') }, { 'x-cache-key': '/data/2.5/weather' })
  }
  if (host === 'api.hubapi.com') {
    if (!bearer(SECRETS.crm_token)) return json(res, 401, { status: 'error', message: 'Authentication credentials not found' })
    if (url.pathname === '/crm/v3/objects/contacts/42') {
      return json(res, 200, {
        id: '42',
        properties: { email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper', company: 'Navy' },
        associations: { companies: { results: [{ id: '9001', type: 'contact_to_company' }] } }
      }, { 'x-hubspot-ratelimit-remaining': '99', 'x-ratelimit-remaining': '99' })
    }
    if (url.pathname === '/crm/v3/objects/companies/9001') return json(res, 200, { id: '9001', properties: { name: 'US Navy', domain: 'navy.mil' } })
    return json(res, 404, { status: 'error', message: 'Object not found' })
  }
  if (host === 'acme.zendesk.com' && url.pathname === '/api/v2/tickets.json' && req.method === 'POST') {
    if (auth !== 'Basic ' + Buffer.from(`${VARIABLES.zendesk_email}/token:${SECRETS.zendesk_api_token}`).toString('base64')) return json(res, 401, { error: "Couldn't authenticate you" })
    const ticket = (JSON.parse(text) as { ticket: Record<string, unknown> }).ticket
    return json(res, 201, { ticket: { id: 35436, status: 'new', ...ticket } }, { location: 'https://acme.zendesk.com/api/v2/tickets/35436.json' })
  }
  if (host === 'api.github.com' && url.pathname === '/repos/nodejs/node') {
    if (!bearer(SECRETS.github_token)) return json(res, 401, { message: 'Bad credentials' })
    return json(res, 200, { full_name: 'nodejs/node', description: 'Node.js JavaScript runtime', stargazers_count: 110000, open_issues_count: 1700, default_branch: 'main', html_url: 'https://github.com/nodejs/node' }, { etag: 'W/"abc123"', 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999' })
  }
  if (host === 'login.salesforce.com' && url.pathname === '/services/oauth2/token') {
    const form = new URLSearchParams(text)
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_secret') !== SECRETS.salesforce_client_secret) return json(res, 400, { error: 'invalid_client' })
    return json(res, 200, { access_token: '00D' + randomBytes(12).toString('hex'), instance_url: 'https://acme.my.salesforce.com', token_type: 'Bearer', issued_at: '1764614400000' })
  }
  if (host === 'acme.my.salesforce.com' && url.pathname === '/services/data/v60.0/query') {
    if (auth?.startsWith('Bearer 00D') !== true) return json(res, 401, [{ errorCode: 'INVALID_SESSION_ID' }])
    return json(res, 200, { totalSize: 2, done: true, records: [{ Id: '001A', Name: 'Acme', Industry: 'Manufacturing' }, { Id: '001B', Name: 'Globex', Industry: 'Energy' }] })
  }
  json(res, 404, { message: 'not found' })
}

function conduit (args: string[], env: Record<string, string>, stdin = ''): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), join(ROOT, 'bin/conduit.ts'), ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, input: stdin, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'conduit-record-'))
  try {
    const key = join(work, 'key.pem')
    const cert = join(work, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=conduit fake upstream', '-addext', 'subjectAltName=' + HOSTS.map(h => `DNS:${h}`).join(',')], { stdio: 'ignore' })
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => { fakeApi(req, res).catch(() => res.destroy()) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port

    const config = join(work, 'conduit.json')
    writeFileSync(config, JSON.stringify({
      registry: { path: join(ROOT, 'config/connectors_registry.json'), watch: false },
      // The fake upstream is on loopback: the SSRF guard would (rightly) refuse it.
      upstream: { allowPrivateNetworks: true },
      dataDir: join(work, 'data')
    }))
    const env: Record<string, string> = { CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'), NODE_EXTRA_CA_CERTS: cert }
    for (const k of Object.keys(process.env)) if (k.startsWith('CONDUIT_') && !(k in env)) env[k] = ''
    for (const [name, value] of Object.entries(SECRETS)) {
      const r = conduit(['secrets', 'set', name, '--config', config], env, value)
      if (r.status !== 0) throw new Error(r.stderr)
    }
    for (const [name, value] of Object.entries(VARIABLES)) {
      const r = conduit(['variables', 'set', name, value, '--config', config], env)
      if (r.status !== 0) throw new Error(r.stderr)
    }
    mkdirSync(join(ROOT, 'contracts'), { recursive: true })
    const connectTo = HOSTS.flatMap(h => ['--connect-to', `${h}:443:127.0.0.1:${port}`])
    let failed = 0
    for (const [permalink, args] of Object.entries(EXAMPLES)) {
      // Recording happens in a child process: the server answers from this one.
      const r = await new Promise<{ status: number | null, stderr: string }>(resolve => {
        const child = spawnChild(['test', permalink, ...args, '--record', `contracts/${permalink}.contract.json`, '--config', config, ...connectTo], env)
        let stderr = ''
        child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
        child.on('close', status => resolve({ status, stderr }))
      })
      process.stdout.write(`${r.status === 0 ? 'recorded' : 'FAILED  '} ${permalink}${r.status === 0 ? '' : '\n' + r.stderr}\n`)
      if (r.status !== 0) failed++
    }
    await new Promise(resolve => server.close(resolve))
    if (failed > 0) process.exitCode = 1
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function spawnChild (args: string[], env: Record<string, string>): ChildProcess {
  // spawnSync would block this process, and with it the fake upstream.
  return spawn(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), join(ROOT, 'bin/conduit.ts'), ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
}

await main()
