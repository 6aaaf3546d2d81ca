import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseIoregPlatformUuid } from './ioreg.js';

describe('parseIoregPlatformUuid', () => {
  test.each([
    ['platform-expert-arm64-macos-15.txt', '8E4B9C31-2F6A-5D7E-9B0C-1A2B3C4D5E6F'],
    ['platform-expert-intel-macos-13.txt', '3F9C2D14-7A8B-4C6D-9E0F-112233445566'],
  ])('%s', (name, uuid) => {
    expect(parseIoregPlatformUuid(fixture(`ioreg/${name}`))).toBe(uuid);
  });
  test.each([[''], ['"IOPlatformUUID" = "not-a-uuid"'], ['"IOPlatformUUID" = "00000000-0000-0000-0000-000000000000"']])('unknown: %j', (text) => {
    expect(() => parseIoregPlatformUuid(text)).toThrow(FactUnavailable);
  });
});
