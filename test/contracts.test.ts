// The recorded contracts of the example registry (contracts/, recorded by
// scripts/record-example-contracts.ts) replay offline and match: what a user's CI runs.
import t from 'tap'
import { conduit, ROOT } from './bin/fixtures/cli.js'

t.test('conduit contract replays contracts/ against config/connectors_registry.json', async t => {
  const r = await conduit(['contract', 'contracts', '--registry', 'config/connectors_registry.json'], { cwd: ROOT })
  t.equal(r.code, 0, r.stdout + r.stderr)
  for (const name of ['weather-api', 'crm-contact', 'create-ticket', 'github-repo-summary', 'salesforce-accounts', 'contact-with-company']) {
    t.match(r.stdout, new RegExp(`✓ contracts/${name}\\.contract\\.json \\(${name}\\)`))
  }
  t.match(r.stdout, /6 contract\(s\): 6 matched/)
})
