#!/usr/bin/env python3
"""Differential fuzzer, recording side: generates random templates (gen.py, recipes.py) with random
render contexts (data.py), renders each with real Jinja2 3.1 and writes the outcomes as fixtures
that test/template/fuzz.test.ts replays against Conduit's engine without Python.

  python3 scripts/fuzz/record.py --seed 1 --count 12000      (npm run fuzz -- --seed 1 --count 12000)

Deterministic for a seed (except cases skipped for time). Jinja2 runs exactly as in
scripts/record-conformance.py (SandboxedEnvironment(autoescape=False), default Undefined, and
the same emulation of Conduit's functions and filters, imported from it). A case is skipped when
Jinja2 takes more than --max-ms to render it, its output exceeds 100 KB, or the output depends on a
Python object address in a way the replay cannot normalise (see ADDRESS below).
An object address (`<generator object select_or_reject at 0x7f…>`) is recorded as `0x…`; the replay
(test/template/fuzz/replay.ts) writes Conduit's the same way. Whether an output depends on addresses
only where they are printed is checked by rendering the case a second time with the addresses moved.
An output beyond the 8 KiB limit of url/header/query/auth fields (SPEC §4.5) is recorded as an
error Conduit must raise.

Fixtures: test/template/fuzz/fixtures/seed-<seed>-<part>.json, 1,000 cases each:
  {"seed", "part", "contexts": [context, …],
   "cases": [{"id", "kind", "template", "context": <index>, "output" | "error" (+ "stage"), "source"?}]}
"""

import argparse
import importlib.util
import json
import os
import random
import re
import resource
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from jinja2 import filters as jinja_filters, meta, nodes  # noqa: E402

import data  # noqa: E402
import gen  # noqa: E402
import recipes  # noqa: E402

_spec = importlib.util.spec_from_file_location('record_conformance', os.path.join(ROOT, 'scripts', 'record-conformance.py'))
conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conformance)

OUT_DIR = os.path.join(ROOT, 'test', 'template', 'fuzz', 'fixtures')
PER_FILE = 1000
PER_CONTEXT = 40
FIELD_LIMIT = 8 * 1024
MAX_OUTPUT = 100 * 1024
# A Python object address (`<generator object … at 0x7f…>`), also after a replace() changed 'at' or
# upper() the digits. Outputs are recorded with each replaced by ADDRESS_MARK; replay.ts does the same
# to Conduit's outputs (keep the two in step).
ADDRESS = re.compile(r'0x[0-9a-f]{8,}', re.I)
ADDRESS_MARK = '0x…'
# Filters whose results (generators, iterators) print with an address.
ITERATOR_FILTERS = re.compile(r'\|\s*(?:select|reject|selectattr|rejectattr|map|unique|batch|slice|items|reverse)\b')

NAME_USE = re.compile(r'(?<![.\w\'"])(pathParams|body_text|body_raw|response|steps|request|get_secret|get_variable|jwt_encode)\b')


def available(name, kind):
    if name == 'pathParams':
        return kind == 'url'
    if name in ('body_text', 'body_raw'):
        return kind == 'request_body'
    if name == 'response':
        return kind in ('response_body', 'step_response_body')
    if name in ('steps', 'request'):
        return kind.startswith('step_')
    if name == 'get_secret':
        return kind in gen.SECRET_KINDS
    if name == 'get_variable':
        return kind in gen.VARIABLE_KINDS
    if name == 'jwt_encode':
        return kind in gen.JWT_KINDS
    return True


def valid_kinds(template):
    used = set(NAME_USE.findall(template))
    return [k for k in gen.KINDS if all(available(n, k) for n in used)]


CONTEXT_NAMES = {'user', 'tenant_id', 'pathParams', 'body_text', 'body_raw', 'response', 'steps', 'request'}
FUNCTION_NAMES = {'range', 'namespace', 'dict', 'now', 'jwt_encode', 'get_secret', 'get_variable'}
FILTER_NAMES = set('abs attr batch capitalize count default d dictsort first float format groupby int items join last length '
                   'list lower map max min replace reject rejectattr reverse round select selectattr slice sort string sum '
                   'title tojson trim truncate unique upper urlencode wordcount from_json json_encode base64_encode '
                   'base64_decode'.split())
TEST_NAMES = set('defined undefined none number string mapping sequence iterable boolean integer float even odd divisibleby '
                 'equalto sameas in lower upper eq ne lt le gt ge == != < <= > >= equalto greaterthan lessthan'.split())
SAFE_METHODS = {'items', 'keys', 'values', 'get', 'upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'startswith',
                'endswith', 'replace', 'title', 'capitalize', 'append', 'by_id'}


SECRET_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


def spec_refusal(env, template, kind):
    """Why Conduit must refuse a template at compile time that Jinja2 renders, by a rule of Conduit's
    own (SPEC §4.2 sandbox, §4.3 fixed names): a top-level name outside the field's context (Jinja2
    reads it as Undefined), `loop` outside a loop, a call to anything but the whitelisted functions
    and safe methods, an attribute starting with '_'. Mostly reached by the mutated templates."""
    try:
        ast = env.parse(template)
    except Exception:
        return None
    assigned = {n.name for n in ast.find_all(nodes.Name) if n.ctx == 'store'}
    allowed = {n for n in CONTEXT_NAMES | FUNCTION_NAMES if available(n, kind)}
    unknown = sorted(meta.find_undeclared_variables(ast) - assigned - allowed)
    if unknown:
        return f'spec §4.3: name {unknown[0]!r} is not in the context of a {kind} field'
    for node in ast.find_all((nodes.Filter, nodes.Test)):
        known = FILTER_NAMES if isinstance(node, nodes.Filter) else TEST_NAMES
        if node.name not in known:
            # Jinja2 only fails on an unknown filter or test when it runs; Conduit refuses it.
            return f'spec §4.2: unknown {type(node).__name__.lower()} {node.name!r}'
    for call in ast.find_all(nodes.Call):
        fn = call.node
        if isinstance(fn, nodes.Name) and fn.name in FUNCTION_NAMES and fn.name not in assigned:
            continue
        if isinstance(fn, nodes.Getattr) and fn.attr in SAFE_METHODS:
            continue
        return 'spec §4.2: calling anything but the whitelisted functions and safe methods'
    for call in ast.find_all(nodes.Call):
        fn = call.node
        arg = call.args[0] if len(call.args) == 1 else None
        if isinstance(fn, nodes.Name) and fn.name in ('get_secret', 'get_variable') and fn.name not in assigned \
                and isinstance(arg, nodes.Const) and isinstance(arg.value, str) and not SECRET_NAME.fullmatch(arg.value):
            # A name no secret or variable can have (a mutated one) is refused, not read as missing.
            return f'spec §5: {fn.name}({arg.value!r}): a name must match ^[A-Za-z_][A-Za-z0-9_]*$'
    for node in ast.find_all((nodes.Getattr, nodes.Name)):
        name = node.attr if isinstance(node, nodes.Getattr) else node.name
        if name.startswith('_') or name in ('constructor', 'prototype', '__proto__'):
            return f'spec §4.2: {name!r} is not accessible'
    return None


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def render(env, template, context, max_ms):
    """Jinja2's outcome: ('output', text, bytes) | ('error', message, stage) | ('skip', why); `bytes` is
    the UTF-8 length of the output before its addresses were masked (what a field limit measures)."""
    signal.setitimer(signal.ITIMER_REAL, max_ms / 1000)
    stage = 'compile'
    try:
        compiled = env.from_string(template)
        stage = 'render'
        out = compiled.render(conformance.template_context(context))
    except Timeout:
        return ('skip', 'time')
    except MemoryError:
        return ('skip', 'memory')
    except RecursionError:
        return ('skip', 'recursion')
    except Exception as err:  # any Jinja2 failure: Conduit must fail too
        signal.setitimer(signal.ITIMER_REAL, 0)
        msg = f'{type(err).__name__}: {err}'
        if ADDRESS.search(msg):
            msg = ADDRESS.sub('0x…', msg)
        return ('error', msg[:300], 'compile' if type(err).__name__ == 'TemplateSyntaxError' else stage)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    size = len(out.encode('utf-8'))
    if size > MAX_OUTPUT:
        return ('skip', 'size')
    if ADDRESS.search(out) or ITERATOR_FILTERS.search(template):
        # Rendered again with the objects at other addresses: an output that still differs once the
        # addresses are normalised depends on them some other way (a slice, base64 of the text).
        again = render_moved(compiled, context)
        if again is None or ADDRESS.sub(ADDRESS_MARK, again) != ADDRESS.sub(ADDRESS_MARK, out):
            return ('skip', 'address')
        out = ADDRESS.sub(ADDRESS_MARK, out)
    return ('output', out, size)


def render_moved(compiled, context):
    """The output of a second render while thousands of generators and iterators hold the memory the
    first render's objects were at, so the second one's are elsewhere; None if it fails."""
    f = jinja_filters
    held = [g for _ in range(500) for g in (
        f.select_or_reject(None, (), (), {}, bool, False), f.sync_do_map(None, ()), f.sync_do_unique(None, ()),
        f.do_batch((), 1), f.sync_do_slice((), 1), f.do_items({}),
        reversed([]), reversed({}), reversed(()), reversed(range(0)), reversed({}.keys()), reversed({}.values()),
        reversed({}.items()))]
    try:
        return compiled.render(conformance.template_context(context))
    except Exception:
        return None
    finally:
        del held


def missing_variant(rng, template, kind):
    """SPEC §4.4: a tag naming a missing secret/variable renders as its own source text."""
    fn = 'get_secret' if kind in gen.SECRET_KINDS and rng.random() < 0.6 else 'get_variable'
    tag = rng.choice([f"{{{{ {fn}('api_kye') }}}}", f"{{{{ {fn}(\"missing\") | upper }}}}", f"{{{{ {fn}( 'nope' ) ~ 'x' }}}}",
                      f"{{{{ {fn}('missing') | default('fallback') }}}}"])
    return rng.choice([tag + ' ' + template, template + tag, tag])


def mutate(rng, template):
    """A broken variant (a character dropped, doubled or swapped, or the text cut short): exercises
    the lexer and parser, which must refuse at compile time whatever Jinja2 refuses."""
    i = rng.randrange(len(template))
    op = rng.choice(['drop', 'double', 'cut', 'swap'])
    if op == 'drop':
        return template[:i] + template[i + 1:]
    if op == 'double':
        return template[:i] + template[i] + template[i:]
    if op == 'cut':
        return template[:max(i, 1)]
    return template[:i] + rng.choice(['{', '}', '%', '|', '(', ')', '[', "'", '"', '-', ',', ':', '.', '~']) + template[i + 1:]


def generate(rng, ctx):
    if rng.random() < 0.35:
        kind, template = recipes.realistic(rng, ctx)
        kinds = valid_kinds(template)
        if kind not in kinds:
            kind = rng.choice(kinds)
        return kind, template
    kind = rng.choice(gen.KINDS)
    template = gen.random_template(rng, ctx, kind)
    if kind in gen.VARIABLE_KINDS and rng.random() < 0.03:
        template = missing_variant(rng, template, kind)
    elif template and rng.random() < 0.04:
        template = mutate(rng, template)
        kinds = valid_kinds(template)
        # A mutation can join names no field kind has (a swapped character makes `steps` and
        # `pathParams` meet): the case keeps its kind and is refused at compile time (§4.3).
        if kind not in kinds and kinds:
            kind = rng.choice(kinds)
    return kind, template


def record_case(env, rng, case_id, ctx, ctx_index, max_ms, stats, skipped=None):
    kind, template = generate(rng, ctx)
    case = {'id': case_id, 'kind': kind, 'template': template, 'context': ctx_index}
    source = template
    if conformance.missing_calls(template, ctx):
        try:
            source = conformance.apply_missing_rule({'id': case_id, 'template': template, 'context': ctx})
        except ValueError:
            stats['skip:missing-rule'] = stats.get('skip:missing-rule', 0) + 1
            return None
        case['source'] = 'spec §4.4'
    outcome = render(env, source, ctx, max_ms)
    if outcome[0] == 'skip':
        stats['skip:' + outcome[1]] = stats.get('skip:' + outcome[1], 0) + 1
        if skipped is not None:
            skipped.write(json.dumps({'id': case_id, 'why': outcome[1], 'kind': kind, 'template': template}, ensure_ascii=False) + '\n')
        return None
    refusal = spec_refusal(env, template, kind) if outcome[0] != 'error' or outcome[2] != 'compile' else None
    if refusal is not None:
        case['error'] = refusal
        case['stage'] = 'compile'
        case['source'] = refusal.split(':')[0]
        outcome = ('refused',)
    elif outcome[0] == 'output':
        if kind not in gen.BODY_KINDS and outcome[2] > FIELD_LIMIT:
            case['error'] = f'output exceeds the {FIELD_LIMIT}-byte limit of a {kind} field'
            case['stage'] = 'render'
            case['source'] = 'spec §4.5'
        else:
            case['output'] = outcome[1]
    else:
        case['error'] = outcome[1]
        case['stage'] = outcome[2]
    stats[outcome[0]] = stats.get(outcome[0], 0) + 1
    return case


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=10500, help='cases to record (skipped ones are replaced)')
    ap.add_argument('--max-ms', type=float, default=200, help='skip a case whose Jinja2 render takes longer')
    ap.add_argument('--out', default=OUT_DIR)
    ap.add_argument('--keep', action='store_true', help='keep fixture files of other seeds')
    ap.add_argument('--skipped', help='write the skipped cases (id, why, kind, template) to this JSON-lines file')
    args = ap.parse_args()
    if not conformance.jinja2.__version__.startswith('3.1'):
        sys.exit(f'Jinja2 3.1 is required, found {conformance.jinja2.__version__}')
    # A runaway Jinja2 allocation fails here with MemoryError instead of taking the machine down.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, _alarm)
    os.makedirs(args.out, exist_ok=True)
    if not args.keep:
        for name in os.listdir(args.out):
            if name.startswith('seed-') and name.endswith('.json'):
                os.remove(os.path.join(args.out, name))
    env = conformance.make_env()
    rng = random.Random(args.seed)
    stats = {}
    skipped = open(args.skipped, 'w', encoding='utf-8') if args.skipped else None
    started = time.time()
    part, written, n = 0, 0, 0
    while written < args.count:
        contexts, cases = [], []
        while len(cases) < PER_FILE and written + len(cases) < args.count:
            ctx = data.context(rng)
            contexts.append(ctx)
            for _ in range(PER_CONTEXT):
                n += 1
                case = record_case(env, rng, f's{args.seed}-{n}', ctx, len(contexts) - 1, args.max_ms, stats, skipped)
                if case is not None:
                    cases.append(case)
        path = os.path.join(args.out, f'seed-{args.seed}-{part:02d}.json')
        with open(path, 'w', encoding='utf-8') as fh:
            json.dump({'seed': args.seed, 'part': part, 'contexts': contexts, 'cases': cases}, fh, ensure_ascii=False,
                      separators=(',', ':'))
            fh.write('\n')
        written += len(cases)
        part += 1
    print(f'recorded {written} cases in {part} files under {os.path.relpath(args.out, ROOT)} '
          f'in {time.time() - started:.1f}s: {json.dumps(stats, sort_keys=True)}')


if __name__ == '__main__':
    main()
