import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../fixtures.test-helper.js';
import { parseIpForwarding } from './ip-forwarding.js';
import { parseMachineGuid } from './machine-guid.js';
import { parseSecureBoot } from './secure-boot.js';

describe('parseIpForwarding', () => {
  test.each([
    ['ip-forwarding/laptop.json', false],
    // Hyper-V's Default Switch forwards: reported as it is.
    ['ip-forwarding/hyperv-default-switch.json', true],
    ['ip-forwarding/ps51-single-numeric.json', false],
  ])('%s', (path, expected) => {
    expect(parseIpForwarding(fixture(path))).toBe(expected);
  });

  test('no interface, or an unreadable value, is unavailable', () => {
    expect(() => parseIpForwarding('')).toThrow(/no IPv4 interface/);
    expect(() => parseIpForwarding('{"InterfaceAlias":"Wi-Fi","Forwarding":"Maybe"}')).toThrow(/Wi-Fi Forwarding is "Maybe"/);
  });
});

describe('parseSecureBoot', () => {
  test.each([
    ['secure-boot/on.json', true],
    ['secure-boot/off.json', false],
    // Legacy BIOS: no Secure Boot at all, which is "off".
    ['secure-boot/legacy-bios.json', false],
    ['secure-boot/uefi-no-variable.json', false],
    ['secure-boot/plain-true.txt', true],
  ])('%s', (path, expected) => {
    expect(parseSecureBoot(fixture(path))).toBe(expected);
  });

  test('access denied says nothing about the machine', () => {
    expect(() => parseSecureBoot(fixture('secure-boot/access-denied.json'))).toThrow(FactUnavailable);
    expect(() => parseSecureBoot(fixture('secure-boot/access-denied.json'))).toThrow(/must run elevated/);
  });

  test('an unknown error is unavailable, with its message', () => {
    expect(() => parseSecureBoot('{"Error":"System.IO.IOException","Message":"The device is not ready"}')).toThrow(/IOException: The device is not ready/);
  });
});

describe('parseMachineGuid', () => {
  test('the registry value, lower case', () => {
    expect(parseMachineGuid(fixture('machine-guid/win11.txt'))).toBe('3f2b9c61-8e4d-4b7a-9c1e-5d2a7f0e6b43');
    expect(parseMachineGuid('{3F2B9C61-8E4D-4B7A-9C1E-5D2A7F0E6B43}')).toBe('3f2b9c61-8e4d-4b7a-9c1e-5d2a7f0e6b43');
  });

  test('anything else is unavailable', () => {
    expect(() => parseMachineGuid('')).toThrow(FactUnavailable);
    expect(() => parseMachineGuid('You cannot call a method on a null-valued expression.')).toThrow(FactUnavailable);
  });
});
