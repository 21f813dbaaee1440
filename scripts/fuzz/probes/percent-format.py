#!/usr/bin/env python3
"""Probe generator: printf-style formatting (`%` and the format filter) with every flag, width (including *), precision and conversion, positional and mapping forms, on values of every type.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/percent-format.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
FLAGS = ['', '-', '+', ' ', '0', '#', '-0', '+0', ' 0', '#0', '-#', '+ ']
WIDTH = ['', '1', '5', '12', '*']
PREC = ['', '.0', '.1', '.3', '.10', '.*', '.']
TYPES = list('diouxXeEfFgGcrsa%')
VALS = ['0', '1', '-1', '7', '255', '-255', '2 ** 64', '-(2 ** 70)', '0.5', '-0.0', '1.5', '2.5', '1e16', '1e-5', '123.456', '1e300', 'true', 'false', 'none', "'a'", "'abc'", "'é😀'", "''", '[1]', '(1,)', "{'k': 1}", "'x' * 3", '65', '0x1F', '1_000']
def spec():
    return '%' + rng.choice(FLAGS) + rng.choice(WIDTH) + rng.choice(PREC) + rng.choice(TYPES)
out = []
for i in range(int(sys.argv[2])):
    n = rng.choice([1, 1, 2, 3])
    specs = [spec() for _ in range(n)]
    needed = sum((s.count('*')) + (0 if s.endswith('%') else 1) for s in specs)
    args = [rng.choice(VALS) for _ in range(needed + (1 if rng.random() < 0.1 else 0) - (1 if rng.random() < 0.05 and needed else 0))]
    fmt = '|'.join(specs)
    if rng.random() < 0.15:
        # mapping form
        key_specs = ['%(' + rng.choice(['a', 'b']) + ')' + s[1:] for s in specs if '*' not in s]
        t = "{{ '" + '|'.join(key_specs) + "' % {'a': " + rng.choice(VALS) + ", 'b': " + rng.choice(VALS) + "} }}"
    elif len(args) == 1 and rng.random() < 0.5:
        t = "{{ '" + fmt + "' % " + args[0] + " }}"
    else:
        t = "{{ '" + fmt + "' % (" + ''.join(a + ', ' for a in args) + ") }}"
    if rng.random() < 0.2:
        t = "{{ '" + fmt + "' | format(" + ', '.join(args) + ") }}"
    out.append(json.dumps(t))
print('\n'.join(out))
