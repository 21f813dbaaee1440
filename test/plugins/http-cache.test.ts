// The HTTP cache through the whole app (SPEC §8, §10): a hit skips the upstream, shows in
// Server-Timing and X-Connector-Timing with an Age header, and still runs the response template;
// callers whose rendered headers differ never share an entry; composite steps are cached too.
import t from 'tap'
import { callerToken, loopbackUpstream, trafficApp } from './fixtures/traffic-app.js'

t.test('a cached GET: miss, then hits until stale, then revalidated with a 304', async t => {
  let etagHits = 0
  const up = await loopbackUpstream((req, res) => {
    if (req.headers['if-none-match'] === '"r1"') {
      res.writeHead(304, { etag: '"r1"', 'cache-control': 'max-age=1' })
      res.end()
      return
    }
    etagHits++
    res.writeHead(200, { 'content-type': 'application/json', etag: '"r1"', 'cache-control': 'max-age=1' })
    res.end(JSON.stringify({ records: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] }))
  })
  const { app } = await trafficApp({
    connectors: [
      { name: 'Plain', url: `${up.origin}/plain` },
      { name: 'Shaped', url: `${up.origin}/shaped`, response_body: '{{ (response.body | from_json).records | map(attribute="name") | join(",") }}|{{ response.status_code }}', response_content_type: 'text/plain' }
    ]
  })
  t.teardown(async () => { await app.close(); await up.close() })

  const first = await app.inject({ method: 'GET', url: '/connectors/plain/execute' })
  t.equal(first.statusCode, 200)
  t.match(first.headers['server-timing'], /cache;dur=[\d.]+;desc="Cache Miss"/)
  t.equal(JSON.parse(first.headers['x-connector-timing'] as string).cache_hit, false)

  const second = await app.inject({ method: 'GET', url: '/connectors/plain/execute' })
  t.equal(second.statusCode, 200)
  t.equal(second.body, first.body)
  t.match(second.headers['server-timing'], /desc="Cache Hit"/)
  t.equal(JSON.parse(second.headers['x-connector-timing'] as string).cache_hit, true)
  t.match(second.headers.age, /^\d+$/, 'a hit carries Age')
  t.equal(up.seen.filter(s => s.url === '/plain').length, 1, 'the upstream was called once')

  // The response template runs on hits too.
  const shaped1 = await app.inject({ method: 'GET', url: '/connectors/shaped/execute' })
  const shaped2 = await app.inject({ method: 'GET', url: '/connectors/shaped/execute' })
  t.equal(shaped1.body, 'a,b|200')
  t.equal(shaped2.body, 'a,b|200', 'the template rendered the cached answer')
  t.match(shaped2.headers['server-timing'], /desc="Cache Hit"/)
  t.equal(shaped2.headers['content-type'], 'text/plain')

  await new Promise(resolve => setTimeout(resolve, 1100))
  const third = await app.inject({ method: 'GET', url: '/connectors/plain/execute' })
  t.equal(third.statusCode, 200, 'the caller gets the stored answer, not a 304')
  t.equal(third.body, first.body)
  const plainCalls = up.seen.filter(s => s.url === '/plain')
  t.equal(plainCalls.length, 2)
  t.equal(plainCalls[1].headers['if-none-match'], '"r1"', 'revalidated with the stored ETag')
  const fourth = await app.inject({ method: 'GET', url: '/connectors/plain/execute' })
  t.match(fourth.headers['server-timing'], /desc="Cache Hit"/, 'the 304 refreshed the entry')
  t.equal(up.seen.filter(s => s.url === '/plain').length, 2)
  t.equal(etagHits, 2, 'bodies fetched: one per connector')
})

t.test('two callers whose rendered X-User-Email differs never get each other\'s answer', async t => {
  const up = await loopbackUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' })
    res.end(JSON.stringify({ for: req.headers['x-user-email'] }))
  })
  const { app } = await trafficApp({ connectors: [{ name: 'Me', url: `${up.origin}/me`, headers: [{ key: 'X-User-Email', value: '{{ user.email }}' }] }] })
  t.teardown(async () => { await app.close(); await up.close() })
  const ada = { authorization: `Bearer ${await callerToken({ sub: 'u1', email: 'ada@example.com' })}` }
  const bob = { authorization: `Bearer ${await callerToken({ sub: 'u2', email: 'bob@example.com' })}` }
  t.same((await app.inject({ url: '/connectors/me/execute', headers: ada })).json(), { for: 'ada@example.com' })
  t.same((await app.inject({ url: '/connectors/me/execute', headers: bob })).json(), { for: 'bob@example.com' })
  const adaAgain = await app.inject({ url: '/connectors/me/execute', headers: ada })
  t.same(adaAgain.json(), { for: 'ada@example.com' })
  t.match(adaAgain.headers['server-timing'], /desc="Cache Hit"/)
  const bobAgain = await app.inject({ url: '/connectors/me/execute', headers: bob })
  t.same(bobAgain.json(), { for: 'bob@example.com' })
  t.equal(up.seen.length, 2)
})

t.test('"cache": false, no-store, private, POST and a 404 always reach the upstream', async t => {
  const up = await loopbackUpstream((req, res) => {
    const cc = req.url === '/no-store' ? 'no-store' : req.url === '/private' ? 'private, max-age=60' : 'max-age=60'
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'cache-control': cc })
    res.end('{}')
  })
  const { app } = await trafficApp({
    connectors: [
      { name: 'Off', url: `${up.origin}/off`, cache: false },
      { name: 'No store', url: `${up.origin}/no-store` },
      { name: 'Private', url: `${up.origin}/private` },
      { name: 'Post', url: `${up.origin}/post`, method: 'POST' },
      { name: 'Missing', url: `${up.origin}/missing` }
    ]
  })
  t.teardown(async () => { await app.close(); await up.close() })
  for (const [permalink, method] of [['off', 'GET'], ['no-store', 'GET'], ['private', 'GET'], ['post', 'POST'], ['missing', 'GET']]) {
    for (let i = 0; i < 2; i++) {
      const r = await app.inject({ method: method as 'GET', url: `/connectors/${permalink}/execute`, ...(method === 'POST' ? { payload: {} } : {}) })
      t.match(r.headers['server-timing'], /desc="Cache Miss"/, `${permalink} #${i}`)
    }
  }
  for (const path of ['/off', '/no-store', '/private', '/post', '/missing']) t.equal(up.seen.filter(s => s.url === path).length, 2, path)
})

t.test('composite steps go through the same cache', async t => {
  const up = await loopbackUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' })
    res.end(JSON.stringify({ step: req.url }))
  })
  const { app } = await trafficApp({
    composite_connectors: [{ name: 'Flow', steps: [{ name: 'one', url: `${up.origin}/one` }, { name: 'two', url: `${up.origin}/two?from={{ steps.one.body.step }}` }] }]
  })
  t.teardown(async () => { await app.close(); await up.close() })
  const a = await app.inject({ method: 'POST', url: '/connectors/composite/flow/execute', payload: {} })
  const b = await app.inject({ method: 'POST', url: '/connectors/composite/flow/execute', payload: {} })
  t.equal(a.statusCode, 200)
  t.same(b.json(), a.json())
  t.equal(up.seen.length, 2, 'each step fetched once')
})

t.test('upstream requests carry X-Request-ID and User-Agent: Conduit/<version> unless the connector sets them', async t => {
  const up = await loopbackUpstream((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}') })
  const { app } = await trafficApp({
    connectors: [
      { name: 'Plain', url: `${up.origin}/plain` },
      { name: 'Own', url: `${up.origin}/own`, headers: [{ key: 'user-agent', value: 'my-agent/1' }, { key: 'X-Request-Id', value: 'fixed' }] }
    ]
  })
  t.teardown(async () => { await app.close(); await up.close() })
  await app.inject({ url: '/connectors/plain/execute', headers: { 'x-request-id': 'req-42' } })
  await app.inject({ url: '/connectors/own/execute', headers: { 'x-request-id': 'req-43' } })
  const { version } = JSON.parse((await import('node:fs')).readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(up.seen[0].headers['x-request-id'], 'req-42')
  t.equal(up.seen[0].headers['user-agent'], `Conduit/${version}`)
  t.equal(up.seen[1].headers['user-agent'], 'my-agent/1')
  t.equal(up.seen[1].headers['x-request-id'], 'fixed')
})
