// api_key (SPEC §6): a header `key: value`, or a query pair `key=value` that wins over the caller's.
import { ConduitError } from '../../errors.js'
import type { CompiledTemplate } from '../../template/types.js'
import { isHeaderName, isHeaderValue } from '../../upstream/headers.js'
import type { ConfigReader } from '../config-reader.js'
import { DEBUG_MASK, str, type AuthStrategy } from '../strategy.js'
import type { DefinitionOf } from '../types.js'

function where (c: ConfigReader): 'header' | 'query' {
  const raw = c.config.in
  if (raw === undefined || raw === null || raw === '') return 'header'
  if (raw === 'header' || raw === 'query') return raw
  c.problem('config.in', `in must be 'header' or 'query', not ${JSON.stringify(raw)}`)
  return 'header'
}

export const apiKey: AuthStrategy<DefinitionOf<'api_key'>> = {
  configKeys: ['key', 'value', 'in'],

  compile (c) {
    const key = c.template('key', true)
    const value = c.credential('value')
    return { type: 'api_key', key: key as CompiledTemplate, value: value as CompiledTemplate, in: where(c) }
  },

  apply (def, rendered) {
    const key = str(rendered, 'key')
    const value = str(rendered, 'value')
    if (def.in === 'query') {
      if (key === '') throw new ConduitError('TEMPLATE_RENDER_ERROR', 'authentication.config.key rendered an empty query parameter name')
      return { headers: {}, query: [[key, value]] }
    }
    if (!isHeaderName(key)) throw new ConduitError('TEMPLATE_RENDER_ERROR', 'authentication.config.key did not render a valid HTTP header name')
    if (!isHeaderValue(value)) throw new ConduitError('TEMPLATE_RENDER_ERROR', 'authentication.config.value rendered a header value containing a line break or control character')
    return { headers: { [key]: value }, query: [] }
  },

  debug: (def, show) => ({ key: show(def.key), value: DEBUG_MASK, in: def.in })
}
