// Contracts of SPEC §22: one connector call recorded against the real upstream, kept in git, and
// replayed offline with nock.
//
// Recording runs the call twice. First with the real secrets against the real upstream, keeping
// every upstream answer. Then again with `<secret:NAME>` placeholders as the secret values and
// those answers played back in order, keeping the requests this second run makes: they are exactly
// the requests a replay (which uses the same placeholders) will make, so the recorded interactions
// match, and no secret value — plain, URL-encoded or base64-encoded inside a larger value — is ever
// in them. Upstream answers are scrubbed of secret values and OAuth tokens before the second run.
// The clock of the second run and of every replay is the recording time, so now() renders the same.
import { isDeepStrictEqual } from 'node:util'
import type { Dispatcher } from 'undici'
import { createTwoFilesPatch } from 'diff'
import { TokenCache } from '../auth/token-cache.js'
import type { Registry } from '../registry/types.js'
import { createSecretResolver } from '../secrets/index.js'
import type { SecretStore } from '../secrets/types.js'
import type { Settings } from '../settings/types.js'
import { createCallerVerifier } from '../pipeline/caller-identity.js'
import type { PipelineLogger } from '../pipeline/types.js'
import { HttpDispatcher } from './http-dispatcher.js'
import type { IncomingResponse, OutgoingRequest } from './http-dispatcher.js'
import { MemorySecretStore } from './memory-store.js'
import { ScriptedDispatcher } from './scripted-dispatcher.js'
import { runCall } from './run.js'
import type { ExecuteInput, RunContext, TestResponse, TestUser } from './run.js'

export const CONTRACT_VERSION = 1

/** One upstream interaction, in the format of nock.define(). */
export interface NockDefinition {
  scope: string
  method: string
  path: string
  body?: string | Record<string, unknown> | unknown[]
  reqheaders?: Record<string, string>
  status: number
  response?: string | Record<string, unknown> | unknown[]
  rawHeaders?: string[]
}

export interface ContractAnswer {
  status: number
  /** The safe upstream headers and the content type (no timing headers). */
  headers: Record<string, string>
  /** JSON bodies are kept as JSON, compared by value; others as text, compared exactly. */
  body: unknown
}

export interface Contract {
  conduit_contract: number
  connector: string
  composite?: boolean
  recorded_at: string
  request: {
    method: string
    queryParams?: Record<string, string | string[]>
    pathParams?: Record<string, string>
    headers?: Record<string, string>
    payload?: unknown
    user?: TestUser
  }
  /** Names only: replay gives each secret the value `<secret:NAME>`. */
  secrets: string[]
  /** Variables are not secret: their values at recording time. */
  variables: Record<string, string>
  upstream: NockDefinition[]
  response: ContractAnswer
}

export class ContractError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ContractError'
  }
}

export function placeholder (name: string): string {
  return `<secret:${name}>`
}

/** Request headers that differ from run to run or that the HTTP layer computes: never matched on. */
const UNMATCHED_REQUEST_HEADERS = new Set([
  'host', 'connection', 'content-length', 'transfer-encoding', 'accept-encoding', 'user-agent',
  'x-request-id', 'traceparent', 'tracestate'
])
/** Response headers a replay need not reproduce. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'set-cookie', 'server'
])
/** Headers of Conduit's own answer that change on every call. */
const VOLATILE_ANSWER_HEADERS = new Set(['x-request-id', 'server-timing', 'x-connector-timing', 'x-debug-request'])
/** Token fields of an OAuth token response: credentials, replaced before they are stored. */
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'id_token']
/** Shorter values are too likely to occur by chance to be scrubbed by text. */
const MIN_SCRUBBED_LENGTH = 4

interface SecretValue { name: string, forms: string[] }

function formsOf (value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)])
  forms.add(Buffer.from(value, 'utf8').toString('base64'))
  return [...forms].filter(f => f.length >= MIN_SCRUBBED_LENGTH)
}

function scrubText (text: string, secrets: readonly SecretValue[]): string {
  let out = text
  for (const s of secrets) for (const form of s.forms) out = out.split(form).join(placeholder(s.name))
  return out
}

function scrubTokens (text: string): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return text
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return text
  const obj = value as Record<string, unknown>
  let changed = false
  for (const field of TOKEN_FIELDS) {
    if (typeof obj[field] === 'string') { obj[field] = `<recorded:${field}>`; changed = true }
  }
  return changed ? JSON.stringify(obj) : text
}

function scrubResponse (res: IncomingResponse, secrets: readonly SecretValue[]): IncomingResponse {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(res.headers)) {
    if (!DROPPED_RESPONSE_HEADERS.has(k)) headers[k] = scrubText(v, secrets)
  }
  const body = Buffer.from(scrubTokens(scrubText(res.body.toString('utf8'), secrets)), 'utf8')
  return { status: res.status, headers, body }
}

/** JSON whose compact form is the text itself is stored as JSON (nock sends it back byte for byte). */
function jsonOrText (text: string): string | Record<string, unknown> | unknown[] {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && JSON.stringify(value) === text) return value as Record<string, unknown>
  } catch {}
  return text
}

function definition (req: OutgoingRequest, res: IncomingResponse): NockDefinition {
  const reqheaders: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) if (!UNMATCHED_REQUEST_HEADERS.has(k)) reqheaders[k] = v
  const rawHeaders: string[] = []
  for (const [k, v] of Object.entries(res.headers)) rawHeaders.push(k, v)
  const def: NockDefinition = { scope: req.origin, method: req.method, path: req.path, status: res.status }
  if (req.body !== '') def.body = jsonOrText(req.body)
  def.reqheaders = reqheaders
  const text = res.body.toString('utf8')
  if (text !== '') def.response = jsonOrText(text)
  def.rawHeaders = rawHeaders
  return def
}

/** Conduit's answer as a contract keeps it. */
export function answerOf (res: TestResponse): ContractAnswer {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(res.headers)) {
    if (!VOLATILE_ANSWER_HEADERS.has(k) && !k.startsWith('ratelimit-')) headers[k] = v
  }
  let body: unknown = res.body
  try {
    body = JSON.parse(res.body)
  } catch {}
  return { status: res.status, headers, body }
}

function namesOf (registry: Registry, input: ExecuteInput): { method: string, secrets: string[], variables: string[] } {
  const connector = input.composite === true ? undefined : registry.connectors.get(input.permalink)
  if (connector !== undefined) return { method: connector.method, secrets: connector.secretNames, variables: connector.variableNames }
  const composite = registry.composites.get(input.permalink)
  if (composite === undefined) throw new ContractError(`no connector with permalink '${input.permalink}'`)
  return {
    method: 'POST',
    secrets: [...new Set(composite.steps.flatMap(s => s.secretNames))],
    variables: [...new Set(composite.steps.flatMap(s => s.variableNames))]
  }
}

export interface RecordOptions {
  registry: Registry
  settings: Settings
  /** The configured store: the real secret values for the first run. */
  store: SecretStore
  /** The call; `user` already resolved (a caller JWT is never stored). */
  input: ExecuteInput
  /** Passed to the real run's http dispatcher (see HttpDispatcherOptions.connectTo). */
  connectTo?: Record<string, string>
  logger?: PipelineLogger
  clock?: () => number
}

export interface Recording {
  contract: Contract
  /** Conduit's answer of the real run (what `conduit test` prints). */
  real: TestResponse
}

const UNREACHABLE = new Set(['UPSTREAM_UNREACHABLE', 'UPSTREAM_TIMEOUT', 'DESTINATION_NOT_ALLOWED'])

function context (registry: Registry, settings: Settings, store: SecretStore, dispatcher: Dispatcher, clock: () => number, logger: PipelineLogger): RunContext {
  return {
    registry: () => registry,
    deps: { settings, resolver: createSecretResolver(store, settings.secrets.cache, clock), dispatcher, clock, logger, tokenCache: new TokenCache({ clock }) },
    callers: createCallerVerifier({ callers: {} }),
    tenantId: settings.callers.tenantId ?? null
  }
}

export async function recordContract (options: RecordOptions): Promise<Recording> {
  const { registry, settings, input } = options
  const logger = options.logger ?? { warn: () => {} }
  const names = namesOf(registry, input)
  const started = (options.clock ?? Date.now)()

  const exchanges: Array<{ request: OutgoingRequest, response: IncomingResponse }> = []
  const real = new HttpDispatcher({
    guard: !settings.upstream.allowPrivateNetworks,
    ...(options.connectTo === undefined ? {} : { connectTo: options.connectTo }),
    onExchange: (request, response) => { exchanges.push({ request, response }) }
  })
  let realOutcome
  let secretValues: SecretValue[]
  let variables: Record<string, string>
  try {
    const ctx = context(registry, settings, options.store, real, options.clock ?? Date.now, logger)
    realOutcome = await runCall(ctx, input)
    const values = await ctx.deps.resolver.resolve(names.secrets, names.variables)
    secretValues = Object.entries(values.secrets).map(([name, value]) => ({ name, forms: formsOf(value) }))
    variables = values.variables
  } finally {
    await real.close()
  }
  if (realOutcome.response.status === 502) {
    const code = (realOutcome.response.json() as { errors?: { code?: string } }).errors?.code
    if (code !== undefined && UNREACHABLE.has(code)) {
      throw new ContractError(`the upstream could not be reached (${code}): a contract is recorded from a real answer`)
    }
  }

  const answers = exchanges.map(e => scrubResponse(e.response, secretValues))
  const placeholders = Object.fromEntries(names.secrets.map(n => [n, placeholder(n)]))
  const scripted = new ScriptedDispatcher(answers)
  const replayed = await runCall(context(registry, settings, new MemorySecretStore(placeholders, variables), scripted, () => started, logger), input)
  if (scripted.requests.length !== answers.length) {
    throw new ContractError(`the connector made ${exchanges.length} upstream request(s) with its secrets and ${scripted.requests.length} with placeholders: it cannot be replayed`)
  }

  const contract: Contract = {
    conduit_contract: CONTRACT_VERSION,
    connector: input.permalink,
    ...(registry.connectors.has(input.permalink) && input.composite !== true ? {} : { composite: true }),
    recorded_at: new Date(started).toISOString(),
    request: requestOf(input, (input.method ?? names.method).toUpperCase()),
    secrets: names.secrets,
    variables,
    upstream: scripted.requests.map((req, i) => definition(req, answers[i])),
    response: answerOf(replayed.response)
  }
  assertNoSecret(contract, secretValues)
  return { contract, real: realOutcome.response }
}

function requestOf (input: ExecuteInput, method: string): Contract['request'] {
  const out: Contract['request'] = { method }
  if (input.queryParams !== undefined && Object.keys(input.queryParams).length > 0) {
    out.queryParams = Object.fromEntries(Object.entries(input.queryParams).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))
  }
  if (input.pathParams !== undefined && Object.keys(input.pathParams).length > 0) {
    out.pathParams = Object.fromEntries(Object.entries(input.pathParams).map(([k, v]) => [k, String(v)]))
  }
  if (input.headers !== undefined && Object.keys(input.headers).length > 0) out.headers = input.headers
  if (input.payload !== undefined) out.payload = typeof input.payload === 'string' ? jsonOrText(input.payload) : input.payload
  if (input.user !== undefined) out.user = input.user
  return out
}

/** The last line of defence: a contract that still holds a secret value is never written. */
function assertNoSecret (contract: Contract, secrets: readonly SecretValue[]): void {
  const text = JSON.stringify(contract)
  for (const s of secrets) {
    if (s.forms.some(form => text.includes(form) || text.includes(JSON.stringify(form).slice(1, -1)))) {
      throw new ContractError(`the recording still contains the value of secret '${s.name}' (the upstream echoes it in a form that cannot be replaced): not written`)
    }
  }
}

export function contractInput (contract: Contract): ExecuteInput {
  const r = contract.request
  return {
    permalink: contract.connector,
    ...(r.method === '' ? {} : { method: r.method }),
    ...(r.queryParams === undefined ? {} : { queryParams: r.queryParams }),
    ...(r.pathParams === undefined ? {} : { pathParams: r.pathParams }),
    ...(r.headers === undefined ? {} : { headers: r.headers }),
    ...(r.payload === undefined ? {} : { payload: r.payload }),
    ...(r.user === undefined ? {} : { user: r.user }),
    ...(contract.composite === true ? { composite: true } : {})
  }
}

/** Checks the shape of a parsed contract file; returns what is wrong, or undefined. */
export function contractProblem (value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object'
  const c = value as Partial<Contract>
  if (c.conduit_contract !== CONTRACT_VERSION) return `conduit_contract must be ${CONTRACT_VERSION}`
  if (typeof c.connector !== 'string') return 'connector must be a permalink'
  if (typeof c.recorded_at !== 'string' || Number.isNaN(Date.parse(c.recorded_at))) return 'recorded_at must be an ISO date'
  if (typeof c.request !== 'object' || c.request === null) return 'request must be an object'
  if (!Array.isArray(c.secrets) || c.secrets.some(n => typeof n !== 'string')) return 'secrets must be a list of names'
  if (typeof c.variables !== 'object' || c.variables === null) return 'variables must be an object'
  if (!Array.isArray(c.upstream)) return 'upstream must be a list of nock definitions'
  if (typeof c.response !== 'object' || c.response === null || typeof c.response.status !== 'number') return 'response must have a status'
  return undefined
}

export interface ReplayOptions {
  registry: Registry
  settings: Settings
  logger?: PipelineLogger
}

export interface Replay {
  answer: ContractAnswer
  /** Requests no recorded interaction matched, and recorded interactions never requested. */
  unmatched: string[]
  unused: string[]
}

type NockModule = typeof import('nock')

let nockModule: Promise<NockModule> | undefined
/** nock patches http/https when loaded: only commands that replay load it. */
async function loadNock (): Promise<NockModule> {
  nockModule ??= import('nock').then(m => m.default as unknown as NockModule)
  return await nockModule
}

function replyBody (def: NockDefinition): string {
  if (def.response === undefined) return ''
  return typeof def.response === 'string' ? def.response : JSON.stringify(def.response)
}

/** Replays one contract with nock: no request leaves the process. */
export async function replayContract (contract: Contract, options: ReplayOptions): Promise<Replay> {
  const nock = await loadNock()
  if (!nock.isActive()) nock.activate()
  nock.cleanAll()
  nock.disableNetConnect()
  const unmatched: string[] = []
  const onNoMatch = (req: { method?: string, href?: string, path?: string, options?: { href?: string } }): void => {
    unmatched.push(`${req.method ?? ''} ${req.href ?? req.options?.href ?? req.path ?? ''}`.trim())
  }
  nock.emitter.on('no match', onNoMatch)
  // Built by hand rather than with nock.define() so a recorded body goes back byte for byte.
  const scopes = contract.upstream.map(def => {
    let scope = nock(def.scope)
    for (const [k, v] of Object.entries(def.reqheaders ?? {})) scope = scope.matchHeader(k, v)
    return scope.intercept(def.path, def.method, def.body as Parameters<typeof scope.intercept>[2])
      .reply(def.status, replyBody(def), def.rawHeaders ?? [])
  })
  const started = Date.parse(contract.recorded_at)
  const dispatcher = new HttpDispatcher()
  try {
    const placeholders = Object.fromEntries(contract.secrets.map(n => [n, placeholder(n)]))
    const ctx = context(options.registry, options.settings, new MemorySecretStore(placeholders, contract.variables), dispatcher, () => started, options.logger ?? { warn: () => {} })
    const outcome = await runCall(ctx, contractInput(contract))
    const unused = scopes.flatMap(s => s.pendingMocks())
    return { answer: answerOf(outcome.response), unmatched, unused }
  } finally {
    await dispatcher.close()
    nock.emitter.removeListener('no match', onNoMatch)
    nock.cleanAll()
    nock.enableNetConnect()
  }
}

function pretty (body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2)
}

/** Every difference between the recorded answer and the replayed one, as readable text; '' when none. */
export function compareAnswers (expected: ContractAnswer, actual: ContractAnswer): string {
  const lines: string[] = []
  if (expected.status !== actual.status) lines.push(`status: expected ${expected.status}, got ${actual.status}`)
  const names = new Set([...Object.keys(expected.headers), ...Object.keys(actual.headers)])
  for (const name of [...names].sort()) {
    const e = expected.headers[name]
    const a = actual.headers[name]
    if (e === a) continue
    lines.push(`header ${name}: expected ${e === undefined ? '(none)' : JSON.stringify(e)}, got ${a === undefined ? '(none)' : JSON.stringify(a)}`)
  }
  if (!isDeepStrictEqual(expected.body, actual.body)) {
    const patch = createTwoFilesPatch('recorded', 'replayed', pretty(expected.body) + '\n', pretty(actual.body) + '\n', '', '', { context: 3 })
    lines.push('body:', ...patch.split('\n').slice(2).filter(l => l !== '\\ No newline at end of file' && l !== '').map(l => '  ' + l))
  }
  return lines.join('\n')
}
