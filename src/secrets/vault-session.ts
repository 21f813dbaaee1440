// The Vault session of the `vault` store (SPEC §5.1): the node-vault client, the login (token,
// AppRole or Kubernetes), token renewal at two thirds of its lease, a new login when the token
// expires or Vault answers 403, and the mapping of every failure to SECRET_STORE_UNAVAILABLE
// without ever putting a value or a token into an error. The KV store (vault-store.ts) runs each
// operation through withAuth().
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import vault from 'node-vault'
import { ConduitError } from '../errors.js'
import type { Settings, VaultAuth } from '../settings/types.js'
import { scrub } from './redact.js'

export type VaultSettings = Settings['secrets']['vault']

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export interface VaultStoreDeps {
  /** Reads token, secret-id and service-account JWT files; they may be rotated on disk, so they are read at each login. */
  readFile?: (path: string) => Promise<string>
  /** Milliseconds. */
  now?: () => number
  /** Renewal timers; the default ones are unref'd so they never keep the process alive. */
  timers?: Timers
  /** Background failures (renewal, re-login); messages never contain a token or value. */
  warn?: (message: string) => void
}

export const DEFAULT_KUBERNETES_JWT_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token'
/** Renew (or log in again) when this fraction of the lease has passed. */
const RENEW_AT = 2 / 3

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: handle => { clearTimeout(handle as NodeJS.Timeout) }
}

/** What node-vault and axios put on a failure, read defensively. */
interface FailureShape {
  response?: { statusCode?: number, body?: { errors?: unknown } }
  code?: string
}

export function statusOf (err: unknown): number | undefined {
  return (err as FailureShape | null)?.response?.statusCode
}

export function vaultMessages (err: unknown): string {
  const errors = (err as FailureShape | null)?.response?.body?.errors
  if (!Array.isArray(errors)) return ''
  return errors.filter(e => typeof e === 'string').join('; ')
}

export function trimSlashes (s: string): string {
  return s.replace(/^\/+|\/+$/g, '')
}

/** secrets.vault.caCert holds PEM text or the path of a PEM file; read once, at start-up. */
function readCa (caCert: string | undefined): string | undefined {
  if (caCert === undefined || caCert === '') return undefined
  if (caCert.includes('-----BEGIN')) return caCert
  try {
    return readFileSync(caCert, 'utf8')
  } catch {
    throw new Error(`Cannot read the Vault CA certificate file ${caCert} (setting secrets.vault.caCert)`)
  }
}

interface Lease { ttlSeconds: number, renewable: boolean }

export class VaultSession {
  readonly #settings: VaultSettings
  readonly #auth: VaultAuth
  /** The node-vault client, authenticated by this session. */
  readonly client: ReturnType<typeof vault>
  readonly #readFile: (path: string) => Promise<string>
  readonly #now: () => number
  readonly #timers: Timers
  /** Background failures and odd entries; messages never contain a token or value. */
  readonly warn: (message: string) => void
  #token: string | undefined
  /** undefined while the token never expires (or is unknown yet). */
  #expiresAt: number | undefined
  #authenticating: Promise<void> | undefined
  #timer: unknown
  /** Credentials read at the last login, scrubbed from any Vault message quoted in an error. */
  #credentials: string[] = []
  #closed = false
  /** Request options for raw client.request() calls (timeout, TLS). */
  readonly requestOptions: Record<string, unknown>

  constructor (settings: VaultSettings, deps: VaultStoreDeps = {}) {
    this.#settings = settings
    this.#auth = settings.auth
    this.#readFile = deps.readFile ?? (path => readFile(path, 'utf8'))
    this.#now = deps.now ?? Date.now
    this.#timers = deps.timers ?? defaultTimers
    this.warn = deps.warn ?? (() => {})
    const ca = readCa(settings.caCert)
    const requestOptions = { timeout: settings.timeoutMs, strictSSL: true, ...(ca === undefined ? {} : { ca }) }
    this.requestOptions = requestOptions
    this.client = vault({
      apiVersion: 'v1',
      endpoint: settings.address,
      // node-vault's debug output prints request bodies, i.e. secret values: it stays a no-op.
      debug: () => {},
      requestOptions,
      // rpDefaults sets the axios instance timeout and TLS verification regardless of VAULT_SKIP_VERIFY.
      ...({ rpDefaults: { timeout: settings.timeoutMs, strictSSL: true } } as object)
    })
    // node-vault falls back to VAULT_TOKEN / VAULT_NAMESPACE from the environment; settings alone decide here.
    this.client.token = ''
    ;(this.client as unknown as { namespace: string }).namespace = settings.namespace ?? ''
  }

  // ---- errors -------------------------------------------------------------------------------

  unavailable (err: unknown, doing: string, extra: readonly string[] = []): ConduitError {
    const status = statusOf(err)
    const code = (err as FailureShape | null)?.code
    let why: string
    if (status === 503) {
      why = 'Vault is sealed or unavailable (HTTP 503)'
    } else if (status === 403) {
      why = 'Vault denied access (HTTP 403)'
    } else if (status !== undefined) {
      const said = scrub(vaultMessages(err), [...this.#secretsToHide(), ...extra]).slice(0, 200)
      why = `Vault answered HTTP ${status}${said === '' ? '' : ': ' + said}`
    } else if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      why = `Vault did not answer within ${this.#settings.timeoutMs} ms`
    } else if (typeof code === 'string' && /CERT|SIGNED|TLS|SSL|VERIFY/.test(code) && /^[A-Z][A-Z0-9_]+$/.test(code)) {
      why = `Vault TLS certificate not trusted (${code}; set secrets.vault.caCert)`
    } else if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) {
      why = `Vault unreachable (${code})`
    } else {
      why = 'Vault unreachable'
    }
    return new ConduitError('SECRET_STORE_UNAVAILABLE', `${why} while ${doing}`)
  }

  #secretsToHide (): string[] {
    return this.#token === undefined ? this.#credentials : [this.#token, ...this.#credentials]
  }

  // ---- authentication -----------------------------------------------------------------------

  async #ensureAuthenticated (): Promise<void> {
    if (this.#closed) throw new ConduitError('SECRET_STORE_UNAVAILABLE', 'Vault store is closed')
    if (this.#token !== undefined && (this.#expiresAt === undefined || this.#now() < this.#expiresAt)) return
    await this.#login()
  }

  /** One login at a time; concurrent callers share it. */
  #login (): Promise<void> {
    this.#authenticating ??= this.#doLogin().finally(() => { this.#authenticating = undefined })
    return this.#authenticating
  }

  async #doLogin (): Promise<void> {
    this.#cancelTimer()
    this.#token = undefined
    this.client.token = ''
    const auth = this.#auth
    if (auth.method === 'token') {
      const token = auth.token !== undefined && auth.token !== ''
        ? auth.token
        : await this.#readCredential(auth.tokenFile, 'the Vault token file (secrets.vault.auth.tokenFile)')
      this.#credentials = []
      this.#setToken(token)
      let lease: Lease
      try {
        const res = await this.client.read('auth/token/lookup-self') as { data?: { ttl?: number, renewable?: boolean } }
        lease = { ttlSeconds: Number(res.data?.ttl ?? 0), renewable: res.data?.renewable === true }
      } catch (err) {
        if (statusOf(err) === 403) {
          // A policy without lookup-self (no default policy): use the token without renewal; the
          // operations themselves will tell whether it is valid.
          this.warn('Vault token lookup-self denied (HTTP 403): the token is used without renewal')
          lease = { ttlSeconds: 0, renewable: false }
        } else {
          this.#token = undefined
          this.client.token = ''
          throw this.unavailable(err, 'looking up the Vault token')
        }
      }
      this.#applyLease(lease)
      return
    }
    let path: string
    let body: Record<string, string>
    if (auth.method === 'approle') {
      const secretId = await this.#readCredential(auth.secretIdFile, 'the AppRole secret-id file (secrets.vault.auth.secretIdFile)')
      path = `auth/${trimSlashes(auth.mountPath ?? 'approle')}/login`
      body = { role_id: auth.roleId, secret_id: secretId }
      this.#credentials = [secretId]
    } else {
      const jwt = await this.#readCredential(auth.jwtFile ?? DEFAULT_KUBERNETES_JWT_FILE, 'the Kubernetes service-account token file (secrets.vault.auth.jwtFile)')
      path = `auth/${trimSlashes(auth.mountPath ?? 'kubernetes')}/login`
      body = { role: auth.role, jwt }
      this.#credentials = [jwt]
    }
    let res: { auth?: { client_token?: string, lease_duration?: number, renewable?: boolean } }
    try {
      res = await this.client.write(path, body)
    } catch (err) {
      throw this.unavailable(err, `logging in to Vault (${auth.method})`)
    }
    const token = res.auth?.client_token
    if (typeof token !== 'string' || token === '') {
      throw new ConduitError('SECRET_STORE_UNAVAILABLE', `Vault login (${auth.method}) returned no token`)
    }
    this.#setToken(token)
    this.#applyLease({ ttlSeconds: Number(res.auth?.lease_duration ?? 0), renewable: res.auth?.renewable === true })
  }

  async #readCredential (path: string | undefined, what: string): Promise<string> {
    if (path === undefined || path === '') {
      throw new ConduitError('SECRET_STORE_UNAVAILABLE', `Vault auth is missing ${what}`)
    }
    let text: string
    try {
      text = (await this.#readFile(path)).trim()
    } catch {
      throw new ConduitError('SECRET_STORE_UNAVAILABLE', `Cannot read ${what}`)
    }
    if (text === '') throw new ConduitError('SECRET_STORE_UNAVAILABLE', `${what} is empty`)
    return text
  }

  #setToken (token: string): void {
    this.#token = token
    this.client.token = token
  }

  /** Records when the token expires and schedules its renewal (or, when it cannot be renewed, the next login). */
  #applyLease (lease: Lease, previousTtlSeconds?: number): void {
    this.#cancelTimer()
    if (lease.ttlSeconds <= 0) {
      this.#expiresAt = undefined
      return
    }
    this.#expiresAt = this.#now() + lease.ttlSeconds * 1000
    const delay = Math.max(1000, Math.floor(lease.ttlSeconds * 1000 * RENEW_AT))
    // A lease that renewal shortened is nearing the token's max TTL: where a new login is
    // possible it is the way to extend it (a static token just renews until it runs out).
    const capped = previousTtlSeconds !== undefined && lease.ttlSeconds < previousTtlSeconds && this.#canLogInAgain()
    if (lease.renewable && !capped) {
      this.#schedule(delay, () => this.#renew(lease.ttlSeconds))
    } else if (this.#canLogInAgain()) {
      this.#schedule(delay, () => this.#login())
    }
  }

  #schedule (delay: number, task: () => Promise<void>): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined
      if (this.#closed) return
      task().catch((err: unknown) => {
        this.warn(err instanceof ConduitError ? err.message : 'Vault token maintenance failed')
      })
    }, delay)
  }

  #cancelTimer (): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  async #renew (previousTtlSeconds: number): Promise<void> {
    let res: { auth?: { lease_duration?: number, renewable?: boolean } }
    try {
      res = await this.client.write('auth/token/renew-self', {})
    } catch (err) {
      if (this.#auth.method !== 'token' || statusOf(err) === 403) {
        // The token is gone or unusable: the next operation (or this background step) logs in again.
        this.#expiresAt = this.#now()
        if (this.#auth.method !== 'token') await this.#login()
        return
      }
      throw this.unavailable(err, 'renewing the Vault token')
    }
    this.#applyLease({ ttlSeconds: Number(res.auth?.lease_duration ?? 0), renewable: res.auth?.renewable === true }, previousTtlSeconds)
  }

  /** Runs one Vault operation; after a 403 it logs in again and retries exactly once. */
  async withAuth<T> (doing: string, op: () => Promise<T>, extra: readonly string[] = []): Promise<T> {
    await this.#ensureAuthenticated()
    const tokenUsed = this.#token
    try {
      return await op()
    } catch (err) {
      if (statusOf(err) !== 403 || !this.#canLogInAgain()) throw err
      // Another operation may have logged in already since this one started.
      if (this.#token === tokenUsed) await this.#login()
      else await this.#ensureAuthenticated()
    }
    try {
      return await op()
    } catch (err) {
      if (statusOf(err) === 403) throw this.unavailable(err, doing, extra)
      throw err
    }
  }

  #canLogInAgain (): boolean {
    return this.#auth.method !== 'token' || ((this.#auth.token === undefined || this.#auth.token === '') && this.#auth.tokenFile !== undefined)
  }

  /** Stops renewal; later operations fail with SECRET_STORE_UNAVAILABLE. */
  close (): void {
    this.#closed = true
    this.#cancelTimer()
  }
}
