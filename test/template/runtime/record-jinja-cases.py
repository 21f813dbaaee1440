"""Records what real Jinja2 3.1 (SandboxedEnvironment, autoescape off, default Undefined) returns for
each case below into jinja-cases.json; runtime-conformance.test.ts replays them against Conduit's
filters, tests and methods. Run: python3 test/template/runtime/record-jinja-cases.py"""
import json, math, os, types
from jinja2.sandbox import SandboxedEnvironment
from jinja2.runtime import Undefined

env = SandboxedEnvironment(autoescape=False)
U = env.undefined(name='x')
CTX = env.from_string('').new_context()
NS = {'U': U, 'inf': math.inf, 'nan': math.nan}

def enc(v):
    if isinstance(v, Undefined): return {'t': 'undefined'}
    if v is None: return {'t': 'none'}
    if isinstance(v, bool): return {'t': 'bool', 'v': v}
    if isinstance(v, int): return {'t': 'int', 'v': str(v)}
    if isinstance(v, float): return {'t': 'float', 'v': repr(v)}
    if isinstance(v, str): return {'t': 'str', 'v': v}
    if isinstance(v, tuple): return {'t': 'tuple', 'v': [enc(x) for x in v]}
    if isinstance(v, list): return {'t': 'list', 'v': [enc(x) for x in v]}
    if isinstance(v, dict): return {'t': 'dict', 'v': [[k, enc(x)] for k, x in v.items()]}
    if isinstance(v, (types.GeneratorType, reversed, type(iter([])), type(reversed([])))): return enc(list(v))
    if hasattr(v, '__html__'): return enc(str(v))
    if type(v).__name__ in ('dict_items', 'dict_keys', 'dict_values'): return enc(list(v))
    if type(v).__name__ == 'builtin_function_or_method': return {'t': 'method', 'v': v.__name__}
    raise TypeError(f'cannot encode {type(v)}')

F, T, M = 'filter', 'test', 'method'
D = "{'b': 2, 'a': 1, 'C': 3}"
PEOPLE = "[{'name': 'bo', 'age': 30, 'city': 'Oslo'}, {'name': 'Al', 'age': 25, 'city': 'oslo'}, {'name': 'cy', 'age': 30, 'city': 'Rome'}]"
CASES = [
    (F, 'abs', '-3', [], {}), (F, 'abs', '-2.5', [], {}), (F, 'abs', '-2.0', [], {}), (F, 'abs', 'True', [], {}),
    (F, 'abs', "'x'", [], {}), (F, 'abs', 'U', [], {}),
    (F, 'attr', D, ["'a'"], {}), (F, 'attr', D, ["'items'"], {}), (F, 'attr', 'None', ["'a'"], {}),
    (F, 'batch', '[1,2,3,4,5]', ['2'], {}), (F, 'batch', '[1,2,3,4,5]', ['3', "'x'"], {}), (F, 'batch', "'abc'", ['2'], {}),
    (F, 'batch', '[1,2,3]', ['0'], {}),
    (F, 'capitalize', "'hELLO wORLD'", [], {}), (F, 'capitalize', "''", [], {}), (F, 'capitalize', '12', [], {}), (F, 'capitalize', 'U', [], {}),
    (F, 'count', '[1,2]', [], {}), (F, 'length', "'h\U0001F600y'", [], {}), (F, 'length', D, [], {}), (F, 'length', 'U', [], {}),
    (F, 'length', '5', [], {}), (F, 'length', 'None', [], {}),
    (F, 'default', 'U', [], {}), (F, 'default', 'U', ["'x'"], {}), (F, 'default', "''", ["'x'"], {}), (F, 'default', "''", ["'x'", 'True'], {}),
    (F, 'default', 'None', ["'x'"], {}), (F, 'd', '0', [], {'default_value': "'z'", 'boolean': 'True'}),
    (F, 'dictsort', D, [], {}), (F, 'dictsort', D, ['True'], {}), (F, 'dictsort', D, [], {'by': "'value'", 'reverse': 'True'}),
    (F, 'dictsort', D, [], {'by': "'nope'"}), (F, 'dictsort', 'U', [], {}), (F, 'dictsort', '[1]', [], {}),
    (F, 'first', '[3,1]', [], {}), (F, 'first', '[]', [], {}), (F, 'first', "'\U0001F600x'", [], {}), (F, 'first', D, [], {}), (F, 'first', 'U', [], {}),
    (F, 'first', '5', [], {}),
    (F, 'last', '[3,1]', [], {}), (F, 'last', '[]', [], {}), (F, 'last', "'ab'", [], {}), (F, 'last', D, [], {}), (F, 'last', 'U', [], {}), (F, 'last', '5', [], {}),
    (F, 'float', "'3.5'", [], {}), (F, 'float', "' 1_000.5 '", [], {}), (F, 'float', "'1e3'", [], {}), (F, 'float', "'abc'", [], {}), (F, 'float', "'abc'", ['1.5'], {}),
    (F, 'float', '3', [], {}), (F, 'float', 'True', [], {}), (F, 'float', 'None', [], {}), (F, 'float', '[1]', [], {}), (F, 'float', 'U', [], {}),
    (F, 'float', "'-inf'", [], {}), (F, 'float', "'.5'", [], {}), (F, 'float', "'5.'", [], {}), (F, 'float', "'0x10'", [], {}),
    (F, 'format', "'%s-%d'", ["'a'", '3.9'], {}), (F, 'format', "'%(a)s %(b)05.1f'", [], {'a': "'x'", 'b': '2.25'}),
    (F, 'format', "'%.2f|%e|%g|%G|%10.3e'", ['2.675', '12345.678', '0.00001234', '1e20', '-0.5'], {}),
    (F, 'format', "'%x %X %o %#x %#o %r %%'", ['255', '255', '8', '255', '8', "'q'"], {}),
    (F, 'format', "'%5s|%-5s|%+d|% d|%05d|%.3s'", ["'ab'", "'ab'", '3', '3', '-42', "'abcdef'"], {}),
    (F, 'format', "'%.0f %.0f %.0f %.1f'", ['0.5', '1.5', '2.5', '0.25'], {}),
    (F, 'format', "'%g %g %g %g %g'", ['100000', '1000000', '0.0001', '1.5', '0'], {}),
    (F, 'format', "'%s'", ['None'], {}), (F, 'format', "'%s'", [], {}), (F, 'format', "'%s'", ['1', '2'], {}), (F, 'format', "'%d'", ["'x'"], {}),
    (F, 'format', "'%x'", ['1.5'], {}), (F, 'format', "'%s %s'", ['[1]', D], {}), (F, 'format', "'%c%c'", ['65', "'b'"], {}),
    (F, 'format', "'%f'", ['inf'], {}), (F, 'format', "'%z'", ['1'], {}), (F, 'format', "'%s'", ['1'], {'a': '1'}),
    (F, 'format', "'%(a)s'", ['1'], {}), (F, 'format', "'%d %i'", ['True', '-7.9'], {}), (F, 'format', "'%.3d|%5.1f|%-8.2e|'", ['7', '3.14159', '31415.9'], {}),
    (F, 'groupby', PEOPLE, ["'city'"], {}), (F, 'groupby', PEOPLE, ["'city'"], {'case_sensitive': 'True'}), (F, 'groupby', PEOPLE, ["'age'"], {}),
    (F, 'groupby', "[{'a': 1}, {'b': 2}, {'a': 1}]", ["'a'"], {'default': '0'}),
    (F, 'int', "'42'", [], {}), (F, 'int', "' -7 '", [], {}), (F, 'int', "'3.9'", [], {}), (F, 'int', "'0x1A'", [], {'base': '16'}), (F, 'int', "'0x1A'", [], {}),
    (F, 'int', "'ff'", ['0', '16'], {}), (F, 'int', "'z'", ['-1'], {}), (F, 'int', '3.99', [], {}), (F, 'int', '-3.99', [], {}), (F, 'int', 'True', [], {}),
    (F, 'int', 'None', [], {}), (F, 'int', '[1]', [], {}), (F, 'int', 'U', [], {}), (F, 'int', "'1_000'", [], {}), (F, 'int', "'1e3'", [], {}),
    (F, 'int', "'0b101'", [], {'base': '0'}), (F, 'int', "'012'", [], {'base': '0'}), (F, 'int', "'nan'", [], {}),
    (F, 'items', D, [], {}), (F, 'items', 'U', [], {}), (F, 'items', '[1]', [], {}),
    (F, 'join', '[1, 2, None]', [], {}), (F, 'join', '[1, 2]', ["', '"], {}), (F, 'join', PEOPLE, ["'/'", "'name'"], {}), (F, 'join', 'U', [], {}),
    (F, 'join', "'abc'", ["'-'"], {}), (F, 'join', '[1.0, True, [1]]', ["'|'"], {}),
    (F, 'list', "'ab'", [], {}), (F, 'list', D, [], {}), (F, 'list', 'U', [], {}), (F, 'list', '(1, 2)', [], {}), (F, 'list', '3', [], {}),
    (F, 'lower', "'AbC'", [], {}), (F, 'upper', "'straße'", [], {}), (F, 'lower', 'None', [], {}), (F, 'upper', 'U', [], {}),
    (F, 'map', "['a', 'B']", ["'upper'"], {}), (F, 'map', PEOPLE, [], {'attribute': "'name'"}), (F, 'map', "[{'a': 1}, {}]", [], {'attribute': "'a'", 'default': "'-'"}),
    (F, 'map', "[[1, 2], [3, 4]]", [], {'attribute': "'1'"}), (F, 'map', "['1', '2']", ["'int'"], {}), (F, 'map', "[3.14159]", ["'round'", '2'], {}),
    (F, 'map', '[]', [], {}), (F, 'map', '[1]', [], {}), (F, 'map', "[{'a': {'b': 5}}]", [], {'attribute': "'a.b'"}), (F, 'map', 'U', ["'upper'"], {}),
    (F, 'max', '[3, 1, 2]', [], {}), (F, 'min', '[3, 1, 2]', [], {}), (F, 'max', "['a', 'B']", [], {}), (F, 'max', "['a', 'B']", ['True'], {}),
    (F, 'min', PEOPLE, [], {'attribute': "'age'"}), (F, 'max', PEOPLE, [], {'attribute': "'age'"}), (F, 'max', '[]', [], {}), (F, 'min', "[1, 'a']", [], {}),
    (F, 'max', "[1, 2.5, True]", [], {}), (F, 'min', "'hello'", [], {}),
    (F, 'replace', "'aaa'", ["'a'", "'b'"], {}), (F, 'replace', "'aaa'", ["'a'", "'b'", '2'], {}), (F, 'replace', "'ab'", ["''", "'-'"], {}), (F, 'replace', '123', ['2', '9'], {}),
    (F, 'reject', '[0, 1, 2, 3]', ["'odd'"], {}), (F, 'select', '[0, 1, 2, 3]', ["'odd'"], {}), (F, 'select', "[0, 1, '', 'a', None]", [], {}),
    (F, 'select', '[1, 5, 10]', ["'gt'", '3'], {}), (F, 'select', '[1, 5, 10]', ["'>'", '3'], {}), (F, 'select', "[1, 'a', None, 2.5]", ["'number'"], {}),
    (F, 'select', '[1, 2, 3, 4]', ["'divisibleby'", '2'], {}), (F, 'select', "['a', 'b']", ["'in'", "'abc'"], {}),
    (F, 'selectattr', PEOPLE, ["'age'", "'equalto'", '30'], {}), (F, 'rejectattr', PEOPLE, ["'age'", "'equalto'", '30'], {}),
    (F, 'selectattr', "[{'a': 0}, {'a': 1}, {}]", ["'a'"], {}), (F, 'selectattr', "[{'a': 0}, {'a': 1}, {}]", ["'a'", "'defined'"], {}),
    (F, 'reverse', "'ab\U0001F600'", [], {}), (F, 'reverse', '[1, 2, 3]', [], {}), (F, 'reverse', D, [], {}), (F, 'reverse', 'U', [], {}), (F, 'reverse', '5', [], {}),
    (F, 'round', '2.5', [], {}), (F, 'round', '3.5', [], {}), (F, 'round', '2.675', ['2'], {}), (F, 'round', '42', [], {}), (F, 'round', '1234', ['-2'], {}),
    (F, 'round', '1250', ['-2'], {}), (F, 'round', '-0.4', [], {}), (F, 'round', '2.1', [], {'method': "'ceil'"}), (F, 'round', '-2.1', [], {'method': "'ceil'"}),
    (F, 'round', '2.19', ['1', "'floor'"], {}), (F, 'round', '42', [], {'method': "'floor'"}), (F, 'round', '1', [], {'method': "'x'"}), (F, 'round', "'x'", [], {}),
    (F, 'round', 'U', [], {}), (F, 'round', 'True', [], {}), (F, 'round', '0.1', ['20'], {}), (F, 'round', '123.456', ['-1'], {}), (F, 'round', '-0.5', [], {'method': "'ceil'"}),
    (F, 'round', '1e300', ['2'], {}), (F, 'round', '5e-324', ['3'], {}),
    (F, 'slice', '[1, 2, 3, 4, 5]', ['2'], {}), (F, 'slice', '[1, 2, 3, 4, 5]', ['3', '0'], {}), (F, 'slice', '[1]', ['3'], {}), (F, 'slice', '[1]', ['0'], {}),
    (F, 'sort', '[3, 1, 2]', [], {}), (F, 'sort', "['b', 'A', 'c']", [], {}), (F, 'sort', "['b', 'A', 'c']", [], {'case_sensitive': 'True'}),
    (F, 'sort', '[3, 1, 2]', ['True'], {}), (F, 'sort', PEOPLE, [], {'attribute': "'age,name'"}), (F, 'sort', PEOPLE, [], {'attribute': "'age'", 'reverse': 'True'}),
    (F, 'sort', "[1, 'a']", [], {}), (F, 'sort', D, [], {}), (F, 'sort', "'cab'", [], {}), (F, 'sort', '[[2, 1], [1, 2], [1]]', [], {}), (F, 'sort', '[None, None]', [], {}),
    (F, 'sort', "['\U0001F600', '\uffff']", [], {}), (F, 'sort', '[2, 1.5, True]', [], {}),
    (F, 'string', '[1, 2.0]', [], {}), (F, 'string', 'None', [], {}), (F, 'string', 'U', [], {}), (F, 'string', "{'a': 'b'}", [], {}),
    (F, 'sum', '[1, 2, 3]', [], {}), (F, 'sum', '[1.5, 0.5]', [], {}), (F, 'sum', '[1, 2]', [], {'start': '10'}), (F, 'sum', PEOPLE, [], {'attribute': "'age'"}),
    (F, 'sum', "['a', 'b']", [], {}), (F, 'sum', 'U', [], {}), (F, 'sum', '[[1], [2]]', [], {'start': '[]'}), (F, 'sum', '[True, True]', [], {}),
    (F, 'sum', "['a']", [], {'start': "''"}),
    (F, 'title', "'hello wORLD-foo (bar) they\\'re'", [], {}), (F, 'title', "'a\\tb<c[d{e'", [], {}), (F, 'title', '5', [], {}),
    (F, 'tojson', "{'b': [1, 2.0, None, True], 'a': '<&>\\'\"', 'é': '\U0001F600\\n\\x7f'}", [], {}), (F, 'tojson', '1e-05', [], {}), (F, 'tojson', '1e16', [], {}),
    (F, 'tojson', '(1, (2,))', [], {}), (F, 'tojson', "{'a': {'c': 1, 'b': []}, 'd': {}}", [], {'indent': '2'}), (F, 'tojson', '[1, [2]]', ['0'], {}),
    (F, 'tojson', 'U', [], {}), (F, 'tojson', 'nan', [], {}), (F, 'tojson', '[inf, -inf]', [], {}), (F, 'tojson', "'\\u2028\\ud800'", [], {}),
    (F, 'tojson', "{'Z': 1, 'a': 2, '\U0001F600': 3, '\uffff': 4}", [], {}), (F, 'tojson', '0.1', [], {}),
    (F, 'tojson', "[1, {'x': 2}]", [], {'indent': "'\\t'"}),
    (F, 'trim', "'  a b \\n'", [], {}), (F, 'trim', "'xxaxx'", ["'x'"], {}), (F, 'trim', "'\\x1c a \\u3000'", [], {}), (F, 'trim', '5', [], {}),
    (F, 'truncate', "'foo bar baz qux'", ['9'], {}), (F, 'truncate', "'foo bar baz qux'", ['9', 'True'], {}), (F, 'truncate', "'foo bar baz qux'", ['9'], {'leeway': '0'}),
    (F, 'truncate', "'foo bar baz qux'", ['11'], {'end': "' …'", 'leeway': '0'}), (F, 'truncate', "'short'", [], {}), (F, 'truncate', "'abcdefgh'", ['2'], {}),
    (F, 'truncate', "'abcdefghij'", ['5'], {'leeway': '-1'}), (F, 'truncate', "'abcdefghijk'", ['3'], {'leeway': '0'}), (F, 'truncate', 'U', [], {}),
    (F, 'unique', "['a', 'A', 'b', 'a']", [], {}), (F, 'unique', "['a', 'A', 'b']", ['True'], {}), (F, 'unique', '[1, 1.0, True, 2]', [], {}),
    (F, 'unique', PEOPLE, [], {'attribute': "'age'"}), (F, 'unique', '[[1], [1]]', [], {}), (F, 'unique', '[(1, 2), (1, 2)]', [], {}),
    (F, 'urlencode', "'a b/c?d=é&'", [], {}), (F, 'urlencode', "{'a b': 'c/d', 'e': None, 'f': 1}", [], {}), (F, 'urlencode', "[('a', 1), ['b', 'x y']]", [], {}),
    (F, 'urlencode', '42', [], {}), (F, 'urlencode', 'U', [], {}), (F, 'urlencode', "[('a', 1, 2)]", [], {}), (F, 'urlencode', "'~_.-!*()'", [], {}),
    (F, 'wordcount', "'Hello, wörld! foo_bar 42 x'", [], {}), (F, 'wordcount', "''", [], {}), (F, 'wordcount', 'U', [], {}),
    (T, 'defined', 'U', [], {}), (T, 'defined', 'None', [], {}), (T, 'undefined', 'U', [], {}), (T, 'none', 'None', [], {}), (T, 'none', '0', [], {}),
    (T, 'boolean', 'True', [], {}), (T, 'boolean', '1', [], {}), (T, 'number', 'True', [], {}), (T, 'number', '1.5', [], {}), (T, 'number', "'1'", [], {}),
    (T, 'integer', 'True', [], {}), (T, 'integer', '3', [], {}), (T, 'integer', '3.0', [], {}), (T, 'float', '3.0', [], {}), (T, 'float', '3', [], {}),
    (T, 'string', "'a'", [], {}), (T, 'string', 'U', [], {}), (T, 'mapping', D, [], {}), (T, 'mapping', '[]', [], {}),
    (T, 'sequence', "'a'", [], {}), (T, 'sequence', D, [], {}), (T, 'sequence', 'U', [], {}), (T, 'sequence', '3', [], {}), (T, 'sequence', 'None', [], {}),
    (T, 'iterable', '(1,)', [], {}), (T, 'iterable', 'U', [], {}), (T, 'iterable', '1', [], {}),
    (T, 'even', '4', [], {}), (T, 'even', '-3', [], {}), (T, 'odd', '-3', [], {}), (T, 'odd', '3.0', [], {}), (T, 'odd', 'True', [], {}), (T, 'even', "'a'", [], {}),
    (T, 'even', 'None', [], {}), (T, 'even', 'U', [], {}), (T, 'divisibleby', '9', ['3'], {}), (T, 'divisibleby', '9', ['0'], {}), (T, 'divisibleby', '7.5', ['2.5'], {}),
    (T, 'equalto', '1', ['1.0'], {}), (T, 'eq', '[1, (2,)]', ['[1, (2,)]'], {}), (T, '==', "'a'", ["'a'"], {}), (T, 'ne', '1', ['True'], {}), (T, '!=', '1', ['2'], {}),
    (T, 'lt', '1', ['2'], {}), (T, 'lessthan', "'b'", ["'a'"], {}), (T, '<', '[1, 2]', ['[1, 3]'], {}), (T, 'le', '2', ['2'], {}), (T, '<=', '3', ['2'], {}),
    (T, 'gt', '2', ['1'], {}), (T, 'greaterthan', '1', ['2'], {}), (T, '>', '1', ["'a'"], {}), (T, 'ge', '2', ['2.0'], {}), (T, '>=', 'None', ['1'], {}),
    (T, 'sameas', 'None', ['None'], {}), (T, 'sameas', 'True', ['1'], {}), (T, 'sameas', '1', ['1'], {}),
    (T, 'in', "'b'", ["'abc'"], {}), (T, 'in', '2', ['[1, 2.0]'], {}), (T, 'in', "'a'", [D], {}), (T, 'in', '1', [D], {}), (T, 'in', '1', ["'abc'"], {}),
    (T, 'in', '1', ['None'], {}), (T, 'in', '1', ['U'], {}), (T, 'in', '[1]', [D], {}),
    (T, 'lower', "'abc1'", [], {}), (T, 'lower', "'aBc'", [], {}), (T, 'lower', "'123'", [], {}), (T, 'upper', "'ABC 1'", [], {}), (T, 'upper', 'None', [], {}),
    (T, 'upper', "'ǅ'", [], {}), (T, 'lower', "'ǅ'", [], {}),
    (M, 'items', D, [], {}), (M, 'keys', D, [], {}), (M, 'values', D, [], {}), (M, 'get', D, ["'a'"], {}), (M, 'get', D, ["'z'"], {}), (M, 'get', D, ["'z'", '0'], {}),
    (M, 'get', D, [], {}), (M, 'upper', "'aß'", [], {}), (M, 'lower', "'ÀB'", [], {}), (M, 'strip', "'  x  '", [], {}), (M, 'strip', "'xyax'", ["'xy'"], {}),
    (M, 'lstrip', "'  x  '", [], {}), (M, 'rstrip', "'  x  '", [], {}), (M, 'strip', "'x'", ['1'], {}),
    (M, 'split', "' a  b c '", [], {}), (M, 'split', "' a  b c '", ['None', '1'], {}), (M, 'split', "'a,b,,c'", ["','"], {}), (M, 'split', "'a,b,,c'", ["','", '2'], {}),
    (M, 'split', "'a b'", [], {'maxsplit': '0'}), (M, 'split', "'a'", ["''"], {}), (M, 'split', "''", [], {}), (M, 'split', "''", ["','"], {}),
    (M, 'split', "'a\\x1cb\\u3000c\\ufeffd'", [], {}), (M, 'split', "'  a b  '", [], {'sep': 'None', 'maxsplit': '1'}),
    (M, 'startswith', "'hello'", ["'he'"], {}), (M, 'startswith', "'hello'", ["('x', 'h')"], {}), (M, 'endswith', "'hello'", ["'lo'"], {}),
    (M, 'startswith', "'hello'", ["'l'", '2'], {}), (M, 'endswith', "'hello'", ["'l'", '0', '4'], {}), (M, 'startswith', "'hello'", ['1'], {}), (M, 'startswith', "'abc'", ["''", '5'], {}), (M, 'endswith', "'abc'", ["''", '3'], {}), (M, 'startswith', "'abc'", ["'c'", '-1'], {}),
    (M, 'replace', "'aaa'", ["'a'", "'b'"], {}), (M, 'replace', "'aaa'", ["'a'", "'b'", '1'], {}), (M, 'replace', "'ab'", ["''", "'-'", '2'], {}),
    (M, 'title', "'they\\'re 3rd-place ǆx'", [], {}), (M, 'capitalize', "'hELLO'", [], {}), (M, 'capitalize', "'ßa'", [], {}), (M, 'title', "'ﬁsh ßx'", [], {}), (M, 'upper', "'a'", ['1'], {}),
]

NUMBERS = ['0.5', '1.005', '2.675', '1e-07', '123456789.125', '-1.25', '0.30000000000000004', '0.3333333333333333', '5e-324',
           '1.7976931348623157e+308', '1e+22', '9.995', '-0.0', '999999.5', '0.00012345', '1234567.0']
for n in NUMBERS:
    CASES.append((F, 'format', "'%.2f %.0f %e %.3e %g %.10g %#g %.1f %+.3g %12.4E %-9.1e|'", [n] * 11, {}))
    for digits in ['0', '1', '2', '3', '-1', '-3']:
        CASES.append((F, 'round', n, [digits], {}))

out = []
for kind, name, value, args, kwargs in CASES:
    v = eval(value, NS)
    a = [eval(x, NS) for x in args]
    k = {key: eval(x, NS) for key, x in kwargs.items()}
    case = {'kind': kind, 'name': name, 'source': f"{value} | {name}({', '.join(args + [f'{kk}={vv}' for kk, vv in kwargs.items()])})",
            'value': enc(v), 'args': [enc(x) for x in a], 'kwargs': [[key, enc(x)] for key, x in k.items()]}
    try:
        if kind == F:
            r = env.call_filter(name, v, a, k, context=CTX)
        elif kind == T:
            r = env.call_test(name, v, a, k, context=CTX)
        else:
            r = env.getattr(v, name)(*a, **k)
        if isinstance(r, (types.GeneratorType,)) or type(r).__name__.endswith('iterator'):
            r = list(r)
        case['result'] = enc(r)
    except Exception as e:
        case['error'] = f'{type(e).__name__}: {e}'
    out.append(case)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jinja-cases.json')
with open(path, 'w') as f:
    f.write('[\n' + ',\n'.join(json.dumps(c, ensure_ascii=True) for c in out) + '\n]\n')
print(len(out), 'cases,', sum('error' in c for c in out), 'errors')
