// Upstream call contract (SPEC §7). createUpstreamDispatcher() builds the undici Agent with the SSRF
// guard at connect time; sendUpstream() performs one call and maps failures to ConduitError codes
// UPSTREAM_TIMEOUT, UPSTREAM_UNREACHABLE, UPSTREAM_RESPONSE_TOO_LARGE, DESTINATION_NOT_ALLOWED.

export interface UpstreamOptions {
  timeoutMs: number
  connectTimeoutMs: number
  maxResponseBytes: number
  allowInsecure: boolean
  allowPrivateNetworks: boolean
  /** Host names and CIDR ranges reachable although private (SPEC §19); see destination-policy.ts. */
  allowPrivateHosts?: readonly string[]
}

export interface UpstreamRequest {
  url: string
  method: string
  /** Already rendered and merged; hop-by-hop headers are stripped by sendUpstream. */
  headers: Record<string, string>
  body?: string | Buffer
}

export interface UpstreamResponse {
  status: number
  /** Lowercase keys; multi-valued headers joined with ', ' (set-cookie excepted, which is dropped). */
  headers: Record<string, string>
  body: Buffer
  /** Milliseconds spent on the external call. */
  durationMs: number
}
