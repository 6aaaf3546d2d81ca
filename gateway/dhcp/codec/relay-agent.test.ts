import { describe, expect, it, test } from 'vitest';
import { DhcpDecodeError } from './decode-error.js';
import { decodeDhcp, emptyMessage, encodeDhcp } from './message.js';
import { DHCP_OPTION, messageTypeOption } from './options.js';
import {
  RELAY_SUBOPTION, decodeRelayAgentInfo, echoRelayAgentInfo, encodeRelayAgentInfo, getLinkSelection, getRelayAgentInfo, scopeSelector,
} from './relay-agent.js';
import { ascii, datagram, hex, toHex } from './test-vectors.js';

/** Circuit-id, remote-id, link-selection 10.9.0.0, subscriber-id, server-id override, and an unknown sub-option 151. */
const FULL_82 = '01 04 00040017' + '02 06 0019e1a2b3c4' + '05 04 0a090000' + '06 04' + ascii('sub1') + '0b 04 0a010201' + '97 02 abcd';

describe('relay agent information (RFC 3046, 3527, 3993, 5107)', () => {
  it('parses every sub-option and keeps unknown ones raw, in order', () => {
    const info = decodeRelayAgentInfo(hex(FULL_82));
    expect(toHex(info.circuitId!)).toBe('00040017');
    expect(toHex(info.remoteId!)).toBe('0019e1a2b3c4');
    expect(info.linkSelection).toBe('10.9.0.0');
    expect(info.subscriberId).toBe('sub1');
    expect(info.serverIdentifierOverride).toBe('10.1.2.1');
    expect(info.subOptions.map((s) => s.code)).toEqual([1, 2, 5, 6, 11, 151]);
    expect(toHex(info.subOptions[5]!.value)).toBe('abcd');
    expect(toHex(info.raw)).toBe(toHex(hex(FULL_82)));
  });

  it('encodes sub-options back to the same bytes', () => {
    const info = decodeRelayAgentInfo(hex(FULL_82));
    expect(toHex(encodeRelayAgentInfo(info.subOptions))).toBe(toHex(hex(FULL_82)));
    expect(RELAY_SUBOPTION.LINK_SELECTION).toBe(5);
  });

  it('link-selection picks the scope over giaddr; giaddr over nothing', () => {
    const relayed = decodeDhcp(datagram(`35 01 01 52 ${(FULL_82.replace(/\s+/g, '').length / 2).toString(16)} ${FULL_82} ff`, { giaddr: '10.1.2.1' }));
    expect(getLinkSelection(relayed)).toBe('10.9.0.0');
    expect(scopeSelector(relayed)).toBe('10.9.0.0');
    const plain = decodeDhcp(datagram('35 01 01 52 08 01 02 0001 02 02 0002 ff', { giaddr: '10.1.2.1' }));
    expect(getLinkSelection(plain)).toBeUndefined();
    expect(scopeSelector(plain)).toBe('10.1.2.1');
    expect(scopeSelector(decodeDhcp(datagram('35 01 01 ff')))).toBeUndefined();
  });

  test.each([
    ['empty', ''],
    ['sub-option without length', '01'],
    ['sub-option past the end', '01 05 0000'],
    ['link-selection of 3 bytes', '05 03 0a0900'],
    ['server-id override of 5 bytes', '0b 05 0a01020100'],
  ])('%s → bad-option-value', (_n, h) => {
    expect(() => decodeRelayAgentInfo(hex(h))).toThrow(expect.objectContaining({ reason: 'bad-option-value' }));
    expect(() => decodeRelayAgentInfo(hex(h))).toThrow(DhcpDecodeError);
  });

  it('absent option 82 reads as undefined and echoes as nothing', () => {
    const m = decodeDhcp(datagram('35 01 01 ff'));
    expect(getRelayAgentInfo(m)).toBeUndefined();
    expect(echoRelayAgentInfo(m)).toEqual([]);
  });

  it('echoes option 82 byte for byte, even when it does not parse', () => {
    // A vendor relay's malformed sub-options are not ours to fix: the relay wants its bytes back.
    for (const value of [FULL_82, '01 07 ' + ascii('Gi1/0/7') + '02 06 001122334455', '01 09 0000']) {
      const v = value.replace(/\s+/g, '');
      const request = decodeDhcp(datagram(`35 01 03 52 ${(v.length / 2).toString(16).padStart(2, '0')} ${v} ff`, { giaddr: '10.1.2.1' }));
      const reply = encodeDhcp({ ...emptyMessage(2), giaddr: request.giaddr, options: new Map([messageTypeOption(5), ...echoRelayAgentInfo(request)]) });
      const back = decodeDhcp(reply);
      expect(toHex(back.options.get(DHCP_OPTION.RELAY_AGENT_INFORMATION)!)).toBe(v);
      // And on the wire: code 82, the same length, the same bytes, right before End.
      const at = reply.indexOf(Buffer.from([82, v.length / 2]), 243);
      expect(toHex(reply.subarray(at + 2, at + 2 + v.length / 2))).toBe(v);
      expect(reply[at + 2 + v.length / 2]).toBe(255);
    }
  });

  it('the echo is a copy: reusing the receive buffer does not change the reply', () => {
    const dgram = datagram('35 01 03 52 03 01 01 aa ff');
    const echo = echoRelayAgentInfo(decodeDhcp(dgram));
    dgram.fill(0);
    expect(toHex(echo[0]![1])).toBe('0101aa');
  });
});
