import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { parseMachineId } from './machine-id.js';
import { parseProcFlag } from './proc-flag.js';
import { parseMokutilSbState, parseSecureBootVar } from './secure-boot.js';

describe('parseProcFlag', () => {
  test.each([
    ['0\n', false],
    ['1\n', true],
    ['2\n', true],
  ])('%j → %s', (text, expected) => {
    expect(parseProcFlag(text, 'ip_forward')).toBe(expected);
  });

  test('anything else is unavailable', () => {
    expect(() => parseProcFlag('', 'ip_forward')).toThrow(FactUnavailable);
    expect(() => parseProcFlag('-1\n', 'ip_forward')).toThrow(FactUnavailable);
  });
});

describe('secure boot', () => {
  test.each([
    ['SecureBoot enabled\n', true],
    ['SecureBoot disabled\nPlatform is in Setup Mode\n', false],
    ['SecureBoot enabled\nSecureBoot validation is disabled in shim\n', false],
    ['\nEFI variables are not supported on this system\n', false],
    ['This system doesn\'t support Secure Boot\n', false],
  ])('mokutil %j → %s', (text, expected) => {
    expect(parseMokutilSbState(text)).toBe(expected);
  });

  test('unknown mokutil output is unavailable', () => {
    expect(() => parseMokutilSbState('Failed to read SecureBoot\n')).toThrow(FactUnavailable);
  });

  test('the efivarfs bytes survive the UTF-8 read: attributes 06 00 00 00, then the value', () => {
    expect(parseSecureBootVar(Buffer.from([6, 0, 0, 0, 1]).toString('utf8'))).toBe(true);
    expect(parseSecureBootVar(Buffer.from([6, 0, 0, 0, 0]).toString('utf8'))).toBe(false);
    expect(() => parseSecureBootVar(Buffer.from([0x87, 0, 0, 0, 1]).toString('utf8'))).toThrow(FactUnavailable);
    expect(() => parseSecureBootVar(Buffer.from([6, 0, 0, 0, 2]).toString('utf8'))).toThrow(FactUnavailable);
  });
});

describe('parseMachineId', () => {
  test('32 hex digits, trimmed', () => {
    expect(parseMachineId('3d1219c7c4c5404aaa1f6d2a48adfda4\n')).toBe('3d1219c7c4c5404aaa1f6d2a48adfda4');
  });

  test.each(['', 'uninitialized\n', '3D1219C7C4C5404AAA1F6D2A48ADFDA4\n', 'abc\n'])('%j is unavailable', (text) => {
    expect(() => parseMachineId(text)).toThrow(FactUnavailable);
  });
});
