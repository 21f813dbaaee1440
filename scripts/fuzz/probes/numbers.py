#!/usr/bin/env python3
"""Probe generator: floats of every magnitude (subnormal, beyond 2**53, halves) through printing, round, int, %-formats, tojson and arithmetic.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/numbers.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, json, struct, sys
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
def rnd_float():
    k = rng.random()
    if k < 0.2: return rng.choice([0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 1e16, 1e15, 123456789.125, 1e-5, 1e-7, 5e-324, 1.7976931348623157e308, 2**53, 2**53+2.0, 9007199254740993.0, 1e21, 1e22, 0.000123, 12345.6789])
    if k < 0.5: return rng.uniform(-1000, 1000)
    if k < 0.7: return struct.unpack('d', struct.pack('Q', rng.getrandbits(63)))[0]
    if k < 0.85: return rng.randint(-10**6, 10**6) / rng.choice([1, 2, 4, 8, 10, 100, 1000, 3])
    return float(rng.randint(-2**60, 2**60)) * rng.choice([1, 1e-10, 1e10])
def lit(x):
    r = repr(x)
    if r in ('inf', '-inf', 'nan'): return None
    return '(' + r + ')'
forms = ['{{ X }}', '{{ X | round(2) }}', '{{ X | round(1, "floor") }}', '{{ X | round(0, "ceil") }}', '{{ X | round(-1) }}', '{{ X | round(3) }}',
 '{{ X | int }}', '{{ "%.3f" | format(X) }}', '{{ "%g" % X }}', '{{ "%e" % X }}', '{{ "%10.4g" % X }}', '{{ "%.0f" % X }}', '{{ "%.15g" % X }}', '{{ "%r" % X }}', '{{ "%s" % X }}', '{{ "%.2e" % X }}', '{{ "%+.1f" % X }}', '{{ "%#g" % X }}', '{{ "%G" % X }}', '{{ "%.12f" % X }}',
 '{{ X | tojson }}', '{{ X * 3 }}', '{{ X / 7 }}', '{{ X // 3 }}', '{{ X % 3 }}', '{{ X % -2.5 }}', '{{ X ** 2 }}', '{{ [X] }}', '{{ X | string }}', '{{ X | abs }}', '{{ (X | string) | float }}', '{{ X + 0.1 }}', '{{ X - 1e16 }}', '{{ X // 0.1 }}', '{{ X | round }}', '{{ (X | round) | int }}', '{{ X == X | int }}', '{{ X | int | float }}', '{{ (X * 100) | int / 100 }}', '{{ X ** 0.5 if X > 0 else 0 }}', '{{ X | sum(start=1) if false else [X, 1] | sum }}', '{{ [X, 2] | max }}', '{{ {"a": X} | tojson }}', '{{ X | int % 7 }}', '{{ X ** -1 if X else 0 }}', '{{ "%d" % X }}', '{{ "%x" % (X | int) }}', '{{ X | float | string | length }}']
out = []
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3000):
    x = rnd_float(); l = lit(x)
    if l is None: continue
    out.append(rng.choice(forms).replace('X', l))
print('\n'.join(out))
