// A Dispatcher that answers the n-th request with the n-th given response and records what was
// asked. Contract recording runs the connector a second time through it, with `<secret:NAME>`
// placeholders as the secret values, to learn the requests a replay will make (SPEC §22).
import { Dispatcher } from 'undici'
import { bodyBuffer, requestHeaders, sinkFor } from './http-dispatcher.js'
import type { Headers, IncomingResponse, LegacyHandler, OutgoingRequest } from './http-dispatcher.js'

export class ScriptedDispatcher extends Dispatcher {
  readonly requests: OutgoingRequest[] = []
  readonly #responses: readonly IncomingResponse[]

  constructor (responses: readonly IncomingResponse[]) {
    super()
    this.#responses = responses
  }

  override dispatch (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const sink = sinkFor(handler as LegacyHandler)
    const body = bodyBuffer(opts.body)
    const headers = requestHeaders(opts.headers as Headers)
    if (body.length > 0 || ['POST', 'PUT', 'PATCH'].includes(opts.method)) headers['content-length'] = String(body.length)
    this.requests.push({ origin: new URL(String(opts.origin)).origin, method: opts.method, path: opts.path, headers, body: body.toString('utf8') })
    const answer = this.#responses[this.requests.length - 1]
    let aborted = false
    queueMicrotask(() => {
      if (!sink.start(() => { aborted = true })) return
      if (answer === undefined) {
        sink.error(Object.assign(new Error('no recorded response left'), { code: 'ECONNREFUSED' }))
        return
      }
      const raw: Buffer[] = []
      for (const [k, v] of Object.entries(answer.headers)) raw.push(Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1'))
      sink.headers(answer.status, answer.headers, raw, '', () => {})
      if (aborted) return
      if (answer.body.length > 0) sink.data(answer.body)
      if (!aborted) sink.end()
    })
    return true
  }

  override async close (): Promise<void> {}
  override async destroy (): Promise<void> {}
}
