// The contract workflow of SPEC §22 as a user runs it: record against a real (loopback) upstream
// with the real secrets, stop the upstream, replay offline, change the connector, see the diff,
// accept it with --update. The contract file must never hold a secret value in any form.
import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { conduit } from './fixtures/cli.js'

const API_KEY = 'sk_live_' + randomBytes(12).toString('hex')
const CLIENT_SECRET = 'cs_' + randomBytes(12).toString('hex')
const ZD_TOKEN = 'zd_' + randomBytes(12).toString('hex')

async function body (req: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text
}

/** A small API that checks the credentials it is sent, as the real one would. */
function upstream (): Server {
  return createServer((req, res) => {
    body(req).then(text => {
      const send = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-ratelimit-remaining': '99', 'set-cookie': 'session=abc' })
        res.end(JSON.stringify(value))
      }
      if (req.url === '/oauth/token') {
        const form = new URLSearchParams(text)
        if (form.get('client_secret') !== CLIENT_SECRET) return send(401, { error: 'invalid_client' })
        return send(200, { access_token: 'at_' + randomBytes(8).toString('hex'), expires_in: 3600, token_type: 'Bearer' })
      }
      if (req.url?.startsWith('/v1/orders/') === true && req.headers.authorization === `Bearer ${API_KEY}`) {
        return send(200, { id: Number(req.url.slice('/v1/orders/'.length)), amount_cents: 1999, echo_key: API_KEY })
      }
      if (req.url === '/v1/tickets' && req.headers.authorization === 'Basic ' + Buffer.from(`ops@example.com/token:${ZD_TOKEN}`).toString('base64')) {
        return send(201, { ticket: { id: 7, subject: (JSON.parse(text) as { subject: string }).subject } })
      }
      if (req.url === '/v1/me' && req.headers.authorization?.startsWith('Bearer at_') === true) return send(200, { name: 'robot' })
      send(401, { error: 'unauthorized' })
    }, () => res.destroy())
  })
}

t.test('record against a loopback upstream, replay offline, diff, update', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-contract-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const server = upstream()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const registryFile = join(dir, 'registry.json')
  const registry = {
    connectors: [
      {
        name: 'Get Order',
        url: `${origin}/v1/orders/{{ pathParams.id }}`,
        headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_key') }}" }],
        path_parameters: [{ key: 'id', overridable: true }],
        response_body: "{% set o = response.body | from_json if response.body is string else response.body %}{{ {'id': o.id, 'total': o.amount_cents / 100} | tojson }}",
        response_content_type: 'application/json'
      },
      {
        name: 'Create Ticket',
        url: `${origin}/v1/tickets`,
        method: 'POST',
        headers: [{ key: 'Authorization', value: "Basic {{ (get_variable('zd_email') ~ '/token:' ~ get_secret('zd_token')) | base64_encode }}" }],
        request_body: "{% set input = body_text | from_json %}{{ {'subject': input.subject, 'requester': user.email} | tojson }}"
      },
      {
        name: 'Who Am I',
        url: `${origin}/v1/me`,
        authentication: {
          type: 'oauth_client_credentials',
          config: { client_id: 'conduit', client_secret: "{{ get_secret('client_secret') }}", token_url: `${origin}/oauth/token` }
        }
      }
    ]
  }
  writeFileSync(registryFile, JSON.stringify(registry, null, 2))
  mkdirSync(join(dir, 'config'))
  writeFileSync(join(dir, 'config', 'conduit.json'), JSON.stringify({
    registry: { path: registryFile },
    upstream: { allowInsecure: true, allowPrivateNetworks: true },
    dataDir: join(dir, 'data')
  }))
  const env = { CONDUIT_MASTER_KEY: randomBytes(32).toString('base64') }
  const run = async (...args: string[]): ReturnType<typeof conduit> => await conduit(args, { cwd: dir, env })
  for (const [name, value] of [['api_key', API_KEY], ['client_secret', CLIENT_SECRET], ['zd_token', ZD_TOKEN]]) {
    t.equal((await conduit(['secrets', 'set', name], { cwd: dir, env, stdin: value })).code, 0)
  }
  t.equal((await run('variables', 'set', 'zd_email', 'ops@example.com')).code, 0)

  const recorded = await Promise.all([
    run('test', 'get-order', '--path-param', 'id=42', '--record', 'contracts/get-order.contract.json'),
    run('test', 'create-ticket', '--payload', '{"subject":"Printer on fire"}', '--user', 'email=ada@example.com', '--record', 'contracts/tickets/create-ticket.contract.json'),
    run('test', 'who-am-i', '--record', 'contracts/who-am-i.contract.json')
  ])
  for (const r of recorded) {
    t.equal(r.code, 0, r.stderr)
    t.match(r.stderr, /contract written to contracts\/.*\.contract\.json \(\d upstream interaction\(s\)\)/)
  }
  t.match(recorded[0].stdout, /HTTP 200\n\n\{\n {2}"id": 42,\n {2}"total": 19.99\n\}/)
  await new Promise(resolve => server.close(resolve))

  for (const file of ['get-order', 'tickets/create-ticket', 'who-am-i']) {
    const text = readFileSync(join(dir, 'contracts', `${file}.contract.json`), 'utf8')
    for (const secret of [API_KEY, CLIENT_SECRET, ZD_TOKEN]) {
      t.notOk(text.includes(secret), `${file}: no secret value`)
      t.notOk(text.includes(Buffer.from(secret).toString('base64').slice(0, 16)), `${file}: no base64 of a secret`)
    }
    t.notOk(/"at_[0-9a-f]{16}"/.test(text), `${file}: no recorded access token`)
  }
  const order = JSON.parse(readFileSync(join(dir, 'contracts/get-order.contract.json'), 'utf8'))
  t.match(order, {
    conduit_contract: 1,
    connector: 'get-order',
    request: { pathParams: { id: '42' } },
    secrets: ['api_key'],
    upstream: [{ scope: origin, method: 'GET', path: '/v1/orders/42', reqheaders: { authorization: 'Bearer <secret:api_key>' }, status: 200, response: { echo_key: '<secret:api_key>' } }],
    response: { status: 200, headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '99' }, body: { id: 42, total: 19.99 } }
  })
  const who = JSON.parse(readFileSync(join(dir, 'contracts/who-am-i.contract.json'), 'utf8'))
  t.match(who.upstream[0], { path: '/oauth/token', body: /client_secret=%3Csecret%3Aclient_secret%3E/, response: { access_token: '<recorded:access_token>' } })
  t.match(who.upstream[1], { path: '/v1/me', reqheaders: { authorization: 'Bearer <recorded:access_token>' } })

  // The upstream is gone: the replay is offline.
  const replay = await run('contract', 'contracts')
  t.equal(replay.code, 0, replay.stdout + replay.stderr)
  t.match(replay.stdout, /✓ contracts\/get-order.contract.json \(get-order\)/)
  t.match(replay.stdout, /✓ contracts\/tickets\/create-ticket.contract.json \(create-ticket\)/)
  t.match(replay.stdout, /3 contract\(s\): 3 matched/)

  // A change of the response template is a difference, shown as a diff.
  registry.connectors[0].response_body = "{% set o = response.body | from_json if response.body is string else response.body %}{{ {'id': o.id, 'total_cents': o.amount_cents} | tojson }}"
  writeFileSync(registryFile, JSON.stringify(registry, null, 2))
  const changed = await run('contract')
  t.equal(changed.code, 1)
  t.match(changed.stdout, /✗ contracts\/get-order.contract.json \(get-order\)\n {4}body:\n/)
  t.match(changed.stdout, /-\s+"total": 19.99/)
  t.match(changed.stdout, /\+\s+"total_cents": 1999/)
  t.match(changed.stdout, /3 contract\(s\): 2 matched, 1 failed/)

  const updated = await run('contract', '--update')
  t.equal(updated.code, 0, updated.stdout)
  t.match(updated.stdout, /↻ contracts\/get-order.contract.json \(get-order\): expectations updated/)
  t.match(JSON.parse(readFileSync(join(dir, 'contracts/get-order.contract.json'), 'utf8')), { response: { body: { id: 42, total_cents: 1999 } } })
  t.equal((await run('contract')).code, 0, 'green again')

  // A request the contract does not hold is named.
  registry.connectors[0].url = `${origin}/v2/orders/{{ pathParams.id }}`
  writeFileSync(registryFile, JSON.stringify(registry, null, 2))
  const moved = await run('contract', 'contracts')
  t.equal(moved.code, 1)
  t.match(moved.stdout, /upstream request not in the contract: GET http:\/\/127.0.0.1:\d+\/v2\/orders\/42/)
  t.match(moved.stdout, /recorded upstream request not made: GET http:\/\/127.0.0.1:\d+\/v1\/orders\/42/)
})

t.test('recording refuses an unreachable upstream; contract reports unreadable files', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-contract-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const registryFile = join(dir, 'registry.json')
  writeFileSync(registryFile, JSON.stringify({ connectors: [{ name: 'Down', url: 'http://127.0.0.1:9/x' }] }))
  mkdirSync(join(dir, 'config'))
  writeFileSync(join(dir, 'config', 'conduit.json'), JSON.stringify({ registry: { path: registryFile }, upstream: { allowInsecure: true, allowPrivateNetworks: true }, dataDir: join(dir, 'data') }))
  const env = { CONDUIT_MASTER_KEY: randomBytes(32).toString('base64') }
  const down = await conduit(['test', 'down', '--record', 'contracts/down.contract.json'], { cwd: dir, env })
  t.equal(down.code, 1)
  t.match(down.stderr, /not recorded: the upstream could not be reached \(UPSTREAM_UNREACHABLE\)/)

  writeFileSync(join(dir, 'bad.contract.json'), '{"conduit_contract": 1,')
  const bad = await conduit(['contract', '.'], { cwd: dir, env })
  t.equal(bad.code, 1)
  t.match(bad.stdout, /✗ bad.contract.json: not a contract: invalid JSON/)
  const credential = await conduit(['test', 'down', '--header', 'Authorization=Bearer a.b.c', '--record', 'contracts/x.contract.json'], { cwd: dir, env })
  t.equal(credential.code, 1)
  t.match(credential.stderr, /not recorded: a contract would keep the --header authorization; give the caller with --user or --caller-jwt/)
  const none = await conduit(['contract', 'nowhere'], { cwd: dir, env })
  t.equal(none.code, 1)
  t.match(none.stderr, /cannot read nowhere \(ENOENT\)/)
})
