import { Ajv } from 'ajv';
import { describe, expect, it, test } from 'vitest';
import { formatAjvErrors, formatPath, pointerToSegments, problemsMessage, renderProblems, type PathSegment } from './errors-format.js';

describe('formatPath', () => {
  test.each<[PathSegment[], string]>([
    [[], '(root)'],
    [['http', 'port'], 'http.port'],
    [['tenants', 1, 'id'], 'tenants[1].id'],
    [['a b'], '["a b"]'],
    [['http', 'a.b'], 'http["a.b"]'],
    [['x', '0'], 'x["0"]'],
    [['snake_case', 'kebab-case'], 'snake_case.kebab-case'],
  ])('%j → %s', (segments, expected) => {
    expect(formatPath(segments)).toBe(expected);
  });
});

describe('pointerToSegments', () => {
  test.each<[string, unknown, PathSegment[]]>([
    ['', {}, []],
    ['/tenants/1/id', { tenants: [{}, {}] }, ['tenants', 1, 'id']],
    ['/map/1', { map: { 1: 'x' } }, ['map', '1']],
    ['/a~1b/c~0d', {}, ['a/b', 'c~d']],
  ])('%s', (pointer, data, expected) => {
    expect(pointerToSegments(pointer, data)).toEqual(expected);
  });
});

describe('renderProblems', () => {
  it('deduplicates and sorts by path with numeric indexes', () => {
    expect(
      renderProblems([
        { path: 'tenants[10].id', reason: 'b' },
        { path: 'tenants[2].id', reason: 'b' },
        { path: 'http.port', reason: 'z' },
        { path: 'http.port', reason: 'a' },
        { path: 'tenants[2].id', reason: 'b' },
      ]),
    ).toEqual(['http.port: a', 'http.port: z', 'tenants[2].id: b', 'tenants[10].id: b']);
  });

  it('problemsMessage indents each line under the header', () => {
    expect(problemsMessage('invalid configuration in f.yaml', ['a: x', 'b: y'])).toBe('invalid configuration in f.yaml:\n  a: x\n  b: y');
  });
});

describe('formatAjvErrors', () => {
  const ajv = new Ajv({ allErrors: true, verbose: true });
  const check = (schema: object, data: unknown) => {
    const validate = ajv.compile(schema);
    expect(validate(data)).toBe(false);
    return formatAjvErrors(validate.errors, data);
  };

  const secret = {
    anyOf: [
      { type: 'string', minLength: 4 },
      { type: 'object', properties: { file: { type: 'string' } }, required: ['file'], additionalProperties: false },
    ],
  };
  const list = { type: 'object', properties: { items: { type: 'array', items: secret } } };

  test.each<[string, object, unknown, string[]]>([
    ['keyword messages', { type: 'object', properties: { n: { type: 'integer', exclusiveMinimum: 0 }, s: { type: 'string', maxLength: 1 } } }, { n: 0, s: 'ab' }, ['n: must be > 0', 's: must be at most 1 character']],
    ['const', { const: 'x' }, 'y', ['(root): must be "x"']],
    ['several types', { type: ['string', 'null'] }, 1, ['(root): must be a string or null']],
    ['uniqueItems', { type: 'array', uniqueItems: true }, [1, 1], ['(root): must not contain duplicates (items 0 and 1 are equal)']],
    ['anyOf picks the plausible branch', list, { items: ['abcd', 'ab', { file: 1 }] }, ['items[1]: must be at least 4 characters', 'items[2].file: must be a string']],
    ['anyOf lists forms when no branch fits', list, { items: [true, null] }, ['items[0]: must be a string or { file: ... }', 'items[1]: must be a string or { file: ... }']],
    ['oneOf matching several', { oneOf: [{ type: 'integer' }, { type: 'number' }] }, 1, ['(root): must be exactly one of an integer or a number']],
    ['nested anyOf', { anyOf: [{ type: 'object', required: ['a'], properties: { a: secret } }, { type: 'string' }] }, { a: 'x' }, ['a: must be at least 4 characters']],
  ])('%s', (_name, schema, data, expected) => {
    expect(check(schema, data)).toEqual(expected);
  });

  it('degrades to a generic reason without ajv verbose mode', () => {
    const plain = new Ajv({ allErrors: true }).compile(secret);
    plain(true);
    expect(formatAjvErrors(plain.errors, true)).toEqual(['(root): is not any of the accepted forms']);
  });

  it('returns nothing for no errors', () => {
    expect(formatAjvErrors(null, {})).toEqual([]);
  });
});
