#!/usr/bin/env python3
"""Probe generator: random nests of if/elif/else, for (else, if clause, loop fields, unpacking), set, namespace and block set, with random whitespace control.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/statements.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
SEQ = ['[1, 2, 3]', '[]', "['a', 'b']", "'xyz'", 'range(4)', "{'a': 1, 'b': 2}", '[[1, 2], [3, 4]]', "[{'c': [1, 2]}, {'c': []}]", '(5, 6)', "'' "]
EXPR = ['1', '0', '-2', '2.5', "'s'", "''", 'none', 'true', 'x', 'loop.index', 'loop.index0', 'loop.revindex', 'loop.first', 'loop.last', 'loop.length', 'loop.previtem', 'loop.nextitem', 'loop.depth', 'ns.n', 'v', '-2 ** 2', '2 ** 3 ** 2', '7 // -2', '-7 % 3', '1 < 2 < 3', '3 > 2 > 2', "'a' in 'abc'", '2 not in [1]', 'not 0 and 1 or 2', '1 if 0', '(1, 2)[1]', "'ab' * 2", '[1] + [2]', "'%s-%s' % (1, 'a')", '10 / 4', '3 == 3.0', "x is defined", 'y is undefined', 'x is divisibleby(2) if x is number else 0', "x is sameas none", '{} is mapping', "v is undefined", "ns is defined"]
LOOPY = [x for x in EXPR if x.startswith('loop.')]
EXPR = [x for x in EXPR if not x.startswith('loop.') and not x.startswith('y ')]
def e(inloop): return rng.choice(EXPR + (LOOPY if inloop else []))
def block(d=0, inloop=False):
    k = rng.random()
    if d > 2 or k < 0.3: return '{{ ' + e(inloop) + ' }}'
    if k < 0.45: return '{% if ' + e(inloop) + ' %}' + block(d + 1, inloop) + rng.choice(['', '{% elif ' + e(inloop) + ' %}' + block(d + 1, inloop)]) + rng.choice(['', '{% else %}' + block(d + 1, inloop)]) + '{% endif %}'
    if k < 0.65: return '{% for x in ' + rng.choice(SEQ) + rng.choice(['', ' if x', ' if x is defined']) + ' %}' + block(d + 1, True) + block(d + 1, True) + rng.choice(['', '{% else %}E']) + '{% endfor %}'
    if k < 0.72: return '{% for a, b in ' + rng.choice(["{'a': 1, 'b': 2}.items()", '[[1, 2], [3, 4]]', "[('x', 1)]"]) + ' %}{{ a }}={{ b }}' + block(d + 1, True) + '{% endfor %}'
    if k < 0.78: return '{% set v = ' + e(inloop) + ' %}' + block(d + 1, inloop)
    if k < 0.83: return '{% set ns = namespace(n=0) %}{% for x in ' + rng.choice(SEQ) + ' %}{% set ns.n = ns.n + 1 %}{% endfor %}' + block(d + 1, inloop)
    if k < 0.96: return '{% set v %}' + block(d + 1, inloop) + '{% endset %}[{{ v }}]'
    return '{{ ' + e(inloop) + ' }}'
def ws(t):
    # random whitespace control and spaces
    t = t.replace('{%', rng.choice(['{%', '{%-', ' {%', '\n{%-', '{%+'])).replace('%}', rng.choice(['%}', '-%}', '%}\n', '%} ']))
    return t
out = []
for i in range(int(sys.argv[2])):
    t = '{% set x = ' + rng.choice(['2', "'q'", 'none', '[1]']) + ' %}{% set v = 1 %}{% set ns = namespace(n=5) %}' + block()
    if rng.random() < 0.4: t = ws(t)
    out.append(json.dumps(t))
print('\n'.join(out))
