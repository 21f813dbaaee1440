#!/usr/bin/env python3
"""Record the expected outputs of the template conformance corpus with real Jinja2.

Reads every test/template/conformance/cases/*.json (each an array of cases) and writes
test/template/conformance/fixtures.json: { id: {"output": "..."} | {"error": "..."} }, keys sorted,
so that `npm test` compares Conduit against Jinja2 without needing Python (ARCHITECTURE.md).

Each case is rendered with Jinja2 3.1 SandboxedEnvironment(autoescape=False) and the default
Undefined (SPEC §4.1). Conduit's own functions and filters (SPEC §4.2) are emulated here:

  get_secret(name) / get_variable(name)  read the case context's "secrets" / "variables" maps.
  now(offset=0)           FIXED_NOW + offset. The test injects the same instant as the render
                          context's clock, so now() is deterministic on both sides.
  jwt_encode(payload, key, algorithm='HS256', headers=None)
                          HS256/HS384/HS512 only, serialised as PyJWT does: header
                          {"alg": …, "typ": "JWT"} plus `headers`, keys sorted, compact JSON;
                          payload compact JSON in insertion order; both with json.dumps' default
                          ensure_ascii=True; base64url without padding.
  from_json               json.loads.
  json_encode             json.dumps with its defaults: separators ', ' and ': ', keys in
                          insertion order, ensure_ascii=True (non-ASCII written as \\uXXXX).
  base64_encode / base64_decode
                          standard alphabet with padding, text encoded/decoded as UTF-8.
  user.profile_fields.by_id(N)
                          the profile field whose key is str(N); None when there is none, as
                          dict.get answers. Anonymous callers have profile_fields None,
                          so by_id on them fails as any attribute of None does.

Two kinds of expectation are not Jinja2's and are written by hand, marked with "source":
  * Missing secrets/variables (SPEC §4.4) — Jinja2 has no such rule. A case whose template calls
    get_secret/get_variable with a name absent from its maps is rendered after wrapping every
    `{{ … }}` tag that contains such a call in {% raw %}…{% endraw %}, which is exactly the rule
    "the tag renders as its own source text, verbatim". A call that is directly the input of a
    `default`/`d` filter is exempt (the lead's decision, so SPEC §1's `| default('host')` URLs work):
    it is replaced by an unknown name, i.e. Undefined, and the default applies. The fixture gets
    "source": "spec §4.4".
  * A case may carry "expected" (output) or "expect_error" (true, "compile" or "render": where
    Conduit must fail) plus "source" when Conduit's
    contract differs from Jinja2 on purpose (e.g. the sandbox rejects at compile time what Jinja2
    renders as undefined, or the bounds of §4.5). Those are copied into the fixtures as written.

Run: npm run conformance:record
"""

import base64
import hashlib
import hmac
import json
import os
import re
import sys

import jinja2
from jinja2.sandbox import SandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFORMANCE = os.path.join(ROOT, 'test', 'template', 'conformance')
CASES_DIR = os.path.join(CONFORMANCE, 'cases')
FIXTURES = os.path.join(CONFORMANCE, 'fixtures.json')

# 2026-01-01T00:00:00Z. Must equal FIXED_NOW_SECONDS in test/template/conformance.test.ts.
FIXED_NOW = 1767225600

KINDS = {
    'url', 'header', 'query', 'auth', 'request_body', 'response_body',
    'step_url', 'step_header', 'step_query', 'step_auth', 'step_request_body', 'step_response_body'
}
CASE_KEYS = {'id', 'kind', 'template', 'context', 'expected', 'expect_error', 'source', 'note'}

FUNCTION_CALL = re.compile(r'''\b(get_secret|get_variable)\(\s*(?:'([^']*)'|"([^"]*)")\s*\)''')
PRINT_TAG = re.compile(r'\{\{.*?\}\}', re.S)


class ProfileFields(dict):
    """user.profile_fields: a mapping keyed by id (strings in the JWT claim)."""

    def by_id(self, field_id):
        key = str(field_id)
        return self[key] if key in self else None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


HMAC_HASHES = {'HS256': hashlib.sha256, 'HS384': hashlib.sha384, 'HS512': hashlib.sha512}


def jwt_encode(payload, key, algorithm='HS256', headers=None):
    if algorithm not in HMAC_HASHES:
        raise ValueError('the recorder emulates only HMAC algorithms, not ' + str(algorithm))
    header = {'typ': 'JWT', 'alg': algorithm}
    if headers:
        header.update(headers)
    header_json = json.dumps(header, separators=(',', ':'), sort_keys=True)
    payload_json = json.dumps(payload, separators=(',', ':'))
    signing_input = b64url(header_json.encode('utf-8')) + '.' + b64url(payload_json.encode('utf-8'))
    signature = hmac.new(str(key).encode('utf-8'), signing_input.encode('ascii'), HMAC_HASHES[algorithm]).digest()
    return signing_input + '.' + b64url(signature)


def base64_encode(value):
    return base64.b64encode(str(value).encode('utf-8')).decode('ascii')


def base64_decode(value):
    return base64.b64decode(str(value).encode('ascii'), validate=True).decode('utf-8')


def make_env():
    env = SandboxedEnvironment(autoescape=False)
    env.filters['from_json'] = json.loads
    env.filters['json_encode'] = json.dumps
    env.filters['base64_encode'] = base64_encode
    env.filters['base64_decode'] = base64_decode
    env.globals['jwt_encode'] = jwt_encode
    env.globals['now'] = lambda offset=0: FIXED_NOW + offset
    return env


def template_context(context):
    """The names a template sees: the case context minus the maps backing the functions."""
    secrets = context.get('secrets', {})
    variables = context.get('variables', {})
    names = {k: v for k, v in context.items() if k not in ('secrets', 'variables')}
    user = names.get('user')
    if isinstance(user, dict) and isinstance(user.get('profile_fields'), dict):
        names['user'] = dict(user, profile_fields=ProfileFields(user['profile_fields']))

    def lookup(kind, store):
        def get(name):
            if name not in store:
                raise KeyError(f'{kind} {name!r} reached Jinja2 although it is missing')
            return store[name]
        return get

    names['get_secret'] = lookup('secret', secrets)
    names['get_variable'] = lookup('variable', variables)
    return names


DEFAULT_AFTER = re.compile(r'((?:\s*\))*)\s*\|\s*(?:default|d)\b')
OPEN_BEFORE = re.compile(r'(?:\(\s*)*$')
RAW_BLOCK = re.compile(r'(\{% raw %\}.*?\{% endraw %\})', re.S)


def is_default_input(template, m):
    """True when the call matched by m is directly the input of a default/d filter, as in
    `get_variable('x') | default(…)` or `(get_variable('x')) | d(…)`: every parenthesis closed
    after the call was opened right before it."""
    after = DEFAULT_AFTER.match(template, m.end())
    if after is None:
        return False
    closing = after.group(1).count(')')
    opening = OPEN_BEFORE.search(template[:m.start()]).group(0).count('(')
    return closing <= opening


def missing_calls(template, context):
    """(match, under_default) for every get_secret/get_variable call naming a missing name."""
    out = []
    for m in FUNCTION_CALL.finditer(template):
        store = context.get('secrets' if m.group(1) == 'get_secret' else 'variables', {})
        name = m.group(2) if m.group(2) is not None else m.group(3)
        if name not in store:
            out.append((m, is_default_input(template, m)))
    return out


def missing_names(template, context):
    """Missing names the §4.4 verbatim rule applies to (not those directly under `default`)."""
    return [m.group(2) or m.group(3) for m, defaulted in missing_calls(template, context) if not defaulted]


def undefine_defaulted(text, context):
    """A missing name directly under `default` is Undefined there (the lead's decision on SPEC §1
    default hosts): the call is replaced by a name Jinja2 does not know, outside raw blocks."""
    def sub(part):
        calls = [m for m, defaulted in missing_calls(part, context) if defaulted]
        for m in reversed(calls):
            part = part[:m.start()] + 'conduit_missing_' + (m.group(2) or m.group(3)) + part[m.end():]
        return part
    return ''.join(p if RAW_BLOCK.fullmatch(p) else sub(p) for p in RAW_BLOCK.split(text))


def apply_missing_rule(case):
    """SPEC §4.4: a {{ … }} tag that calls get_secret/get_variable with a missing name renders as
    its own source text. Jinja2 has no such rule, so the tag is wrapped in {% raw %} first. A call
    directly under `default` is not covered by the rule: it is Undefined, so the default applies."""
    template, context = case['template'], case.get('context', {})

    def wrap(m):
        tag = m.group(0)
        if not missing_names(tag, context):
            return tag
        if tag.startswith('{{-') or tag.endswith('-}}'):
            raise ValueError(f"case {case['id']}: whitespace control on a tag with a missing name is not specified")
        return '{% raw %}' + tag + '{% endraw %}'

    rewritten = PRINT_TAG.sub(wrap, template)
    outside = PRINT_TAG.sub('', RAW_BLOCK.sub('', rewritten))
    if missing_names(outside, context):
        raise ValueError(f"case {case['id']}: a missing name outside a {{{{ }}}} tag has no rule in SPEC §4.4")
    return undefine_defaulted(rewritten, context)


def check_case(case, where, seen):
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise ValueError(f'{where}: unknown keys {sorted(unknown)}')
    for key in ('id', 'kind', 'template'):
        if not isinstance(case.get(key), str):
            raise ValueError(f'{where}: "{key}" must be a string')
    if case['id'] in seen:
        raise ValueError(f"{where}: duplicate id {case['id']!r} (first in {seen[case['id']]})")
    if case['kind'] not in KINDS:
        raise ValueError(f"{where}: unknown kind {case['kind']!r}")
    if case.get('expect_error', True) not in (True, 'compile', 'render'):
        raise ValueError(f'{where}: "expect_error" must be true, "compile" or "render"')
    if ('expected' in case or 'expect_error' in case) and 'source' not in case:
        raise ValueError(f'{where}: a hand-written expectation needs a "source" naming the SPEC rule')
    seen[case['id']] = where


def record(env, case):
    if 'expected' in case:
        return {'output': case['expected'], 'source': case['source']}
    if case.get('expect_error'):
        stage = {'compile': ' at compile time', 'render': ' at render time'}.get(case['expect_error'], '')
        return {'error': 'Conduit must reject this template' + stage, 'source': case['source']}
    context = case.get('context', {})
    template = case['template']
    fixture = {}
    if missing_calls(template, context):
        template = apply_missing_rule(case)
        fixture['source'] = 'spec §4.4'
    try:
        fixture['output'] = env.from_string(template).render(template_context(context))
    except Exception as err:  # any Jinja2 failure: Conduit must fail too
        fixture.pop('output', None)
        fixture['error'] = f'{type(err).__name__}: {err}'
    return fixture


def main():
    if not jinja2.__version__.startswith('3.1'):
        sys.exit(f'Jinja2 3.1 is required, found {jinja2.__version__}')
    env = make_env()
    seen = {}
    fixtures = {}
    files = sorted(f for f in os.listdir(CASES_DIR) if f.endswith('.json'))
    for name in files:
        with open(os.path.join(CASES_DIR, name), encoding='utf-8') as fh:
            cases = json.load(fh)
        if not isinstance(cases, list):
            sys.exit(f'{name}: must hold a JSON array of cases')
        for index, case in enumerate(cases):
            check_case(case, f'{name}[{index}]', seen)
            fixtures[case['id']] = record(env, case)
    with open(FIXTURES, 'w', encoding='utf-8') as fh:
        json.dump(fixtures, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write('\n')
    errors = sum(1 for f in fixtures.values() if 'error' in f)
    print(f'recorded {len(fixtures)} cases from {len(files)} files ({errors} expect an error) -> {os.path.relpath(FIXTURES, ROOT)}')


if __name__ == '__main__':
    main()
