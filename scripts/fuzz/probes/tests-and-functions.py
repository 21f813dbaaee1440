#!/usr/bin/env python3
"""Probe generator: the tests of SPEC §4.2 (is, is not, with and without arguments, through select/reject/selectattr) and the functions range, dict and namespace, with arguments of every type.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/tests-and-functions.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
TESTS = 'defined undefined none number string mapping sequence iterable boolean integer float even odd divisibleby equalto sameas in lower upper eq ne lt le gt ge == != < <= > >= true false escaped'.split()
VALS = ['none', 'true', 'false', '0', '1', '-2', '3', '2.5', '-0.0', '1e300', "''", "'a'", "'ABC'", "'abc'", "'1'", '[]', '[1, 2, 3]', "['b', 'a']", '{}', "{'a': 1}", '(1, 2)', 'range(3)', "{'a': 1}.keys()", "'upper'", 'user', 'user.email', 'user.nope', 'tenant_id', 'namespace(a=1)', "dict(a=1)", '2 ** 70']
FUNCS = ['range(A)', 'range(A, A)', 'range(A, A, A)', 'dict(A)', 'dict(a=A)', 'dict(A, b=A)', 'namespace(A)', 'namespace(a=A)', 'namespace(A, b=A)']
out = []
for i in range(int(sys.argv[2])):
    if rng.random() < 0.75:
        t = rng.choice(TESTS)
        args = [rng.choice(VALS) for _ in range(rng.choice([0, 0, 1, 1, 2]))]
        form = rng.choice(['{{ V is T }}', '{{ V is not T }}', '{{ V is T(A) }}', '{{ V is T A }}', '{{ [V] | select("T") | list }}', '{{ [V, V] | reject("T", A) | list }}', "{{ [{'x': V}] | selectattr('x', 'T') | list | length }}"])
        if ' A }}' in form and not args: form = form.replace(' A }}', ' }}')
        s = form.replace('T', t).replace('A', ', '.join(args) if args else rng.choice(VALS))
        while 'V' in s: s = s.replace('V', rng.choice(VALS), 1)
    else:
        s = '{{ ' + rng.choice(FUNCS) + ' }}'
        while 'A' in s: s = s.replace('A', rng.choice(VALS), 1)
        s = s.replace('}}', '| list if 0 else ' + s[3:-3] + ' }}') if rng.random() < 0.3 else s
    out.append(json.dumps(s))
print('\n'.join(out))
