import { describe, expect, test } from 'vitest';
import type { PostureFacts } from '../../policy/posture/facts.js';
import { mapOsAttributes } from '../../policy/tnc/imv/os-attributes.js';
import { kennekiImv } from '../../policy/tnc/imv/kenneki-imv.js';
import { IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, KENNEKI_ATTR, KENNEKI_VENDOR_ID, VENDOR } from '../../policy/tnc/pa/constants.js';
import { attributesFor, factsRequested } from './attributes.js';

const V = KENNEKI_VENDOR_ID;
const AT = '2026-11-23T09:00:00.000Z';
const ok = <T>(value: T) => ({ status: 'ok' as const, value, collectedAt: AT, source: 'kenneki-agent' as const });

describe('facts ↔ attributes', () => {
  test('attribute requests name facts: IETF, ITA-HSR and Kenneki ids; others are ignored', () => {
    expect(
      factsRequested(
        [
          { vendor: VENDOR.IETF, type: IETF_ATTR.INSTALLED_PACKAGES },
          { vendor: VENDOR.IETF, type: IETF_ATTR.STRING_VERSION },
          { vendor: VENDOR.ITA_HSR, type: ITA_HSR_DEVICE_ID_TYPE },
          { vendor: V, type: KENNEKI_ATTR.FIREWALL },
          { vendor: V, type: KENNEKI_ATTR.QUARANTINE_RULES },
          { vendor: 12345, type: 1 },
        ],
        V,
      ).sort(),
    ).toEqual(['deviceId', 'firewall', 'os', 'packages']);
  });

  test('what the agent sends maps back, through the server\'s own IMVs, to the facts it collected', () => {
    const facts: PostureFacts = {
      os: ok({ family: 'linux', product: 'debian', version: '12.8', build: '6.1.0-27-amd64', arch: 'x86_64' }),
      packages: ok({ manager: 'dpkg', packages: [{ name: 'openssl', version: '3.0.15-1~deb12u1' }] }),
      ipForwarding: ok(false),
      deviceId: ok('5f2c8e1a9b3d4c7e8f0a1b2c3d4e5f60'),
      firewall: ok({ profiles: [{ name: 'ufw', enabled: true }] }),
      diskEncryption: { status: 'unknown', reason: 'lsblk: not found', collectedAt: AT, source: 'kenneki-agent' },
    };
    const keys = ['os', 'packages', 'ipForwarding', 'deviceId', 'firewall', 'diskEncryption', 'secureBoot'] as const;
    const attrs = attributesFor(facts, keys, V);
    const back = { ...mapOsAttributes(attrs.os, AT).facts, ...kennekiImv(V).map(attrs.kenneki, AT).facts };
    expect(back.os).toMatchObject({ status: 'ok', value: facts.os!.status === 'ok' ? facts.os!.value : undefined });
    expect(back.deviceId).toMatchObject({ status: 'ok', value: '5f2c8e1a9b3d4c7e8f0a1b2c3d4e5f60' });
    expect(back.ipForwarding).toMatchObject({ status: 'ok', value: false });
    // The server files IETF-reported packages under its own manager name; the list is the same.
    expect(back.packages).toMatchObject({ status: 'ok', value: { packages: [{ name: 'openssl', version: '3.0.15-1~deb12u1' }] } });
    expect(back.firewall).toMatchObject({ status: 'ok', value: { profiles: [{ name: 'ufw', enabled: true }] } });
    expect(back.diskEncryption).toMatchObject({ status: 'unknown', reason: 'the agent could not collect it: lsblk: not found' });
    // No collector on this platform: said so, rather than leaving the server to wait.
    expect(back.secureBoot).toMatchObject({ status: 'unknown', reason: 'the agent could not collect it: not collected by kenneki-agent on this platform' });
  });

  test('an architecture the server would not split off is not appended to the version', () => {
    const attrs = attributesFor({ os: ok({ family: 'windows', product: 'Windows 11 Pro', version: '10.0.22631.4317', arch: 'ARM-weird' }) }, ['os'], V);
    expect(mapOsAttributes(attrs.os, AT).facts.os).toMatchObject({ status: 'ok', value: { family: 'windows', product: 'Windows 11 Pro', version: '10.0.22631.4317' } });
  });
});
