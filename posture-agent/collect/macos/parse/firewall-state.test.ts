import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseAlfGlobalState, parseSocketFilterGlobalState } from './firewall-state.js';

describe('parseSocketFilterGlobalState', () => {
  test.each([
    ['socketfilterfw-enabled.txt', true],
    ['socketfilterfw-disabled.txt', false],
    ['socketfilterfw-block-all.txt', true],
  ])('%s', (name, enabled) => {
    expect(parseSocketFilterGlobalState(fixture(`firewall/${name}`))).toBe(enabled);
  });
  test.each([['Firewall is enabled.\n', true], ['Firewall is disabled.\n', false]])('wording without a state: %j', (text, enabled) => {
    expect(parseSocketFilterGlobalState(text)).toBe(enabled);
  });
  test.each([[''], ['Firewall is confused. (State = 7)\n'], ['socketfilterfw: must be root\n']])('unknown: %j', (text) => {
    expect(() => parseSocketFilterGlobalState(text)).toThrow(FactUnavailable);
  });
});

describe('parseAlfGlobalState', () => {
  test.each([['0\n', false], ['1\n', true], ['2\n', true]])('%j', (text, enabled) => {
    expect(parseAlfGlobalState(text)).toBe(enabled);
  });
  test('macOS 14 fixture', () => {
    expect(parseAlfGlobalState(fixture('firewall/alf-globalstate-macos-14.txt'))).toBe(true);
  });
  test.each([[''], ['3\n'], [fixture('firewall/alf-globalstate-macos-15.stderr.txt')]])('unknown: %j', (text) => {
    expect(() => parseAlfGlobalState(text)).toThrow(FactUnavailable);
  });
});
