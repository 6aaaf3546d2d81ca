import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseApplications } from './system-profiler-apps.js';

describe('parseApplications', () => {
  test('macOS 15: sorted, the Cryptex copy of Safari merged, an app without a version kept with ""', () => {
    expect(parseApplications(fixture('system-profiler/apps-macos-15.json'))).toEqual([
      { name: 'Google Chrome', version: '131.0.6778.70' },
      { name: 'Microsoft Teams', version: '24295.606.3238.6194' },
      { name: 'Safari', version: '18.1' },
      { name: 'VPNHelper', version: '' },
      { name: 'Xcode', version: '16.1' },
      { name: 'zoom.us', version: '6.2.5 (43036)' },
    ]);
  });

  test('macOS 13', () => {
    expect(parseApplications(fixture('system-profiler/apps-macos-13.json'))).toEqual([
      { name: 'Firefox', version: '122.0.1' },
      { name: 'TeamViewer', version: '15.42.4' },
    ]);
  });

  test('an empty inventory is an answer', () => {
    expect(parseApplications('{ "SPApplicationsDataType" : [ ] }')).toEqual([]);
  });

  test('entries without a name are skipped; over-long fields are bounded', () => {
    const long = 'x'.repeat(300);
    const text = JSON.stringify({ SPApplicationsDataType: [{ version: '1' }, null, { _name: long, version: long }] });
    expect(parseApplications(text)).toEqual([{ name: 'x'.repeat(256), version: '' }]);
  });

  test.each([[''], ['not json'], ['{}'], ['{"SPApplicationsDataType": {}}'], ['null']])('unknown: %j', (text) => {
    expect(() => parseApplications(text)).toThrow(FactUnavailable);
  });
});
