import { describe, expect, it, test } from 'vitest';
import { DHCP_DECODE_REASONS, type DhcpDecodeReason } from './decode-error.js';
import { BROADCAST_FLAG, clientMac, decodeDhcp, emptyMessage, encodeDhcp, wantsBroadcast, type DhcpMessage } from './message.js';
import {
  DHCP_MESSAGE_TYPE, DHCP_OPTION, domainNameServersOption, getClientIdentifier, getDomainNameServers, getHostName, getLeaseTime,
  getMaxMessageSize, getMessageType, getParameterRequestList, getRebindingTime, getRenewalTime, getRequestedIp, getRouters,
  getServerIdentifier, getSubnetMask, leaseTimeOption, messageTypeOption, rebindingTimeOption, renewalTimeOption, routersOption,
  serverIdentifierOption, subnetMaskOption,
} from './options.js';
import { getRelayAgentInfo } from './relay-agent.js';
import { ascii, datagram, hex, headerHex, reasonOf, toHex } from './test-vectors.js';

/** RFC 2131 §2 layout, client 00:0b:82:01:fc:42 broadcasting a DISCOVER. */
const DISCOVER = datagram(
  '35 01 01' + // message type DISCOVER
  '3d 07 01 000b8201fc42' + // client identifier: htype 1 + MAC
  '37 04 01 03 06 0f' + // parameter request list: mask, routers, DNS, domain
  '39 02 05 dc' + // max message size 1500
  '0c 04' + ascii('host') +
  'ff',
  { flags: '8000' },
);

/** A REQUEST relayed by 10.1.2.1, with option 82: circuit-id "Gi1/0/7", remote-id the switch MAC. */
const RELAYED_REQUEST = datagram(
  '35 01 03' +
  '32 04 0a010264' + // requested 10.1.2.100
  '36 04 0a000001' + // server identifier 10.0.0.1
  '52 11' + '01 07' + ascii('Gi1/0/7') + '02 06 001122334455' +
  'ff',
  { hops: 1, giaddr: '10.1.2.1', xid: 'deadbeef' },
);

describe('DHCP message: known layouts', () => {
  it('decodes a DISCOVER with options 53, 61, 55, 57, 12', () => {
    const m = decodeDhcp(DISCOVER);
    expect(m).toMatchObject({ op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x3903f326, secs: 0, flags: 0x8000, ciaddr: '0.0.0.0', giaddr: '0.0.0.0', sname: '', file: '' });
    expect(wantsBroadcast(m)).toBe(true);
    expect(clientMac(m)).toBe('00:0b:82:01:fc:42');
    expect(getMessageType(m)).toBe(DHCP_MESSAGE_TYPE.DISCOVER);
    expect(getClientIdentifier(m)).toEqual({ type: 1, id: hex('000b8201fc42') });
    expect(getParameterRequestList(m)).toEqual([1, 3, 6, 15]);
    expect(getMaxMessageSize(m)).toBe(1500);
    expect(getHostName(m)).toBe('host');
    expect([...m.options.keys()]).toEqual([53, 61, 55, 57, 12]);
  });

  it('decodes a relayed REQUEST with giaddr and option 82', () => {
    const m = decodeDhcp(RELAYED_REQUEST);
    expect(m).toMatchObject({ hops: 1, giaddr: '10.1.2.1', xid: 0xdeadbeef });
    expect(wantsBroadcast(m)).toBe(false);
    expect(getMessageType(m)).toBe(DHCP_MESSAGE_TYPE.REQUEST);
    expect(getRequestedIp(m)).toBe('10.1.2.100');
    expect(getServerIdentifier(m)).toBe('10.0.0.1');
    const info = getRelayAgentInfo(m)!;
    expect(Buffer.from(info.circuitId!).toString()).toBe('Gi1/0/7');
    expect(toHex(info.remoteId!)).toBe('001122334455');
  });

  it('encodes an OFFER that decodes back field by field', () => {
    const req = decodeDhcp(DISCOVER);
    const offer: DhcpMessage = {
      ...emptyMessage(2),
      xid: req.xid,
      flags: req.flags,
      yiaddr: '10.1.2.100',
      siaddr: '10.0.0.1',
      chaddr: Uint8Array.from(req.chaddr),
      options: new Map([
        serverIdentifierOption('10.0.0.1'),
        messageTypeOption(DHCP_MESSAGE_TYPE.OFFER),
        leaseTimeOption(3600),
        renewalTimeOption(1800),
        rebindingTimeOption(3150),
        subnetMaskOption('255.255.255.0'),
        routersOption(['10.1.2.1']),
        domainNameServersOption(['10.0.0.53', '10.0.0.54']),
      ]),
    };
    const wire = encodeDhcp(offer);
    expect(wire.length).toBe(300);
    expect(toHex(wire.subarray(0, 4))).toBe('02010600');
    expect(toHex(wire.subarray(16, 20))).toBe('0a010264');
    expect(toHex(wire.subarray(236, 243))).toBe('63825363' + '350102');
    const back = decodeDhcp(wire);
    expect(back).toMatchObject({ op: 2, htype: 1, hlen: 6, hops: 0, xid: 0x3903f326, secs: 0, flags: BROADCAST_FLAG, ciaddr: '0.0.0.0', yiaddr: '10.1.2.100', siaddr: '10.0.0.1', giaddr: '0.0.0.0', sname: '', file: '' });
    expect(clientMac(back)).toBe('00:0b:82:01:fc:42');
    expect(getMessageType(back)).toBe(DHCP_MESSAGE_TYPE.OFFER);
    expect(getServerIdentifier(back)).toBe('10.0.0.1');
    expect(getLeaseTime(back)).toBe(3600);
    expect(getRenewalTime(back)).toBe(1800);
    expect(getRebindingTime(back)).toBe(3150);
    expect(getSubnetMask(back)).toBe('255.255.255.0');
    expect(getRouters(back)).toEqual(['10.1.2.1']);
    expect(getDomainNameServers(back)).toEqual(['10.0.0.53', '10.0.0.54']);
    expect([...back.options.keys()]).toEqual([53, 54, 51, 58, 59, 1, 3, 6]);
  });

  it('keeps sname and file as names when not overloaded', () => {
    const m = decodeDhcp(datagram('35 01 05 ff', { sname: ascii('tftp.example'), file: ascii('pxelinux.0') }));
    expect([m.sname, m.file]).toEqual(['tftp.example', 'pxelinux.0']);
    expect(toHex(encodeDhcp({ ...m, op: 2 }).subarray(44, 44 + 12))).toBe(ascii('tftp.example'));
  });
});

describe('DHCP message: pads', () => {
  test.each([
    ['leading pad', '00 35 01 01 ff'],
    ['several leading pads', '00 00 00 35 01 01 ff'],
    ['pads between options', '35 01 01 00 00 0c 01 61 00 ff'],
    ['pads before End', '35 01 01 00 00 00 ff'],
  ])('%s', (_n, opts) => {
    const m = decodeDhcp(datagram(opts));
    expect(getMessageType(m)).toBe(1);
    expect(m.options.has(0)).toBe(false);
  });

  it('ignores anything after End', () => {
    const m = decodeDhcp(datagram('35 01 01 ff 0c 05 ffffffff'));
    expect([...m.options.keys()]).toEqual([53]);
  });
});

describe('DHCP message: option overload (RFC 2132 §9.3) and long options (RFC 3396)', () => {
  it('reads options, then file, then sname, concatenating one option across all three', () => {
    const m = decodeDhcp(datagram('35 01 05 34 01 03 0c 02 6162 ff', {
      file: '0c 02 6364 03 04 0a000001 ff',
      sname: '0c 01 65 00 00 ff',
    }));
    expect(getHostName(m)).toBe('abcde');
    expect(getRouters(m)).toEqual(['10.0.0.1']);
    expect([m.sname, m.file]).toEqual(['', '']);
    expect(m.options.has(52)).toBe(false);
    expect([...m.options.keys()]).toEqual([53, 12, 3]);
  });

  test.each([
    [1, 'file', 'sname-name'],
    [2, 'sname', 'file-name'],
  ])('overload %i uses only %s; the other field stays a name', (v, _used, name) => {
    const opts = '0c 01 78 ff';
    const m = decodeDhcp(datagram(`35 01 05 34 01 0${v} ff`, v === 1 ? { file: opts, sname: ascii(name) } : { sname: opts, file: ascii(name) }));
    expect(getHostName(m)).toBe('x');
    expect(v === 1 ? m.sname : m.file).toBe(name);
  });

  it('concatenates split instances and splits a 600-byte value on encode', () => {
    const value = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const wire = encodeDhcp({ ...emptyMessage(2), options: new Map([messageTypeOption(5), [224, value]]) }, { maxMessageSize: 1500 });
    // Three instances: 255 + 255 + 90.
    expect(toHex(wire.subarray(243, 245))).toBe('e0ff');
    expect(toHex(wire.subarray(243 + 257, 243 + 259))).toBe('e0ff');
    expect(toHex(wire.subarray(243 + 514, 243 + 516))).toBe('e05a');
    expect(toHex(decodeDhcp(wire).options.get(224)!)).toBe(toHex(value));
  });

  it('overloads file and sname when the options do not fit 576', () => {
    const big = new Uint8Array(250).fill(7);
    const msg: DhcpMessage = { ...emptyMessage(2), options: new Map([messageTypeOption(5), [224, big], [225, new Uint8Array(100)], [226, new Uint8Array(40)]]) };
    const wire = encodeDhcp(msg);
    expect(wire.length).toBeLessThanOrEqual(548);
    const back = decodeDhcp(wire);
    expect([...back.options.keys()]).toEqual([53, 224, 225, 226]);
    expect(toHex(back.options.get(224)!)).toBe(toHex(big));
    expect(wire[108]).toBe(225); // option 225 went to file
    expect(wire[44]).toBe(226); // and 226 to sname
  });

  it('refuses with RangeError what does not fit, even overloaded, or when overload is off', () => {
    const tooBig: DhcpMessage = { ...emptyMessage(2), options: new Map([[224, new Uint8Array(600)]]) };
    expect(() => encodeDhcp(tooBig)).toThrow(RangeError);
    const fitsOnlyOverloaded: DhcpMessage = { ...emptyMessage(2), options: new Map([[224, new Uint8Array(250)], [225, new Uint8Array(100)]]) };
    expect(() => encodeDhcp(fitsOnlyOverloaded, { overload: false })).toThrow(RangeError);
    expect(() => encodeDhcp({ ...fitsOnlyOverloaded, file: 'boot', sname: 'srv' })).toThrow(RangeError);
    expect(() => encodeDhcp(fitsOnlyOverloaded)).not.toThrow();
  });
});

describe('DHCP message: encoder rules', () => {
  it('puts message type first and relay information last, then End, and pads to 300', () => {
    const wire = encodeDhcp({ ...emptyMessage(2), options: new Map([[82, hex('0101ab')], leaseTimeOption(60), messageTypeOption(6)]) });
    expect(toHex(wire.subarray(240, 240 + 3 + 6 + 5 + 1))).toBe('350106' + '33040000003c' + '52030101ab' + 'ff');
    expect(wire.length).toBe(300);
    expect(wire.subarray(255).every((b) => b === 0)).toBe(true);
  });

  it('honours a larger option 57 and reads values below 576 as 576', () => {
    const msg: DhcpMessage = { ...emptyMessage(2), sname: 'x', file: 'y', options: new Map([[224, new Uint8Array(400)]]) };
    expect(() => encodeDhcp(msg)).toThrow(RangeError);
    expect(encodeDhcp(msg, { maxMessageSize: 1500 }).length).toBe(240 + 2 * 2 + 400 + 1);
    const small: DhcpMessage = { ...emptyMessage(2), sname: 'x', options: new Map([[224, new Uint8Array(250)], [225, new Uint8Array(50)]]) };
    expect(encodeDhcp(small, { maxMessageSize: 300 }).length).toBe(240 + 252 + 52 + 1);
  });

  test.each<[string, Partial<DhcpMessage>]>([
    ['op 3', { op: 3 as never }],
    ['hlen 17', { hlen: 17 }],
    ['xid over 32 bits', { xid: 2 ** 32 }],
    ['bad address', { yiaddr: '10.0.0.256' }],
    ['chaddr of 17 bytes', { chaddr: new Uint8Array(17) }],
    ['sname of 65 bytes', { sname: 'a'.repeat(65) }],
    ['file with a NUL', { file: 'a\0b' }],
    ['sname outside latin1', { sname: '検疫' }],
    ['pad as an option', { options: new Map([[0, new Uint8Array(0)]]) }],
    ['End as an option', { options: new Map([[255, new Uint8Array(0)]]) }],
    ['overload as an option', { options: new Map([[52, Uint8Array.of(1)]]) }],
  ])('refuses %s with RangeError', (_n, f) => {
    expect(() => encodeDhcp({ ...emptyMessage(2), ...f })).toThrow(RangeError);
  });

  it('clientMac is only for Ethernet-sized addresses', () => {
    const m = { ...emptyMessage(1), chaddr: hex('AABBCCDDEEFF' + '00'.repeat(10)) };
    expect(clientMac(m)).toBe('aa:bb:cc:dd:ee:ff');
    expect(clientMac({ ...m, htype: 6 })).toBeUndefined();
    expect(clientMac({ ...m, hlen: 8 })).toBeUndefined();
  });
});

const DROPS: [string, DhcpDecodeReason, string | Buffer][] = [
  ['empty datagram', 'too-short', ''],
  ['header without cookie', 'too-short', headerHex().slice(0, 236 * 2)],
  ['239 bytes', 'too-short', Buffer.alloc(239, 1)],
  ['over 4096 bytes', 'too-long', Buffer.alloc(4097, 0)],
  ['op 0', 'bad-op', headerHex({ op: 0 }) + 'ff'],
  ['op 3', 'bad-op', headerHex({ op: 3 }) + 'ff'],
  ['hlen 17', 'bad-hlen', headerHex({ hlen: 17 }) + 'ff'],
  ['wrong cookie', 'bad-cookie', headerHex().slice(0, -8) + '63825364ff'],
  ['BOOTP (no cookie, zeros)', 'bad-cookie', headerHex().slice(0, -8) + '00'.repeat(64)],
  ['cookie then nothing', 'no-end', headerHex()],
  ['no End', 'no-end', headerHex() + '350101'],
  ['only pads', 'no-end', headerHex() + '00'.repeat(60)],
  ['lone option code', 'option-overrun', headerHex() + '35'],
  ['value past the datagram', 'option-overrun', headerHex() + '350401'],
  ['overload of two bytes', 'bad-overload', headerHex() + '34020101ff'],
  ['overload 0', 'bad-overload', headerHex() + '340100ff'],
  ['overload 4', 'bad-overload', headerHex() + '340104ff'],
  ['overloaded file without End', 'no-end', headerHex() + '340101ff'],
  ['overload inside file', 'bad-overload', headerHex({ file: '340102ff' }) + '340101ff'],
  ['option past the end of sname', 'option-overrun', headerHex({ sname: '00'.repeat(62) + '0c05' }) + '340102ff'],
];

describe('DHCP message: drops', () => {
  test.each(DROPS)('%s → %s', (_n, reason, bytes) => {
    expect(reasonOf(() => decodeDhcp(typeof bytes === 'string' ? hex(bytes) : bytes))).toBe(reason);
  });

  it('the table reaches every decode reason but bad-option-value (options.test.ts has that one)', () => {
    const reached = new Set(DROPS.map(([, reason]) => reason));
    expect(DHCP_DECODE_REASONS.filter((r) => !reached.has(r))).toEqual(['bad-option-value']);
  });

  it('accepts a 4096-byte datagram and a minimal 241-byte one', () => {
    expect(decodeDhcp(Buffer.concat([hex(headerHex() + 'ff'), Buffer.alloc(4096 - 241)])).options.size).toBe(0);
    expect(decodeDhcp(hex(headerHex() + 'ff')).options.size).toBe(0);
  });

  it('names the option in DhcpMessage.options only once, as one value', () => {
    const m = decodeDhcp(datagram('0c 02 6162 35 01 01 0c 01 63 ff'));
    expect(getHostName(m)).toBe('abc');
    expect(m.options.get(DHCP_OPTION.HOST_NAME)!.length).toBe(3);
  });
});
