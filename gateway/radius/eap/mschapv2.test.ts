import { describe, expect, test } from 'vitest';
import { authenticatorResponse, challengeHash, challengeResponse, ntHashOf, ntResponse, stripDomain, verifyNtResponse } from './mschapv2.js';
import { md4 } from '../../../policy/util/md4.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 2759 §9.2, "Sample Data": the reference values, byte for byte.
const V = {
  user: 'User',
  password: 'clientPass',
  authChallenge: hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28'),
  peerChallenge: hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E'),
  challenge: hex('D0 2E 43 86 BC E9 12 26'),
  passwordHash: hex('44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE'),
  ntResponse: hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF'),
  passwordHashHash: hex('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F'),
  authenticatorResponse: 'S=407A5589115FD0D6209F510FE9C04566932CDA56',
};

describe('MS-CHAPv2 against RFC 2759 §9.2', () => {
  test('NtPasswordHash', () => expect(ntHashOf(V.password)).toEqual(V.passwordHash));
  test('ChallengeHash', () => expect(challengeHash(V.peerChallenge, V.authChallenge, V.user)).toEqual(V.challenge));
  test('ChallengeResponse (DES)', () => expect(challengeResponse(V.challenge, V.passwordHash)).toEqual(V.ntResponse));
  test('GenerateNTResponse', () => expect(ntResponse(V.authChallenge, V.peerChallenge, V.user, V.passwordHash)).toEqual(V.ntResponse));
  test('HashNtPasswordHash', () => expect(md4(V.passwordHash)).toEqual(V.passwordHashHash));
  test('GenerateAuthenticatorResponse', () => {
    expect(authenticatorResponse(V.passwordHash, V.ntResponse, V.peerChallenge, V.authChallenge, V.user)).toBe(V.authenticatorResponse);
  });
  test('verification accepts the sample and refuses a changed byte or a wrong password', () => {
    expect(verifyNtResponse(V.authChallenge, V.peerChallenge, V.user, V.passwordHash, V.ntResponse)).toBe(true);
    const bad = Buffer.from(V.ntResponse);
    bad[23] = bad[23]! ^ 1;
    expect(verifyNtResponse(V.authChallenge, V.peerChallenge, V.user, V.passwordHash, bad)).toBe(false);
    expect(verifyNtResponse(V.authChallenge, V.peerChallenge, V.user, ntHashOf('clientpass'), V.ntResponse)).toBe(false);
    expect(verifyNtResponse(V.authChallenge, V.peerChallenge, V.user, V.passwordHash, V.ntResponse.subarray(0, 23))).toBe(false);
  });
  test('a DOMAIN\\user name hashes as the bare user', () => {
    expect(stripDomain('CORP\\User')).toBe('User');
    expect(ntResponse(V.authChallenge, V.peerChallenge, 'CORP\\User', V.passwordHash)).toEqual(V.ntResponse);
  });
});
