// `conduit render` (SPEC §13), run as a user would: template on stdin, output on stdout,
// errors as JSON on stderr with exit code 1.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, conduit as runConduit } from './fixtures/cli.js'
import type { Run } from './fixtures/cli.js'

// Every step is a child process through the TypeScript loader: slow on a busy 2-core machine.
t.setTimeout(300_000)

function conduit (args: string[], stdin: string): Promise<Run> {
  return runConduit(['render', ...args], { cwd: ROOT, stdin })
}

/** The JSON error line (npm may print its own warnings on stderr first). */
function errorJson (stderr: string): Record<string, unknown> {
  const line = stderr.split('\n').find(l => l.startsWith('{'))
  return JSON.parse(line ?? 'null') as Record<string, unknown>
}

const dir = t.testdir({})
const contextFile = join(dir, 'context.json')
writeFileSync(contextFile, JSON.stringify({
  user: { id: 'u1', email: 'ada@example.com', first_name: null, last_name: null, username: null, profile_fields: { 3: 'x' } },
  tenant_id: 't1',
  pathParams: { id: '42' },
  secrets: { api_key: 'K3Y' },
  variables: { region: 'eu' }
}))

t.test('renders a header with a secret', async t => {
  const r = await conduit(['--field', 'header', '--context', contextFile], "Bearer {{ get_secret('api_key') }} {{ user.email }}\n")
  t.equal(r.code, 0)
  t.equal(r.stdout, 'Bearer K3Y ada@example.com')
})

t.test('renders a url; a missing variable renders as written', async t => {
  const r = await conduit(['--field=url', '--context', contextFile], "https://{{ get_variable('region') }}.x/{{ pathParams.id }}/{{ get_variable('zone') }}")
  t.equal(r.code, 0)
  t.equal(r.stdout, "https://eu.x/42/{{ get_variable('zone') }}")
})

t.test('compile errors: JSON problems on stderr, exit 1', async t => {
  const r = await conduit(['--field', 'url', '--context', contextFile], "{{ get_secret('api_key') }}\n{{ nope }}")
  t.equal(r.code, 1)
  t.equal(r.stdout, '')
  t.same(errorJson(r.stderr), {
    error: 'compile',
    problems: [
      { message: 'get_secret() is not available in url: secrets resolve only in headers, query parameters and authentication', line: 1, column: 4 },
      { message: "unknown name 'nope'", line: 2, column: 4 }
    ]
  })
})

t.test('render errors: JSON message on stderr, exit 1', async t => {
  const r = await conduit(['--field', 'request_body', '--context', contextFile], '{{ 1 / 0 }}')
  t.equal(r.code, 1)
  t.same(errorJson(r.stderr), { error: 'render', message: 'division by zero (line 1, column 6)', line: 1, column: 6 })
})

t.test('bad arguments and context files', async t => {
  const badField = await conduit(['--field', 'body', '--context', contextFile], 'x')
  t.equal(badField.code, 2, 'usage errors exit 2, as for every command')
  t.match(errorJson(badField.stderr), { error: 'usage', message: /unknown field 'body'/ })
  const missing = await conduit(['--field', 'url', '--context', join(dir, 'nope.json')], 'x')
  t.equal(missing.code, 1)
  t.match(errorJson(missing.stderr), { error: 'context', message: /cannot read context file/ })
  const badJson = join(dir, 'bad.json')
  writeFileSync(badJson, '{"secrets": {"a": 1}}')
  const bad = await conduit(['--field', 'url', '--context', badJson], 'x')
  t.equal(bad.code, 1)
  t.match(errorJson(bad.stderr), { error: 'context', message: /"secrets" must be an object of strings/ })
})

t.test('error output never shows a secret value of the context file', async t => {
  // A value typed without quotes: JSON.parse's message would quote the text around it.
  const unquoted = join(dir, 'unquoted.json')
  writeFileSync(unquoted, '{"secrets":{"api_key":s3cr3t-value-here}}')
  const r = await conduit(['--field', 'header', '--context', unquoted], 'x')
  t.equal(r.code, 1)
  t.match(errorJson(r.stderr), { error: 'context', message: /is not valid JSON: JSON syntax error at line 1, column 23/ })
  t.notMatch(r.stderr, /s3cr3t/)

  // A render error whose message quotes what it failed on is scrubbed of every context secret.
  const ctx = join(dir, 'secret-ctx.json')
  writeFileSync(ctx, JSON.stringify({ secrets: { api_key: 'not-json-s3cr3t' } }))
  const bad = await conduit(['--field', 'header', '--context', ctx], "{{ get_secret('api_key') | from_json }}")
  t.equal(bad.code, 1)
  t.equal(errorJson(bad.stderr).error, 'render')
  t.notMatch(bad.stderr, /s3cr3t/)
})
