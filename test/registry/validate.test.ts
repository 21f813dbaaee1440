import t from 'tap'
import { validateRegistryText } from '../../src/registry/load.js'
import { formatProblem, type Connector, type RegistryOptions } from '../../src/registry/types.js'

const strict: RegistryOptions = { allowInsecure: false, allowPrivateNetworks: false }
const base = { name: 'Weather', url: 'https://api.example.com/data' }

function check (def: unknown, options = strict): ReturnType<typeof validateRegistryText> {
  return validateRegistryText(JSON.stringify(def, null, 2), options, 'registry.json')
}
/** What an operator sees: every error line, formatted. */
function errors (def: unknown, options = strict): string[] {
  return check(def, options).errors.map(formatProblem)
}
function warnings (def: unknown): string[] {
  return check(def).warnings.map(formatProblem)
}
function connector (def: Record<string, unknown>): Connector {
  const r = check(def)
  if (r.errors.length > 0) throw new Error(r.errors.map(formatProblem).join('\n'))
  return r.connectors[0]
}

t.test('a minimal connector gets the defaults of the field table', async t => {
  const c = connector(base)
  t.equal(c.name, 'Weather')
  t.equal(c.permalink, 'weather')
  t.equal(c.method, 'GET')
  t.same(c.headers, [])
  t.same(c.query, [])
  t.same(c.pathParams, [])
  t.same(c.authentication, { type: 'none' })
  t.equal(c.requestBody, null)
  t.equal(c.responseBody, null)
  t.equal(c.responseContentType, '')
  t.equal(c.timeoutMs, undefined)
  t.equal(c.url.source, 'https://api.example.com/data')
  t.equal(c.source, 'registry.json')
  t.same(c.definition, base)
  t.equal(c.target.hostKind !== 'literal', false)
  t.same(check(base).warnings, [])
})

t.test('name: required, a string, 1–255 characters', async t => {
  t.same(errors({ url: base.url }), ["registry.json › connector '#0' › name: is required"])
  t.same(errors({ ...base, name: '' }), ["registry.json › connector '#0' › name: must not be empty"])
  t.same(errors({ ...base, name: 42 }), ["registry.json › connector '#0' › name: must be a string, not a number"])
  const long = 'n'.repeat(256)
  t.same(errors({ ...base, name: long }), [`registry.json › connector '${long}' › name: must be at most 255 characters (got 256)`])
  t.equal(connector({ ...base, name: 'n'.repeat(255) }).name.length, 255)
})

t.test('permalink: derived from the name, or checked against the pattern', async t => {
  t.equal(connector({ ...base, name: 'Weather API (v2)' }).permalink, 'weather-api-v2')
  t.equal(connector({ ...base, permalink: 'my-weather' }).permalink, 'my-weather')
  t.same(errors({ ...base, permalink: 'My_Weather' }), [
    "registry.json › connector 'Weather' › permalink: 'My_Weather' is not a valid permalink: use lowercase letters and digits separated by single hyphens (pattern ^[a-z0-9]+(?:-[a-z0-9]+)*$)"
  ])
  t.same(errors({ ...base, permalink: 'a'.repeat(256) }), ["registry.json › connector 'Weather' › permalink: must be at most 255 characters (got 256)"])
  t.same(errors({ ...base, name: '!!!' }), ["registry.json › connector '!!!' › permalink: cannot be derived from name '!!!' (it has no letters or digits); set a permalink"])
  t.same(errors({ ...base, permalink: 7 }), ["registry.json › connector 'Weather' › permalink: must be a string, not a number"])
})

t.test('permalinks are unique among connectors; composites have their own namespace', async t => {
  const doc = {
    connectors: [base, { ...base, name: 'weather!' }, { ...base, name: 'Other', permalink: 'weather' }],
    composite_connectors: [{ name: 'Weather', steps: [{ name: 'a', url: base.url }] }]
  }
  t.same(errors(doc), [
    "registry.json › connector 'weather!' › permalink: duplicate permalink 'weather': already used by connector 'Weather'",
    "registry.json › connector 'Other' › permalink: duplicate permalink 'weather': already used by connector 'Weather'"
  ])
  const ok = check({ connectors: [base], composite_connectors: doc.composite_connectors })
  t.same(ok.errors, [])
  t.equal(ok.connectors[0].permalink, ok.composites[0].permalink, 'same permalink, different namespaces')
  t.same(errors({ composite_connectors: [doc.composite_connectors[0], doc.composite_connectors[0]] }), [
    "registry.json › connector 'Weather' › permalink: duplicate permalink 'weather': already used by composite connector 'Weather'"
  ])
})

t.test('url: required, ≤2048, URL rules with the position in the template', async t => {
  t.same(errors({ name: 'W' }), ["registry.json › connector 'W' › url: is required"])
  t.same(errors({ ...base, url: 5 }), ["registry.json › connector 'Weather' › url: must be a string, not a number"])
  t.same(errors({ ...base, url: 'https://api.example.com/a b' }), [
    "registry.json › connector 'Weather' › url: contains a literal space or line break; percent-encode it (%20) (line 1, column 26)"
  ])
  t.same(errors({ ...base, url: 'http://api.example.com/' }), [
    "registry.json › connector 'Weather' › url: the scheme must be https (plain http is allowed only when the upstream.allowInsecure setting is on) (line 1, column 1)"
  ])
  t.same(errors({ ...base, url: 'http://api.example.com/' }, { allowInsecure: true, allowPrivateNetworks: false }), [])
  t.same(errors({ ...base, url: 'https://{{ user.email }}.example.com/' }), [
    "registry.json › connector 'Weather' › url: the host may only be templated with {{ get_variable('name') }} (optionally | default('literal')) as the whole host, one whole label of it, or the whole origin (line 1, column 9)"
  ])
  t.same(errors({ ...base, url: 'https://127.0.0.1/' }), [
    "registry.json › connector 'Weather' › url: the host '127.0.0.1' is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting (line 1, column 9)"
  ])
  t.same(errors({ ...base, url: 'https://127.0.0.1/' }, { allowInsecure: false, allowPrivateNetworks: true }), [])
  t.match(errors({ ...base, url: 'https://api.example.com/' + 'x'.repeat(2030) }), [/url: must be at most 2048 characters \(got 2054\)$/])
  const templated = connector({ ...base, url: "https://{{ get_variable('region') }}.api.example.com/x" })
  t.equal(templated.target.hostKind !== 'literal', true)
  t.ok(templated.target.hostPattern?.test('eu.api.example.com'))
  t.same(templated.variableNames, ['region'])
})

t.test('url: a template compile error names connector, field and position', async t => {
  t.same(errors({ ...base, url: "https://api.example.com/{{ get_secret('k') }}" }), [
    "registry.json › connector 'Weather' › url: get_secret() is not available in url: secrets resolve only in headers, query parameters and authentication (line 1, column 28)"
  ])
  const syntax = errors({ ...base, url: 'https://api.example.com/{{ 1 +' })
  t.match(syntax[0], /^registry\.json › connector 'Weather' › url: .+ \(line 1, column \d+\)$/)
})

t.test('method: default GET, case-insensitive, one of the seven', async t => {
  t.equal(connector({ ...base, method: 'post' }).method, 'POST')
  t.equal(connector({ ...base, method: 'Delete' }).method, 'DELETE')
  for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) t.equal(connector({ ...base, method: m }).method, m)
  t.same(errors({ ...base, method: 'FETCH' }), ["registry.json › connector 'Weather' › method: 'FETCH' is not supported; use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"])
  t.same(errors({ ...base, method: ['GET'] }), ["registry.json › connector 'Weather' › method: must be a string, not an array"])
})

t.test('headers: rows {key, value, overridable}', async t => {
  const c = connector({ ...base, headers: [{ key: 'Accept', value: 'application/json' }, { key: 'X-Lang', value: 'en', overridable: true }] })
  t.same(c.headers.map(h => [h.key, h.value.source, h.overridable]), [['Accept', 'application/json', false], ['X-Lang', 'en', true]])

  t.same(errors({ ...base, headers: { Accept: 'x' } }), ["registry.json › connector 'Weather' › headers: must be an array of {key, value, overridable} rows, not an object"])
  t.same(errors({ ...base, headers: ['Accept: x'] }), ["registry.json › connector 'Weather' › headers[0]: must be an object {key, value, overridable}, not a string"])
  t.same(errors({ ...base, headers: [{ value: 'x' }] }), ["registry.json › connector 'Weather' › headers[0].key: is required"])
  t.same(errors({ ...base, headers: [{ key: 'Accept' }] }), ["registry.json › connector 'Weather' › headers[0].value: is required (use \"\" for an empty value)"])
  t.same(errors({ ...base, headers: [{ key: 'X' + 'k'.repeat(255), value: 'x' }] }), ["registry.json › connector 'Weather' › headers[0].key: must be at most 255 characters (got 256)"])
  t.same(errors({ ...base, headers: [{ key: 'X-Long', value: 'v'.repeat(1001) }] }), ["registry.json › connector 'Weather' › headers[0].value: must be at most 1000 characters (got 1001)"])
  t.equal(connector({ ...base, headers: [{ key: 'X-Long', value: 'v'.repeat(1000) }] }).headers[0].value.source.length, 1000)
  t.same(errors({ ...base, headers: [{ key: 'Accept', value: 'a' }, { key: 'accept', value: 'b' }] }), [
    "registry.json › connector 'Weather' › headers[1].key: duplicate header 'accept' (also headers[0]; header names are case-insensitive)"
  ])
  t.same(errors({ ...base, headers: [{ key: 'Bad Header', value: 'a' }] }), ["registry.json › connector 'Weather' › headers[0].key: 'Bad Header' is not a valid header name"])
  t.same(errors({ ...base, headers: [{ key: 'Content-Length', value: '1' }] }), ["registry.json › connector 'Weather' › headers[0].key: header 'Content-Length' is managed by the HTTP client and cannot be configured"])
  t.same(errors({ ...base, headers: [{ key: 'A', value: 'x', overridable: 'yes' }] }), ["registry.json › connector 'Weather' › headers[0].overridable: must be true or false, not a string"])
  t.same(warnings({ ...base, headers: [{ key: 'A', value: 'x', description: 'd' }] }), ["registry.json › connector 'Weather' › headers[0].description: unknown row field 'description' is ignored"])
  const compile = errors({ ...base, headers: [{ key: 'A', value: 'ok' }, { key: 'B', value: 'x\n{{ body_text }}' }] })
  t.equal(compile.length, 1)
  t.match(compile[0], /^registry\.json › connector 'Weather' › headers\[1\]\.value: body_text is not available in header.* \(line 2, column 4\)$/)
})

t.test('query_parameters: keys unique exactly (case matters), values ≤1000', async t => {
  const c = connector({ ...base, query_parameters: [{ key: 'q', value: 'x', overridable: true }, { key: 'Q', value: 'y' }] })
  t.same(c.query.map(r => [r.key, r.overridable]), [['q', true], ['Q', false]])
  t.same(errors({ ...base, query_parameters: [{ key: 'q', value: 'a' }, { key: 'q', value: 'b' }] }), [
    "registry.json › connector 'Weather' › query_parameters[1].key: duplicate query parameter 'q' (also query_parameters[0])"
  ])
  t.same(errors({ ...base, query_parameters: [{ key: 'q', value: 'v'.repeat(1001) }] }), ["registry.json › connector 'Weather' › query_parameters[0].value: must be at most 1000 characters (got 1001)"])
  t.same(errors({ ...base, query_parameters: [{ key: '', value: 'x' }] }), ["registry.json › connector 'Weather' › query_parameters[0].key: must not be empty"])
  t.same(errors({ ...base, query_parameters: [{ key: ' q', value: 'x' }] }), ["registry.json › connector 'Weather' › query_parameters[0].key: ' q' has leading or trailing spaces"])
  t.same(errors({ ...base, query_parameters: 'q=1' }), ["registry.json › connector 'Weather' › query_parameters: must be an array of {key, value, overridable} rows, not a string"])
  t.same(errors({ ...base, query_parameters: [{ key: 'q', value: 3 }] }), ["registry.json › connector 'Weather' › query_parameters[0].value: must be a string, not a number"])
})

t.test('path_parameters: declared keys and the url references must match', async t => {
  const url = 'https://api.example.com/users/{{ pathParams.user_id }}/posts/{{ pathParams["post"] }}/{{ pathParams.user_id }}'
  const c = connector({ ...base, url, path_parameters: [{ key: 'post', value: 'hello-1', overridable: true }, { key: 'user_id', overridable: true }] })
  t.same(c.urlPathParamKeys, ['user_id', 'post'])
  t.same(c.pathParams, [{ key: 'post', value: 'hello-1', overridable: true }, { key: 'user_id', overridable: true }])

  t.same(errors({ ...base, path_parameters: 'id' }), ["registry.json › connector 'Weather' › path_parameters: must be an array of {key, value?, overridable?} rows, not a string"])
  t.same(errors({ ...base, path_parameters: [7] }), ["registry.json › connector 'Weather' › path_parameters[0]: must be an object {key, value?, overridable?}, not a number"])
  t.same(errors({ ...base, path_parameters: [{ key: 'id', overridable: true }] }), [
    "registry.json › connector 'Weather' › path_parameters[0].key: path parameter 'id' is not used in url; reference it as {{ pathParams.id }}"
  ])
  t.same(errors({ ...base, url: 'https://api.example.com/u/\n{{ pathParams.id }}' }).slice(0, 1), [
    "registry.json › connector 'Weather' › url: contains a literal space or line break; percent-encode it (%20) (line 1, column 27)"
  ])
  t.same(errors({ ...base, url: 'https://api.example.com/u/{{ pathParams.id }}' }), [
    "registry.json › connector 'Weather' › url: uses pathParams.id but path_parameters has no row with key 'id' (line 1, column 30)"
  ])
  t.same(errors({ ...base, url: 'https://api.example.com/{% for k in pathParams %}{{ k }}{% endfor %}' }), [
    "registry.json › connector 'Weather' › url: read path parameters as {{ pathParams.key }} so their keys are known at load (line 1, column 37)"
  ])
  t.same(errors({ ...base, url: 'https://api.example.com/{{ pathParams.a }}', path_parameters: [{ key: 'a', overridable: true }, { key: 'a', value: 'x' }] }), [
    "registry.json › connector 'Weather' › path_parameters[1].key: duplicate path parameter 'a' (also path_parameters[0])"
  ])
  t.same(errors({ ...base, url: 'https://api.example.com/{{ pathParams.a }}', path_parameters: [{ key: 'a', value: '../etc' }] }), [
    "registry.json › connector 'Weather' › path_parameters[0].value: '../etc' is not a valid path parameter value: use 1–200 of A-Z a-z 0-9 . _ ~ - and no '..'"
  ])
  t.same(errors({ ...base, url: 'https://api.example.com/{{ pathParams.a }}', path_parameters: [{ value: 'x' }] }), [
    "registry.json › connector 'Weather' › path_parameters[0].key: is required",
    "registry.json › connector 'Weather' › url: uses pathParams.a but path_parameters has no row with key 'a' (line 1, column 28)"
  ])
  const empty = connector({ ...base, url: 'https://api.example.com/{{ pathParams.a }}', path_parameters: [{ key: 'a', value: '', overridable: true }] })
  t.same(empty.pathParams, [{ key: 'a', overridable: true }], 'an empty configured value means no default')
  t.same(warnings({ ...base, url: 'https://api.example.com/{{ pathParams.a }}', path_parameters: [{ key: 'a' }] }), [
    "registry.json › connector 'Weather' › path_parameters[0]: path parameter 'a' has no value and is not overridable: every call will fail with MISSING_PATH_PARAMETERS"
  ])
})

t.test('authentication: compiled by the auth module, problems under authentication.…', async t => {
  const apikey = { type: 'apikey', config: { key: 'appid', value: "{{ get_secret('weather_key') }}", in: 'query' } }
  const c = connector({ ...base, authentication: apikey })
  t.equal(c.authentication.type, 'api_key', 'apikey is an alias of api_key')
  t.same((c.definition.authentication as { type: string }).type, 'api_key', 'the stored definition is normalised')
  t.same(c.secretNames, ['weather_key'])

  t.same(errors({ ...base, authentication: { type: 'api_key', config: { key: 'appid', value: 'hunter2', in: 'query' } } }), [
    "registry.json › connector 'Weather' › authentication.config.value: value must be a get_secret() reference, not a literal value (e.g. \"{{ get_secret('my_value') }}\"): credentials belong in the secret store"
  ])
  t.match(errors({ ...base, authentication: { type: 'basic' } }), [/^registry\.json › connector 'Weather' › authentication\.type: type "basic" is not supported/])
  t.match(errors({ ...base, authentication: 'none' }), [/^registry\.json › connector 'Weather' › authentication: authentication must be an object/])
  const pos = errors({ ...base, authentication: { type: 'api_key', config: { key: 'k', value: "{{ get_secret('a') }}{{ body_text }}" } } })
  t.match(pos, [/^registry\.json › connector 'Weather' › authentication\.config\.value: .*body_text.* \(line 1, column \d+\)$/])
  t.same(warnings({ ...base, authentication: { type: 'api_key', config: { key: 'k', value: "{{ get_secret('a') }}", extra: 1 } } }), [
    "registry.json › connector 'Weather' › authentication.config.extra: unknown api_key setting 'extra' is ignored (known: key, value, in)"
  ])
})

t.test('request_body, response_body and response_content_type', async t => {
  const c = connector({
    ...base,
    method: 'POST',
    request_body: '{{ {"q": (body_text | from_json).q, "who": user.email} | tojson }}',
    response_body: '{% if response.status_code == 200 %}{{ response.body.items | length }}{% endif %}',
    response_content_type: 'text/plain; charset=utf-8'
  })
  t.equal(c.requestBody?.kind, 'request_body')
  t.equal(c.responseBody?.kind, 'response_body')
  t.equal(c.responseContentType, 'text/plain; charset=utf-8')
  t.equal(connector({ ...base, method: 'POST', request_body: '  \n ' }).requestBody, null, 'blank forwards the caller payload')

  t.same(errors({ ...base, method: 'POST', request_body: "x\n  {{ get_secret('k') }}" }), [
    "registry.json › connector 'Weather' › request_body: get_secret() is not available in request_body: secrets resolve only in headers, query parameters and authentication (line 2, column 6)"
  ])
  t.match(errors({ ...base, response_body: '{{ body_text }}' }), [/^registry\.json › connector 'Weather' › response_body: body_text is not available in response_body.* \(line 1, column 4\)$/])
  t.same(errors({ ...base, request_body: 5 }), ["registry.json › connector 'Weather' › request_body: must be a string, not a number"])
  t.same(errors({ ...base, response_content_type: 'json' }), ["registry.json › connector 'Weather' › response_content_type: 'json' is not a media type such as application/json"])
  t.same(errors({ ...base, response_content_type: 'text/plain\r\nX-Evil: 1' }), ["registry.json › connector 'Weather' › response_content_type: 'text/plain\r\nX-Evil: 1' is not a media type such as application/json"])
  t.same(errors({ ...base, response_content_type: 'a/' + 'b'.repeat(254) }), ["registry.json › connector 'Weather' › response_content_type: must be at most 255 characters (got 256)"])
  t.same(warnings({ ...base, request_body: '{"a": 1}' }), ["registry.json › connector 'Weather' › request_body: is ignored: GET requests never send a body (only POST, PUT, PATCH do)"])
  t.same(errors({ ...base, method: 'POST', request_body: 'x'.repeat(64 * 1024 + 1) }), ["registry.json › connector 'Weather' › request_body: template is too large: at most 65536 bytes"])
})

t.test('timeout_ms: a positive whole number up to 300000', async t => {
  t.equal(connector({ ...base, timeout_ms: 300000 }).timeoutMs, 300000)
  t.equal(connector({ ...base, timeout_ms: 1 }).timeoutMs, 1)
  for (const bad of [0, -5, 1.5, 300001, '100']) {
    t.same(errors({ ...base, timeout_ms: bad }), [`registry.json › connector 'Weather' › timeout_ms: must be a whole number of milliseconds from 1 to 300000, not ${JSON.stringify(bad)}`])
  }
})

t.test('unknown fields are warnings, not errors', async t => {
  const r = check({ connectors: [{ ...base, description: 'x', id: 7 }], version: 2 })
  t.same(r.errors, [])
  t.same(r.warnings.map(formatProblem), [
    'registry.json › version: unknown registry field \'version\' is ignored',
    "registry.json › connector 'Weather' › description: unknown connector field 'description' is ignored",
    "registry.json › connector 'Weather' › id: unknown connector field 'id' is ignored"
  ])
  t.equal(r.connectors.length, 1)
})

t.test('secret names, variable names and requiresUser are computed once at load', async t => {
  const c = connector({
    ...base,
    url: "https://{{ get_variable('host') }}/{{ get_variable('version') }}/x",
    headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('token') }}" }, { key: 'X-Region', value: "{{ get_variable('region') }}" }],
    query_parameters: [{ key: 'k', value: "{{ get_secret('token') }}{{ get_secret('other') }}" }],
    authentication: { type: 'oauth_client_credentials', config: { client_id: "{{ get_variable('cid') }}", client_secret: "{{ get_secret('cs') }}", token_url: 'https://auth.example.com/token' } }
  })
  t.same(c.secretNames, ['token', 'other', 'cs'])
  t.same(c.variableNames, ['host', 'version', 'region', 'cid'])
  t.equal(c.requiresUser, false)
  t.equal(connector({ ...base, headers: [{ key: 'X-User', value: '{{ user.email }}' }] }).requiresUser, true)
  t.equal(connector({ ...base, query_parameters: [{ key: 'u', value: '{{ user.id }}' }] }).requiresUser, true)
  t.equal(connector({ ...base, url: 'https://api.example.com/{{ user.id }}' }).requiresUser, false, 'only headers and query parameters count')
})

t.test('every problem of every connector is listed', async t => {
  const out = errors({ connectors: [{ name: 'A', url: 'http://x.example.com', method: 'GO' }, { name: 'B' }, base] })
  t.same(out, [
    "registry.json › connector 'A' › method: 'GO' is not supported; use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
    "registry.json › connector 'A' › url: the scheme must be https (plain http is allowed only when the upstream.allowInsecure setting is on) (line 1, column 1)",
    "registry.json › connector 'B' › url: is required"
  ])
  t.same(check({ connectors: [{ name: 'A', url: 'http://x' }, base] }).connectors, [], 'nothing is returned when anything is wrong')
})

t.test('registry shape errors', async t => {
  t.same(errors([base]), ['registry.json: a registry must be a JSON object { "connectors": [...], "composite_connectors": [...] }, not an array'])
  t.same(errors({ connectors: base }), ['registry.json › connectors: must be an array, not an object'])
  t.same(errors({ connectors: ['x'] }), ["registry.json › connector '#0': a connector must be an object, not a string"])
  t.same(check({ connectors: [] }).errors, [])
})

t.test('validateRegistryText: JSON syntax errors with line and column; single definitions accepted', async t => {
  const r = validateRegistryText('{\n  "name": "W",\n  "url": "https://a.example.com"\n  "method": "GET"\n}', strict, 'request body')
  t.same(r.errors.map(formatProblem), ["request body: invalid JSON: Expected ',' or '}' after property value (line 4, column 3)"])
  t.equal(check(base).connectors.length, 1, 'a single connector object')
  t.equal(check({ name: 'C', steps: [{ name: 'a', url: base.url }] }).composites.length, 1, 'a single composite object')
})

t.test('composite connectors (§15)', async t => {
  const composite = {
    name: 'Contact With Company',
    steps: [
      { name: 'contact', url: 'https://api.example.com/c/{{ request.query_parameters.id | urlencode }}', headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('t') }}" }] },
      {
        name: 'company',
        method: 'post',
        url: 'https://api.example.com/co/{{ steps.contact.body.company_id }}',
        request_body: '{{ steps.contact.body | tojson }}',
        response_body: '{{ {"contact": steps.contact.body, "company": response.body} | tojson }}',
        authentication: { type: 'apikey', config: { key: 'X-Key', value: "{{ get_secret('k') }}" } },
        timeout_ms: 5000
      }
    ]
  }
  const r = check({ composite_connectors: [composite] })
  t.same(r.errors, [])
  const comp = r.composites[0]
  t.equal(comp.permalink, 'contact-with-company')
  t.same(comp.steps.map(s => [s.name, s.method]), [['contact', 'GET'], ['company', 'POST']])
  t.equal(comp.steps[0].url.kind, 'step_url')
  t.equal(comp.steps[1].requestBody?.kind, 'step_request_body')
  t.equal(comp.steps[1].authentication.type, 'api_key')
  t.equal(comp.steps[1].timeoutMs, 5000)
  t.same(comp.steps[0].secretNames, ['t'])
  t.equal(comp.requiresUser, false)

  const bad = (steps: unknown): string[] => errors({ composite_connectors: [{ name: 'C', steps }] })
  t.same(errors({ composite_connectors: [{ name: 'C' }] }), ["registry.json › connector 'C' › steps: is required: a composite connector needs at least one step"])
  t.same(bad([]), ["registry.json › connector 'C' › steps: must be a non-empty array of steps, not an array"])
  t.same(bad([{ url: base.url }]), ["registry.json › connector 'C' › steps[0].name: is required"])
  t.same(bad([{ name: 'Step One', url: base.url }]), ["registry.json › connector 'C' › steps[0].name: 'Step One' is not a valid step name: use lowercase letters, digits, '_' and '-' (steps are read as steps.<name>)"])
  t.same(bad([{ name: 'a', url: base.url }, { name: 'a', url: base.url }]), ["registry.json › connector 'C' › steps[1].name: duplicate step name 'a' (also steps[0])"])
  t.same(bad([{ name: 'a', url: 'https://api.example.com/{{ steps.b.body.id }}' }, { name: 'b', url: base.url }]), [
    "registry.json › connector 'C' › steps[0].url: reads steps.b, which is not an earlier step (earlier steps: none: this is the first step) (line 1, column 28)"
  ])
  t.match(bad([{ name: 'a', url: "https://api.example.com/{{ get_secret('s') }}" }]), [/^registry\.json › connector 'C' › steps\[0\]\.url: get_secret\(\) is not available.* \(line 1, column 28\)$/])
  t.match(bad([{ name: 'a', url: 'https://api.example.com/{{ pathParams.x }}' }]), [/^registry\.json › connector 'C' › steps\[0\]\.url: pathParams is not available in step_url.* \(line 1, column 28\)$/])
  t.match(bad([{ name: 'a', url: base.url, response_body: "{{ jwt_encode({}, 'k', 'HS256') }}" }]), [/^registry\.json › connector 'C' › steps\[0\]\.response_body: jwt_encode\(\) is not available in step_response_body.* \(line 1, column 4\)$/])
  t.match(bad([{ name: 'a', url: 'https://{{ steps.x.body }}/' }]), [/steps\[0\]\.url: the host may only be templated/])
  t.match(bad([{ name: 'a', url: base.url, authentication: { type: 'api_key', config: { key: 'k', value: 'literal' } } }]), [/^registry\.json › connector 'C' › steps\[0\]\.authentication\.config\.value: value must be a get_secret\(\) reference/])
  t.same(warnings({ composite_connectors: [{ name: 'C', extra: 1, steps: [{ name: 'a', url: base.url, foo: 2 }] }] }), [
    "registry.json › connector 'C' › extra: unknown composite connector field 'extra' is ignored",
    "registry.json › connector 'C' › steps[0].foo: unknown step field 'foo' is ignored"
  ])
  t.same(errors({ composite_connectors: [{ steps: [{ name: 'a', url: base.url }] }] }), ["registry.json › connector 'composite #0' › name: is required"])
  t.same(errors({ composite_connectors: ['x'] }), ["registry.json › connector 'composite #0': a composite connector must be an object, not a string"])
  t.same(bad({ a: 1 }), ["registry.json › connector 'C' › steps: must be a non-empty array of steps, not an object"])
  t.same(bad([null]), ["registry.json › connector 'C' › steps[0]: a step must be an object, not null"])
  t.same(errors({ composite_connectors: {} }), ['registry.json › composite_connectors: must be an array, not an object'])
})
