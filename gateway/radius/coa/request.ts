/**
 * Building a Disconnect- or CoA-Request from a profile step and a session identity. The step's
 * attributes are data (names from the codec dictionary, vendor ones included), so a vendor's
 * "reauthenticate" command is a table row in a NAS profile, never code here.
 */
import { isIPv4, isIPv6 } from 'node:net';
import {
  RADIUS_CODE, attr, attribute, encodeDate, integerAttribute, ipv4Attribute, ipv6Attribute, textAttribute, valueByName,
  type AttributeDef, type RadiusAttribute, type RadiusCode,
} from '../codec/index.js';
import type { DynamicAuthStep, SessionIdentity } from './types.js';

export const REQUEST_CODE: Readonly<Record<DynamicAuthStep['request'], RadiusCode>> = {
  disconnect: RADIUS_CODE.DISCONNECT_REQUEST,
  coa: RADIUS_CODE.COA_REQUEST,
};

/** The answers each request may get: [ACK, NAK]. */
export const RESPONSE_CODES: Readonly<Record<DynamicAuthStep['request'], readonly [ack: RadiusCode, nak: RadiusCode]>> = {
  disconnect: [RADIUS_CODE.DISCONNECT_ACK, RADIUS_CODE.DISCONNECT_NAK],
  coa: [RADIUS_CODE.COA_ACK, RADIUS_CODE.COA_NAK],
};

/** Attributes the client places itself; a step naming one would duplicate or forge them. */
const RESERVED = new Set(['message-authenticator', 'event-timestamp']);

const ip = (v4: string, v6: string, address: string): RadiusAttribute => {
  if (isIPv4(address)) return ipv4Attribute(attr(v4), address);
  if (isIPv6(address)) return ipv6Attribute(attr(v6), address);
  throw new RangeError(`${address} is not an IP address`);
};

/**
 * The session identification attributes (RFC 5176 §3), only those present. A request naming no
 * session at all is refused: some NASes read a Disconnect without one as "every session".
 */
export function identityAttributes(s: SessionIdentity): RadiusAttribute[] {
  const namesSession = [s.userName, s.callingStationId, s.acctSessionId, s.framedIpAddress, s.nasPort].some((v) => v !== undefined);
  if (!namesSession) throw new RangeError('session identity names no session (User-Name, Calling-Station-Id, Acct-Session-Id, Framed-IP-Address or NAS-Port)');
  const out: RadiusAttribute[] = [];
  if (s.nasIpAddress !== undefined) out.push(ip('NAS-IP-Address', 'NAS-IPv6-Address', s.nasIpAddress));
  if (s.nasIdentifier !== undefined) out.push(textAttribute(attr('NAS-Identifier'), s.nasIdentifier));
  if (s.nasPort !== undefined) out.push(integerAttribute(attr('NAS-Port'), s.nasPort));
  if (s.userName !== undefined) out.push(textAttribute(attr('User-Name'), s.userName));
  if (s.callingStationId !== undefined) out.push(textAttribute(attr('Calling-Station-Id'), s.callingStationId));
  if (s.acctSessionId !== undefined) out.push(textAttribute(attr('Acct-Session-Id'), s.acctSessionId));
  if (s.framedIpAddress !== undefined) out.push(ip('Framed-IP-Address', 'Framed-IPv6-Address', s.framedIpAddress));
  return out;
}

function integerValue(def: AttributeDef, value: string | number): number {
  if (typeof value === 'number') return value;
  const named = valueByName(def, value);
  if (named !== undefined) return named;
  if (/^\d+$/.test(value)) return Number(value);
  throw new RangeError(`${def.name}: "${value}" is neither a number nor a named value`);
}

function stepAttribute(a: { name: string; value: string | number }): RadiusAttribute {
  const def = attr(a.name);
  if (RESERVED.has(def.name.toLowerCase())) throw new RangeError(`${def.name} is placed by the client, not by a step`);
  // Tags and hiding need data a step does not carry (which tunnel, which authenticator).
  if (def.tagged || def.encrypt !== 'none') throw new RangeError(`${def.name} is tagged or encrypted, which a step cannot express`);
  const text = String(a.value);
  switch (def.valueType) {
    case 'text':
      return textAttribute(def, text);
    case 'integer':
      return integerAttribute(def, integerValue(def, a.value));
    case 'ipaddr':
      return ipv4Attribute(def, text);
    case 'ipv6addr':
      return ipv6Attribute(def, text);
    case 'octets':
      if (!/^0x(?:[0-9a-f]{2})*$/i.test(text)) throw new RangeError(`${def.name}: octets are written as 0x-prefixed hex`);
      return attribute(def, Buffer.from(text.slice(2), 'hex'));
    default:
      throw new RangeError(`${def.name}: ${def.valueType} values are not supported in a step`);
  }
}

/**
 * A step's extra attributes, encoded. Throws RangeError on anything unknown or unencodable, so a
 * profile loader can call it at start-up and refuse a bad profile before any verdict needs it.
 */
export function stepAttributes(step: DynamicAuthStep): RadiusAttribute[] {
  return (step.attributes ?? []).map((a) => {
    try {
      return stepAttribute(a);
    } catch (e) {
      throw new RangeError(`step ${step.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  });
}

/**
 * Everything but Message-Authenticator, which encodeRequest puts first. Event-Timestamp is
 * required by strict NASes (hostapd's radius_das_require_event_timestamp) for replay protection
 * (RFC 5176 §3), so it is always sent.
 */
export function requestAttributes(step: DynamicAuthStep, session: SessionIdentity, now: Date): RadiusAttribute[] {
  return [attribute(attr('Event-Timestamp'), encodeDate(now)), ...identityAttributes(session), ...stepAttributes(step)];
}
