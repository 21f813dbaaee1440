#!/usr/bin/env python3
"""Probe generator: values of every kind (context fields, parsed bodies, literals) through one or two filters with varied arguments (truncate, replace, format, urlencode, json_encode, dotted attributes, dictsort, groupby, round, int).
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/filters.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt response_body
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
VALS = ["'Hello World, it''s a test'", "'a b  c'", "' padded '", "'x&y=z/ü?'", "'ÄÖÜ ß'", "''", '"say \\"hi\\""', "'%s and %d'", "'%(a)s-%(b)s'", "'{0}'", "'a.b.c'", "'1,2,3'",
        '42', '-3', '0', '2.5', '1e20', '0.1', 'true', 'none', '[1, 2, 3]', "['b', 'A', 'c']", '[]', "{'a': 1, 'b': [2, 3]}", "{'b': 2, 'a': 'x'}", '{}', '(1, "t")',
        "[{'a': {'b': 1}, 'n': 'x'}, {'a': {'b': 2}, 'n': 'y'}]", "[{'a': {'b': 2}, 'n': 'x'}, {'a': {'b': 1}, 'n': 'x'}]", 'user', 'user.email', 'tenant_id', 'response.headers', "response.body | from_json", "(response.body | from_json)['items']", "(response.body | from_json).big", "(response.body | from_json).f", 'now()', 'range(5)']
FILTERS = ['truncate(5)', 'truncate(10, true)', 'truncate(3, false, "~")', 'truncate(6, true, "..", 0)', 'wordcount', 'replace("a", "_")', 'replace(" ", "", 1)', 'default("D")', 'default("D", true)', 'd(0)', 'format(1, 2)', 'format(a=1, b=2)',
    'urlencode', 'json_encode', 'tojson', 'tojson(2)', 'base64_encode', 'string', 'list', 'length', 'count', 'first', 'last', 'reverse', 'sort', 'unique', 'min', 'max', 'sum', 'join("-")', 'join(",", "n")', 'map(attribute="a.b")', 'map(attribute="n", default="?")',
    'sum(attribute="a.b")', 'sort(attribute="a.b")', 'sort(attribute="a.b", reverse=true)', 'groupby("a.b")', 'groupby("n")', 'dictsort', 'dictsort(true)', 'dictsort(false, "value")', 'dictsort(reverse=true)', 'items', 'attr("n")', 'attr("email")', 'selectattr("a.b", "gt", 1)', 'rejectattr("n", "equalto", "x")',
    'select("odd")', 'select("in", [1, 2])', 'reject("string")', 'batch(2, 0)', 'slice(2)', 'round', 'round(1)', 'round(2, "floor")', 'int', 'int(9)', 'float', 'abs', 'upper', 'lower', 'title', 'capitalize', 'trim', 'trim("ab")', 'urlencode', 'string', 'list | join', 'from_json' ]
forms = ['{{ V | F }}', '{{ V | F | F }}', '{{ (V | F) ~ "|" ~ (V | F) }}', '{{ [V | F] }}', '{{ V | F | tojson }}', '{{ V | F | string | length }}']
out = []
for i in range(int(sys.argv[2])):
    f = rng.choice(forms)
    while 'V' in f: f = f.replace('V', rng.choice(VALS), 1)
    while ' F' in f: f = f.replace(' F', ' ' + rng.choice(FILTERS), 1)
    out.append(json.dumps(f))
print('\n'.join(out))
