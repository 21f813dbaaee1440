#!/usr/bin/env python3
"""Probe generator: string literals with every escape (\\x, \\u, \\U, octal, unknown, line continuation) and quote, printed, measured and encoded.
Prints one template per line (JSON strings) for scripts/fuzz/probe-batch.ts:
  python3 scripts/fuzz/probes/string-literals.py SEED COUNT > /tmp/p.txt && npx tsx scripts/fuzz/probe-batch.ts /tmp/p.txt header
"""
import random, sys, json
rng = random.Random(int(sys.argv[1]))
PIECES = ['a', 'é', '😀', ' ', '\\n', '\\t', '\\\\', "\\'", '\\"', '\\x41', '\\x4', '\\xZZ', '\\u00e9', '\\u00E9', '\\u00e', '\\U0001F600', '\\U0001f60', '\\101', '\\7', '\\0', '\\08', '\\400', '\\q', '\\a', '\\b', '\\f', '\\v', '\\r', '\\\n', '\\N', '"', "'", '{{', '}}', '%}', '\r\n', '\t', '\x85']
out = []
for i in range(int(sys.argv[2])):
    body = ''.join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
    q = rng.choice(["'", '"'])
    body = body.replace(q, '\\' + q) if rng.random() < 0.8 else body
    lit = q + body + q
    t = rng.choice(['{{ L }}', '{{ L | length }}', '{{ [L] }}', '{{ L | tojson }}', '{{ L | list | length }}', '{{ (L).encode if 0 else L ~ L }}'])
    out.append(json.dumps(t.replace('L', lit)))
print('\n'.join(out))
