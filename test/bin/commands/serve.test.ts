import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adminToken, parseServeArgs } from '../../../bin/commands/serve.js'
import type { Settings } from '../../../src/settings/types.js'

t.test('serve options', async t => {
  t.same(parseServeArgs(['--config', 'c.json', '--registry=r', '--host', '0.0.0.0', '--port', '0']), { config: 'c.json', registry: 'r', host: '0.0.0.0', port: 0 })
  t.throws(() => parseServeArgs(['--port', 'eighty']), /--port must be a number/)
  t.throws(() => parseServeArgs(['--port', '70000']), /--port/)
  t.throws(() => parseServeArgs(['--config']), /--config needs a value/)
  t.throws(() => parseServeArgs(['--verbose']), /unknown option '--verbose'/)
})

t.test('admin token: the setting, else generated once into <dataDir>/admin.token', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-token-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.same(adminToken({ admin: { token: 'configured-token' }, dataDir: dir } as Settings), { token: 'configured-token' })
  const first = adminToken({ admin: {}, dataDir: dir } as Settings)
  t.equal(first.file, join(dir, 'admin.token'))
  t.match(first.token, /^[A-Za-z0-9_-]{43}$/)
  t.equal(readFileSync(join(dir, 'admin.token'), 'utf8').trim(), first.token)
  t.equal(statSync(join(dir, 'admin.token')).mode & 0o777, 0o600)
  t.same(adminToken({ admin: {}, dataDir: dir } as Settings), first, 'the same token on the next start')
})
