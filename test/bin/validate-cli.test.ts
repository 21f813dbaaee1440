import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

// No CONDUIT_* variables from the developer's shell: each test says what settings it runs with.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONDUIT_')))

function conduitIn (cwd: string, args: string[], env: Record<string, string | undefined> = {}): { status: number | null, stdout: string, stderr: string } {
  // The tsx binary itself (what `npx tsx` runs), so npm's own notices stay out of stderr.
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bin', 'conduit.ts'), 'validate', ...args],
    { cwd, encoding: 'utf8', timeout: 60_000, env: { ...ENV, ...env } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

let scratch = ''
t.before(async () => { scratch = await mkdtemp(join(tmpdir(), 'conduit-cli-')) })
t.teardown(() => rm(scratch, { recursive: true, force: true }))
/** Runs in an empty directory, so no config/conduit.json is picked up unless a test passes --config. */
const conduit = (...args: string[]): ReturnType<typeof conduitIn> => conduitIn(scratch, args)
const EXAMPLE = join(ROOT, 'config', 'connectors_registry.json')

t.test('a valid registry: exit 0 and a short summary', async t => {
  const r = conduit(EXAMPLE)
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout, `${EXAMPLE}: valid — 5 connectors, 1 composite connector in 1 file\n`)
  t.equal(r.stderr, '')
})

t.test('an invalid registry: every error on stderr, exit 1; warnings are printed either way', async t => {
  const dir = scratch
  const bad = join(dir, 'bad.json')
  await writeFile(bad, JSON.stringify({
    connectors: [
      { name: 'Leaky', url: "https://api.example.com/{{ get_secret('key') }}", color: 'blue' },
      { name: 'Local', url: 'https://127.0.0.1/x', method: 'FETCH' }
    ]
  }, null, 2))
  const r = conduit(bad)
  t.equal(r.status, 1)
  t.equal(r.stdout, '')
  const lines = r.stderr.trim().split('\n')
  t.match(lines[0], new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} › connector 'Leaky' › url: get_secret\\(\\) is not available in url.* \\(line 1, column \\d+\\)$`))
  t.equal(lines[1], `error: ${bad} › connector 'Local' › method: 'FETCH' is not supported; use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS`)
  t.equal(lines[2], `error: ${bad} › connector 'Local' › url: the host '127.0.0.1' is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting (line 1, column 9)`)
  t.equal(lines[3], `${bad}: invalid — 3 errors`)
  t.equal(lines.length, 4)

  const warn = join(dir, 'warn.json')
  await writeFile(warn, JSON.stringify({ connectors: [{ name: 'W', url: 'https://127.0.0.1/x', color: 'blue' }] }))
  const ok = conduit(warn, '--allow-private-networks')
  t.equal(ok.status, 0, ok.stderr)
  t.equal(ok.stderr, `warning: ${warn} › connector 'W' › color: unknown connector field 'color' is ignored\n`)
  t.equal(ok.stdout, `${warn}: valid — 1 connector, 0 composite connectors in 1 file, 1 warning\n`)

  const syntax = join(dir, 'syntax.json')
  await writeFile(syntax, '{\n  "connectors": [\n    { "name": "x" "url": "y" }\n  ]\n}')
  const s = conduit(syntax)
  t.equal(s.status, 1)
  t.equal(s.stderr, `error: ${syntax}: invalid JSON: Expected ',' or '}' after property value (line 3, column 19)\n${syntax}: invalid — 1 error\n`)
})

t.test('usage errors exit 2', async t => {
  const help = conduit('--help')
  t.equal(help.status, 0)
  t.match(help.stdout, /^usage: conduit validate \[PATH\]/)
  const extra = conduit('a.json', 'b.json')
  t.equal(extra.status, 2)
  t.match(extra.stderr, /unexpected argument 'b.json'/)
  const config = conduit('a.json', '--config')
  t.equal(config.status, 2)
  t.match(config.stderr, /--config needs a value\nusage: conduit validate \[PATH\] \[options\]/)
})

t.test('settings decide the URL rules and the default PATH, as for serve', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-cli-settings-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const registry = join(dir, 'local.json')
  await writeFile(registry, JSON.stringify({ connectors: [{ name: 'Local', url: 'http://127.0.0.1:9000/x' }] }))
  const settings = join(dir, 'conduit.json')
  await writeFile(settings, JSON.stringify({ registry: { path: registry }, upstream: { allowInsecure: true, allowPrivateNetworks: true } }))

  t.equal(conduitIn(dir, [registry]).status, 1, 'strict defaults without settings')
  const withConfig = conduitIn(dir, ['--config', settings])
  t.equal(withConfig.status, 0, withConfig.stderr)
  t.equal(withConfig.stdout, `${registry}: valid — 1 connector, 0 composite connectors in 1 file\n`, 'PATH defaults to registry.path')
  const fromEnv = conduitIn(dir, [registry], { CONDUIT_UPSTREAM_ALLOW_INSECURE: 'true', CONDUIT_UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true' })
  t.equal(fromEnv.status, 0, fromEnv.stderr)
  const flags = conduitIn(dir, [registry, '--allow-insecure', '--allow-private-networks'])
  t.equal(flags.status, 0, flags.stderr)

  const missing = conduitIn(dir, ['--config', join(dir, 'nope.json')])
  t.equal(missing.status, 1)
  t.match(missing.stderr, /^error: Settings file .*nope\.json \(from --config\) does not exist\n$/)
})
