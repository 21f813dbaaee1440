#!/usr/bin/env python3
"""Probe generator: the filters that take an attribute (map, select/rejectattr, sort, groupby, sum, min, max, unique, join, dictsort) over lists of dicts read from JSON and written as literals, with dotted and integer attribute paths, missing keys, mixed types, default=, case_sensitive= and reverse=.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/attributes.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt response_body
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
SCALARS = ['1', '2', '0', '-1', '2.5', '1.0', "'a'", "'B'", "'b'", "''", 'none', 'true', 'false', '10', "'10'", "'A'"]
KEYS = ['a', 'b', 'n', 'x']
def scalar(): return rng.choice(SCALARS)
def item(d=0):
    k = rng.random()
    if k < 0.1: return scalar()
    if k < 0.15 and d < 2: return '[' + ', '.join(item(d + 1) for _ in range(rng.randint(0, 3))) + ']'
    pairs = []
    for key in rng.sample(KEYS, rng.randint(0, 3)):
        v = item(d + 1) if d < 1 and rng.random() < 0.25 else scalar()
        pairs.append("'%s': %s" % (key, v))
    if rng.random() < 0.08: pairs.append('0: %s' % scalar())
    return '{' + ', '.join(pairs) + '}'
def seq():
    k = rng.random()
    if k < 0.35: return "(response.body | from_json)['items']"
    if k < 0.45: return "(response.body | from_json).items"
    return '[' + ', '.join(item() for _ in range(rng.randint(0, 5))) + ']'
ATTR = ["'a'", "'b'", "'n'", "'a.b'", "'a.0'", "'0'", '0', "'x.a'", "'missing'", "'a.x'", "'p'", "''", "'a,b'", "'n,a'", "'.a'"]
def attr(): return rng.choice(ATTR)
TESTS = ["", ", 'equalto', 1", ", 'equalto', 'a'", ", 'defined'", ", 'undefined'", ", 'none'", ", 'number'", ", 'string'", ", 'gt', 1", ", 'in', [1, 'a']", ", 'odd'", ", 'sameas', true", ", 'lower'", ", 'mapping'"]
def kw(opts): return ''.join(rng.sample(opts, rng.randint(0, len(opts))))
def f():
    k = rng.randrange(13)
    if k == 0: return 'map(attribute=%s%s)' % (attr(), rng.choice(['', ', default=%s' % scalar()]))
    if k == 1: return 'selectattr(%s%s)' % (attr(), rng.choice(TESTS))
    if k == 2: return 'rejectattr(%s%s)' % (attr(), rng.choice(TESTS))
    if k == 3: return 'sort(attribute=%s%s)' % (attr(), kw([', reverse=true', ', case_sensitive=true']))
    if k == 4: return 'groupby(%s%s%s)' % (attr(), rng.choice(['', ', default=%s' % scalar()]), rng.choice(['', ', case_sensitive=true']))
    if k == 5: return 'sum(attribute=%s%s)' % (attr(), rng.choice(['', ', start=%s' % rng.choice(['0', '1', '0.5', '[]'])]))
    if k == 6: return rng.choice(['min', 'max']) + '(attribute=%s%s)' % (attr(), rng.choice(['', ', case_sensitive=true']))
    if k == 7: return 'unique(attribute=%s%s)' % (attr(), rng.choice(['', ', case_sensitive=true']))
    if k == 8: return 'join(%sattribute=%s)' % (rng.choice(['', "', ', ", "d='-', "]), attr())
    if k == 9: return 'map(%s)' % rng.choice(["'string'", "'lower'", "'tojson'", "'default', 'z'", "'int'", "'length'", "'first'", "'attr', 'a'"])
    if k == 10: return rng.choice(['select', 'reject']) + '(%s)' % rng.choice(["", "'defined'", "'none'", "'mapping'", "'number'", "'equalto', 1", "'sequence'", "'string'"])
    if k == 11: return rng.choice(['list', 'first', 'last', 'length', 'reverse', 'unique', 'sort'])
    return 'map(attribute=%s) | list' % attr()
def out(e):
    k = rng.random()
    if k < 0.4: return '{{ %s | list }}' % e
    if k < 0.55: return '{{ %s | tojson }}' % e
    if k < 0.7: return '{%% for g in %s %%}[{{ g }}]{%% endfor %%}' % e
    if k < 0.8: return '{%% for g, l in %s %%}{{ g }}:{{ l | length }};{%% endfor %%}' % e
    return '{{ %s }}' % e
res = []
for i in range(int(sys.argv[2])):
    e = seq() + ''.join(' | ' + f() for _ in range(rng.randint(1, 3)))
    res.append(json.dumps(out(e)))
print('\n'.join(res))
