import { describe, expect, it, test } from 'vitest';
import { FACT_KEYS, type Fact, type FactKey, type PostureFacts } from '../../posture/facts.js';
import { IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, VENDOR } from '../pa/constants.js';
import { attributesToRequest, FACT_ATTRIBUTES } from './attribute-requests.js';

const AT = '2026-11-23T08:00:00.000Z';
const ok = <T>(value: T): Fact<T> => ({ status: 'ok', value, collectedAt: AT, source: 'nea-ietf' });
const unknown = { status: 'unknown', reason: 'not reported', collectedAt: AT, source: 'nea-ietf' } as const;

const PI = { vendor: VENDOR.IETF, type: IETF_ATTR.PRODUCT_INFORMATION };
const SV = { vendor: VENDOR.IETF, type: IETF_ATTR.STRING_VERSION };
const PKG = { vendor: VENDOR.IETF, type: IETF_ATTR.INSTALLED_PACKAGES };
const FWD = { vendor: VENDOR.IETF, type: IETF_ATTR.FORWARDING_ENABLED };
const FDP = { vendor: VENDOR.IETF, type: IETF_ATTR.FACTORY_DEFAULT_PASSWORD_ENABLED };
const DEV = { vendor: VENDOR.ITA_HSR, type: ITA_HSR_DEVICE_ID_TYPE };

const debianOs = ok({ family: 'linux' as const, product: 'Debian', version: '12.7' });
/** What the first CDATA of a strongSwan client yields (no packages). */
const FIRST_CDATA: PostureFacts = {
  os: debianOs,
  ipForwarding: ok(false),
  factoryDefaultPassword: ok(false),
  deviceId: ok('4c2a1d7e9b0f4e8d8a6b3c5d7e9f0a1b'),
};

describe('attributesToRequest', () => {
  test.each<[string, FactKey[], PostureFacts, { vendor: number; type: number }[]]>([
    ['nothing needed', [], {}, []],
    ['packages needed, not received', ['packages'], FIRST_CDATA, [PKG]],
    ['packages needed, received', ['packages'], { ...FIRST_CDATA, packages: ok({ manager: 'nea-ietf', packages: [] }) }, []],
    ['packages needed, unknown', ['packages'], { packages: unknown }, [PKG]],
    ['packages not needed, not received', ['os', 'ipForwarding'], FIRST_CDATA, []],
    ['os needed, missing', ['os'], {}, [PI, SV]],
    ['os needed, received', ['os'], { os: debianOs }, []],
    ['os needed, incomplete (unknown)', ['os'], { os: unknown }, [PI, SV]],
    ['forwarding needed, missing', ['ipForwarding'], { os: debianOs }, [FWD]],
    ['forwarding needed, client said unknown: asked once more', ['ipForwarding'], { ipForwarding: unknown }, [FWD]],
    ['factory password needed, missing', ['factoryDefaultPassword'], {}, [FDP]],
    ['device id needed, missing', ['deviceId'], {}, [DEV]],
    ['everything needed, nothing received: table order', [...FACT_KEYS], {}, [PI, SV, PKG, FWD, FDP, DEV]],
    ['everything needed after first CDATA: only packages', [...FACT_KEYS], FIRST_CDATA, [PKG]],
    ['facts with no standard attribute are never requested', ['antivirus', 'firewall', 'diskEncryption', 'secureBoot', 'pendingUpdates', 'agent'], {}, []],
  ])('%s', (_name, needed, received, expected) => {
    expect(attributesToRequest(new Set(needed), received)).toEqual(expected);
  });

  it('never requests the same attribute twice', () => {
    const all = attributesToRequest(new Set(FACT_KEYS), {});
    expect(new Set(all.map((a) => `${a.vendor}/${a.type}`)).size).toBe(all.length);
  });

  it('every table row names attributes the mapper understands (IETF or the ITA-HSR Device ID)', () => {
    for (const attrs of Object.values(FACT_ATTRIBUTES)) {
      for (const a of attrs) expect(a.vendor === VENDOR.IETF || (a.vendor === VENDOR.ITA_HSR && a.type === ITA_HSR_DEVICE_ID_TYPE)).toBe(true);
    }
  });
});
