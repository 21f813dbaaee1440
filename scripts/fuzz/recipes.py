"""Realistic connector shapes with random variations: response reshaping with from_json, for/if,
tojson and loop.last; JSON request bodies from `body_text | from_json`; headers, URLs and query
parameters with user fields, secrets and variables; JWT auth; composite steps."""

import json


def pick(rng, *options):
    return rng.choice(options)


def sep(rng):
    return pick(rng, '{{ "," if not loop.last }}', '{% if not loop.last %},{% endif %}', "{{ ', ' if not loop.last else '' }}",
                '{%- if not loop.last %}, {% endif -%}')


def lists_in(text):
    """Paths of the lists a JSON text holds at its first two levels (so reshapes mostly hit data)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if isinstance(v, list):
                out.append(f'.{k}' if k.isidentifier() and k.isascii() and k != 'items' else f'[{json.dumps(k)}]')
            if isinstance(v, dict):
                out.extend(f'.{k}.{k2}' for k2, v2 in v.items() if isinstance(v2, list) and k2.isidentifier() and k2.isascii())
    return out


def response_reshape(rng, ctx):
    src = pick(rng, 'response.body', 'response.body')
    dname = pick(rng, 'd', 'data', 'payload')
    found = lists_in(ctx['response']['body'])
    if found and rng.random() < 0.85:
        path = rng.choice(found)
        coll = pick(rng, dname + path, dname + path, dname + path + ' | default([])')
    else:
        coll = pick(rng, f"{dname}['items']", f'{dname}.items', f"{dname}['data']", f'{dname}.order.lines', f'{dname}',
                    f"{dname}['items'] | default([])", f"{dname}.get('items', [])")
    cond = pick(rng, '', ' if r.is_public', ' if r.score is defined and r.score > 1', ' if r.owner', ' if r.id is number',
                " if 'alpha' in r.tags", ' if not r.is_public', ' if r.owner is mapping and r.owner.email')
    fields = [
        '"id": {{ r.id }}', '"id": {{ r.id | tojson }}', '"name": {{ r.name | tojson }}',
        '"name": {{ r.name | default("") | upper | tojson }}', '"owner": {{ r.owner.email | default(none) | tojson }}',
        '"tags": {{ r.tags | default([]) | join(",") | tojson }}', '"tags": {{ r.tags | tojson }}',
        '"score": {{ r.score | round(1) }}', '"score": {{ r.score | default(0) | float }}',
        '"n": {{ loop.index }}', '"public": {{ r.is_public | tojson }}', '"raw": {{ r | tojson }}',
        '"label": "{{ r.name | truncate(10) }}"', '"group": {{ r.group | default("none") | tojson }}',
        '"first_tag": {{ (r.tags | first) | tojson }}', '"sku": {{ r.sku | tojson }}', '"qty": {{ r.qty | int }}',
    ]
    chosen = rng.sample(fields, rng.randint(1, 4))
    item = '{' + ', '.join(chosen) + '}'
    ws = pick(rng, ('{%- ', ' -%}'), ('{% ', ' %}'), ('{%- ', ' %}'))
    head = f'{ws[0]}set {dname} = {src} | from_json{ws[1]}'
    if rng.random() < 0.3:
        head = f'{{%- if response.status_code == 200 -%}}{head}'
        tail = '{%- else -%}{"error": {{ response.status_code }}}{%- endif -%}'
    else:
        tail = ''
    sorter = pick(rng, '', '', " | sort(attribute='score', reverse=true)", " | selectattr('is_public')",
                  " | rejectattr('owner', 'none')", " | sort(attribute='name')", ' | reverse', " | unique(attribute='group')")
    loop = f'[{{% for r in {coll}{sorter}{cond} %}}{item}{sep(rng)}{{% else %}}{{% endfor %}}]'
    if rng.random() < 0.5:
        loop = loop.replace('{% else %}', '')
    extra = pick(rng, '', ', "total": {{ d.meta.total | default(0) }}'.replace('d.', dname + '.'),
                 ', "count": {{ ' + coll + ' | length }}', ', "next": {{ ' + dname + '.meta.next | tojson }}',
                 ', "ids": {{ ' + dname + '.ids | tojson }}', ', "big": {{ ' + dname + '.big }}',
                 ', "ratio": {{ ' + dname + '.ratio }}', ', "keys": {{ ' + dname + ' | list | tojson }}')
    body = pick(rng, f'{{"results": {loop}{extra}}}', loop)
    return pick(rng, 'response_body', 'step_response_body'), head + body + tail


def response_simple(rng, ctx):
    return pick(rng, 'response_body', 'step_response_body'), pick(
        rng,
        '{{ (response.body | from_json).meta | tojson }}',
        "{{ response.body | from_json | tojson }}",
        "{{ response.body | from_json }}",
        "{% set d = response.body | from_json %}{{ d.ids }}|{{ d.ids | tojson }}|{{ d.ids | list }}|{{ d.big }}|{{ d.big + 1 }}|{{ d.big | tojson }}|{{ d.ratio }}",
        "{% set d = response.body | from_json %}{% for k, v in d.items() %}{{ k }}={{ v | tojson }};{% endfor %}",
        "{% set d = response.body | from_json %}{% for k, v in d | dictsort %}{{ k }}{% if not loop.last %},{% endif %}{% endfor %}",
        "{% set d = response.body | from_json %}{{ d['items'] | map(attribute='id') | list }}",
        "{% set d = response.body | from_json %}{{ d['items'] | selectattr('is_public') | map(attribute='name') | join(', ') }}",
        "{% set d = response.body | from_json %}{{ d['items'] | groupby('group') | list }}",
        "{{ response.status_code }} {{ response.headers['content-type'] }} {{ response.headers.get('x-total-count', '0') | int }}",
        "{% if response.status_code >= 400 %}{\"error\": {{ response.body | tojson }}}{% else %}{{ response.body }}{% endif %}",
        "{% set d = response.body | from_json %}{{ d.order.lines | sum(attribute='price') }} {{ d.order.lines | map(attribute='qty') | map('int') | sum }}",
        "{% set d = response.body | from_json %}{{ d | json_encode }}",
        "{% set d = response.body | from_json %}{{ d.data | tojson }} {{ d.data }}",
        "{% set d = response.body | from_json %}{{ d.ids | dictsort | list }} {{ d.ids.keys() | list }} {{ d.ids | first }}",
        "{% set d = response.body | from_json %}{% set ns = namespace(total=0) %}{% for r in d['items'] %}{% set ns.total = ns.total + r.score | default(0) %}{% endfor %}{{ ns.total }}",
        "{{ response.body | length }} {{ response.body[:20] }}",
    )


def request_body(rng, ctx):
    lines = [
        '"customer": {{ user.id | tojson }}',
        '"email": {{ user.email | default("anonymous@example.com", true) | lower | tojson }}',
        '"name": {{ [user.first_name, user.last_name] | select | join(" ") | tojson }}',
        '"dept": {{ user.profile_fields.by_id(12) | tojson }}',
        '"dept2": {{ user.profile_fields.by_id(7) | default("none") | tojson }}',
        '"tenant": {{ tenant_id | tojson }}',
        '"order_id": {{ p.order.id | default("") | tojson }}',
        '"currency": {{ p.order.currency | default("USD", true) | upper | tojson }}',
        '"lines": [{% for l in p.order.lines %}{"sku": {{ l.sku | tojson }}, "qty": {{ l.qty | int }}, "total": {{ ((l.qty | int) * l.price) | round(2) }}}{{ "," if not loop.last }}{% endfor %}]',
        '"count": {{ p.order.lines | default([]) | length }}',
        '"q": {{ p.q | default("") | trim | tojson }}',
        '"page": {{ p.page | default(1) | int }}',
        '"raw": {{ body_raw | tojson }}',
        '"raw_q": {{ body_raw.q | default(none) | tojson }}',
        '"all": {{ p | tojson }}',
        '"sent_at": {{ now() }}',
        '"items": {{ p["items"] | default([]) | map(attribute="id") | list | tojson }}',
        '"ids": {{ p.ids | default({}) | tojson }}',
        '"big": {{ p.big | default(0) }}',
        '"data": {{ p.data | default([]) | tojson }}',
        '"note": {{ p.notes | default("", true) | truncate(20) | tojson }}',
        '"token": {{ jwt_encode({"sub": user.id, "iat": now()}, "k", "HS256") | tojson }}',
    ]
    chosen = rng.sample(lines, rng.randint(2, 8))
    indent = pick(rng, '\n  ', ' ', '\n')
    head = pick(rng, '{%- set p = body_text | from_json -%}\n', '{% set p = body_text | from_json %}', '{%- set p = (body_text | from_json) %}')
    return 'request_body', head + '{' + indent + (',' + indent).join(chosen) + pick(rng, '\n}', '}', '\n}\n')


def header(rng, ctx):
    return pick(rng, 'header', 'step_header'), pick(
        rng,
        "Bearer {{ get_secret('api_key') }}",
        "Bearer {{get_secret(\"token\")}}",
        "{{ user.email | default('anonymous@example.com', true) }}",
        "{{ user.first_name ~ ' ' ~ user.last_name }}",
        "{{ user.first_name | default('', true) | title }} <{{ user.email }}>",
        "Basic {{ (get_variable('host') ~ ':' ~ get_secret('client_secret')) | base64_encode }}",
        "{{ user.id }}/{{ tenant_id | default('default') | lower }}",
        "{{ user.profile_fields.by_id(12) }}",
        "{{ user.profile_fields.by_id(99) }}",
        "{{ user.profile_fields.by_id(99) | default('n/a') }}",
        "{{ user.username | upper if user.username else 'ANON' }}",
        "{{ [user.first_name, user.last_name, user.email] | reject('none') | join(';') }}",
        "{{ user | dictsort | map('first') | join(',') }}",
        "{{ user.profile_fields | tojson }}",
        "{% if user.id %}{{ user.id | urlencode }}{% else %}anonymous{% endif %}",
        "{{ tenant_id }}-{{ now() }}",
    )


def url(rng, ctx):
    return pick(rng, 'url', 'step_url'), pick(
        rng,
        "https://{{ get_variable('host') }}/v2/accounts/{{ pathParams.account | urlencode }}/orders",
        "https://{{ get_variable('region') }}.api.example.com{{ get_variable('base_path') }}?tenant={{ tenant_id | urlencode }}",
        "https://api.example.com/users/{{ user.id }}/items/{{ pathParams.id }}",
        "https://api.example.com/search?{{ {'q': pathParams.account, 'page': 2, 'tags': 'a b'} | urlencode }}",
        "https://api.example.com/{{ get_variable('api_version') }}/{{ user.email | default('anon', true) | lower | urlencode }}",
        "https://api.example.com/{{ pathParams.account | replace(' ', '-') | lower }}?x={{ [1, 2] | urlencode }}",
        "https://{{ get_variable('host') }}/{{ get_variable('flags').split(',') | join('/') }}",
    )


def query(rng, ctx):
    return pick(rng, 'query', 'step_query'), pick(
        rng,
        "{{ [[user.profile_fields.by_id(12) | int(20), 100] | min, 1] | max }}",
        "{{ tenant_id | default('default') | lower }}",
        "{{ get_variable('page_size') | int * 2 }}",
        "{{ (now() // 3600) * 3600 }}",
        "{{ get_secret('api_key')[:6] }}",
        "{{ user.email.split('@') | last if user.email else '' }}",
        "{{ [[request.query_parameters.size | default(20) | int, 100] | min, 1] | max }}",
    )


def auth(rng, ctx):
    return pick(rng, 'auth', 'step_auth'), pick(
        rng,
        "{{ jwt_encode({'sub': user.id, 'tenant': tenant_id, 'iat': now(), 'exp': now(300)}, get_secret('signing_key'), 'HS256') }}",
        "{{ jwt_encode({'sub': user.id, 'email': user.email}, get_secret('signing_key'), 'HS512', {'kid': 'key-1'}) }}",
        "Bearer {{ jwt_encode({'iss': get_variable('host'), 'n': [1, 2.5, none]}, get_secret('signing_key'), algorithm='HS384') }}",
        "{{ (get_secret('api_key') ~ ':') | base64_encode }}",
    )


def steps(rng, ctx):
    return rng.choice([
        ('step_header', "Bearer {{ (steps.login.body | from_json).access_token }}"),
        ('step_header', "{% set t = steps.login.body | from_json %}Bearer {{ t.access_token }} {{ t.expires_in // 60 }}m"),
        ('step_request_body', '{"q": {{ request.body_raw.q | default(none) | tojson }}, "page": {{ request.query_parameters.page | default(1) }}}'),
        ('step_request_body', "{% set p = request.body_text | from_json %}{{ p | tojson }}"),
        ('step_request_body', "{{ steps.search.status_code }} {{ steps.search.headers['content-type'] }}"),
        ('step_response_body', "{% set s = steps.search.body | from_json %}{% set d = response.body | from_json %}{{ {'search': s, 'final': d} | tojson }}"),
        ('step_url', "https://{{ get_variable('host') }}/next?cursor={{ (steps.search.body | from_json).meta.next | default('') | urlencode }}"),
        ('step_query', "{{ request.headers['x-trace-id'] | default('none') }}"),
    ])


RECIPES = [response_reshape, response_reshape, response_reshape, response_simple, response_simple, request_body,
           request_body, header, url, query, auth, steps]


def realistic(rng, ctx):
    return rng.choice(RECIPES)(rng, ctx)
