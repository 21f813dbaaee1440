// The contract of an authentication type (SPEC §6). Each type is one module under strategies/
// exporting an AuthStrategy; table.ts maps the `type` of a definition to its strategy, and nothing
// else in Conduit switches over authentication types.
//
// A strategy answers four questions, each at its moment:
//   configKeys  which `config` keys the type reads (the others are warned about at load);
//   compile     at registry load: read and check `config` through the ConfigReader, which records
//               every problem with its field path (never stop at the first) and compiles every
//               template once. The definition returned is used only when no problem was recorded,
//               so a strategy may fill a field it could not read with a placeholder.
//               Credentials must come from the secret store (ConfigReader.credential), a token
//               endpoint passes the destination policy (ConfigReader.tokenUrl).
//   apply       per request: what the rendered values add to the outgoing request (headers, query
//               pairs that win over the caller's), fetching or signing as needed. A type that
//               fetches nothing (api_key) answers at once, without a promise per request. Errors
//               are ConduitErrors whose details never quote a rendered value.
//   debug       X-Debug-Request (SPEC §9): the `config` as shown to an operator. Credentials
//               (api key value, client secret, private key, claims) are always DEBUG_MASK; other
//               templates go through `show`, which renders without secret access.
// Rendering is not a question for the strategy: renderAuthentication() renders every template of
// a definition with the request context and passes the plain values named in configKeys along.
//
// Adding a type: a module under strategies/ implementing this interface, its definition in the
// AuthDefinition union (types.ts), and its row in table.ts.
import type { CompiledTemplate } from '../template/types.js'
import type { ConfigReader } from './config-reader.js'
import type { SigningKeys } from './jwt.js'
import type { TokenCache } from './token-cache.js'
import type { AuthDeps, AuthDefinition, AuthOutcome, RenderedAuth } from './types.js'

export interface ApplyDeps extends AuthDeps {
  tokenCache: TokenCache
  /** The process's parsed JWT signing keys; each call parses its key when absent. */
  signingKeys?: SigningKeys
}

export const DEBUG_MASK = '**********'

export interface AuthStrategy<D extends AuthDefinition = AuthDefinition> {
  readonly configKeys: readonly string[]
  compile: (c: ConfigReader) => D
  apply: (def: D, rendered: RenderedAuth, deps: ApplyDeps) => AuthOutcome | Promise<AuthOutcome>
  debug: (def: D, show: (t: CompiledTemplate) => string) => Record<string, unknown>
}

/** A rendered string value ('' when absent). */
export function str (rendered: RenderedAuth, name: string): string {
  const v = rendered[name]
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
}

/** A rendered object of strings (claims, JWT headers), or undefined when absent. */
export function obj (rendered: RenderedAuth, name: string): Record<string, string> | undefined {
  const v = rendered[name]
  return typeof v === 'object' && v !== null ? v : undefined
}

export function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
