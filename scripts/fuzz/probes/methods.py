#!/usr/bin/env python3
"""Probe generator: the safe methods (str split/strip/replace/startswith/endswith/case, dict get/items/keys/values, list append) with arguments of every type and count, keyword ones included.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/methods.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
S = ["'a,b,,c'", "'  x y  '", "''", "'aaa'", "'a-b_c d'", "'ÄbC ß'", "'\\t\\na b\\u3000c\\x85d'", "'1,2;3'", "'abcabc'", "'::'", "'a'", "'😀x😀'", "'İi'", "'x\\r\\ny'"]
ARGS = ["''", "'a'", "','", "' '", "'b'", "'abc'", "'::'", "':'", 'none', '0', '1', '-1', '2', '100', "('a', 'b')", "['a']", '1.5', 'true', "'😀'", "'\\n'", "'ab'"]
METHODS = ['split()', 'split(A)', 'split(A, A)', 'split(None, A)', 'split(sep=A)', 'split(maxsplit=A)', 'strip()', 'strip(A)', 'lstrip(A)', 'rstrip(A)', 'replace(A, A)', 'replace(A, A, A)', 'startswith(A)', 'startswith(A, A)', 'startswith(A, A, A)', 'endswith(A)', 'endswith(A, A, A)', 'upper()', 'lower()', 'title()', 'capitalize()', 'upper(A)', 'replace(A)', 'split(A, A, A)']
DM = ['get(A)', 'get(A, A)', 'items()', 'keys()', 'values()', 'get()', 'get(A, A, A)']
D = ["{'a': 1, 'b': none}", '{}', "{1: 'x', 'a': [1]}", "{(): 2, '': 0}"]
L = ['[1, 2]', '[]', "['a', ['b']]"]
out = []
for i in range(int(sys.argv[2])):
    k = rng.random()
    if k < 0.6:
        t = '{{ ' + rng.choice(S) + '.' + rng.choice(METHODS) + ' }}'
    elif k < 0.85:
        t = '{{ ' + rng.choice(D) + '.' + rng.choice(DM) + ' }}'
    else:
        t = '{% set l = ' + rng.choice(L) + ' %}{{ l.append(A) }}{{ l }}{{ l.append(A, A) if false else l | length }}'
    while 'A' in t: t = t.replace('A', rng.choice(ARGS), 1)
    out.append(json.dumps(t))
print('\n'.join(out))
