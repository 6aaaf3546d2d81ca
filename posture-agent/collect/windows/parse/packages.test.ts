import { describe, expect, test } from 'vitest';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { fixture } from '../fixtures.test-helper.js';
import { parsePackages } from './packages.js';

describe('parsePackages', () => {
  test('a Windows 11 laptop: duplicates across views listed once, missing and numeric versions kept', () => {
    const fact = parsePackages(fixture('packages/win11-laptop.json'));
    expect(fact.manager).toBe('uninstall-registry');
    expect(fact.packages).toEqual([
      { name: 'Microsoft Edge', version: '130.0.2849.80' },
      { name: 'Microsoft Edge WebView2 Runtime', version: '130.0.2849.80' },
      { name: '7-Zip 24.08 (x64)', version: '24.08' },
      { name: 'Mozilla Firefox (x64 en-US)', version: '132.0.2' },
      { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', version: '14.40.33810.0' },
      { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.40.33810', version: '14.40.33810.0' },
      { name: 'Microsoft Update Health Tools', version: '5.72.0.0' },
      { name: 'Adobe Acrobat Reader (64-bit)', version: '24.004.20220' },
      { name: 'Zoom Workplace (64-bit)', version: '' },
      { name: 'VLC media player', version: '3' },
      { name: '秀丸エディタ', version: '9.39' },
      { name: 'Microsoft Teams meeting add-in for Microsoft Office', version: '1.24.25301' },
      { name: 'Microsoft OneDrive', version: '24.211.1020.0003' },
    ]);
    expect(schemaErrors('packages', fact)).toEqual([]);
  });

  test('one entry comes out of ConvertTo-Json as an object, not an array', () => {
    expect(parsePackages(fixture('packages/single-entry.json'))).toEqual({ manager: 'uninstall-registry', packages: [{ name: 'Microsoft Edge', version: '130.0.2849.80' }] });
  });

  test('no entries', () => {
    expect(parsePackages(fixture('packages/none.json'))).toEqual({ manager: 'uninstall-registry', packages: [] });
    expect(parsePackages('')).toEqual({ manager: 'uninstall-registry', packages: [] });
  });
});
