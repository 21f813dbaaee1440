#!/usr/bin/env python3
"""Probe generator: indexing and slicing (start, stop, step of every type and sign) of str, Markup, list, tuple, range and dict views.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/slices.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
SEQ = ["'abcdef'", "'é😀x'", "''", '[1, 2, 3, 4, 5]', '[]', '(1, 2, 3)', 'range(10)', 'range(10, 0, -3)', "{'a': 1}.keys()", "('ab' | tojson)", "'a'"]
B = ['', '0', '1', '-1', '2', '-2', '100', '-100', 'none', 'true', '2.0', "'1'", '3']
out = []
for i in range(int(sys.argv[2])):
    s = rng.choice(SEQ)
    k = rng.random()
    if k < 0.7:
        parts = [rng.choice(B) for _ in range(rng.choice([2, 3]))]
        if len(parts) == 3 and parts[2] == '0': parts[2] = '-1'
        t = '{{ ' + s + '[' + ':'.join(parts) + '] }}'
    else:
        t = '{{ ' + s + '[' + rng.choice(B[1:]) + '] }}'
    if rng.random() < 0.3: t = t.replace(' }}', ' | list }}') if '[' in t else t
    out.append(json.dumps(t))
print('\n'.join(out))
