import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadRegistry } from '../../src/registry/load.js'
import { RegistryError, formatProblem, type Registry } from '../../src/registry/types.js'

const strict = { allowInsecure: false, allowPrivateNetworks: false }
const EXAMPLE = fileURLToPath(new URL('../../config/connectors_registry.json', import.meta.url))

async function tempDir (t: { teardown: (fn: () => unknown) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-registry-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function loadError (path: string): Promise<string[]> {
  try {
    await loadRegistry(path, strict)
  } catch (err) {
    if (err instanceof RegistryError) return err.problems.map(formatProblem)
    throw err
  }
  throw new Error('expected the registry to be rejected')
}

const conn = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, url: `https://api.example.com/${name.toLowerCase().replace(/ /g, '-')}`, ...extra })

t.test('the example registry loads with the strict defaults', async t => {
  const r = await loadRegistry(EXAMPLE, strict)
  t.same(r.warnings, [])
  t.same([...r.connectors.keys()], ['weather-api', 'crm-contact', 'create-ticket', 'github-repo-summary', 'salesforce-accounts'])
  t.same([...r.composites.keys()], ['contact-with-company'])
  const weather = r.connectors.get('weather-api')
  t.match(weather?.authentication, { type: 'api_key', in: 'query' })
  t.same(weather?.secretNames, ['weather_api_key'])
  t.same(weather?.query.map(q => [q.key, q.overridable]), [['q', true], ['units', true]])
  const crm = r.connectors.get('crm-contact')
  t.equal(crm?.requiresUser, true)
  t.same(crm?.urlPathParamKeys, ['contact_id'])
  t.same(crm?.variableNames, ['crm_host'])
  t.same(crm?.secretNames, ['crm_token'])
  t.equal(crm?.target.hostKind !== 'literal', true)
  t.equal(r.connectors.get('create-ticket')?.method, 'POST')
  t.equal(r.connectors.get('create-ticket')?.requestBody?.kind, 'request_body')
  t.equal(r.connectors.get('create-ticket')?.timeoutMs, 20000)
  t.equal(r.connectors.get('github-repo-summary')?.responseBody?.kind, 'response_body')
  t.equal(r.connectors.get('salesforce-accounts')?.authentication.type, 'oauth_client_credentials')
  t.same(r.sources, [EXAMPLE])
  t.equal(r.connectors.get('weather-api')?.source, EXAMPLE)
})

t.test('the example templates render what their descriptions promise', async t => {
  const r = await loadRegistry(EXAMPLE, strict)
  const ticket = r.connectors.get('create-ticket')?.requestBody
  const body = JSON.parse(ticket?.render({
    body_text: '{"subject": "Printer", "message": "It is on fire"}',
    user: { id: '1', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', username: null, profile_fields: null },
    tenant_id: 'acme'
  }) ?? '')
  t.same(body, { ticket: { subject: 'Printer', comment: { body: 'It is on fire' }, priority: 'normal', tags: ['conduit', 'acme'], requester: { name: 'Ada Lovelace', email: 'ada@example.com' } } })
  const summary = r.connectors.get('github-repo-summary')?.responseBody
  t.same(JSON.parse(summary?.render({ response: { status_code: 200, headers: {}, body: JSON.stringify({ full_name: 'nodejs/node', description: 'Node', stargazers_count: 1, open_issues_count: 2, default_branch: 'main', html_url: 'https://github.com/nodejs/node', extra: 'dropped' }) } }) ?? ''),
    { name: 'nodejs/node', description: 'Node', stars: 1, open_issues: 2, default_branch: 'main', url: 'https://github.com/nodejs/node' })
  t.same(JSON.parse(summary?.render({ response: { status_code: 404, headers: {}, body: JSON.stringify({ message: 'Not Found' }) } }) ?? ''), { error: true, status: 404, message: 'Not Found' })
})

t.test('a directory of *.json files is merged, files in name order, dot entries skipped', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'b.json'), JSON.stringify({ connectors: [conn('Bravo')] }))
  await writeFile(join(dir, 'a.json'), JSON.stringify({ connectors: [conn('Alpha')], composite_connectors: [{ name: 'Combo', steps: [{ name: 'one', url: 'https://api.example.com/1' }] }] }))
  await writeFile(join(dir, 'notes.txt'), 'not a registry')
  await writeFile(join(dir, '.hidden.json'), '{ broken')
  await mkdir(join(dir, '..2026_01_01'))
  await writeFile(join(dir, '..2026_01_01', 'c.json'), JSON.stringify({ connectors: [conn('Charlie')] }))
  await symlink('..2026_01_01', join(dir, '..data'))
  await symlink(join('..data', 'c.json'), join(dir, 'c.json'))
  const r: Registry = await loadRegistry(dir, strict)
  t.same([...r.connectors.keys()], ['alpha', 'bravo', 'charlie'])
  t.same([...r.composites.keys()], ['combo'])
  t.same(r.sources, [join(dir, 'a.json'), join(dir, 'b.json'), join(dir, 'c.json')])
  t.equal(r.connectors.get('bravo')?.source, join(dir, 'b.json'))
})

t.test('duplicate permalinks across files name both files', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'a.json'), JSON.stringify({ connectors: [conn('Weather')] }))
  await writeFile(join(dir, 'b.json'), JSON.stringify({ connectors: [conn('Weather Two', { permalink: 'weather' })] }))
  t.same(await loadError(dir), [
    `${join(dir, 'b.json')} › connector 'Weather Two' › permalink: duplicate permalink 'weather': already used by connector 'Weather' in ${join(dir, 'a.json')}`
  ])
})

t.test('all-or-nothing: one bad connector in one file rejects everything, listing every problem', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'good.json'), JSON.stringify({ connectors: [conn('Good')] }))
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ connectors: [conn('Bad', { method: 'FETCH' }), conn('Worse', { url: 'https://localhost/x' })] }))
  await writeFile(join(dir, 'syntax.json'), '{\n  "connectors": [\n    { "name": "x", }\n  ]\n}')
  const problems = await loadError(dir)
  t.same(problems, [
    `${join(dir, 'bad.json')} › connector 'Bad' › method: 'FETCH' is not supported; use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS`,
    `${join(dir, 'bad.json')} › connector 'Worse' › url: the host 'localhost' is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting (line 1, column 9)`,
    `${join(dir, 'syntax.json')}: invalid JSON: Expected double-quoted property name (line 3, column 20)`
  ])
  const err = await loadRegistry(dir, strict).catch((e: unknown) => e)
  t.ok(err instanceof RegistryError)
  t.match((err as Error).message, /^Invalid registry: 3 problem\(s\)\n/)
})

t.test('a missing path, an empty directory, an unreadable entry', async t => {
  const dir = await tempDir(t)
  t.same(await loadError(join(dir, 'nope.json')), [`${join(dir, 'nope.json')}: cannot read the registry: no such file or directory`])
  t.same(await loadError(dir), [`${dir}: the registry directory has no *.json files`])
  await symlink(join(dir, 'gone.json'), join(dir, 'dangling.json'))
  t.same(await loadError(dir), [`${dir}: the registry directory has no *.json files`], 'a dangling symlink is not a registry file')
})

t.test('loadedAt comes from the injected clock', async t => {
  const r = await loadRegistry(EXAMPLE, { ...strict, clock: () => 1234 })
  t.equal(r.loadedAt, 1234)
})

t.test('compile limits: a 52 KB elif chain loads; hostile nesting is a problem naming connector and field', async t => {
  const dir = await tempDir(t)
  let chain = '{% set x = 3 %}{% if x == 0 %}a'
  for (let i = 1; chain.length < 52 * 1024; i++) chain += `{% elif x == ${i} %}b`
  chain += '{% endif %}'
  await writeFile(join(dir, 'ok.json'), JSON.stringify({ connectors: [conn('Chain', { method: 'POST', request_body: chain })] }))
  const r = await loadRegistry(join(dir, 'ok.json'), strict)
  t.ok(r.connectors.has('chain'))
  const deep = '{{ ' + '('.repeat(20000) + '1' + ')'.repeat(20000) + ' }}'
  const long = '{{ 1' + '+1'.repeat(20000) + ' }}'
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ connectors: [conn('Deep', { method: 'POST', request_body: deep }), conn('Long', { method: 'POST', request_body: long })] }))
  const problems = await loadError(join(dir, 'bad.json'))
  t.equal(problems.length, 2)
  t.match(problems[0], /› connector 'Deep' › request_body: expression nested too deeply \(more than 64 levels\) \(line 1, column \d+\)$/)
  t.match(problems[1], /› connector 'Long' › request_body: expression too long: more than 256 operators in one expression \(line 1, column \d+\)$/)
})
