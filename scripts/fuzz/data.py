"""Context data for the differential fuzzer: one render context (every name of SPEC §4.3 at once,
so any field kind can use it) per group of cases.

Values that reach templates as objects (user, response.headers, request.headers, …) are
"JS-safe": JavaScript parses them from the fixture exactly as Python does (integers within 2^53,
no integral floats such as 1.0, no integer-like keys out of ascending order). The hostile JSON
shapes of SPEC §4.1 (big 64-bit ints, 1.0, integer-like keys, astral text, None) go into the TEXT
fields (body_text, request.body_text, response.body, steps.<name>.body), which templates read
with `| from_json` exactly as Conduit receives them from a caller or an upstream. body_raw is the
caller's body_text parsed (None when it is not JSON), as the pipeline passes it; Conduit reads it
again from body_text, so it keeps Python's values too.
"""

import json

WORDS = ['alpha', 'beta', 'Gamma', 'delta', 'EPSILON', 'zeta', 'eta', 'theta', 'Ada', 'Lovelace', 'lamp', 'desk',
         'Zoë', 'naïve', 'Straße', '東京', 'Ελλάδα', 'emoji😀', '𝔘nicode', 'a<b>&c', "it's", 'say "hi"', 'tab\there',
         'two words', '  padded  ', '', 'x', 'UPPER CASE', 'mixed Case words here', '123', '-4.5', 'true', 'None',
         'line\nbreak', 'a,b,c', 'a b  c', '%s', '50%', 'ünïcödé', 'İstanbul', 'ß', 'ﬁ ligature', 'ǅ title']
SAFE_FLOATS = [0.5, 2.5, -0.125, 3.14159, 0.1, 99.99, -7.25, 1e-7, 12.75, 1234.5678]
ALL_FLOATS = SAFE_FLOATS + [1.0, 0.0, -2.0, 1e20, 1.5e300, 100.0, 2.5e-5]
BIG_INTS = [9007199254740993, 1234567890123456789, -9223372036854775808, 18446744073709551615,
            9007199254740992, 12345678901234567890123]


def word(rng):
    return rng.choice(WORDS)


def sentence(rng):
    return ' '.join(word(rng) for _ in range(rng.randint(1, 5)))


def small_int(rng):
    return rng.choice([0, 1, 2, 3, 7, 10, 42, -1, -13, 100, 255, 1000, 65535, 2 ** 31, -(2 ** 31)])


def number(rng, safe):
    r = rng.random()
    if r < 0.5:
        return small_int(rng)
    if r < 0.85 or safe:
        return rng.choice(SAFE_FLOATS) if r < 0.85 else rng.randint(-10 ** 6, 10 ** 6)
    return rng.choice(ALL_FLOATS + BIG_INTS)


def scalar(rng, safe):
    r = rng.random()
    if r < 0.4:
        return word(rng)
    if r < 0.75:
        return number(rng, safe)
    if r < 0.88:
        return rng.random() < 0.5
    return None


def nested(rng, safe, depth=0):
    r = rng.random()
    if depth >= 3 or r < 0.5:
        return scalar(rng, safe)
    if r < 0.75:
        return [nested(rng, safe, depth + 1) for _ in range(rng.randint(0, 4))]
    return obj(rng, safe, depth + 1)


def key(rng, safe):
    r = rng.random()
    if r < 0.75:
        return rng.choice(['id', 'name', 'value', 'type', 'status', 'count', 'label', 'kind', 'ok', 'data', 'x', 'y',
                           'Zeta', 'b', 'a', 'c', 'ключ', 'キー', 'with space', 'dash-key', 'items', 'keys', 'values'])
    if safe:
        return rng.choice(['k1', 'k2', 'k3'])
    return rng.choice(['10', '2', '0', '-1', '007', '1.5', '4294967295', '99'])


def obj(rng, safe, depth=0):
    out = {}
    for _ in range(rng.randint(0, 4)):
        out[key(rng, safe)] = nested(rng, safe, depth + 1)
    if safe:
        # JavaScript objects iterate integer-like keys first; keep them out of object contexts.
        out = {k: v for k, v in out.items() if not k.isdigit()}
    return out


def record(rng, i, safe):
    rec = {
        'id': rng.choice(BIG_INTS) if (not safe and rng.random() < 0.2) else i + 1,
        'name': sentence(rng),
        'is_public': rng.random() < 0.6,
        'score': rng.choice(SAFE_FLOATS) if safe else rng.choice(ALL_FLOATS + [3, 7, 0]),
        'tags': [word(rng) for _ in range(rng.randint(0, 3))],
        'owner': rng.choice([None, {}, {'email': f'owner{i}@example.com'}, {'email': 'Zoë@exämple.com', 'role': 'admin'}]),
    }
    if rng.random() < 0.3:
        rec['group'] = rng.choice(['red', 'blue', 'Blue', 'green'])
    if rng.random() < 0.2:
        del rec[rng.choice(['score', 'tags', 'owner', 'is_public'])]
    return rec


def payload(rng, safe):
    """A caller or upstream JSON document in one of the shapes connectors handle."""
    shape = rng.random()
    if shape < 0.35:
        doc = {'items': [record(rng, i, safe) for i in range(rng.randint(0, 4))],
               'meta': {'total': rng.randint(0, 500), 'next': rng.choice([None, 'cursor-2', '']),
                        'page': 1 if safe else rng.choice([1, 1.0, 2])}}
    elif shape < 0.6:
        doc = {'order': {'id': rng.choice(['ORD-1', 'ORD-ü', 42]),
                         'currency': rng.choice(['eur', 'usd', None]),
                         'lines': [{'sku': f'{word(rng)}-{j}', 'qty': rng.choice([1, 2, '3', 0, 5]),
                                    'price': rng.choice(SAFE_FLOATS + [120, 0])} for j in range(rng.randint(0, 4))]},
               'customer': {'email': rng.choice(['ada@example.com', None, 'ZOË@EXAMPLE.COM']), 'name': sentence(rng)},
               'notes': rng.choice([None, sentence(rng)])}
    elif shape < 0.75:
        doc = {'data': [nested(rng, safe) for _ in range(rng.randint(0, 5))], 'count': small_int(rng)}
    else:
        doc = obj(rng, safe)
        doc['q'] = word(rng)
        doc['page'] = rng.choice([1, 2, '3', None])
    if not safe and rng.random() < 0.4:
        doc['ids'] = {k: word(rng) for k in rng.sample(['10', '2', '1', 'b', 'a', '0', '33'], rng.randint(1, 4))}
        doc['big'] = rng.choice(BIG_INTS)
        doc['ratio'] = rng.choice([1.0, 2.50, 1e16, 0.1])
    return doc


def text_of(rng, doc):
    """JSON text as an upstream or caller would send it (sometimes not JSON at all)."""
    r = rng.random()
    if r < 0.04:
        return rng.choice(['not json', "{'a': 1}", '', '{"a": 1,}', '[1, 2', 'null', '"just a string"', '42'])
    if r < 0.5:
        return json.dumps(doc, ensure_ascii=False)
    if r < 0.8:
        return json.dumps(doc, separators=(',', ':'))
    return json.dumps(doc, indent=2, ensure_ascii=False)


def user(rng):
    if rng.random() < 0.12:
        return {'id': None, 'email': None, 'first_name': None, 'last_name': None, 'username': None, 'profile_fields': None}
    fields = {}
    for k in sorted(rng.sample([7, 12, 30, 101], rng.randint(0, 3))):
        fields[str(k)] = rng.choice([word(rng), small_int(rng), None, True, ['a', 'b']])
    return {
        'id': rng.choice(['u-42', 'user_7', '00012', 'ü-1']),
        'email': rng.choice(['ada@example.com', 'Zoë.Ünïcode@exämple.com', 'UPPER@EXAMPLE.COM', '', None]),
        'first_name': rng.choice(['Ada', 'zoë', 'jean-luc', '', None, '東京']),
        'last_name': rng.choice(['Lovelace', "O'Brien", 'van der Berg', None]),
        'username': rng.choice(['ada', 'z.ü', 'admin', None]),
        'profile_fields': fields,
    }


SECRETS = {'api_key': 'sk_live_0123456789abcdef', 'signing_key': 's3cr3t-k€y', 'client_secret': 'p@ss/wörd+=&?',
           'token': 'tok_' + 'A' * 20}
VARIABLES = {'region': 'eu-west-1', 'host': 'api.example.com', 'api_version': 'v2', 'page_size': '50',
             'base_path': '/v1/items', 'flags': 'a,b,c'}


def exchange(rng, doc=None):
    doc = payload(rng, False) if doc is None else doc
    return {'status_code': rng.choice([200, 200, 200, 201, 204, 404, 500]),
            'headers': {'content-type': rng.choice(['application/json', 'application/json; charset=utf-8', 'text/plain']),
                        'x-request-id': rng.choice(['req-1', 'Ünï']), 'x-total-count': str(rng.randint(0, 99))},
            'body': text_of(rng, doc)}


def parsed(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def context(rng):
    body_text = text_of(rng, payload(rng, False))
    request_text = text_of(rng, payload(rng, False))
    login = {'access_token': rng.choice(['tok-1', 'eyJ.abc.def', 'ü']), 'expires_in': rng.choice([3600, 60])}
    return {
        'user': user(rng),
        'tenant_id': rng.choice(['acme', 'Acme Corp', 'tenant-ü', '', None]),
        'pathParams': {'account': rng.choice(['acc-1', 'a b/c', 'Zoë', '42']), 'id': rng.choice(['7', 'x?y&z=1'])},
        'body_text': body_text,
        'body_raw': parsed(body_text),
        'response': exchange(rng),
        'steps': {'login': exchange(rng, login), 'search': exchange(rng)},
        'request': {'body_text': request_text, 'body_raw': parsed(request_text),
                    'headers': {'x-trace-id': rng.choice(['abc', 'Ünï']), 'accept': 'application/json'},
                    'query_parameters': {'page': rng.choice(['1', '3', 'x']), 'size': rng.choice(['20', '500', '-1'])}},
        'secrets': dict(SECRETS),
        'variables': dict(VARIABLES),
    }
