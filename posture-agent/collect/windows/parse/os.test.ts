import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { fixture } from '../fixtures.test-helper.js';
import { parseOs, productName } from './os.js';

describe('parseOs', () => {
  test.each([
    // Windows 11 still says "Windows 10 Pro" in ProductName: fixed from the build number.
    ['os/win11-23h2-pro.json', { family: 'windows', product: 'Windows 11 Pro', version: '10.0.22631.4317', build: '23H2', arch: 'x86_64' }],
    ['os/win11-24h2-arm64-home.json', { family: 'windows', product: 'Windows 11 Home', version: '10.0.26100.2314', build: '24H2', arch: 'aarch64' }],
    ['os/win10-22h2-enterprise.json', { family: 'windows', product: 'Windows 10 Enterprise', version: '10.0.19045.5011', build: '22H2', arch: 'x86_64' }],
    ['os/server-2022-datacenter.json', { family: 'windows', product: 'Windows Server 2022 Datacenter', version: '10.0.20348.2762', build: '21H2', arch: 'x86_64' }],
  ])('%s', (path, expected) => {
    const fact = parseOs(fixture(path));
    expect(fact).toEqual(expected);
    expect(schemaErrors('os', fact)).toEqual([]);
  });

  test('Windows 8.1 has no major/minor numbers: CurrentVersion is right there, and ReleaseId stands in for DisplayVersion', () => {
    const out = JSON.stringify({ ProductName: 'Windows 8.1 Pro', CurrentVersion: '6.3', CurrentBuild: '9600', UBR: 20778, Architecture: 'x86' });
    expect(parseOs(out)).toEqual({ family: 'windows', product: 'Windows 8.1 Pro', version: '6.3.9600.20778', arch: 'i686' });
  });

  test('the product fix only applies from build 22000, and only to "Windows 10"', () => {
    expect(productName('Windows 10 Pro', 19045)).toBe('Windows 10 Pro');
    expect(productName('Windows 10 Pro', 22000)).toBe('Windows 11 Pro');
    expect(productName('Windows Server 2025 Datacenter', 26100)).toBe('Windows Server 2025 Datacenter');
  });

  test.each([
    ['', /no values/],
    ['{"CurrentBuild":"22631"}', /no ProductName/],
    ['{"ProductName":"Windows 10 Pro","CurrentMajorVersionNumber":10,"CurrentMinorVersionNumber":0}', /no CurrentBuild/],
    ['Get-ItemProperty : Cannot find path', /not JSON/],
  ])('%j is unavailable', (out, reason) => {
    expect(() => parseOs(out)).toThrow(FactUnavailable);
    expect(() => parseOs(out)).toThrow(reason);
  });
});
