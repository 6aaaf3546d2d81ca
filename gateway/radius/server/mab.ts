/**
 * MAC Authentication Bypass: a switch asks on behalf of a device without a supplicant, with the
 * MAC as User-Name, as password (PAP or CHAP) and as Calling-Station-Id, each in the vendor's own
 * spelling. Kenneki identifies the device by the canonical MAC.
 *
 * The password proves nothing about the device (anyone can read a MAC off a label); checking it
 * matters anyway because it is encrypted with the shared secret: for a legacy NAS that sends no
 * Message-Authenticator it is the only thing that shows the request came from someone holding
 * the secret.
 */
import { timingSafeEqual } from 'node:crypto';
import { attr, SERVICE_TYPE } from '../codec/dictionary.js';
import { getInteger, getRaw, getText } from '../codec/attributes.js';
import { isRadiusDecodeError } from '../codec/decode-error.js';
import { revealUserPassword } from '../codec/hiding.js';
import { normalizeMac } from '../codec/mac.js';
import { md5 } from '../codec/md5.js';
import type { RadiusPacket } from '../codec/packet.js';

/** `proven`: a password or CHAP value decrypted/verified with the shared secret. */
export type MabCheck = { kind: 'mab'; mac: string; proven: boolean } | { kind: 'not-mab' } | { kind: 'bad-mab'; reason: string };

const USER_NAME = attr('User-Name');
const USER_PASSWORD = attr('User-Password');
const CHAP_PASSWORD = attr('CHAP-Password');
const CHAP_CHALLENGE = attr('CHAP-Challenge');
const CALLING_STATION_ID = attr('Calling-Station-Id');
const SERVICE = attr('Service-Type');

/**
 * Decides whether a non-EAP Access-Request is MAB and whether its credentials hold together. A
 * value that does not decode (User-Name not UTF-8, a bad password length) is a refused MAB, not
 * a server error: the request came from a NAS holding the secret, so it gets a Reject.
 */
export function checkMab(p: RadiusPacket, secret: Buffer): MabCheck {
  try {
    return judge(p, secret);
  } catch (err) {
    if (isRadiusDecodeError(err)) return { kind: 'bad-mab', reason: `undecodable attribute: ${err.message}` };
    throw err;
  }
}

function judge(p: RadiusPacket, secret: Buffer): MabCheck {
  const userName = getText(p, USER_NAME);
  const userMac = userName !== undefined ? normalizeMac(userName) : undefined;
  const callCheck = getInteger(p, SERVICE) === SERVICE_TYPE['Call-Check'];
  if (userMac === undefined) return callCheck ? { kind: 'bad-mab', reason: 'Service-Type Call-Check but User-Name is not a MAC' } : { kind: 'not-mab' };
  const station = getText(p, CALLING_STATION_ID);
  if (station !== undefined) {
    // Most NASes spell both the same way: then there is nothing more to parse.
    const stationMac = station === userName ? userMac : normalizeMac(station);
    // A User-Name MAC that is not the calling station's is someone naming another device.
    if (stationMac !== undefined && stationMac !== userMac) return { kind: 'bad-mab', reason: 'User-Name and Calling-Station-Id name different MACs' };
  }
  const hidden = getRaw(p, USER_PASSWORD);
  if (hidden !== undefined) {
    const password = revealUserPassword(hidden, secret, p.authenticator).toString('utf8');
    return (password === userName || normalizeMac(password) === userMac) ? { kind: 'mab', mac: userMac, proven: true } : { kind: 'bad-mab', reason: 'User-Password is not the MAC (wrong shared secret?)' };
  }
  const chap = getRaw(p, CHAP_PASSWORD);
  if (chap !== undefined) {
    // RFC 2865 §5.3: MD5(CHAP Ident + password + challenge); the challenge defaults to the Request Authenticator.
    if (chap.length !== 17) return { kind: 'bad-mab', reason: 'CHAP-Password is not 17 bytes' };
    const challenge = getRaw(p, CHAP_CHALLENGE) ?? p.authenticator;
    const expected = md5(chap.subarray(0, 1), Buffer.from(userName!, 'utf8'), challenge);
    return timingSafeEqual(expected, chap.subarray(1)) ? { kind: 'mab', mac: userMac, proven: true } : { kind: 'bad-mab', reason: 'CHAP-Password does not match the MAC' };
  }
  // No password at all: only a Call-Check request is MAB then (some switches send none).
  return callCheck ? { kind: 'mab', mac: userMac, proven: false } : { kind: 'not-mab' };
}
