#!/usr/bin/env python3
"""Probe generator: whitespace control. Text of every kind of whitespace (Python's: U+0085, U+001C-U+001F, U+2028, U+3000) between print, block, comment and raw tags carrying random -, + and plain markers.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/whitespace.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
TXT = ['', ' ', '  ', '\n', '\n\n', ' \n ', '\t', '\r\n', '\r', 'a', ' a ', '\n a \n', 'x\n', '\u3000', '\x0b', '\x0c', '\x85', '\u2028']
def open_(kind): return {'var': '{{', 'blk': '{%', 'cmt': '{#'}[kind] + rng.choice(['', '-', '+'] if kind != 'var' else ['', '-', '+'])
def close(kind): return rng.choice(['', '-', '+'] if kind == 'blk' else ['', '-']) + {'var': '}}', 'blk': '%}', 'cmt': '#}'}[kind]
def piece():
    k = rng.random()
    if k < 0.35: return open_('var') + ' 1 ' + close('var')
    if k < 0.5: return open_('cmt') + ' c ' + close('cmt')
    if k < 0.65: return open_('blk') + ' if true ' + close('blk') + rng.choice(TXT) + 'T' + rng.choice(TXT) + open_('blk') + ' endif ' + close('blk')
    if k < 0.8: return open_('blk') + ' for i in [1, 2] ' + close('blk') + rng.choice(TXT) + '{{ i }}' + rng.choice(TXT) + open_('blk') + ' endfor ' + close('blk')
    if k < 0.9: return open_('blk') + ' set x = 1 ' + close('blk')
    return open_('blk') + ' raw ' + close('blk') + rng.choice(TXT) + '{{ r }}' + rng.choice(TXT) + open_('blk') + ' endraw ' + close('blk')
out = []
for i in range(int(sys.argv[2])):
    t = rng.choice(TXT)
    for _ in range(rng.randint(1, 4)): t += piece() + rng.choice(TXT)
    out.append(json.dumps(t))
print('\n'.join(out))
