#!/usr/bin/env python3
"""Probe generator: from_json on JSON texts with big and special numbers, escapes, integer-like and repeated keys, NaN and Infinity, then printed, re-encoded, compared and listed.
Two reports are Jinja2's, not Conduit's: Jinja2 folds from_json of a literal into its generated code, where a NaN or an infinity becomes a NameError; and json.loads gives every NaN one object, so containers holding NaN compare equal by identity.
  python3 scripts/fuzz/probes/from-json.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt response_body
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
ATOMS = ['0', '-0', '1', '-1', '1.0', '1e5', '1E+5', '1e-400', '1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '0.1', '1.7976931348623157e308', '5e-324', '2.5e-5',
  'true', 'false', 'null', 'NaN', 'Infinity', '-Infinity', '"a"', '""', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\u0000"', '"\\n\\t\\\\\\"\\/"', '"é"', '"😀"', '"10"']
def val(d=0):
    k = rng.random()
    if d > 3 or k < 0.5: return rng.choice(ATOMS)
    if k < 0.75: return '[' + rng.choice(['', ' ', '\n']).join([]) + ', '.join(val(d + 1) for _ in range(rng.randint(0, 3))) + ']'
    keys = ['"a"', '"b"', '"10"', '"2"', '"-1"', '"01"', '"a"', '""', '"\\u0041"', '"1.5"', '"1e3"', '"é"']
    return '{' + ', '.join(rng.choice(keys) + ': ' + val(d + 1) for _ in range(rng.randint(0, 4))) + '}'
def text():
    t = val()
    r = rng.random()
    if r < 0.05: t = ' ' + t + ' \n'
    elif r < 0.08: t = t + ' x'
    elif r < 0.1: t = t[:-1] if len(t) > 1 else t
    elif r < 0.12: t = '\ufeff' + t
    return t
USE = ['{{ J }}', '{{ J | tojson }}', '{{ J | json_encode }}', '{{ J | string }}', '{{ (J is mapping) and (J | list) }}', '{{ J | length if J is sized else J }}', "{{ J['a'] if J is mapping and 'a' in J else 0 }}", '{{ J | dictsort if J is mapping else J }}', '{{ J.items() | list if J is mapping else J }}', '{{ J == J }}', '{{ [J] | tojson }}', '{{ J is number }}|{{ J is integer }}|{{ J is float }}']
out = []
for i in range(int(sys.argv[2])):
    t = json.dumps(text())
    u = rng.choice(USE)
    # the JSON text as a template string literal, parsed by from_json
    lit = "'" + t[1:-1].replace("'", "\\'") .replace('\\"', '"') + "'"
    lit = json.dumps(json.loads(t), ensure_ascii=False)  # a Jinja string literal equal to the text
    out.append(json.dumps(u.replace('J', '(' + lit + ' | from_json)')))
print('\n'.join(out))
