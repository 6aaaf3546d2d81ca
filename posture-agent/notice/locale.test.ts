import { describe, expect, test } from 'vitest';
import { languageOfLocale, parseLanguageOverride, resolveLanguage, type LanguageInputs, type ResolvedLanguage } from './locale.js';

describe('languageOfLocale', () => {
  test.each([
    ['ja_JP.UTF-8', 'ja'],
    ['ja_JP.eucJP', 'ja'],
    ['ja_JP@euro', 'ja'],
    ['ja-JP', 'ja'],
    ['JA_jp', 'ja'],
    ['ja', 'ja'],
    ['C', 'en'],
    ['C.UTF-8', 'en'],
    ['POSIX', 'en'],
    ['en_US.UTF-8', 'en'],
    ['en_JP', 'en'],
    ['fr_FR.UTF-8', 'en'],
    ['jav_ID', 'en'],
  ] as const)('%s → %s', (locale, lang) => {
    expect(languageOfLocale(locale)).toBe(lang);
  });

  test.each([undefined, '', '   '])('%j is not set', (v) => {
    expect(languageOfLocale(v)).toBeUndefined();
  });
});

describe('resolveLanguage', () => {
  const cases: [string, LanguageInputs, ResolvedLanguage][] = [
    ['override wins over everything', { override: 'en', env: { LC_ALL: 'ja_JP.UTF-8' }, osLocale: 'ja-JP' }, { language: 'en', source: 'override' }],
    ['override ja on a C system', { override: 'ja', env: { LANG: 'C' } }, { language: 'ja', source: 'override' }],
    ['LC_ALL first', { env: { LC_ALL: 'ja_JP.UTF-8', LC_MESSAGES: 'en_US.UTF-8', LANG: 'en_US.UTF-8' } }, { language: 'ja', source: 'LC_ALL' }],
    ['LC_ALL=C beats LANG=ja (POSIX)', { env: { LC_ALL: 'C', LANG: 'ja_JP.UTF-8' } }, { language: 'en', source: 'LC_ALL' }],
    ['LC_MESSAGES before LANG', { env: { LC_MESSAGES: 'ja_JP.UTF-8', LANG: 'en_US.UTF-8' } }, { language: 'ja', source: 'LC_MESSAGES' }],
    ['empty LC_ALL is unset', { env: { LC_ALL: '', LANG: 'ja_JP.UTF-8' } }, { language: 'ja', source: 'LANG' }],
    ['env before the OS locale', { env: { LANG: 'en_US.UTF-8' }, osLocale: 'ja_JP' }, { language: 'en', source: 'LANG' }],
    ['macOS AppleLocale, empty env', { env: {}, osLocale: 'ja_JP' }, { language: 'ja', source: 'os' }],
    ['Windows Get-Culture', { osLocale: 'ja-JP' }, { language: 'ja', source: 'os' }],
    ['English region Japan', { osLocale: 'en_JP' }, { language: 'en', source: 'os' }],
    ['nothing at all', {}, { language: 'en', source: 'default' }],
    ['blank OS locale', { env: {}, osLocale: ' ' }, { language: 'en', source: 'default' }],
  ];
  test.each(cases)('%s', (_name, inputs, expected) => {
    expect(resolveLanguage(inputs)).toEqual(expected);
  });
});

describe('parseLanguageOverride', () => {
  test.each([
    ['ja', 'ja'],
    ['JA', 'ja'],
    ['en', 'en'],
    ['ja_JP', 'ja'],
    ['en-US', 'en'],
    ['fr', undefined],
    ['', undefined],
    ['japanese', undefined],
  ] as const)('%j → %j', (v, lang) => {
    expect(parseLanguageOverride(v)).toBe(lang);
  });
});
