#!/usr/bin/env python3
"""Probe generator: every binary operator between values of every type (numbers at their edges, str, list, tuple, dict, range, dict views, Markup, Undefined, complex), nested and negated.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/operators.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
V = ['0', '1', '-3', '7', '0.0', '-0.0', '2.5', '-1.5', '1e308', '1e-320', 'true', 'false', 'none', "''", "'ab'", "'3'", '[]', '[1, 2]', '(1,)', '()', "{'a': 1}", '{}', 'range(3)', "{'a': 1}.keys()", "('x' | tojson)", 'user.nope', '(-1) ** 0.5', "'%s'", "'é'"]
OPS = ['+', '-', '*', '/', '//', '%', '**', '~', '==', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'and', 'or']
out = []
for i in range(int(sys.argv[2])):
    a, b = rng.choice(V), rng.choice(V)
    op = rng.choice(OPS)
    e = f'({a}) {op} ({b})'
    if rng.random() < 0.3:
        e = f'(({a}) {op} ({b})) {rng.choice(OPS)} ({rng.choice(V)})'
    if rng.random() < 0.15: e = rng.choice(['-', '+', 'not ']) + '(' + e + ')'
    t = rng.choice(['{{ E }}', '{{ [E] }}', '{{ (E) is defined }}', '{{ (E) | string }}'])
    out.append(json.dumps(t.replace('E', e)))
print('\n'.join(out))
