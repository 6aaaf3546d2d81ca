import { expect, it } from 'vitest';
import { IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, PA_SUBTYPE, VENDOR } from './constants.js';

// Pin the registry numbers: a typo here would silently mis-route a real peer's attributes.
it('vendor ids match the IANA enterprise numbers', () => {
  expect(VENDOR).toEqual({ IETF: 0, TCG: 21911, ITA_HSR: 36906, DEBIAN: 9586, CANONICAL: 28978 });
  expect(ITA_HSR_DEVICE_ID_TYPE).toBe(8);
});

it('IETF attribute types and component types are 0..12 and 0..9 in RFC order', () => {
  expect(Object.values(IETF_ATTR)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  expect(Object.values(PA_SUBTYPE)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(PA_SUBTYPE.OPERATING_SYSTEM).toBe(1);
  expect(PA_SUBTYPE.SWIMA).toBe(9);
});
