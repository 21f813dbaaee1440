import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createRegistryHolder, watchRegistry } from '../../src/registry/watch.js'
import { formatProblem, type Registry, type RegistryProblem } from '../../src/registry/types.js'

const strict = { allowInsecure: false, allowPrivateNetworks: false }
const registryText = (...names: string[]): string => JSON.stringify({ connectors: names.map(name => ({ name, url: 'https://api.example.com/x' })) })

/** A directory laid out like a Kubernetes ConfigMap volume, updated the way the kubelet does it. */
async function configMap (t: { teardown: (fn: () => unknown) => void }, files: Record<string, string>): Promise<{ dir: string, swap: (files: Record<string, string>) => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-cm-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let version = 0
  let current: string | undefined
  const swap = async (next: Record<string, string>): Promise<void> => {
    const stamp = `..2026_11_22_${String(version++).padStart(3, '0')}`
    await mkdir(join(dir, stamp))
    for (const [name, text] of Object.entries(next)) await writeFile(join(dir, stamp, name), text)
    await symlink(stamp, join(dir, '..data_tmp'))
    await rename(join(dir, '..data_tmp'), join(dir, '..data')) // the atomic swap
    for (const name of Object.keys(next)) await symlink(join('..data', name), join(dir, name)).catch(() => {})
    if (current !== undefined) await rm(join(dir, current), { recursive: true })
    current = stamp
  }
  await swap(files)
  return { dir, swap }
}

function changes (): { onChange: () => void, next: () => Promise<void>, count: () => number } {
  let n = 0
  let waiter: (() => void) | undefined
  return {
    onChange: () => { n++; waiter?.(); waiter = undefined },
    next: async () => await new Promise<void>(resolve => { waiter = resolve }),
    count: () => n
  }
}

t.test('watching a file inside a ConfigMap volume survives repeated ..data symlink swaps', async t => {
  const { dir, swap } = await configMap(t, { 'registry.json': registryText('One') })
  const c = changes()
  const w = watchRegistry(join(dir, 'registry.json'), c.onChange, { debounceMs: 20 })
  t.teardown(() => w.close())
  await w.ready
  for (const name of ['Two', 'Three', 'Four']) {
    const next = c.next()
    await swap({ 'registry.json': registryText(name) })
    await next
  }
  t.equal(c.count(), 3, 'one change per swap, however many filesystem events each made')
})

t.test('watching the ConfigMap directory itself', async t => {
  const { dir, swap } = await configMap(t, { 'a.json': registryText('One') })
  const c = changes()
  const w = watchRegistry(dir, c.onChange, { debounceMs: 20 })
  t.teardown(() => w.close())
  await w.ready
  const next = c.next()
  await swap({ 'a.json': registryText('One'), 'b.json': registryText('Two') })
  await next
  t.equal(c.count(), 1)
})

t.test('in file mode, other files in the directory do not count; in-place writes do', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-watch-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'registry.json')
  await writeFile(file, registryText('One'))
  const c = changes()
  const w = watchRegistry(file, c.onChange, { debounceMs: 20 })
  t.teardown(() => w.close())
  await w.ready
  await writeFile(join(dir, 'conduit.json'), '{}')
  const next = c.next()
  await writeFile(file, registryText('Two'))
  await next
  t.equal(c.count(), 1, 'only the registry change was reported')
})

t.test('the holder swaps on a good reload and keeps the last good registry on a bad one', async t => {
  const { dir, swap } = await configMap(t, { 'registry.json': registryText('One') })
  const loaded: Registry[] = []
  const failures: RegistryProblem[][] = []
  const holder = createRegistryHolder(join(dir, 'registry.json'), strict, {
    onLoad: r => loaded.push(r),
    onReloadError: p => failures.push(p)
  })
  t.teardown(() => holder.close())
  t.equal(holder.current, undefined)
  const first = await holder.load()
  t.equal(holder.current, first)
  t.same([...first.connectors.keys()], ['one'])

  const inFlight = holder.current // what a request that started now holds
  await swap({ 'registry.json': '{ "connectors": [ { "name": "Broken", "url": "http://10.0.0.1/" } ] }' })
  const bad = await holder.reload()
  t.equal(bad.ok, false)
  t.equal(holder.current, first, 'the previous registry stays in service')
  t.same(failures.length, 1)
  t.same(failures[0].map(formatProblem), [
    `${join(dir, 'registry.json')} › connector 'Broken' › url: the scheme must be https (plain http is allowed only when the upstream.allowInsecure setting is on) (line 1, column 1)`,
    `${join(dir, 'registry.json')} › connector 'Broken' › url: the host '10.0.0.1' is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting (line 1, column 8)`
  ])

  await swap({ 'registry.json': registryText('Two') })
  const good = await holder.reload()
  t.equal(good.ok, true)
  t.same([...(holder.current as Registry).connectors.keys()], ['two'])
  t.same([...(inFlight as Registry).connectors.keys()], ['one'], 'a request keeps the registry it started with')
  t.same(loaded.length, 2)
})

t.test('the holder reloads by itself when watching; overlapping reloads finish in order', async t => {
  const { dir, swap } = await configMap(t, { 'registry.json': registryText('One') })
  let onLoad: (() => void) | undefined
  const holder = createRegistryHolder(join(dir, 'registry.json'), strict, { onLoad: () => onLoad?.() })
  t.teardown(() => holder.close())
  await holder.load()
  const w = holder.watch({ debounceMs: 20 })
  await w.ready
  const reloaded = new Promise<void>(resolve => { onLoad = resolve })
  await swap({ 'registry.json': registryText('Two') })
  await reloaded
  t.same([...(holder.current as Registry).connectors.keys()], ['two'])

  onLoad = undefined
  await swap({ 'registry.json': registryText('Three') })
  const results = await Promise.all([holder.reload(), holder.reload()])
  t.same(results.map(r => r.ok), [true, true])
  t.same([...(holder.current as Registry).connectors.keys()], ['three'])
})

t.test('a first load of an invalid registry throws', async t => {
  const { dir } = await configMap(t, { 'registry.json': '{ "connectors": 5 }' })
  const holder = createRegistryHolder(join(dir, 'registry.json'), strict)
  await t.rejects(holder.load(), { name: 'RegistryError', problems: [{ field: 'connectors', message: 'must be an array, not a number' }] })
  t.equal(holder.current, undefined)
  const r = await holder.reload()
  t.match(r, { ok: false, problems: [{ message: 'must be an array, not a number' }] })
})

t.test('a registry directory that is removed and created again is watched again', async t => {
  const parent = await mkdtemp(join(tmpdir(), 'conduit-watch-'))
  t.teardown(() => rm(parent, { recursive: true, force: true }))
  const dir = join(parent, 'registry.d')
  await mkdir(dir)
  await writeFile(join(dir, 'a.json'), registryText('One'))
  let loaded: ((r: Registry) => void) | undefined
  const holder = createRegistryHolder(dir, strict, { onLoad: r => loaded?.(r) })
  t.teardown(() => holder.close())
  await holder.load()
  const w = holder.watch({ debounceMs: 20, retryMs: 20 })
  await w.ready
  const reloaded = new Promise<void>(resolve => {
    loaded = r => { if (r.connectors.has('two')) resolve() }
  })
  await rm(dir, { recursive: true })
  await mkdir(dir)
  await writeFile(join(dir, 'a.json'), registryText('Two'))
  await reloaded
  t.same([...(holder.current as Registry).connectors.keys()], ['two'])

  const again = new Promise<void>(resolve => {
    loaded = r => { if (r.connectors.has('three')) resolve() }
  })
  await writeFile(join(dir, 'a.json'), registryText('Three'))
  await again
  t.same([...(holder.current as Registry).connectors.keys()], ['three'], 'the new directory is being watched')
})
