#!/usr/bin/env python3
"""Probe generator: expression syntax at its edges (number and string literal forms, adjacent strings, trailing commas, empty tuples, chained comparisons, unary chains, tests with a bare argument, slices, tuple targets) in print, set, if and for statements.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts, which does not apply Conduit's compile-time refusals: a compile error there on a name outside the context is expected.
  python3 scripts/fuzz/probes/syntax.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
ATOMS = ['1', '1_000', '0b101', '0o17', '0x1F', '0X1f', '1e3', '1E-3', '1.5e+2', '.5' , '5.', '1_0.0_1', '0', '00', '007', '1j' , "'a'", '"b"', "'a' 'b'", "'a' \"b\" 'c'", "'\\x41'", "'\\u00e9'", "'\\101'", "'\\t'", "'\\''", '"\\""', "'\\\\'", "'\\q'", "'\\n'", "'a\\\nb'",
  'true', 'True', 'false', 'none', 'None', 'tenant_id', 'user.id', 'user["id"]', "user['email']", 'user.profile_fields', 'user.0', 'user.profile_fields.1', '[1, 2, 3]', '[1, 2,]', '(1,)', '(1, 2,)', '()', '(1)', '{}', "{'a': 1,}", "{'a': 1}['a']", '[1, 2, 3][1:]', '[1, 2, 3][::2]', "'abc'[::-1]", "'abc'[-1:]", '[1,2,3][1:2:]', '[[1, 2]][0][1]', 'range(3)', 'range(1, 9, 3)', 'dict(a=1)', 'dict(a=1, b=2,)', 'namespace(a=1).a',
  "'x' ~ 1", '1 ~ 2 ~ 3', '- - 1', '+-1', 'not not 0', 'not 1 == 2', '-2 ** 2', '(-2) ** 2', '2 ** -1', '7 // 2 * 3', '7 % 3 ** 2', '1 + 2 * 3 - 4 / 2', '1 < 2 == 2', '1 < 2 > 0', '(1, 2) == [1, 2]', '[1] == [1]', '1 == 1.0 == True', "'a' < 'b' < 'c'", '1 in [1] in [[1]]', 'none is none', "'a' is string", '3 is divisibleby 3', '3 is divisibleby(2)', '2 is not odd', 'user is mapping', "'' is sameas ''",
  "1 if 0", "1 if 0 else 2 if 0 else 3", "(1 if 1 else 2) + 1", "[x for x in y]" if False else "'a' if 'b'", 'tenant_id | default("d")', 'tenant_id|d', 'tenant_id | upper | lower', '[1, 2] | join', "[1, 2] | join(',')", '"a,b" | replace(",", ";")', "'%s' % 1", "'%s %s' % (1, 2)", "'%(a)s' % {'a': 1}", "'{}' | format(1)" if False else "'%d' | format(3)", '1 | string ~ 2']
def expr(d=0):
    if d > 2 or rng.random() < 0.5: return rng.choice(ATOMS)
    op = rng.choice([' + ', ' ~ ', ' and ', ' or ', ' == ', ' != ', ' < ', ' * ', ' in ', ' not in ', ' if ', ' // ', ' - '])
    a, b = expr(d + 1), expr(d + 1)
    if op == ' if ': return f'({a} if {b} else {expr(d + 1)})'
    return f'({a}{op}{b})' if rng.random() < 0.6 else f'{a}{op}{b}'
STMTS = ['{{ § }}', '{{§}}', '{{- § -}}', '{% set a = § %}{{ a }}', '{% set a, b = §, § %}{{ a }}{{ b }}', '{% set (a, b) = (§, §) %}{{ b }}', '{% if § %}T{% else %}F{% endif %}', '{% for a in [§, §] %}{{ a }},{% endfor %}', '{% for a, in [[§]] %}{{ a }}{% endfor %}', '{% for (a, b) in [(§, §)] %}{{ a }}{{ b }}{% endfor %}', '{% set a %}{{ § }}{% endset %}{{ a }}', '{{ § }}{# c #}{{ § }}', '{% raw %}{{ § }}{% endraw %}']
out = []
for i in range(int(sys.argv[2])):
    s = rng.choice(STMTS)
    while '§' in s: s = s.replace('§', expr(), 1)
    out.append(json.dumps(s))
print('\n'.join(out))
