// `npm run bench`: Conduit against a bare proxy, measured alternately in one process tree so the
// ratios are fair. Each server runs in its own child process; autocannon runs here.
//   (1) the upstream directly  (2) a bare @fastify/reply-from proxy  (2b) a minimal node:http +
//   undici.request proxy (the practical limit)  (3) Conduit, static connector  (4) Conduit,
//   realistic connector (caller JWT user fields in headers, api_key from the file store, a query
//   template)  (5) the same plus a response template  (5b) the same against an upstream whose body
//   differs on every call, so no rendered output is reused (src/template/response-memo.ts)
//   (6) a cached GET (the upstream allows caching; a hit skips it)
// Each row also shows the CPU time the answering server spent per request (Linux /proc), the
// figure to optimise against: it is what a ratio of req/s is made of, without the machine's noise.
// Conduit runs as in production: metrics on, rate limiting on (local store, a limit the bench
// never reaches), tracing off.
// Then (unless BENCH_SKIP_LARGE=1): load time of a 10,000-connector registry, and latency with 10
// vs 10,000 connectors.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { loadRegistry } from '../src/registry/load.js'

const root = new URL('..', import.meta.url).pathname
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = 50
const JWT_SECRET = 'bench-caller-secret-0123456789abcdef'
const ADMIN_TOKEN = 'bench-admin-token-' + randomBytes(8).toString('hex')

const children: ChildProcess[] = []
process.on('exit', () => { for (const c of children) c.kill('SIGTERM') })

function startChild (args: string[], env: Record<string, string> = {}, readyPattern?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    const lines = createInterface({ input: child.stdout })
    lines.on('line', line => {
      if (readyPattern === undefined) {
        try { resolve((JSON.parse(line) as { port: number }).port) } catch {}
      } else if (readyPattern.test(line)) {
        resolve(0)
      }
    })
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d))
    child.on('exit', code => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
}

async function freePort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

async function waitReady (url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`${url} never became ready`)
}

function b64url (s: string): string {
  return Buffer.from(s).toString('base64url')
}

function callerJwt (): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const now = Math.floor(Date.now() / 1000)
  const payload = b64url(JSON.stringify({ sub: 'u-42', email: 'ada@example.com', given_name: 'Ada', family_name: 'Lovelace', tenant_id: 't-1', iat: now, exp: now + 3600 }))
  const sig = createHmac('sha256', JWT_SECRET).update(`${header}.${payload}`).digest('base64url')
  return `${header}.${payload}.${sig}`
}

function connectors (upstream: string): unknown[] {
  const realistic = {
    url: `${upstream}/data`,
    headers: [
      { key: 'X-User-Email', value: '{{ user.email }}' },
      { key: 'X-User-Name', value: '{{ user.first_name }} {{ user.last_name }}' },
      { key: 'X-Tenant', value: '{{ tenant_id }}' }
    ],
    query_parameters: [
      { key: 'user', value: '{{ user.id }}' },
      { key: 'limit', value: '{{ 10 * 2 }}', overridable: true }
    ],
    authentication: { type: 'api_key', config: { key: 'X-Api-Key', value: "{{ get_secret('bench_api_key') }}", in: 'header' } }
  }
  const responseTemplate = {
    response_body: '{% if response.status_code == 200 %}{% set body = response.body | from_json %}[{% for i in body.records if i.is_public %}{"id": {{ i.id }}, "name": {{ i.name | tojson }}}{% if not loop.last %},{% endif %}{% endfor %}]{% else %}{"error": true}{% endif %}',
    response_content_type: 'application/json'
  }
  return [
    { name: 'Static', permalink: 'static', url: `${upstream}/data` },
    { name: 'Cached', permalink: 'cached', url: `${upstream}/cached` },
    { name: 'Realistic', permalink: 'realistic', ...realistic },
    { name: 'Realistic with response template', permalink: 'realistic-response', ...realistic, ...responseTemplate },
    // The upstream's body differs on every call: the template renders every time (no output to reuse).
    { name: 'Realistic with response template, varying body', permalink: 'realistic-response-varying', ...realistic, url: `${upstream}/varying`, ...responseTemplate }
  ]
}

interface Figures { rps: number, p50: number, p99: number, internalP99?: number, cpuUs?: number }

/**
 * CPU time (user + system, µs) a process has used, from /proc (Linux; undefined elsewhere). Per
 * request it says what the server under test costs, which a noisy machine disturbs far less than
 * req/s: a ratio of req/s moves with CPU steal, the µs a request costs barely does.
 */
function cpuMicros (pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return undefined
  }
}

/** One autocannon run against url; `pid` is the server process whose CPU time per request is reported. */
async function measure (url: string, headers: Record<string, string> = {}, pid?: number): Promise<Figures> {
  const internal: number[] = []
  const cpuBefore = cpuMicros(pid)
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers,
    requests: [{
      onResponse: (status: number, _body: string, _ctx: unknown, resHeaders?: Record<string, string>) => {
        if (status !== 200) throw new Error(`${url} answered ${status}`)
        const timing = resHeaders?.['x-connector-timing']
        if (timing !== undefined) internal.push((JSON.parse(timing) as { internal_ms: number }).internal_ms)
      }
    }]
  } as autocannon.Options)
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  internal.sort((a, b) => a - b)
  const cpuAfter = cpuMicros(pid)
  return {
    cpuUs: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    internalP99: internal.length === 0 ? undefined : internal[Math.floor(internal.length * 0.99)]
  }
}

async function startConduit (registry: string, upstreamPort: number): Promise<{ base: string, pid?: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'conduit-bench-data-'))
  const port = await freePort()
  const env = {
    CONDUIT_DATA_DIR: dataDir,
    CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
    CONDUIT_ADMIN_TOKEN: ADMIN_TOKEN,
    CONDUIT_UPSTREAM_ALLOW_INSECURE: 'true',
    CONDUIT_UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
    CONDUIT_CALLERS_JWT_SECRET: JWT_SECRET,
    CONDUIT_LOG_LEVEL: 'warn',
    CONDUIT_REGISTRY_WATCH: 'false',
    // Production-like: every request counted (never reached), metrics on (the default), tracing off.
    CONDUIT_RATE_LIMIT_ENABLED: 'true',
    CONDUIT_RATE_LIMIT_MAX: '1000000000',
    CONDUIT_RATE_LIMIT_WINDOW_SECONDS: '60',
    CONDUIT_RATE_LIMIT_KEY: 'caller'
  }
  startChild(['dist/bin/conduit.js', 'serve', '--registry', registry, '--port', String(port)], env).catch(() => {})
  const pid = children[children.length - 1].pid
  const base = `http://127.0.0.1:${port}`
  await waitReady(`${base}/healthz`)
  const res = await fetch(`${base}/admin/secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench_api_key', value: 'k-' + randomBytes(12).toString('hex') })
  })
  if (res.status !== 201) throw new Error(`could not store the bench secret: ${res.status}`)
  return { base, pid }
}

function fmt (n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toFixed(digits)
}

async function main (): Promise<void> {
  const upstreamPort = await startChild(['bench/servers/upstream.mjs'])
  const upstreamPid = children[children.length - 1].pid
  const upstream = `http://127.0.0.1:${upstreamPort}`
  const proxyPort = await startChild(['bench/servers/reply-from-proxy.mjs', upstream])
  const proxyPid = children[children.length - 1].pid
  const undiciPort = await startChild(['bench/servers/undici-proxy.mjs', upstream])
  const undiciPid = children[children.length - 1].pid

  const dir = mkdtempSync(join(tmpdir(), 'conduit-bench-'))
  const small = join(dir, 'registry-small.json')
  writeFileSync(small, JSON.stringify({ connectors: connectors(upstream) }))
  const { base: conduit, pid: conduitPid } = await startConduit(small, upstreamPort)
  const auth = { authorization: `Bearer ${callerJwt()}` }

  // Name, URL, headers, and the server process whose CPU per request is reported.
  const scenarios: Array<[string, string, Record<string, string>, number | undefined]> = [
    ['(1) upstream directly', `${upstream}/data`, {}, upstreamPid],
    ['(2) bare reply-from proxy', `http://127.0.0.1:${proxyPort}/proxy`, {}, proxyPid],
    ['(2b) node:http + undici.request proxy', `http://127.0.0.1:${undiciPort}/`, {}, undiciPid],
    ['(3) Conduit, static connector', `${conduit}/connectors/static/execute`, {}, conduitPid],
    ['(4) Conduit, realistic connector', `${conduit}/connectors/realistic/execute`, auth, conduitPid],
    ['(5) Conduit, realistic + response template', `${conduit}/connectors/realistic-response/execute`, auth, conduitPid],
    ['(5b) the same, upstream body differs each call', `${conduit}/connectors/realistic-response-varying/execute`, auth, conduitPid],
    ['(6) Conduit, cached GET', `${conduit}/connectors/cached/execute`, {}, conduitPid]
  ]
  const runs = new Map<string, Figures[]>(scenarios.map(([name]) => [name, []]))
  for (const [, url, headers] of scenarios) await measure(url, headers) // warm-up, discarded
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? scenarios : [...scenarios].reverse()
    for (const [name, url, headers, pid] of order) runs.get(name)?.push(await measure(url, headers, pid))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const summary = scenarios.map(([name]) => {
    const r = runs.get(name) ?? []
    const internal = r.map(x => x.internalP99).filter((x): x is number => x !== undefined)
    const cpu = r.map(x => x.cpuUs).filter((x): x is number => x !== undefined)
    return { name, rps: median(r.map(x => x.rps)), p50: median(r.map(x => x.p50)), p99: median(r.map(x => x.p99)), internalP99: internal.length > 0 ? median(internal) : undefined, cpuUs: cpu.length > 0 ? median(cpu) : undefined }
  })
  const row = (label: string): typeof summary[number] => {
    const found = summary.find(s => s.name.startsWith(label + ' '))
    if (found === undefined) throw new Error(`no scenario ${label}`)
    return found
  }
  const baseline = row('(2)').rps
  const limit = row('(2b)').rps
  // Every server runs on this process's Node (`npm run bench`: the one in node_modules, Node 24).
  console.log(`\nNode ${process.version}, ${CONNECTIONS} connections, ${SECONDS}s x ${ROUNDS} rounds per scenario, alternating; medians\n`)
  console.log('scenario'.padEnd(46) + 'req/s'.padStart(9) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + '  vs (2)' + ' vs (2b)' + '  internal p99 ms' + '  server CPU µs/req')
  for (const s of summary) {
    console.log(s.name.padEnd(46) + fmt(s.rps).padStart(9) + fmt(s.p50).padStart(9) + fmt(s.p99).padStart(9) +
      `${fmt((s.rps / baseline) * 100, 1)}%`.padStart(8) + `${fmt((s.rps / limit) * 100, 1)}%`.padStart(8) + fmt(s.internalP99, 3).padStart(18) + fmt(s.cpuUs, 1).padStart(20))
  }
  console.log('(server CPU: user + system time of the process answering, per request; Linux only)')
  const target = (label: string, s: { rps: number }, ratio: number): void => {
    const got = s.rps / baseline
    console.log(`target ${label} >= ${(ratio * 100).toFixed(0)}% of (2): ${(got * 100).toFixed(1)}% ${got >= ratio ? 'PASS' : 'MISS'}`)
  }
  console.log('')
  target('(4) realistic', row('(4)'), 0.90)
  target('(5) realistic + response template', row('(5)'), 0.85)
  target('(6) cached GET', row('(6)'), 1.50)
  const realistic = row('(4)')
  console.log(`target Conduit internal p99 <= 1 ms at ${CONNECTIONS} connections: ${fmt(realistic.internalP99, 3)} ms ${(realistic.internalP99 ?? Infinity) <= 1 ? 'PASS' : 'MISS'}`)
  if (process.env.BENCH_SKIP_LARGE === '1') {
    for (const c of children) c.kill('SIGTERM')
    process.exit(0)
  }

  // 10,000 connectors: load time, and latency against the small registry.
  const big = join(dir, 'registry-10000.json')
  const many = connectors(upstream)
  const generated = 10_000 - many.length
  for (let i = 0; i < generated; i++) {
    many.push({ name: `Generated ${i}`, url: `${upstream}/data/${i}?x={{ tenant_id }}`, headers: [{ key: 'X-N', value: `{{ user.id }}-${i}` }] })
  }
  writeFileSync(big, JSON.stringify({ connectors: many }))
  const t0 = process.hrtime.bigint()
  const loaded = await loadRegistry(big, { allowInsecure: true, allowPrivateNetworks: true })
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
  console.log(`\nregistry of ${loaded.connectors.size} connectors loaded in ${loadMs.toFixed(0)} ms (target <= 3000 ms: ${loadMs <= 3000 ? 'PASS' : 'MISS'})`)
  const { base: conduitBig } = await startConduit(big, upstreamPort)
  // The big registry's process has just started: warm it up (JIT, connection pool) like every
  // scenario above, then measure both alternately and take medians, so the two differ only in
  // registry size.
  const smallUrl = `${conduit}/connectors/realistic/execute`
  const bigUrl = `${conduitBig}/connectors/realistic/execute`
  await measure(bigUrl, auth)
  const smallRuns: Figures[] = []
  const bigRuns: Figures[] = []
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      smallRuns.push(await measure(smallUrl, auth))
      bigRuns.push(await measure(bigUrl, auth))
    } else {
      bigRuns.push(await measure(bigUrl, auth))
      smallRuns.push(await measure(smallUrl, auth))
    }
  }
  const medianOf = (runs: Figures[]): Figures => ({
    rps: median(runs.map(r => r.rps)), p50: median(runs.map(r => r.p50)), p99: median(runs.map(r => r.p99))
  })
  const smallFig = medianOf(smallRuns)
  const bigFig = medianOf(bigRuns)
  console.log(`latency with 10 connectors: p50 ${smallFig.p50} ms p99 ${smallFig.p99} ms, ${fmt(smallFig.rps)} req/s`)
  console.log(`latency with 10,000 connectors: p50 ${bigFig.p50} ms p99 ${bigFig.p99} ms, ${fmt(bigFig.rps)} req/s`)
  for (const c of children) c.kill('SIGTERM')
  process.exit(0)
}

main().catch(err => {
  console.error(err)
  for (const c of children) c.kill('SIGTERM')
  process.exit(1)
})
