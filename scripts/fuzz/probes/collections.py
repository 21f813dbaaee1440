#!/usr/bin/env python3
"""Probe generator: lists, tuples and dicts of mixed values through sort, unique, min/max, groupby, batch/slice, select/reject, tojson and repr.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/collections.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
STR = ['a', 'B', 'b', 'A', '', ' ', "it's", 'say "hi"', 'both \'"', 'ß', 'ẞ', 'İ', 'é', 'E', '10', '9', '-1', '1.5', 'None', 'True', 'x\ny', 'tab\t', '\\', '😀', '東京', 'ǅ', 'Σσς']
def val(d=0):
    k = rng.random()
    if d > 2 or k < 0.45:
        return rng.choice([lambda: rng.choice(STR), lambda: rng.randint(-5, 12), lambda: rng.choice([0.5, -1.0, 2.5, 1e16, 0.1, 3.0, -0.0, 1e-7, 123456.789]), lambda: rng.choice([True, False, None])])()
    if k < 0.7: return [val(d + 1) for _ in range(rng.randint(0, 4))]
    if k < 0.8: return tuple(val(d + 1) for _ in range(rng.randint(0, 3)))
    return {rng.choice(STR[:12] + ['id', 'name', 'n']): val(d + 1) for _ in range(rng.randint(0, 4))}
def lit(v):
    if isinstance(v, str):
        return "'" + v.replace('\\', '\\\\').replace("'", "\\'").replace('\n', '\\n').replace('\t', '\\t') + "'"
    if isinstance(v, bool): return 'true' if v else 'false'
    if v is None: return 'none'
    if isinstance(v, float): return repr(v)
    if isinstance(v, int): return str(v)
    if isinstance(v, tuple): return '(' + ''.join(lit(x) + ', ' for x in v) + ')'
    if isinstance(v, list): return '[' + ', '.join(lit(x) for x in v) + ']'
    return '{' + ', '.join(lit(k) + ': ' + lit(x) for k, x in v.items()) + '}'
def lst(kind=None):
    k = rng.random()
    if k < 0.3: return [rng.choice(STR) for _ in range(rng.randint(0, 5))]
    if k < 0.5: return [rng.choice([rng.randint(-5, 9), rng.choice([0.5, 2.5, -1.0, 1e16, 3.0])]) for _ in range(rng.randint(0, 5))]
    if k < 0.75: return [{'id': rng.randint(0, 4), 'name': rng.choice(STR), 'n': rng.choice([rng.randint(0, 3), None, 1.5])} for _ in range(rng.randint(0, 5))]
    return [val() for _ in range(rng.randint(0, 4))]
forms = ['{{ L }}', '{{ L | sort }}', '{{ L | sort(reverse=true) }}', '{{ L | sort(case_sensitive=true) }}', '{{ L | sort(attribute="id") }}', '{{ L | sort(attribute="name,id") }}', '{{ L | unique | list }}', '{{ L | unique(case_sensitive=true) | list }}', '{{ L | unique(attribute="id") | list }}',
 '{{ L | min }}', '{{ L | max }}', '{{ L | max(attribute="n") }}', '{{ L | min(case_sensitive=true) }}', '{{ L | sum }}', '{{ L | sum(attribute="n") }}', '{{ L | sum(start=0.5) }}', '{{ L | join(", ") }}', '{{ L | join("|", attribute="name") }}', '{{ L | map(attribute="name") | list }}', '{{ L | map("string") | list }}', '{{ L | map("upper") | list }}', '{{ L | map("int") | list }}', '{{ L | map("length") | list }}',
 '{{ L | select | list }}', '{{ L | reject | list }}', '{{ L | select("number") | list }}', '{{ L | select("string") | list }}', '{{ L | select("gt", 2) | list }}', '{{ L | reject("none") | list }}', '{{ L | selectattr("n") | list }}', '{{ L | rejectattr("n", "none") | list }}', '{{ L | selectattr("id", "even") | list }}', '{{ L | selectattr("name", "equalto", "a") | list }}',
 '{{ L | groupby("id") }}', '{{ L | groupby("name") | map(attribute="grouper") | list }}', '{{ L | groupby("n", default=0) | list }}', '{{ L | batch(2) | list }}', '{{ L | batch(3, "x") | list }}', '{{ L | slice(2) | list }}', '{{ L | slice(3, 0) | list }}', '{{ L | first }}', '{{ L | last }}', '{{ L | length }}', '{{ L | reverse | list }}', '{{ L | list | tojson }}', '{{ L | tojson }}', '{{ L | tojson(indent=2) }}', '{{ L | string }}', '{{ L | dictsort if L is mapping else L | items | list if L is mapping else L }}',
 '{{ V }}', '{{ V | tojson }}', '{{ [V] }}', '{{ V | string }}', '{{ V | length if V is sized else 0 }}', '{{ V is mapping }}|{{ V is sequence }}|{{ V is iterable }}|{{ V is string }}|{{ V is number }}', '{{ V | dictsort if V is mapping else V }}', '{{ V | dictsort(by="value") if V is mapping else V }}', '{{ V | items | list if V is mapping else 0 }}', '{{ V.keys() | list if V is mapping else V }}', '{{ V == V }}', '{{ V | list if V is iterable else V }}', '{{ V | count if V is iterable else 0 }}', '{{ V in L }}', '{{ L.append(V) or L }}', '{{ "%s" % (V,) }}', '{{ "%r|%s" % (V, V) }}', '{{ {"k": V} }}', '{{ (V, V) }}', '{{ V ~ "" }}', '{{ V if V else "falsy" }}', '{{ V | default("d", true) }}', '{{ [V, L] | tojson }}']
out = []
for i in range(int(sys.argv[2])):
    f = rng.choice(forms).replace('L', lit(lst())).replace('V', lit(val()))
    out.append(json.dumps(f))
print('\n'.join(out))
