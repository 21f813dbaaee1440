import t from 'tap'
import { checkUrlTemplate } from '../../src/upstream/url-template.js'
import { checkRenderedOrigin } from '../../src/upstream/destination-policy.js'

const strict = { allowInsecure: false, allowPrivateNetworks: false }
const messages = (url: string, options = strict): string[] => checkUrlTemplate(url, options).problems.map(p => p.message)

t.test('accepted URL shapes and what they record', async t => {
  const ok: Array<[string, string]> = [
    ['https://api.example.com/v1/items?x=1', 'literal'],
    ['https://api.example.com:8443/v1/{{ pathParams.id }}', 'literal'],
    ['HTTPS://API.example.com', 'literal'],
    ["https://{{ get_variable('crm_host') }}/v3", 'host'],
    ["https://{{ get_variable('crm_host') | default('api.hubapi.com') }}/v3", 'host'],
    ['https://{{get_variable("crm_host")|default("api.hubapi.com", true)}}/v3', 'host'],
    ["https://{{ get_variable( 'region' ) }}.api.example.com/", 'label'],
    ["https://api.{{ get_variable('region') }}.example.com:443/x", 'label'],
    ["{{ get_variable('base_url') }}/v1/x", 'origin'],
    ["{{ get_variable('base_url') | default('https://api.example.com') }}", 'origin'],
    ["{{ get_variable('base_url') }}?q=1", 'origin']
  ]
  for (const [url, kind] of ok) {
    const shape = checkUrlTemplate(url, strict)
    t.same(shape.problems, [], url)
    t.equal(shape.hostKind, kind, url)
  }
})

t.test('a templated label pins the rest of the host', async t => {
  const shape = checkUrlTemplate("https://{{ get_variable('region') }}.api.example.com/", strict)
  const pattern = shape.hostPattern as RegExp
  t.ok(pattern.test('eu.api.example.com'))
  t.notOk(pattern.test('evil.com.api.example.com'), 'one label only')
  t.notOk(pattern.test('eu.api.example.com.evil.com'))
})

t.test('scheme rules', async t => {
  t.match(messages('http://api.example.com/x'), [/scheme must be https \(plain http is allowed only when the upstream.allowInsecure setting is on\)/])
  t.same(messages('http://api.example.com/x', { allowInsecure: true, allowPrivateNetworks: false }), [])
  t.match(messages('ftp://api.example.com/x', { allowInsecure: true, allowPrivateNetworks: false }), [/scheme must be https \(got 'ftp'\)/])
  t.match(messages("{{ get_variable('scheme') }}://api.example.com/x"), [/the scheme is never templated/])
  t.match(messages('http{{ x }}://api.example.com/x'), [/the scheme is never templated/])
  t.match(messages('{{ user.email }}/x'), [/the scheme is never templated/])
  t.match(messages('api.example.com/x'), [/must be an absolute URL starting with https:\/\//])
})

t.test('host templating is limited to get_variable, whole host, whole labels or whole origin', async t => {
  const msg = /the host may only be templated with \{\{ get_variable\('name'\) \}\}/
  t.match(messages('https://{{ user.email }}/x'), [msg])
  t.match(messages("https://api-{{ get_variable('region') }}.example.com/x"), [msg])
  t.match(messages("https://{{ get_variable('a') ~ '.com' }}/x"), [msg])
  t.match(messages("https://{{ get_variable('a') | upper }}/x"), [msg])
  t.match(messages("https://api.example.com:{{ get_variable('port') }}/x"), [/the port may not be templated/])
  t.match(messages("{{ get_variable('host') }}.example.com/x"), [/must be the whole origin/])
  t.match(messages("{{ get_variable('base') }}:8080/x"), [/must be the whole origin, followed by '\/', '\?' or the end/])
  t.match(messages("https://{{ get_variable('h') | default('api.example.com:8443') }}/x"), [/default host: the default host 'api.example.com:8443' must be a host name only/])
  t.match(messages("https://{{ get_variable('r') | default('eu.west') }}.example.com/x"), [/the default 'eu.west' of a templated host label must be a single DNS label/])
  t.match(messages("{{ get_variable('base') | default('https://api.example.com/v1') }}/x"), [/must be scheme and host only/])
  t.match(messages("{{ get_variable('base') | default('api.example.com') }}/x"), [/the default origin 'api.example.com' is not an absolute URL/])
})

t.test('path parameters never reach the host', async t => {
  const msg = /path parameters may not be used in the host/
  t.match(messages('https://{{ pathParams.tenant }}.example.com/x'), [msg])
  t.match(messages('https://{{ pathParams.host }}/x'), [msg])
  t.match(messages('{{ pathParams.base }}/x'), [msg])
})

t.test('literal local and private hosts are refused unless allowPrivateNetworks', async t => {
  const msg = /is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting/
  for (const url of ['https://localhost/x', 'https://LOCALHOST:8443/x', 'https://db.localhost/x', 'https://127.0.0.1/x',
    'https://10.1.2.3/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://0x7f.1/x', 'https://2130706433/x']) {
    t.match(messages(url), [msg], url)
    t.same(messages(url, { allowInsecure: false, allowPrivateNetworks: true }), [], `${url} allowed with allowPrivateNetworks`)
  }
  t.match(messages("https://{{ get_variable('h') | default('127.0.0.1') }}/x"), [/default host: the host '127.0.0.1' is a local or private address/])
  t.match(messages("{{ get_variable('base') | default('http://10.0.0.1') }}/x"), [/default origin 'http:\/\/10.0.0.1': the scheme must be https/])
  t.match(messages("{{ get_variable('base') | default('https://10.0.0.1') }}/x"), [/default origin 'https:\/\/10.0.0.1': the host is a local or private address/])
  t.match(messages("https://{{ get_variable('svc') }}.localhost/x"), [/under 'localhost'/])
})

t.test('other structural rules', async t => {
  t.match(messages('https://api.example.com/a b'), [/contains a literal space or line break; percent-encode it/])
  t.same(messages('https://api.example.com/{{ pathParams.a | default("x y") }}'), [], 'spaces inside tags are template syntax')
  t.match(messages('https://user:pw@api.example.com/x'), [/user information \(user@host\) is not allowed/])
  t.match(messages('https://127.0.0.1\\@api.example.com/x'), [/the host '127.0.0.1' is a local or private address/], 'a backslash ends the host, as in WHATWG URLs')
  t.match(messages('https://127%2E0.0.1/x'), [/is a local or private address/], 'percent-encoded hosts are decoded first')
  t.match(messages('https:///x'), [/the host is missing/])
  t.match(messages('https://api.example.com:99999/x'), [/invalid port '99999'/])
  t.match(messages('https://api.example.com/' + 'a'.repeat(2048)), [/must be at most 2048 characters \(got 2072\)/])
  t.match(messages(''), [/is required/])
  const shape = checkUrlTemplate('https://api.example.com/a b', strict)
  t.equal(shape.problems[0].offset, 25, 'the problem has its offset in the template')
})

t.test('checkRenderedOrigin: the request-time check for templated origins and hosts', async t => {
  const ok = checkRenderedOrigin('https://api.example.com/v1/x?y=1', strict)
  t.equal(ok.ok, true)
  if (ok.ok) t.equal(ok.url.hostname, 'api.example.com')
  t.match(checkRenderedOrigin('http://api.example.com/x', strict), { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: /scheme must be https/ })
  t.match(checkRenderedOrigin('http://api.example.com/x', { ...strict, allowInsecure: true }), { ok: true })
  t.match(checkRenderedOrigin('file:///etc/passwd', { ...strict, allowInsecure: true }), { ok: false, message: /scheme must be https \(got 'file'\)/ })
  t.match(checkRenderedOrigin("{{ get_variable('base_url') }}/x", strict), { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: /not a valid absolute URL/ })
  t.match(checkRenderedOrigin('https://127.0.0.1/x', strict), { ok: false, code: 'DESTINATION_NOT_ALLOWED', message: "Destination host '127.0.0.1' is not allowed" })
  t.match(checkRenderedOrigin('https://localhost:8080/x', strict), { ok: false, code: 'DESTINATION_NOT_ALLOWED' })
  t.match(checkRenderedOrigin('https://[::ffff:7f00:1]/x', strict), { ok: false, code: 'DESTINATION_NOT_ALLOWED' })
  t.match(checkRenderedOrigin('https://127.0.0.1/x', { ...strict, allowPrivateNetworks: true }), { ok: true })
  t.match(checkRenderedOrigin('https://a:b@api.example.com/x', strict), { ok: false, message: /user information/ })
  const hostPattern = checkUrlTemplate("https://{{ get_variable('region') }}.api.example.com/", strict).hostPattern as RegExp
  t.match(checkRenderedOrigin('https://eu.api.example.com/', { ...strict, hostPattern }), { ok: true })
  t.match(checkRenderedOrigin('https://evil.com#.api.example.com/', { ...strict, hostPattern }),
    { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: "The rendered host 'evil.com' does not have the shape the connector's url allows" })
})
