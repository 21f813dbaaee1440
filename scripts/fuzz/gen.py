"""Template grammar of the differential fuzzer: random templates over the whole SPEC §4.2 subset,
for every field kind of §4.3, using only the names that kind may read (Conduit refuses unknown
top-level names at compile time by design).

Expressions are generated with a type guide: each value carries the Python value it stands for
when that is known (context paths, literals, `| from_json` of a known text) or its type, so
filters, tests and methods are mostly applied to values they accept. Mismatched types still occur
on purpose: Jinja2's error is then the expected outcome (Conduit must fail too).
"""

import json
import random

import data

KINDS = ['url', 'header', 'query', 'auth', 'request_body', 'response_body',
         'step_url', 'step_header', 'step_query', 'step_auth', 'step_request_body', 'step_response_body']
SECRET_KINDS = {'header', 'query', 'auth', 'step_header', 'step_query', 'step_auth'}
VARIABLE_KINDS = SECRET_KINDS | {'url', 'step_url', 'step_request_body', 'step_response_body'}
JWT_KINDS = {'url', 'header', 'query', 'auth', 'request_body', 'step_url', 'step_header', 'step_query', 'step_auth',
             'step_request_body'}
BODY_KINDS = {'request_body', 'response_body', 'step_request_body', 'step_response_body'}
DICT_METHOD_NAMES = {'items', 'keys', 'values', 'get', 'pop', 'update', 'copy', 'clear', 'setdefault', 'popitem',
                     'fromkeys'}
KEYWORDS = {'and', 'or', 'not', 'in', 'is', 'if', 'else', 'true', 'false', 'none', 'True', 'False', 'None'}

NOV = object()  # value not known


def is_ident(k):
    return isinstance(k, str) and k.isidentifier() and k.isascii() and not k.startswith('_') and k not in KEYWORDS


def type_of(v):
    if v is None:
        return 'none'
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, int):
        return 'int'
    if isinstance(v, float):
        return 'float'
    if isinstance(v, str):
        return 'str'
    if isinstance(v, (list, tuple)):
        return 'list'
    if isinstance(v, dict):
        return 'dict'
    return 'any'


class Val:
    """An expression's source text and what it evaluates to, as far as the generator knows."""

    def __init__(self, text, t=None, v=NOV, el=NOV, atomic=True):
        self.text = text
        self.v = v
        self.t = t if t is not None else (type_of(v) if v is not NOV else 'any')
        if el is NOV and v is not NOV and isinstance(v, (list, tuple)) and v:
            el = v[0]
        self.el = el
        self.atomic = atomic

    def a(self):
        """The text as an operand (parenthesised unless atomic)."""
        return self.text if self.atomic else '(' + self.text + ')'


def lit_str(rng, s=None):
    s = data.word(rng) if s is None else s
    if rng.random() < 0.3 and '"' not in s and '\\' not in s:
        return '"' + s.replace('\n', '\\n').replace('\t', '\\t') + '"'
    return "'" + s.replace('\\', '\\\\').replace("'", "\\'").replace('\n', '\\n').replace('\t', '\\t') + "'"


def py_literal(rng, v):
    """Jinja source for a Python value (lists, tuples, dicts with any key type)."""
    if v is None:
        return rng.choice(['none', 'None'])
    if v is True:
        return rng.choice(['true', 'True'])
    if v is False:
        return rng.choice(['false', 'False'])
    if isinstance(v, int):
        return str(v) if v >= 0 else '(' + str(v) + ')' if rng.random() < 0.5 else str(v)
    if isinstance(v, float):
        r = repr(v)
        if v < 0:
            return '(' + r + ')'
        return r if 'inf' not in r and 'nan' not in r else '1.5'
    if isinstance(v, str):
        if rng.random() < 0.05 and v.isascii() and v:
            # Jinja2 decodes string literals with Python's unicode-escape rules.
            return "'" + ''.join(rng.choice(['\\x%02x' % ord(ch), '\\u%04x' % ord(ch), ch]) if ch.isalnum() else ch for ch in v).replace("'", "\\'") + "'"
        return lit_str(rng, v)
    if isinstance(v, tuple):
        inner = ', '.join(py_literal(rng, x) for x in v)
        return '(' + inner + (',)' if len(v) == 1 else ')')
    trailing = ',' if v and rng.random() < 0.05 else ''
    if isinstance(v, list):
        return '[' + ', '.join(py_literal(rng, x) for x in v) + trailing + ']'
    if isinstance(v, dict):
        return '{' + ', '.join(py_literal(rng, k) + ': ' + py_literal(rng, x) for k, x in v.items()) + trailing + '}'
    raise TypeError(v)


class Gen:
    def __init__(self, rng, ctx, kind):
        self.rng = rng
        self.ctx = ctx
        self.kind = kind
        self.scope = {}        # local name -> Val
        self.in_loop = 0
        self.assigned = set()  # every name assigned anywhere (valid names for the checker)
        self.counter = 0
        self.size = 0

    # ---- names ---------------------------------------------------------------------------------
    def fresh(self, prefix='v'):
        self.counter += 1
        return f'{prefix}{self.counter}'

    def roots(self):
        """Values the field kind may read: context names, functions, locals."""
        ctx, kind, out = self.ctx, self.kind, []
        out.append(Val('user', v=ctx['user']))
        out.append(Val('tenant_id', v=ctx['tenant_id']))
        if kind == 'url':
            out.append(Val('pathParams', v=ctx['pathParams']))
        if kind == 'request_body':
            out.append(Val('body_text', v=ctx['body_text']))
            out.append(Val('body_raw', v=ctx['body_raw']))
            out.append(self.parsed('body_text', ctx['body_text']))
        if kind in ('response_body', 'step_response_body'):
            out.append(Val('response', v=ctx['response']))
            out.append(self.parsed('response.body', ctx['response']['body']))
        if kind.startswith('step_'):
            out.append(Val('steps', v=ctx['steps']))
            out.append(Val('request', v=ctx['request']))
            out.append(self.parsed('steps.search.body', ctx['steps']['search']['body']))
            out.append(self.parsed('request.body_text', ctx['request']['body_text']))
        if kind in SECRET_KINDS:
            name = self.rng.choice(sorted(ctx['secrets']))
            out.append(Val(f"get_secret({lit_str(self.rng, name)})", v=ctx['secrets'][name]))
        if kind in VARIABLE_KINDS:
            name = self.rng.choice(sorted(ctx['variables']))
            out.append(Val(f"get_variable({lit_str(self.rng, name)})", v=ctx['variables'][name]))
        out.append(Val(self.rng.choice(['now()', 'now(300)', 'now(-60)', 'now(offset=5)']), t='int'))
        out.extend(v for k, v in self.scope.items() if k != 'loop')
        return out

    def parsed(self, source, text):
        try:
            v = json.loads(text)
        except ValueError:
            return Val(f'({source} | from_json)', t='any')
        return Val(f'({source} | from_json)', v=v)

    # ---- literals ------------------------------------------------------------------------------
    def literal(self, want=None):
        rng = self.rng
        t = want or rng.choice(['str', 'str', 'int', 'float', 'bool', 'none', 'list', 'dict', 'tuple'])
        if t == 'str':
            s = data.word(rng)
            return Val(lit_str(rng, s), v=s)
        if t == 'int':
            r = rng.random()
            if r < 0.8:
                n = data.small_int(rng)
                return Val(py_literal(rng, n), v=n, atomic=n >= 0)
            text, n = rng.choice([('1_000', 1000), ('0x1F', 31), ('0o17', 15), ('0b101', 5), ('9007199254740993', 9007199254740993)])
            return Val(text, v=n)
        if t == 'float':
            text, f = rng.choice([('1.0', 1.0), ('2.5', 2.5), ('0.1', 0.1), ('1e3', 1e3), ('1.5e-3', 1.5e-3), ('3.14159', 3.14159),
                                  ('10.0', 10.0), ('1_0.5', 10.5), ('1E2', 100.0), ('0.30000000000000004', 0.30000000000000004)])
            return Val(text, v=f)
        if t == 'bool':
            b = rng.random() < 0.5
            return Val(py_literal(rng, b), v=b)
        if t == 'none':
            return Val(py_literal(rng, None), v=None)
        if t == 'list':
            v = [data.scalar(rng, False) for _ in range(rng.randint(0, 4))]
            if rng.random() < 0.3:
                v = [rng.randint(-5, 20) for _ in range(rng.randint(1, 6))]
            if rng.random() < 0.15:
                v = [{'name': data.word(rng), 'n': rng.randint(0, 4)} for _ in range(rng.randint(1, 4))]
            return Val(py_literal(rng, v), v=v)
        if t == 'tuple':
            v = tuple(data.scalar(rng, False) for _ in range(rng.randint(1, 3)))
            return Val(py_literal(rng, v), t='list', v=list(v))
        keys = [rng.choice(['a', 'b', 'name', 'id', 1, 2, True, None, 1.5, '10', '2']) for _ in range(rng.randint(0, 4))]
        v = {k: data.scalar(rng, False) for k in keys}
        return Val(py_literal(rng, v), v=v)

    # ---- expressions ---------------------------------------------------------------------------
    def path(self, base, steps):
        """Descends into a known value with .attr / [key] / [index] / .0 (sometimes missing)."""
        rng, cur = self.rng, base
        for _ in range(steps):
            v = cur.v
            if isinstance(v, dict) and rng.random() < 0.04:
                # A key computed from a context value (a secret, a payload string), possibly
                # transformed: Jinja2's error for the missing attribute after it names the key, and
                # Conduit's must not (SPEC §4.6).
                key = rng.choice([r for r in self.roots() if r.t == 'str'] or [Val("'k'", t='str')])
                form = rng.choice(['{}', '{} | reverse', '{} | lower', '({})[1:]', '{} ~ "x"', '{} | upper'])
                cur = Val(f'{cur.a()}[{form.format(key.a())}]', t='undef')
                if rng.random() < 0.7:
                    cur = Val(cur.text + '.' + rng.choice(['x', 'name', 'id']), t='undef')
                break
            if isinstance(v, dict) and v:
                k = rng.choice(list(v))
                if rng.random() < 0.08:
                    k = rng.choice(['missing', 'nope', 'Name'])
                unicode_name = isinstance(k, str) and k.isidentifier() and not k.isascii() and rng.random() < 0.3
                if (unicode_name or is_ident(k)) and k not in DICT_METHOD_NAMES and rng.random() < 0.7:
                    cur = Val(cur.a() + '.' + k, v=v.get(k, NOV), t=None if k in v else 'undef')
                else:
                    cur = Val(cur.a() + '[' + py_literal(rng, k) + ']', v=v.get(k, NOV), t=None if k in v else 'undef')
            elif isinstance(v, list) and v:
                i = rng.choice([0, 0, len(v) - 1, -1, rng.randrange(len(v)), len(v) + 2])
                if rng.random() < 0.05 and i >= 0:
                    text = f'{cur.a()}.{i}'
                else:
                    text = f'{cur.a()}[{i}]'
                ok = -len(v) <= i < len(v)
                cur = Val(text, v=v[i] if ok else NOV, t=None if ok else 'undef')
            else:
                break
            if cur.v is NOV and cur.t != 'undef':
                cur.t = 'any'
        return cur

    def pick_base(self, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.22 or depth > 3:
            return self.literal()
        if r < 0.3:
            return self.call()
        base = rng.choice(self.roots())
        return self.path(base, rng.choice([0, 1, 1, 2, 2, 3, 4]))

    def call(self):
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            args = rng.choice([[rng.randint(0, 8)], [rng.randint(-3, 3), rng.randint(0, 9)], [rng.randint(0, 20), rng.randint(-2, 5), rng.choice([1, 2, 3, -1])], [10, 0, -3]])
            text = 'range(' + ', '.join(str(a) for a in args) + ')'
            return Val(text, t='list', v=list(range(*args)))
        if r < 0.7:
            k = {data.key(rng, True): data.scalar(rng, False) for _ in range(rng.randint(0, 3))}
            k = {a: b for a, b in k.items() if is_ident(a)}
            return Val('dict(' + ', '.join(f'{a}={py_literal(rng, b)}' for a, b in k.items()) + ')', v=k)
        if self.kind in JWT_KINDS:
            payload = rng.choice(["{'sub': user.id, 'iat': now(), 'exp': now(300)}", "{'tenant': tenant_id, 'n': 1}",
                                  "{'a': [1, 2.5, none, true], 'ü': 'Zoë'}", "{}"])
            key = rng.choice(["'literal-key'", "get_secret('signing_key')" if self.kind in SECRET_KINDS else "'k'"])
            # SPEC §4.2: jwt_encode(payload, key, algorithm, headers?) - the algorithm is required.
            alg = rng.choice([", 'HS256'", ", 'HS384'", ", 'HS512'", ", algorithm='HS256'", ", 'HS256', {'kid': 'k1'}",
                              ", 'HS256', headers={'kid': 'k1', 'typ': 'at+jwt'}"])
            return Val(f'jwt_encode({payload}, {key}{alg})', t='str')
        by = rng.choice([7, 12, 30, 99, '12'])
        fields = (self.ctx['user'] or {}).get('profile_fields')
        v = fields.get(str(by), NOV) if isinstance(fields, dict) else NOV
        return Val(f'user.profile_fields.by_id({py_literal(rng, by)})', v=v, t=None if v is not NOV else 'any')

    def expr(self, depth=0):
        """A random expression: a base, then filters/tests/methods/operators on top."""
        rng = self.rng
        cur = self.pick_base(depth)
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2])):
            cur = self.transform(cur, depth)
        if depth < 2 and rng.random() < 0.2:
            cur = self.combine(cur, depth)
        return cur

    def sub(self, depth, want=None):
        if want is not None and self.rng.random() < 0.6:
            return self.literal(want)
        return self.expr(depth + 1)

    def combine(self, left, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            right = self.sub(depth, left.t if left.t in ('str', 'int', 'float', 'list') else None)
            op = rng.choice(['+', '-', '*', '/', '//', '%', '**', '~', '~', '+'])
            if op == '**':
                right = Val(str(rng.choice([0, 1, 2, 3, -1, -2])), t='int', atomic=True)
                right.text = right.text if not right.text.startswith('-') else '(' + right.text + ')'
            if op == '*' and left.t in ('str', 'list'):
                right = Val(str(rng.randint(-1, 3)), t='int')
            t = 'str' if op == '~' else (left.t if op in '+-*' else 'any')
            return Val(f'{left.a()} {op} {right.a()}', t=t, atomic=False)
        if r < 0.5:
            right = self.sub(depth, left.t if left.t in ('str', 'int', 'float') else None)
            op = rng.choice(['==', '!=', '<', '<=', '>', '>=', 'in', 'not in'])
            if op in ('in', 'not in'):
                right = self.sub(depth, rng.choice(['list', 'str', 'dict']))
            if rng.random() < 0.1:
                return Val(f'{left.a()} < {right.a()} <= {self.literal("int").a()}', t='bool', atomic=False)
            return Val(f'{left.a()} {op} {right.a()}', t='bool', atomic=False)
        if r < 0.7:
            right = self.sub(depth)
            op = rng.choice(['and', 'or'])
            return Val(f'{left.a()} {op} {right.a()}', t='any', atomic=False)
        if r < 0.8:
            return Val(f'not {left.a()}', t='bool', atomic=False)
        if r < 0.9:
            other = self.sub(depth)
            cond = self.cond(depth + 1)
            if rng.random() < 0.15:
                return Val(f'{left.a()} if {cond.a()}', t='any', atomic=False)
            return Val(f'{left.a()} if {cond.a()} else {other.a()}', t='any', atomic=False)
        if r < 0.95:
            return Val(f'-{left.a()}', t=left.t if left.t in ('int', 'float') else 'any', atomic=False)
        items = [left] + [self.sub(depth) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.5:
            return Val('[' + ', '.join(i.text for i in items) + ']', t='list', el=left.v)
        return Val('{' + ', '.join(f'{lit_str(rng, data.key(rng, False))}: {i.text}' for i in items) + '}', t='dict')

    def cond(self, depth):
        rng = self.rng
        if rng.random() < 0.5:
            base = self.pick_base(depth)
            return self.test(base)
        return self.combine(self.pick_base(depth), depth)

    def test(self, v):
        rng = self.rng
        name = rng.choice(['defined', 'undefined', 'none', 'number', 'string', 'mapping', 'sequence', 'iterable',
                           'boolean', 'integer', 'float', 'even', 'odd', 'divisibleby', 'equalto', 'sameas', 'in',
                           'lower', 'upper', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'])
        if v.t in ('int', 'float') and rng.random() < 0.5:
            name = rng.choice(['even', 'odd', 'divisibleby', 'lt', 'ge', 'integer', 'float', 'eq'])
        arg = ''
        if name == 'divisibleby':
            arg = rng.choice([' 3', '(2)', '(5)', ' 0'])
        elif name in ('equalto', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'):
            x = self.literal(v.t if v.t in ('int', 'float', 'str') else 'int')
            arg = '(' + x.text + ')' if rng.random() < 0.5 else ' ' + x.a()
        elif name == 'sameas':
            arg = rng.choice([' none', ' true', ' false', '(none)'])
        elif name == 'in':
            arg = ' ' + self.literal(rng.choice(['list', 'str', 'dict'])).a()
        neg = 'not ' if rng.random() < 0.2 else ''
        return Val(f'{v.a()} is {neg}{name}{arg}', t='bool', atomic=False)

    def attr_of(self, el):
        """An attribute name items of a list have (from a sample item), or a random one."""
        rng = self.rng
        if isinstance(el, dict) and el and rng.random() < 0.85:
            keys = [k for k in el if isinstance(k, str) and not k.startswith('_')]
            if keys:
                k = rng.choice(keys)
                if isinstance(el[k], dict) and el[k] and rng.random() < 0.4:
                    sub = [s for s in el[k] if isinstance(s, str) and not s.startswith('_')]
                    if sub:
                        return k + '.' + rng.choice(sub), NOV
                return k, el[k]
        return rng.choice(['name', 'id', 'score', 'missing', '0', 'owner.email']), NOV

    def transform(self, cur, depth):
        rng = self.rng
        t = cur.t
        if rng.random() < 0.1:
            return self.test(cur)
        if rng.random() < 0.12:
            return self.universal(cur, depth)
        if t == 'str':
            return self.str_op(cur, depth)
        if t in ('int', 'float', 'bool'):
            return self.num_op(cur, depth)
        if t == 'list':
            return self.list_op(cur, depth)
        if t == 'dict':
            return self.dict_op(cur, depth)
        if t in ('none', 'undef'):
            return self.none_op(cur, depth)
        op = rng.choice([self.str_op, self.num_op, self.list_op, self.dict_op, self.none_op, self.universal])
        return op(cur, depth)

    def f(self, cur, name, args='', t='any', v=NOV, el=NOV):
        sep = rng_sep(self.rng)
        return Val(f'{cur.a()}{sep}|{sep}{name}{args}', t=t, v=v, el=el, atomic=False)

    def universal(self, cur, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return self.f(cur, 'string', t='str')
        if r < 0.45:
            return self.f(cur, 'tojson', rng.choice(['', '', '(indent=2)', '(2)']), t='str')
        if r < 0.55:
            return self.f(cur, 'json_encode', t='str')
        if r < 0.7:
            d = self.sub(depth)
            return self.f(cur, rng.choice(['default', 'd']), '(' + d.text + rng.choice(['', ', true', ', boolean=true']) + ')', t='any')
        if r < 0.8:
            return self.f(cur, 'length', t='int')
        if r < 0.9:
            return Val(f'{cur.a()} ~ {self.sub(depth, "str").a()}', t='str', atomic=False)
        return self.f(cur, rng.choice(['first', 'last', 'list', 'count']), t='any')

    def str_op(self, cur, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            return Val(f'{cur.a()} | base64_encode | base64_decode', t='str', atomic=False)
        if r < 0.05:
            return Val(f"{rng.choice(['%s', '%s-%s', '%-6s|', '%r', '%5.1f'])!r} | format({cur.text}{rng.choice(['', ', 1'])})", t='str', atomic=False)
        simple = ['upper', 'lower', 'title', 'capitalize', 'trim', 'wordcount', 'length', 'count', 'first', 'last',
                  'reverse', 'list', 'string', 'base64_encode', 'urlencode', 'int', 'float', 'tojson', 'json_encode',
                  'from_json', 'base64_decode', 'unique', 'sort', 'min', 'max']
        if r < 0.35:
            name = rng.choice(simple)
            t = {'wordcount': 'int', 'length': 'int', 'count': 'int', 'int': 'int', 'float': 'float', 'list': 'list',
                 'unique': 'list', 'sort': 'list', 'from_json': 'any', 'reverse': 'any'}.get(name, 'str')
            args = ''
            if name == 'int' and rng.random() < 0.4:
                args = rng.choice(['(7)', '(0, 16)', '(base=2)', '(default=-1)', '(0, 8)'])
            if name == 'float' and rng.random() < 0.3:
                args = rng.choice(['(1.5)', '(default=0.0)'])
            if name == 'trim' and rng.random() < 0.3:
                args = rng.choice(["('a')", "(' x')", "(chars='-')"])
            if name in ('sort', 'unique', 'min', 'max') and rng.random() < 0.4:
                args = rng.choice(['(case_sensitive=true)', '(true)' if name == 'sort' else '()'])
            return self.f(cur, name, args, t=t)
        if r < 0.55:
            name = rng.choice(['replace', 'truncate', 'format', 'center_none', 'join', 'map', 'select', 'batch', 'slice',
                               'indent_none'])
            if name == 'replace':
                old = rng.choice(["'a'", "' '", "''", "'ü'", "'Ada'", "'e'"])
                new = rng.choice(["'_'", "''", "'XY'", "'-'"])
                cnt = rng.choice(['', '', ', 1', ', 2', ', count=1'])
                return self.f(cur, 'replace', f'({old}, {new}{cnt})', t='str')
            if name == 'truncate':
                args = rng.choice(['(5)', '(10, true)', '(3, false, "…")', '(length=8, killwords=true, end="")',
                                   '(9, leeway=0)', '(4, true, "...", 0)', '(255)'])
                return self.f(cur, 'truncate', args, t='str')
            if name == 'format':
                fmt = rng.choice(["'%s'", "'%s-%s'", "'%d'", "'%.2f'", "'%5s|'", "'%-4s|'", "'%r'", "'%x'", "'%05d'", "'%%'",
                                  "'%(a)s'", "'%i'", "'%e'", "'%g'"])
                if rng.random() < 0.5:
                    return Val(f"{fmt} | format({cur.text}{rng.choice(['', ', 2'])})", t='str', atomic=False)
                return Val(f'{fmt} % {cur.a()}', t='str', atomic=False)
            if name == 'join':
                return self.f(cur, 'join', rng.choice(["('-')", "", "(', ')"]), t='str')
            if name == 'map':
                return self.f(cur, 'map', rng.choice(["('upper')", "('int')", "('string')"]), t='any')
            if name == 'select':
                return self.f(cur, 'select', rng.choice(["('upper')", "('lower')", "", "('in', 'aeiou')"]), t='any')
            if name == 'batch':
                return self.f(cur, 'batch', rng.choice(['(2)', "(3, '*')"]), t='any')
            if name == 'slice':
                return self.f(cur, 'slice', rng.choice(['(2)', "(3, '*')"]), t='any')
            return self.f(cur, 'upper', t='str')
        if r < 0.8:
            m = rng.choice(['upper()', 'lower()', 'strip()', 'lstrip()', 'rstrip()', 'split()', "split(',')",
                            "split(' ', 1)", "split(none, 1)", "startswith('a')", "endswith('e')", "replace('a', 'b')",
                            "replace('', '-')", "replace('a', 'b', 1)", 'title()', 'capitalize()', "strip('a ')",
                            "startswith(('a', 'A'))", "split('a', -1)", "rstrip('\\n')"])
            t = 'list' if m.startswith('split') else 'bool' if m.startswith(('starts', 'ends')) else 'str'
            return Val(f'{cur.a()}.{m}', t=t)
        if r < 0.92:
            a, b, c = (rng.choice(['', '1', '-1', '2', '0', '-3', '10']) for _ in range(3))
            step = rng.choice(['', '', ':-1', ':2', ':' + c])
            return Val(f'{cur.a()}[{a}:{b}{step}]', t='str')
        i = rng.choice([0, -1, 1, 5])
        return Val(f'{cur.a()}[{i}]', t='str')

    def num_op(self, cur, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            name = rng.choice(['abs', 'round', 'int', 'float', 'string', 'tojson', 'json_encode', 'default', 'first',
                               'length', 'sum', 'list'])
            args = ''
            if name == 'round':
                args = rng.choice(['', '(2)', '(1)', "(1, 'floor')", "(0, 'ceil')", "(precision=3)", "(2, method='common')",
                                   '(-1)', "(0, 'half')"])
            if name == 'default':
                args = '(0)'
            t = {'abs': cur.t, 'round': 'float', 'int': 'int', 'float': 'float'}.get(name, 'str')
            return self.f(cur, name, args, t=t)
        if r < 0.85:
            op = rng.choice(['+', '-', '*', '/', '//', '%', '**', '+', '*'])
            right = self.literal(rng.choice(['int', 'float', 'int']))
            if op == '**':
                right = Val(rng.choice(['2', '3', '0', '(-2)', '0.5', '(-1)', '1']), t='int')
            if op in ('*',) and rng.random() < 0.5:
                right = Val(str(rng.randint(-3, 5)), t='int')
            t = 'float' if op == '/' else ('float' if cur.t == 'float' or right.t == 'float' else 'int')
            return Val(f'{cur.a()} {op} {right.a()}', t=t, atomic=False)
        if r < 0.95:
            return Val(f'{cur.a()} ~ {lit_str(rng, rng.choice(["", "x", " "]))}', t='str', atomic=False)
        return Val(f"'%s|%d|%.3f|%x' % ({cur.text}, {cur.a()}, {cur.a()}, {cur.a()} | int)", t='str', atomic=False)

    def list_op(self, cur, depth):
        rng = self.rng
        el = cur.el
        attr, attr_v = self.attr_of(el)
        r = rng.random()
        if r < 0.15:
            name = rng.choice(['length', 'count', 'first', 'last', 'min', 'max', 'sum', 'unique', 'sort', 'reverse', 'list',
                               'join', 'tojson', 'string', 'json_encode', 'select', 'reject', 'items_bad'])
            if name == 'items_bad':
                name = 'dictsort'
            t = {'length': 'int', 'count': 'int', 'unique': 'list', 'sort': 'list', 'list': 'list', 'join': 'str',
                 'tojson': 'str', 'string': 'str', 'json_encode': 'str', 'select': 'list', 'reject': 'list'}.get(name, 'any')
            new_el = el if name in ('unique', 'sort', 'list', 'first', 'last', 'min', 'max', 'reverse', 'select', 'reject') else NOV
            if name in ('first', 'last', 'min', 'max'):
                return self.f(cur, name, v=NOV, t=type_of(el) if el is not NOV else 'any', el=NOV)
            if name in ('select', 'reject', 'reverse'):
                return Val(f'{cur.a()} | {name} | list', t='list', el=new_el, atomic=False)
            return self.f(cur, name, t=t, el=new_el)
        if r < 0.55:
            name = rng.choice(['join', 'map', 'map', 'selectattr', 'rejectattr', 'select', 'reject', 'sort', 'sort',
                               'unique', 'min', 'max', 'sum', 'batch', 'slice', 'groupby', 'first'])
            if name == 'join':
                sep = rng.choice(["", "(', ')", "('-')", "(d=',')", "(', ', attribute='" + attr + "')", "(attribute='" + attr + "')"])
                if sep.startswith('(d='):
                    sep = "(', ')"
                return self.f(cur, 'join', sep, t='str')
            if name == 'map':
                if rng.random() < 0.6:
                    extra = rng.choice(['', '', ", default='?'", ', default=0'])
                    t = type_of(attr_v) if attr_v is not NOV else 'any'
                    tail = rng.choice([' | list', ' | join(",")', ' | list | tojson', ' | list'])
                    return Val(f"{cur.a()} | map(attribute='{attr}'{extra}){tail}", t='list' if 'list' in tail else 'str',
                               el=attr_v if 'list' in tail else NOV, atomic=False)
                fil = rng.choice(["'upper'", "'string'", "'int'", "'lower'", "'length'", "'tojson'", "'round', 1",
                                  "'default', 'x'", "'abs'", "'replace', 'a', 'b'", "'first'", "'trim'", "'title'"])
                return Val(f'{cur.a()} | map({fil}) | list', t='list', atomic=False)
            if name in ('selectattr', 'rejectattr'):
                test = rng.choice(['', '', ", 'defined'", ", 'none'", ", 'equalto', 2", ", 'gt', 1", ", 'in', [1, 2, 'red']",
                                   ", 'string'", ", 'odd'", ", '==', 'red'", ", 'ne', none", ", 'sameas', true",
                                   ", 'lt', 3.5", ", 'divisibleby', 2", ", 'upper'"])
                tail = rng.choice([' | list', ' | list | length', " | map(attribute='id') | list", ' | first', ' | list | tojson'])
                return Val(f"{cur.a()} | {name}('{attr}'{test}){tail}", t='list' if tail == ' | list' else 'any',
                           el=el if tail == ' | list' else NOV, atomic=False)
            if name in ('select', 'reject'):
                test = rng.choice(['', "'odd'", "'even'", "'none'", "'defined'", "'string'", "'number'", "'gt', 2",
                                   "'divisibleby', 3", "'in', [1, 2, 3]", "'equalto', 'x'", "'>', 1", "'mapping'",
                                   "'sequence'", "'lower'"])
                return Val(f'{cur.a()} | {name}({test}) | list', t='list', el=el, atomic=False)
            if name == 'sort':
                args = rng.choice(['', '(reverse=true)', f"(attribute='{attr}')", f"(attribute='{attr}', reverse=true)",
                                   '(true)', "(false, true)", f"(case_sensitive=true, attribute='{attr}')",
                                   f"(attribute='{attr},id')"])
                return self.f(cur, 'sort', args, t='list', el=el)
            if name == 'unique':
                args = rng.choice(['', '(true)', f"(attribute='{attr}')", '(case_sensitive=true)'])
                return Val(f'{cur.a()} | unique{args} | list', t='list', el=el, atomic=False)
            if name in ('min', 'max'):
                args = rng.choice(['', f"(attribute='{attr}')", '(case_sensitive=true)'])
                return self.f(cur, name, args, t=type_of(el) if el is not NOV and not args.startswith('(a') else 'any', el=NOV)
            if name == 'sum':
                args = rng.choice(['', f"(attribute='{attr}')", '(start=10)', f"('{attr}', 1.5)", '(start=0.5)'])
                return self.f(cur, 'sum', args, t='any')
            if name == 'batch':
                args = rng.choice(['(2)', "(3, 'x')", '(1)', '(2, fill_with=none)', '(4, 0)'])
                return Val(f'{cur.a()} | batch{args} | list', t='list', el=NOV, atomic=False)
            if name == 'slice':
                args = rng.choice(['(2)', "(3, 'x')", '(1)', '(4, fill_with=0)'])
                return Val(f'{cur.a()} | slice{args} | list', t='list', el=NOV, atomic=False)
            if name == 'groupby':
                args = rng.choice([f"('{attr}')", f"(attribute='{attr}')", f"('{attr}', default='none')",
                                   f"('{attr}', case_sensitive=true)", '(0)'])
                tail = rng.choice([' | list', " | map(attribute='grouper') | list", ' | list | length', ''])
                return Val(f'{cur.a()} | groupby{args}{tail}', t='list', atomic=False)
            return self.f(cur, 'first', t=type_of(el) if el is not NOV else 'any')
        if r < 0.7:
            a, b = rng.choice(['', '1', '-1', '0', '2', '-2', '5']), rng.choice(['', '1', '-1', '3', '10'])
            step = rng.choice(['', '', ':-1', ':2', ':-2'])
            return Val(f'{cur.a()}[{a}:{b}{step}]', t='list', el=el)
        if r < 0.8:
            other = self.literal('list')
            return Val(f'{cur.a()} + {other.a()}', t='list', el=el, atomic=False)
        if r < 0.9:
            return Val(f'({cur.text}) | tojson', t='str', atomic=False)
        return self.path(cur, 1)

    def dict_op(self, cur, depth):
        rng = self.rng
        r = rng.random()
        v = cur.v if isinstance(cur.v, dict) else {}
        if r < 0.3:
            name = rng.choice(['items', 'dictsort', 'length', 'list', 'first', 'tojson', 'string', 'json_encode', 'count',
                               'sort', 'join', 'max', 'reverse'])
            args = ''
            if name == 'dictsort':
                args = rng.choice(['', '(true)', "(by='value')", '(reverse=true)', "(false, 'value', true)", "(case_sensitive=true)"])
            if name == 'items' or name == 'dictsort':
                return Val(f'{cur.a()} | {name}{args} | list', t='list', el=NOV, atomic=False)
            return self.f(cur, name, args, t={'length': 'int', 'list': 'list', 'count': 'int'}.get(name, 'any'))
        if r < 0.6:
            m = rng.choice(['keys()', 'values()', 'items()', "get('id')", "get('missing', 'fallback')", "get('name', none)"])
            if v and m.startswith('get') and rng.random() < 0.6:
                k = rng.choice(list(v))
                m = f'get({py_literal(rng, k)})'
                return Val(f'{cur.a()}.{m}', v=v[k])
            tail = rng.choice(['', ' | list', ' | list | tojson'])
            return Val(f'{cur.a()}.{m}{tail}', t='list' if tail == ' | list' else 'any', atomic=not tail)
        if r < 0.75:
            k = rng.choice(list(v) + ['missing']) if v else 'missing'
            return Val(f"{cur.a()} | attr({lit_str(rng, str(k))})", v=v.get(k, NOV) if isinstance(k, str) else NOV,
                       t=None if k in v else 'undef', atomic=False)
        if r < 0.85:
            return self.path(cur, 1)
        return Val(f"{lit_str(rng, data.key(rng, False))} in {cur.a()}", t='bool', atomic=False)

    def none_op(self, cur, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            d = self.literal(rng.choice(['str', 'int', 'list']))
            return self.f(cur, rng.choice(['default', 'd']), '(' + d.text + rng.choice(['', ', true']) + ')', t=d.t, v=NOV)
        if r < 0.7:
            return Val(f'{cur.a()} ~ {lit_str(rng)}', t='str', atomic=False)
        if r < 0.85:
            return self.f(cur, rng.choice(['string', 'tojson', 'length', 'list', 'upper', 'int', 'float', 'join']), t='any')
        return Val(f'[{cur.text}, {cur.text}]', t='list', atomic=True)

    # ---- statements ----------------------------------------------------------------------------
    def text(self):
        rng = self.rng
        t = rng.choice(['', ' ', '\n', '  \n  ', ', ', '"k": ', '{"a": ', '}', '[', ']', 'x=', '&y=', '/', ' - ', 'é😀',
                        '\t', 'Bearer ', '\n\n', '{ "n": 1 }', '%', '#', '}}', ' %}', '-', '\r\n'])
        return t

    def out(self, v):
        rng = self.rng
        lo = rng.choice(['{{ ', '{{ ', '{{-', '{{- ', '{{', '{{\n  ', '{{-\n'])
        hi = rng.choice([' }}', ' }}', '-}}', ' -}}', '}}', '\n}}', '  -}}'])
        return lo + v.text + hi

    def tag(self, body):
        rng = self.rng
        return rng.choice(['{% ', '{% ', '{%- ']) + body + rng.choice([' %}', ' %}', ' -%}'])

    def block(self, depth, n=None):
        rng = self.rng
        parts = []
        for _ in range(n if n is not None else rng.randint(1, 2)):
            if self.size > 8:
                break
            self.size += 1
            parts.append(self.stmt(depth))
        return ''.join(parts)

    def stmt(self, depth):
        rng = self.rng
        r = rng.random()
        if depth > 3:
            r = r * 0.5
        if r < 0.35:
            return self.text() + self.out(self.expr())
        if r < 0.45:
            return self.text()
        if r < 0.55:
            return self.set_stmt()
        if r < 0.7:
            return self.if_stmt(depth)
        if r < 0.86:
            return self.for_stmt(depth)
        if r < 0.9:
            return self.block_set(depth)
        if r < 0.94:
            return self.namespace_stmt(depth)
        if r < 0.95:
            return self.append_stmt()
        if r < 0.97:
            return rng.choice(['{# a comment {{ x }} #}', '{#- trimmed -#}', '{% raw %}{{ not_rendered }} {% if %}{% endraw %}',
                               '{%- raw -%} {{ x }} {%- endraw %}', '{# multi\nline #}'])
        if self.scope and rng.random() < 0.5:
            return self.out(Val(rng.choice(list(self.scope))))
        return self.out(Val(rng.choice(sorted(self.assigned)) if self.assigned else 'user.id'))

    def set_stmt(self):
        rng = self.rng
        v = self.expr()
        if rng.random() < 0.1:
            a, b = self.fresh(), self.fresh()
            self.assigned.update([a, b])
            self.scope[a] = Val(a)
            self.scope[b] = Val(b)
            return self.tag(f'set {a}, {b} = {v.a()}, {self.literal().text}')
        name = self.fresh() if (rng.random() < 0.7 or not self.scope) else rng.choice(list(self.scope))
        if name in ('loop',) or not name.startswith('v'):
            name = self.fresh()
        self.assigned.add(name)
        self.scope[name] = Val(name, t=v.t, v=v.v, el=v.el)
        return self.tag(f'set {name} = {v.text}')

    def if_stmt(self, depth):
        rng = self.rng
        body = self.tag(f'if {self.head_cond()}') + self.block(depth + 1)
        for _ in range(rng.choice([0, 0, 1, 2])):
            body += self.tag(f'elif {self.head_cond()}') + self.block(depth + 1)
        if rng.random() < 0.5:
            body += self.tag('else') + self.block(depth + 1)
        return body + self.tag('endif')

    def head_cond(self):
        """A condition for an if/elif/for-if head: Jinja2 refuses a bare `a if b else c` there, so it is
        mostly parenthesised (and left bare now and then: Conduit must refuse it too)."""
        c = self.cond(0)
        return c.text if ' if ' not in c.text or self.rng.random() < 0.05 else '(' + c.text + ')'

    def iterable(self):
        """Something to loop over, preferring known lists and dicts."""
        rng = self.rng
        cands = []
        for root in self.roots():
            for _ in range(3):
                p = self.path(root, rng.randint(0, 3))
                if p.t in ('list', 'dict'):
                    cands.append(p)
        if cands and rng.random() < 0.8:
            return rng.choice(cands)
        if rng.random() < 0.5:
            return self.call()
        return self.literal(rng.choice(['list', 'dict', 'str']))

    def for_stmt(self, depth):
        rng = self.rng
        it = self.iterable()
        if rng.random() < 0.3 and it.t == 'list':
            it = self.list_op(it, 1)
        saved = dict(self.scope)
        if it.t == 'dict' and rng.random() < 0.6:
            k, v = self.fresh('k'), self.fresh('x')
            form = rng.choice(['items()', ' | dictsort', ' | items'])
            src = f'{it.a()}.items()' if form == 'items()' else f'{it.a()}{form}'
            target = rng.choice([f'{k}, {v}', f'({k}, {v})'])
            d = it.v if isinstance(it.v, dict) else {}
            self.scope[k] = Val(k, v=next(iter(d), NOV) if d else NOV, t=None if d else 'any')
            self.scope[v] = Val(v, v=next(iter(d.values()), NOV) if d else NOV, t=None if d else 'any')
            names = [k, v]
        elif rng.random() < 0.12:
            a, b = self.fresh('a'), self.fresh('b')
            src = rng.choice([f"{it.a()} | batch(2, 'x')", f"[(1, 'a'), (2, 'b')]", f"{it.a()} | groupby('0')" if False else f"[[1, 2], [3, 4]]"])
            target = rng.choice([f'{a}, {b}', f'({a}, {b})'])
            self.scope[a], self.scope[b] = Val(a), Val(b)
            names = [a, b]
        else:
            x = self.fresh('r')
            src = it.text
            target = x
            el = it.el if it.t == 'list' else (next(iter(it.v), NOV) if isinstance(it.v, dict) and it.v else NOV)
            self.scope[x] = Val(x, v=el, t=None if el is not NOV else 'any', el=NOV)
            names = [x]
        self.assigned.update(names)
        clause = ''
        if rng.random() < 0.3:
            clause = ' if ' + self.head_cond()
        self.in_loop += 1
        self.scope['loop'] = Val('loop', t='any')
        head = self.tag(f'for {target} in {src}{clause}')
        body = self.loop_body(depth)
        self.in_loop -= 1
        self.scope = saved
        if self.in_loop:
            self.scope['loop'] = Val('loop', t='any')
        other = ''
        if rng.random() < 0.3:
            other = self.tag('else') + self.block(depth + 1, 1)
        return head + body + other + self.tag('endfor')

    def loop_body(self, depth):
        rng = self.rng
        parts = []
        for _ in range(rng.randint(1, 2)):
            r = rng.random()
            if r < 0.4:
                attr = rng.choice(['index', 'index0', 'revindex', 'first', 'last', 'length', 'revindex0'])
                if attr == 'revindex0':
                    attr = 'revindex'
                if rng.random() < 0.5:
                    parts.append(self.out(Val(f'loop.{attr}')))
                else:
                    parts.append(rng.choice(['{{ "," if not loop.last }}', '{% if not loop.last %}, {% endif %}',
                                             '{{ loop.index ~ "/" ~ loop.length }}', '{% if loop.first %}[{% endif %}',
                                             "{{ ', ' if loop.index > 1 else '' }}"]))
            else:
                parts.append(self.block(depth + 1, 1))
        return ''.join(parts)

    def block_set(self, depth):
        rng = self.rng
        name = self.fresh()
        self.assigned.add(name)
        fil = rng.choice(['', '', ' | upper', ' | trim', ' | length', ' | replace("a", "b") | trim'])
        body = self.block(depth + 1, rng.randint(1, 2))
        self.scope[name] = Val(name, t='str' if fil in ('', ' | upper', ' | trim') else 'any')
        return self.tag(f'set {name}{fil}') + body + self.tag('endset') + rng.choice(['', self.out(Val(name))])

    def append_stmt(self):
        """list.append, the one mutating method of SPEC §4.2, as templates use it to collect values."""
        rng = self.rng
        acc, x = self.fresh('acc'), self.fresh('r')
        self.assigned.update([acc, x])
        it = self.iterable()
        item = rng.choice([x, f'{x} | string', f'[{x}]', f'loop.index'])
        call = rng.choice([f'{{% set ok = {acc}.append({item}) %}}', f'{{{{ {acc}.append({item}) or "" }}}}',
                           f'{{% if {acc}.append({item}) %}}{{% endif %}}'])
        self.assigned.add('ok')
        self.scope[acc] = Val(acc, t='list')
        return (self.tag(f'set {acc} = {rng.choice(["[]", "[0]", "range(2) | list"])}') + self.tag(f'for {x} in {it.text}') + call
                + self.tag('endfor') + self.out(Val(rng.choice([acc, f'{acc} | tojson', f'{acc} | length', f'{acc} | join(",")']))))

    def namespace_stmt(self, depth):
        rng = self.rng
        ns = self.fresh('ns')
        self.assigned.add(ns)
        init = rng.choice(['namespace()', 'namespace(n=0)', "namespace(n=0, items=[], name='')", 'namespace(found=false)'])
        out = self.tag(f'set {ns} = {init}')
        it = self.iterable()
        x = self.fresh('r')
        self.assigned.add(x)
        upd = rng.choice([f'{ns}.n = {ns}.n + 1' if 'n=' in init else f'{ns}.n = 1',
                          f'{ns}.found = true', f'{ns}.last = {x}', f'{ns}.items = {ns}.items + [{x}]' if 'items' in init else f'{ns}.t = loop.index'])
        out += self.tag(f'for {x} in {it.text}') + self.tag(f'set {upd}') + self.tag('endfor')
        self.scope[ns] = Val(ns, t='any')
        attr = rng.choice(['n', 'found', 'last', 'items', 't', 'missing'])
        return out + self.out(Val(f'{ns}.{attr}'))

    def template(self):
        return self.block(0, self.rng.choice([1, 1, 2, 3]))


def rng_sep(rng):
    return '' if rng.random() < 0.15 else ' '


def random_template(rng, ctx, kind):
    return Gen(rng, ctx, kind).template()
