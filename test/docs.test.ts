// docs/ stays true to the code: every settings key of the schema (with its environment variable),
// every error code, every CLI command and every recorded Jinja2 divergence is documented.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { leafSettings } from '../src/settings/schema.js'
import { ERROR_CODES } from '../src/errors.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DOCS = join(ROOT, 'docs')
const text = readdirSync(DOCS).filter(f => f.endsWith('.md')).map(f => readFileSync(join(DOCS, f), 'utf8')).join('\n')
const page = (name: string): string => readFileSync(join(DOCS, name), 'utf8')

t.test('every setting is documented with its environment variable', async t => {
  const settings = page('settings.md')
  const leaves = leafSettings()
  t.ok(leaves.length > 30)
  for (const leaf of leaves) {
    t.ok(settings.includes('`' + leaf.path + '`'), `docs/settings.md documents ${leaf.path}`)
    t.ok(settings.includes('`' + leaf.env + '`'), `docs/settings.md names ${leaf.env}`)
  }
})

t.test('every error code is documented', async t => {
  const errors = page('errors.md')
  for (const [code, entry] of Object.entries(ERROR_CODES)) {
    t.match(errors, new RegExp(`\\| ${entry.status} \\| \`${code}\` \\|`), `docs/errors.md: ${entry.status} ${code}`)
    const scope = (entry as { scope?: string }).scope
    if (scope !== undefined) t.ok(errors.includes(scope), `${code}: scope ${scope}`)
  }
})

t.test('every CLI command and every recorded divergence from Jinja2 is documented', async t => {
  const cli = page('cli.md')
  for (const command of ['serve', 'validate', 'render', 'test', 'contract', 'secrets', 'variables']) {
    t.match(cli, new RegExp(`^## .*conduit ${command}\\b`, 'm'), `docs/cli.md: conduit ${command}`)
  }
  const divergences = JSON.parse(readFileSync(join(ROOT, 'test/template/conformance/divergences.json'), 'utf8')) as Record<string, unknown>
  for (const id of Object.keys(divergences)) t.ok(page('templates.md').includes('`' + id + '`'), `docs/templates.md explains ${id}`)
})

t.test('README links the docs, and every relative link of the docs resolves', async t => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  t.match(readme, /\(docs\/README\.md\)/)
  t.notMatch(readme, /SPEC\.md/, 'no link to a file outside the project')
  t.ok(text.length > 0)
  for (const file of readdirSync(DOCS).filter(f => f.endsWith('.md'))) {
    for (const m of page(file).matchAll(/\]\((?!https?:)([^)#]+)(#[^)]*)?\)/g)) {
      t.doesNotThrow(() => readFileSync(join(DOCS, m[1])), `${file} → ${m[1]}`)
    }
  }
})
