import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fill, placeholdersOf, TEXTS } from './texts.js';

/** Every leaf as [dotted key, string]. */
function leaves(o: unknown, prefix = ''): [string, string][] {
  if (typeof o === 'string') return [[prefix, o]];
  if (o === null || typeof o !== 'object') throw new Error(`${prefix} is not text: ${String(o)}`);
  return Object.entries(o).flatMap(([k, v]) => leaves(v, prefix === '' ? k : `${prefix}.${k}`));
}

const en = new Map(leaves(TEXTS.en));
const ja = new Map(leaves(TEXTS.ja));
const allKeys = [...new Set([...en.keys(), ...ja.keys()])].sort();

describe('texts', () => {
  test('both languages have the same keys', () => {
    expect([...en.keys()].sort()).toEqual([...ja.keys()].sort());
    expect(allKeys.length).toBeGreaterThan(30);
  });

  test('every key: present and non-blank in both languages, same placeholders', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allKeys), (key) => {
        const e = en.get(key);
        const j = ja.get(key);
        expect(e, `en ${key}`).toBeTypeOf('string');
        expect(j, `ja ${key}`).toBeTypeOf('string');
        // joiner/dash/paren are punctuation; everything else says something.
        if (!/^(joiner|dash|parenOpen|parenClose|colon)$/.test(key)) {
          expect(e?.trim(), `en ${key}`).not.toBe('');
          expect(j?.trim(), `ja ${key}`).not.toBe('');
        }
        expect(placeholdersOf(j ?? ''), key).toEqual(placeholdersOf(e ?? ''));
      }),
      { numRuns: allKeys.length * 4 },
    );
  });

  test('English is plain ASCII; Japanese words are Japanese', () => {
    for (const [key, e] of en) expect(/^[\x20-\x7e]*$/.test(e), `en ${key}: ${e}`).toBe(true);
    for (const key of ['headline.allow', 'headline.isolate', 'headline.deny', 'why', 'howToFix', 'recheck', 'serverUnreachable', 'status.red']) {
      expect(ja.get(key)).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
  });

  test('the headlines the product names', () => {
    expect(TEXTS.en.headline.allow).toBe('Access allowed');
    expect(TEXTS.ja.headline.allow).toBe('ネットワーク接続が許可されました');
  });

  test('fill replaces known placeholders and leaves unknown ones visible', () => {
    expect(fill('Checked {time} by {server}', { time: 'T', server: 'S' })).toBe('Checked T by S');
    expect(fill('{n} min', { n: 15 })).toBe('15 min');
    expect(fill('{missing} x', {})).toBe('{missing} x');
  });
});
