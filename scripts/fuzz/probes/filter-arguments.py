#!/usr/bin/env python3
"""Probe generator: every filter of SPEC §4.2 with random positional and keyword arguments of every type, on values of every type.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/filter-arguments.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
FILTERS = 'abs attr batch capitalize count default d dictsort first float format groupby int items join last length list lower map max min replace reject rejectattr reverse round select selectattr slice sort string sum title tojson trim truncate unique upper urlencode wordcount'.split()
VALS = ['none', 'true', 'false', '0', '1', '-2', '3', '2.5', '-0.0', "''", "'a'", "'abc'", "'a b c d e f g'", "'1'", "'x,y'", '[]', '[1, 2, 3]', "['b', 'a']", '[[1, 2], [3]]', "[{'a': 1}, {'a': 2}]", '{}', "{'a': 1, 'b': 2}", '(1, 2)', 'range(3)', "'upper'", "'odd'", "'a'", "'length'", "'common'", "'floor'", "'ceil'", "'value'", "'key'"]
KW = ['attribute', 'default', 'case_sensitive', 'reverse', 'by', 'start', 'precision', 'method', 'base', 'boolean', 'indent', 'length', 'killwords', 'end', 'leeway', 'fill_with', 'linecount']
out = []
for i in range(int(sys.argv[2])):
    f = rng.choice(FILTERS)
    args = [rng.choice(VALS) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
    kws = [f'{rng.choice(KW)}={rng.choice(VALS)}' for _ in range(rng.choice([0, 0, 0, 1]))]
    call = f if not args and not kws else f + '(' + ', '.join(args + kws) + ')'
    v = rng.choice(VALS)
    t = rng.choice(['{{ V | C }}', '{{ V | C | list if (V | C) is iterable and (V | C) is not string and (V | C) is not mapping else V | C }}', '{{ (V | C) is defined }}'])
    out.append(json.dumps(t.replace('V', v).replace('C', call)))
print('\n'.join(out))
