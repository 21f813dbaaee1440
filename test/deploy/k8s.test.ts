// The Kubernetes manifests (SPEC §19), rendered with `kubectl kustomize` (kustomize v5) as an
// operator renders them: every Secret, ConfigMap and ServiceAccount a manifest references exists
// in the render or is created by a command in k8s/README.md; the settings in the render load
// with Conduit's own settings loader; and the production overlay has its probes, PDB, HPA,
// NetworkPolicy, spread, preStop, grace period, seccomp profile and separate admin Service.
import t from 'tap'
import type { Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')

type Obj = Record<string, any>

t.test('kubectl renders with kustomize v5 (never the old Debian kubernetes-client)', async t => {
  const version = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
  t.match(version, /Kustomize Version: v5\./)
})

function render (overlay: string): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'k8s/overlays', overlay)], { encoding: 'utf8' })
  return parseAllDocuments(text).map(doc => doc.toJS() as Obj).filter(o => o !== null)
}

function one (objects: Obj[], kind: string, name?: string): Obj {
  const found = objects.filter(o => o.kind === kind && (name === undefined || o.metadata.name === name))
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`)
  return found[0] as Obj
}

const README = readFileSync(join(ROOT, 'k8s/README.md'), 'utf8')
/** Names created by a `kubectl … create secret|configmap|serviceaccount NAME` command in the README. */
function createdByReadme (kind: 'secret' | 'configmap' | 'serviceaccount'): Set<string> {
  const pattern = kind === 'secret' ? /kubectl[^\n]*\bcreate secret (?:generic|tls) ([a-z0-9.-]+)/g : new RegExp(`kubectl[^\\n]*\\bcreate ${kind} ([a-z0-9.-]+)`, 'g')
  return new Set([...README.matchAll(pattern)].map(m => m[1] as string))
}

/** Every Secret, ConfigMap and ServiceAccount a pod template refers to. */
function references (podSpec: Obj): { secrets: Set<string>, configMaps: Set<string>, serviceAccounts: Set<string> } {
  const secrets = new Set<string>()
  const configMaps = new Set<string>()
  const containers = [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])]
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef !== undefined) secrets.add(e.valueFrom.secretKeyRef.name)
      if (e.valueFrom?.configMapKeyRef !== undefined) configMaps.add(e.valueFrom.configMapKeyRef.name)
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef !== undefined) secrets.add(e.secretRef.name)
      if (e.configMapRef !== undefined) configMaps.add(e.configMapRef.name)
    }
  }
  for (const v of podSpec.volumes ?? []) {
    if (v.secret !== undefined) secrets.add(v.secret.secretName)
    if (v.configMap !== undefined) configMaps.add(v.configMap.name)
    for (const s of v.projected?.sources ?? []) {
      if (s.secret !== undefined) secrets.add(s.secret.name)
      if (s.configMap !== undefined) configMaps.add(s.configMap.name)
    }
  }
  for (const p of podSpec.imagePullSecrets ?? []) secrets.add(p.name)
  return { secrets, configMaps, serviceAccounts: new Set(podSpec.serviceAccountName === undefined ? [] : [podSpec.serviceAccountName]) }
}

function checkReferences (t: Test, objects: Obj[]): void {
  const inRender = (kind: string): Set<string> => new Set(objects.filter(o => o.kind === kind).map(o => o.metadata.name as string))
  const available = {
    secrets: new Set([...inRender('Secret'), ...createdByReadme('secret')]),
    configMaps: new Set([...inRender('ConfigMap'), ...createdByReadme('configmap')]),
    serviceAccounts: new Set([...inRender('ServiceAccount'), ...createdByReadme('serviceaccount')])
  }
  for (const workload of objects.filter(o => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const refs = references(workload.spec.template.spec)
    for (const key of ['secrets', 'configMaps', 'serviceAccounts'] as const) {
      for (const name of refs[key]) t.ok(available[key].has(name), `${workload.metadata.name} → ${key} ${name} exists in the render or k8s/README.md`)
    }
  }
  for (const hpa of objects.filter(o => o.kind === 'HorizontalPodAutoscaler')) {
    t.ok(objects.some(o => o.kind === hpa.spec.scaleTargetRef.kind && o.metadata.name === hpa.spec.scaleTargetRef.name), 'the HPA targets a rendered workload')
  }
}

function conduitDeployment (objects: Obj[]): { deployment: Obj, pod: Obj, container: Obj } {
  const deployment = one(objects, 'Deployment', 'conduit')
  const pod = deployment.spec.template.spec
  return { deployment, pod, container: pod.containers.find((c: Obj) => c.name === 'conduit') }
}

/** The settings the pod runs with: the rendered conduit.json plus the container's literal environment. */
function podSettings (t: Test, objects: Obj[]): Settings {
  const { pod, container } = conduitDeployment(objects)
  const configArg = container.args[container.args.indexOf('--config') + 1] as string
  const mount = container.volumeMounts.find((m: Obj) => configArg.startsWith(m.mountPath + '/'))
  t.ok(mount !== undefined, 'the --config file is on a mounted volume')
  const volume = pod.volumes.find((v: Obj) => v.name === mount.name)
  const configMap = one(objects, 'ConfigMap', volume.configMap.name)
  const text = configMap.data[configArg.slice(mount.mountPath.length + 1)] as string
  const dir = t.testdir({ 'conduit.json': text })
  const env: Record<string, string> = {}
  for (const e of container.env ?? []) {
    // Values from Secrets are filled with stand-ins of the shape README's commands create.
    env[e.name] = e.value ?? (e.name === 'CONDUIT_MASTER_KEY' ? Buffer.alloc(32, 1).toString('base64') : 'stand-in-secret-value-0123456789')
    env[e.name] = env[e.name].replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '')
  }
  return loadSettings({ configPath: join(dir, 'conduit.json'), env, cwd: dir })
}

function checkPod (t: Test, objects: Obj[], settings: Settings): void {
  const { pod, container } = conduitDeployment(objects)
  const port = (name: string): number => container.ports.find((p: Obj) => p.name === name)?.containerPort
  t.equal(port('http'), settings.server.port, 'the http port is server.port')
  t.equal(port('admin'), settings.admin.port, 'the admin port is admin.port')
  t.same(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' })
  t.equal(pod.securityContext.runAsUser, 10001)
  t.equal(pod.securityContext.runAsNonRoot, true)
  t.equal(container.securityContext.readOnlyRootFilesystem, true)
  t.equal(container.securityContext.allowPrivilegeEscalation, false)
  t.ok(container.volumeMounts.some((m: Obj) => m.mountPath === settings.dataDir), 'dataDir is a writable volume (the root is read-only)')
  t.equal(container.image, 'conduit:latest')
  t.match(container.startupProbe, { httpGet: { path: '/healthz', port: 'http' } })
  t.match(container.readinessProbe, { httpGet: { path: '/readyz', port: 'http' } })
  t.match(container.livenessProbe, { httpGet: { path: '/healthz', port: 'http' } })
  const preStop = JSON.stringify(container.lifecycle?.preStop ?? {})
  const preStopMs = Number(/setTimeout\(\(\) => \{\}, (\d+)\)/.exec(preStop)?.[1] ?? NaN)
  t.ok(preStopMs > 0, `a preStop pause (${preStopMs} ms)`)
  t.ok(pod.terminationGracePeriodSeconds * 1000 > preStopMs + settings.server.shutdownGraceMs,
    `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} s > preStop + server.shutdownGraceMs (${settings.server.shutdownGraceMs} ms)`)
  t.equal(settings.registry.path, container.volumeMounts.find((m: Obj) => m.name === 'registry').mountPath, 'the registry path is the registry mount')

  const publicService = one(objects, 'Service', 'conduit')
  const adminService = one(objects, 'Service', 'conduit-admin')
  t.same(publicService.spec.ports.map((p: Obj) => p.targetPort), ['http'], 'the public Service exposes the public port only')
  t.same(adminService.spec.ports.map((p: Obj) => p.targetPort), ['admin'], 'a separate admin Service')
  t.same(adminService.spec.selector, publicService.spec.selector)
}

t.test('dev overlay: one replica, file store, every reference resolvable', async t => {
  const objects = render('dev')
  checkReferences(t, objects)
  const settings = podSettings(t, objects)
  checkPod(t, objects, settings)
  const { deployment, container } = conduitDeployment(objects)
  t.equal(deployment.spec.replicas, 1)
  t.equal(settings.secrets.backend, 'file')
  t.equal(settings.server.replicaHint, 1)
  t.ok(settings.secrets.file.masterKey !== undefined, 'the master key comes from a Secret')
  const data = conduitDeployment(objects).pod.volumes.find((v: Obj) => v.name === 'data')
  t.ok(objects.some(o => o.kind === 'PersistentVolumeClaim' && o.metadata.name === data.persistentVolumeClaim?.claimName), 'secrets are kept on a persistent volume')
  t.notOk(container.env.some((e: Obj) => e.name === 'CONDUIT_REDIS_URL'))
})

t.test('production overlay: Vault with Kubernetes auth, Redis, three replicas, PDB, HPA, NetworkPolicy, spread', async t => {
  const objects = render('production')
  checkReferences(t, objects)
  const settings = podSettings(t, objects)
  checkPod(t, objects, settings)
  const { deployment, pod } = conduitDeployment(objects)
  const selector = deployment.spec.selector.matchLabels
  t.equal(deployment.spec.replicas, 3)
  t.equal(settings.server.replicaHint, 3)
  t.equal(settings.secrets.backend, 'vault')
  t.equal(settings.secrets.vault.auth.method, 'kubernetes')
  t.equal(pod.automountServiceAccountToken, true, 'the service-account token is mounted for the Vault login')
  t.equal(one(objects, 'ServiceAccount', pod.serviceAccountName).metadata.name, 'conduit')
  const vaultCa = settings.secrets.vault.caCert as string
  t.ok(conduitDeployment(objects).container.volumeMounts.some((m: Obj) => vaultCa.startsWith(m.mountPath + '/')), 'the Vault CA file is mounted')

  t.match(settings.redis.url, /^redis:\/\/:stand-in-secret-value-0123456789@conduit-redis:6379$/, 'redis.url with the password from its Secret')
  const redisService = one(objects, 'Service', 'conduit-redis')
  const redis = one(objects, 'Deployment', 'conduit-redis')
  t.same(redisService.spec.selector, redis.spec.selector.matchLabels, 'the Redis Service selects the Redis pods')

  const pdb = one(objects, 'PodDisruptionBudget', 'conduit')
  t.same(pdb.spec.selector.matchLabels, selector)
  t.ok(pdb.spec.minAvailable >= 2 || pdb.spec.maxUnavailable === 1, 'the PDB keeps replicas serving')
  const hpa = one(objects, 'HorizontalPodAutoscaler', 'conduit')
  t.match(hpa.spec.scaleTargetRef, { kind: 'Deployment', name: 'conduit' })
  t.ok(hpa.spec.minReplicas >= 3 && hpa.spec.maxReplicas > hpa.spec.minReplicas)

  const policy = one(objects, 'NetworkPolicy', 'conduit')
  t.same(policy.spec.podSelector.matchLabels, selector)
  t.same(policy.spec.policyTypes, ['Ingress', 'Egress'])
  const ingressPorts = policy.spec.ingress.map((r: Obj) => ({ port: r.ports[0].port, open: r.from === undefined }))
  t.same(ingressPorts, [{ port: settings.server.port, open: true }, { port: settings.admin.port, open: false }], 'the admin port only from selected peers')
  t.ok(policy.spec.egress.some((r: Obj) => r.to.some((p: Obj) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'conduit-redis')), 'egress to Redis')
  const redisPolicy = one(objects, 'NetworkPolicy', 'conduit-redis')
  t.same(redisPolicy.spec.ingress[0].from[0].podSelector.matchLabels, selector, 'Redis only from Conduit')

  const spread = pod.topologySpreadConstraints as Obj[]
  t.same(spread.map(s => s.topologyKey).sort(), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'])
  for (const s of spread) t.same(s.labelSelector.matchLabels, selector)
})

t.test('the README creates exactly the credentials the overlays expect', async t => {
  t.same([...createdByReadme('secret')].sort(), ['conduit-admin', 'conduit-master-key', 'conduit-redis'])
  t.ok(createdByReadme('configmap').has('conduit-vault-ca'))
  t.match(README, /vault policy write conduit/)
  t.match(README, /vault write auth\/kubernetes\/role\/conduit[\s\S]*bound_service_account_names=conduit/)
  t.match(README, /disableNameSuffixHash/, 'how to hot-reload the registry')
})
