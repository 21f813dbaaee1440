#!/usr/bin/env python3
"""Probe generator: strings drawn from Unicode case and whitespace oddities (ß, İ, ǅ, ᾀ, ŉ, final sigma, U+0085, U+3000) through the str methods and string filters.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/strings.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
POOL = list("aAzZ09 _-.,;:!?'\"\\/<>&%$#@()[]{}") + ['\t', '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\xa0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u200b', '\ufeff',
  'ß', 'ẞ', 'İ', 'ı', 'ǅ', 'ǆ', 'Ǆ', 'Σ', 'σ', 'ς', 'ﬁ', 'ﬀ', 'ŉ', 'ΐ', 'ǰ', 'Å', 'Ω', 'K', 'µ', 'ſ', 'ǈ', 'ᾈ', 'ᾀ', 'ⅷ', 'Ⅷ', 'ⓐ', 'Ⓐ', '𝔘', '😀', '東', '京', 'é', 'É', 'ü', 'Ü', 'ö', '\u0301', 'Ꭰ', 'ꭰ', 'ǲ', 'ǳ', 'Ǳ', '1', '²', '½', '٣', 'Ⅳ', '०']
def s():
    n = rng.choice([0, 1, 2, 3, 5, 8, 12])
    return ''.join(rng.choice(POOL) for _ in range(n))
def lit(x):
    out = '"'
    for ch in x:
        o = ord(ch)
        if ch in '"\\': out += '\\' + ch
        elif o < 0x20 or 0x7f <= o < 0xa1 or ch in '\u2028\u2029\u1680\u3000\ufeff\u200b' or 0x2000 <= o <= 0x200a: out += '\\u%04x' % o
        else: out += ch
    return out + '"'
forms = ['{{ S | upper }}', '{{ S | lower }}', '{{ S | title }}', '{{ S | capitalize }}', '{{ S.upper() }}', '{{ S.lower() }}', '{{ S.title() }}', '{{ S.capitalize() }}',
 '{{ S | trim }}', '{{ S.strip() }}', '{{ S.lstrip() }}', '{{ S.rstrip() }}', '{{ S.split() }}', '{{ S.split(None, 1) }}', '{{ S.split(T) if T else 0 }}', '{{ S.strip(T) }}', '{{ S | trim(T) }}',
 '{{ S | length }}', '{{ S | wordcount }}', '{{ S | reverse }}', '{{ S | list }}', '{{ S | sort }}', '{{ S | sort(case_sensitive=true) }}', '{{ S | unique | list }}', '{{ S | max }}', '{{ S | min }}', '{{ S | max(case_sensitive=true) }}',
 '{{ S | truncate(5) }}', '{{ S | truncate(4, true, "") }}', '{{ S | truncate(9, false, "..", 0) }}', '{{ S | replace(T, "x") }}', '{{ S.replace(T, "", 1) }}', '{{ S | urlencode }}', '{{ S | tojson }}', '{{ S | string }}', '{{ S ~ T }}', '{{ S < T }}', '{{ S == T }}', '{{ T in S }}',
 '{{ [S, T] | sort }}', '{{ [S, T] | sort(case_sensitive=true) }}', '{{ [S, T] | unique | list }}', '{{ {S: 1, T: 2} | dictsort }}', '{{ [S, T] | join(T) }}', '{{ S.startswith(T) }}', '{{ S.endswith(T) }}', '{{ S is lower }}', '{{ S is upper }}', '{{ S[1:3] }}', '{{ S[-1] if S else 0 }}', '{{ S[::-2] }}',
 '{{ S | first }}', '{{ S | last }}', '{{ S | batch(2) | list }}', '{{ S | slice(2) | list }}', '{{ "%5s|%-5s|%.2s" % (S, T, S) }}', '{{ "%r" % S }}', '{{ [S] }}', '{{ (S, T) }}', '{{ S | base64_encode }}', '{{ S | int(7) }}', '{{ S | float(1.5) }}', '{{ S | select | list }}', '{{ S | count }}', '{{ S.title().swapcase if 0 else S.title() | lower }}', '{{ S | map("upper") | join }}', '{{ S | groupby(0) if 0 else S | format }}']
out = []
for i in range(int(sys.argv[2])):
    out.append(json.dumps(rng.choice(forms).replace('S', lit(s())).replace('T', lit(s()))))
print('\n'.join(out))
