import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LookupAddress } from 'node:dns'
import { Agent, buildConnector, request } from 'undici'
import type { Dispatcher } from 'undici'
import {
  createGuardedConnector, createUpstreamDispatcher, DestinationNotAllowedError, guardLookup, isDestinationNotAllowed
} from '../../src/upstream/dispatcher.js'
import type { LookupFunction } from '../../src/upstream/dispatcher.js'
import { sendUpstream } from '../../src/upstream/send.js'
import { ConduitError } from '../../src/errors.js'

interface Loopback { port: number, connections: number, requests: IncomingMessage[] }

async function loopback (t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok')): Promise<Loopback> {
  const state: Loopback = { port: 0, connections: 0, requests: [] }
  const server = createServer((req, res) => { state.requests.push(req); handler(req, res) })
  server.on('connection', () => { state.connections++ })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  return state
}

const OPTIONS = { timeoutMs: 2000, connectTimeoutMs: 1000, maxResponseBytes: 1024 * 1024, allowInsecure: false }

function dispatcher (t: Test, extra: { allowPrivateNetworks: boolean, lookup?: LookupFunction }): Dispatcher {
  const d = createUpstreamDispatcher({ ...OPTIONS, ...extra })
  t.teardown(() => d.close())
  return d
}

/** A lookup that answers every name with the given addresses, counting its calls. */
function fixedLookup (addresses: string[]): LookupFunction & { calls: string[] } {
  const calls: string[] = []
  const fn = (hostname: string, options: { all?: boolean }, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    calls.push(hostname)
    const list = addresses.map(address => ({ address, family: address.includes(':') ? 6 : 4 }))
    if (options.all === true) callback(null, list)
    else callback(null, list[0]?.address ?? '', list[0]?.family)
  }
  return Object.assign(fn, { calls })
}

async function refused (t: Test, d: Dispatcher, url: string): Promise<void> {
  const err = await sendUpstream(d, { url, method: 'GET', headers: {} }, { timeoutMs: 2000, maxResponseBytes: 1024 }).then(() => undefined, (e: unknown) => e)
  t.type(err, ConduitError, url)
  t.equal((err as ConduitError).code, 'DESTINATION_NOT_ALLOWED', url)
  t.equal((err as ConduitError).status, 502)
  t.equal((err as ConduitError).scope, 'Downstream (network/external service)')
}

t.test('the guard refuses loopback destinations before any connection is made', async t => {
  const server = await loopback(t)
  const d = dispatcher(t, { allowPrivateNetworks: false })
  await refused(t, d, `http://127.0.0.1:${server.port}/`)
  await refused(t, d, `http://localhost:${server.port}/`)
  await refused(t, d, `http://[::1]:${server.port}/`)
  await refused(t, d, `http://[::ffff:127.0.0.1]:${server.port}/`)
  await refused(t, d, `http://2130706433:${server.port}/`)
  await refused(t, d, `https://127.0.0.1:${server.port}/`)
  await refused(t, d, `http://0.0.0.0:${server.port}/`)
  await refused(t, d, `http://[::]:${server.port}/`)
  t.equal(server.connections, 0, 'the loopback server saw no connection')
})

t.test('a host name resolving to a blocked address is refused, whatever name it has', async t => {
  const server = await loopback(t)
  const lookup = fixedLookup(['127.0.0.1'])
  const d = dispatcher(t, { allowPrivateNetworks: false, lookup })
  await refused(t, d, `http://api.example.test:${server.port}/data?key=1`)
  t.same(lookup.calls, ['api.example.test'])
  const many = dispatcher(t, { allowPrivateNetworks: false, lookup: fixedLookup(['10.0.0.5', '169.254.169.254', '::1', '127.0.0.1']) })
  await refused(t, many, `http://internal.example.test:${server.port}/`)
  t.equal(server.connections, 0, 'the loopback server saw no connection')
})

t.test('the lookup guard drops blocked addresses and keeps public ones', async t => {
  const guarded = guardLookup(fixedLookup(['127.0.0.1', '93.184.216.34', 'fd00::1', '2606:4700::1']))
  const all = await new Promise<unknown>((resolve, reject) => guarded('mixed.test', { all: true }, (err, addresses) => err === null ? resolve(addresses) : reject(err)))
  t.same(all, [{ address: '93.184.216.34', family: 4 }, { address: '2606:4700::1', family: 6 }])

  const single = await new Promise<unknown>((resolve, reject) => guardLookup(fixedLookup(['8.8.8.8']))('one.test', {}, (err, address) => err === null ? resolve(address) : reject(err)))
  t.equal(single, '8.8.8.8')

  const blocked = await new Promise<unknown>(resolve => guardLookup(fixedLookup(['10.1.1.1']))('one.test', {}, err => resolve(err)))
  t.type(blocked, DestinationNotAllowedError)
  t.ok(isDestinationNotAllowed(new Error('wrapped', { cause: blocked })), 'found through a cause chain')

  const failing: LookupFunction = (_h, _o, cb) => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), '')
  const notFound = await new Promise<unknown>(resolve => guardLookup(failing)('missing.test', {}, err => resolve(err)))
  t.equal((notFound as NodeJS.ErrnoException).code, 'ENOTFOUND', 'lookup failures pass through unchanged')
})

t.test('the connected address is checked again: a rebinding answer is refused before a request byte is sent', async t => {
  const server = await loopback(t)
  // The base connector resolves on its own (as a rebinding DNS answer would), bypassing the lookup filter.
  const base = buildConnector({ timeout: 1000, lookup: fixedLookup(['127.0.0.1']) })
  const agent = new Agent({ connect: createGuardedConnector({ connectTimeoutMs: 1000, baseConnector: base }) })
  t.teardown(() => agent.close())
  await refused(t, agent, `http://rebind.example.test:${server.port}/`)
  t.equal(server.requests.length, 0, 'no request reached the server')
})

t.test('with allowPrivateNetworks on, loopback destinations are reachable', async t => {
  const server = await loopback(t)
  const d = dispatcher(t, { allowPrivateNetworks: true })
  const res = await request(`http://127.0.0.1:${server.port}/`, { dispatcher: d })
  t.equal(res.statusCode, 200)
  t.equal(await res.body.text(), 'ok')

  const named = dispatcher(t, { allowPrivateNetworks: true, lookup: fixedLookup(['127.0.0.1']) })
  const viaName = await sendUpstream(named, { url: `http://service.internal.test:${server.port}/`, method: 'GET', headers: {} }, { timeoutMs: 2000, maxResponseBytes: 100 })
  t.equal(viaName.body.toString(), 'ok')
})

t.test('connections are kept alive and reused', async t => {
  const server = await loopback(t)
  const d = dispatcher(t, { allowPrivateNetworks: true })
  for (let i = 0; i < 5; i++) {
    const res = await sendUpstream(d, { url: `http://127.0.0.1:${server.port}/${i}`, method: 'GET', headers: {} }, { timeoutMs: 2000, maxResponseBytes: 100 })
    t.equal(res.status, 200)
  }
  t.equal(server.requests.length, 5)
  t.ok(server.connections < 3, `five requests over ${server.connections} connection(s)`)
})
