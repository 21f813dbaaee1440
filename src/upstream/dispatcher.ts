// The undici dispatcher for every upstream and token request (SPEC §7). The SSRF guard works at
// connect time on the addresses actually used: resolved addresses are filtered in `lookup`, IP
// literals are refused before a socket opens, and the connected socket's remote address is checked
// once more before a request byte is written.

import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, buildConnector } from 'undici'
import type { Dispatcher } from 'undici'
import { DestinationPolicy } from './destination-policy.js'
import type { UpstreamOptions } from './types.js'

export class DestinationNotAllowedError extends Error {
  readonly code = 'CONDUIT_DESTINATION_NOT_ALLOWED'
  readonly host: string

  constructor (host: string) {
    super(`Destination '${host}' is not allowed: it is a loopback, private, link-local or reserved address`)
    this.name = 'DestinationNotAllowedError'
    this.host = host
  }
}

/** True when err (or an error in its cause chain) is the SSRF guard refusing a destination. */
export function isDestinationNotAllowed (err: unknown): err is DestinationNotAllowedError {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DestinationNotAllowedError) return true
  }
  return false
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
/** The shape of dns.lookup as net.connect calls it. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void

/** The guard's rules when none are given: every blocked range refused. */
const STRICT = new DestinationPolicy({ allowInsecure: false, allowPrivateNetworks: false })

/**
 * Wraps a lookup so addresses the policy refuses are dropped; when none is left the lookup fails
 * with DestinationNotAllowedError.
 */
export function guardLookup (base: LookupFunction, policy: DestinationPolicy = STRICT): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (err, address, family) => {
      if (err !== null) {
        callback(err, address, family)
      } else if (Array.isArray(address)) {
        const allowed = address.filter(a => policy.allowsAddress(a.address, hostname))
        if (allowed.length === 0) callback(new DestinationNotAllowedError(hostname), [])
        else callback(null, allowed)
      } else if (!policy.allowsAddress(address, hostname)) {
        callback(new DestinationNotAllowedError(hostname), '')
      } else {
        callback(null, address, family)
      }
    })
  }
}

export interface GuardedConnectorOptions {
  connectTimeoutMs: number
  /** Name resolution; dns.lookup by default. Tests inject one that answers with a chosen address. */
  lookup?: LookupFunction
  /** The connector doing the real work; undici's by default. */
  baseConnector?: buildConnector.connector
  /** Which destinations are allowed (upstream.allowPrivateHosts); every blocked range refused by default. */
  policy?: DestinationPolicy
}

function bareHost (hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
}

export function createGuardedConnector (opts: GuardedConnectorOptions): buildConnector.connector {
  const policy = opts.policy ?? STRICT
  const base = opts.baseConnector ?? buildConnector({
    timeout: opts.connectTimeoutMs,
    lookup: guardLookup(opts.lookup ?? (dnsLookup as LookupFunction), policy)
  })
  return (options, callback) => {
    const host = bareHost(options.hostname)
    // net.connect skips lookup for IP literals, so they are refused here, before any socket exists.
    if (isIP(host) !== 0 && !policy.allowsAddress(host)) {
      process.nextTick(callback, new DestinationNotAllowedError(host), null)
      return
    }
    base(options, (err, socket) => {
      if (err !== null) {
        callback(err, null)
        return
      }
      const remote = socket.remoteAddress
      if (remote === undefined || !policy.allowsAddress(remote, host)) {
        socket.destroy()
        callback(new DestinationNotAllowedError(host), null)
        return
      }
      callback(null, socket)
    })
  }
}

export interface DispatcherOptions extends UpstreamOptions {
  lookup?: LookupFunction
}

/**
 * The keep-alive Agent for upstream calls. With allowPrivateNetworks on, the guard is off (tests
 * and internal deployments); otherwise it lets through only what allowPrivateHosts lists. TLS
 * certificates are verified either way.
 */
export function createUpstreamDispatcher (opts: DispatcherOptions): Dispatcher {
  const lookup = opts.lookup === undefined ? {} : { lookup: opts.lookup }
  const connect = opts.allowPrivateNetworks
    ? buildConnector({ timeout: opts.connectTimeoutMs, ...lookup })
    : createGuardedConnector({ connectTimeoutMs: opts.connectTimeoutMs, policy: new DestinationPolicy(opts), ...lookup })
  return new Agent({
    connect,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs
  })
}
