import { describe, expect, it, test } from 'vitest';
import { DhcpDecodeError } from './decode-error.js';
import {
  DHCP_MESSAGE_TYPE, DHCP_OPTION, captivePortalOption, clientIdentifierOption, domainNameOption, domainNameServersOption, getBroadcastAddress,
  getCaptivePortal, getClientIdentifier, getDomainName, getDomainNameServers, getHostName, getLeaseTime, getMaxMessageSize, getMessage,
  getMessageType, getOption, getParameterRequestList, getRebindingTime, getRenewalTime, getRequestedIp, getRouters, getServerIdentifier,
  getSubnetMask, getVendorClassId, hostNameOption, leaseTimeOption, maxMessageSizeOption, messageOption, messageTypeName, messageTypeOption,
  parameterRequestListOption, rebindingTimeOption, renewalTimeOption, requestedIpOption, routersOption, serverIdentifierOption,
  subnetMaskOption, vendorClassIdOption, broadcastAddressOption, INFINITE_LEASE, type DhcpOptionEntry,
} from './options.js';
import { ascii, hex, toHex } from './test-vectors.js';

const wire = ([code, value]: DhcpOptionEntry) => toHex(Uint8Array.of(code, value.length)) + toHex(value);
const msg = (code: number, h: string) => ({ options: new Map([[code, hex(h)]]) });

describe('DHCP options: exact bytes (RFC 2132)', () => {
  test.each<[string, DhcpOptionEntry, string]>([
    ['subnet mask', subnetMaskOption('255.255.255.0'), '0104ffffff00'],
    ['routers', routersOption(['10.0.0.1', '10.0.0.2']), '03080a0000010a000002'],
    ['DNS servers', domainNameServersOption(['192.0.2.53']), '0604c0000235'],
    ['host name', hostNameOption('pc1'), '0c03' + ascii('pc1')],
    ['domain name', domainNameOption('corp.example'), '0f0c' + ascii('corp.example')],
    ['broadcast', broadcastAddressOption('10.0.0.255'), '1c040a0000ff'],
    ['requested IP', requestedIpOption('10.0.0.9'), '32040a000009'],
    ['lease time', leaseTimeOption(86400), '330400015180'],
    ['infinite lease', leaseTimeOption(INFINITE_LEASE), '3304ffffffff'],
    ['message type NAK', messageTypeOption(DHCP_MESSAGE_TYPE.NAK), '350106'],
    ['server identifier', serverIdentifierOption('10.0.0.1'), '36040a000001'],
    ['parameter request list', parameterRequestListOption([1, 3, 6, 114]), '370401030672'],
    ['message', messageOption('wrong pool'), '380a' + ascii('wrong pool')],
    ['max message size', maxMessageSizeOption(1500), '390205dc'],
    ['T1', renewalTimeOption(30), '3a040000001e'],
    ['T2', rebindingTimeOption(52), '3b0400000034'],
    ['vendor class', vendorClassIdOption('MSFT 5.0'), '3c08' + ascii('MSFT 5.0')],
    ['client identifier', clientIdentifierOption({ type: 1, id: hex('aabbccddeeff') }), '3d0701aabbccddeeff'],
    ['captive portal', captivePortalOption('https://portal.example/api'), '721a' + ascii('https://portal.example/api')],
  ])('%s', (_n, entry, bytes) => {
    expect(wire(entry)).toBe(bytes);
  });
});

describe('DHCP options: reading', () => {
  test.each<[string, number, string, (m: { options: Map<number, Uint8Array> }) => unknown, unknown]>([
    ['subnet mask', 1, 'ffffff00', getSubnetMask, '255.255.255.0'],
    ['routers', 3, '0a0000010a000002', getRouters, ['10.0.0.1', '10.0.0.2']],
    ['DNS', 6, 'c0000235', getDomainNameServers, ['192.0.2.53']],
    ['host name with a trailing NUL', 12, ascii('pc1') + '00', getHostName, 'pc1'],
    ['host name, invalid UTF-8 kept readable', 12, '70c3', getHostName, 'p\ufffd'],
    ['domain name', 15, ascii('corp'), getDomainName, 'corp'],
    ['broadcast', 28, '0a0000ff', getBroadcastAddress, '10.0.0.255'],
    ['requested IP', 50, '0a000009', getRequestedIp, '10.0.0.9'],
    ['lease time', 51, 'ffffffff', getLeaseTime, INFINITE_LEASE],
    ['message type', 53, '08', getMessageType, DHCP_MESSAGE_TYPE.INFORM],
    ['server identifier', 54, '0a000001', getServerIdentifier, '10.0.0.1'],
    ['parameter request list', 55, '01030f', getParameterRequestList, [1, 3, 15]],
    ['message', 56, ascii('no'), getMessage, 'no'],
    ['max message size below 576 is returned as sent', 57, '0100', getMaxMessageSize, 256],
    ['T1', 58, '0000001e', getRenewalTime, 30],
    ['T2', 59, '00000034', getRebindingTime, 52],
    ['vendor class', 60, ascii('android-dhcp-14'), getVendorClassId, 'android-dhcp-14'],
    ['client identifier (opaque)', 61, '00' + ascii('id'), getClientIdentifier, { type: 0, id: hex(ascii('id')) }],
    ['captive portal', 114, ascii('https://p/'), getCaptivePortal, 'https://p/'],
  ])('%s', (_n, code, h, get, expected) => {
    expect(get(msg(code, h))).toEqual(expected);
  });

  it('absent options are undefined; unknown ones stay raw', () => {
    const m = msg(224, 'c0ffee');
    expect(getSubnetMask(m)).toBeUndefined();
    expect(getMessageType(m)).toBeUndefined();
    expect(toHex(getOption(m, 224)!)).toBe('c0ffee');
  });

  test.each<[string, number, string, (m: { options: Map<number, Uint8Array> }) => unknown]>([
    ['5-byte mask', 1, '0102030405', getSubnetMask],
    ['6-byte router list', 3, '0a0000010a00', getRouters],
    ['empty DNS list', 6, '', getDomainNameServers],
    ['2-byte message type', 53, '0101', getMessageType],
    ['message type 0', 53, '00', getMessageType],
    ['message type 19', 53, '13', getMessageType],
    ['3-byte lease time', 51, '000e10', getLeaseTime],
    ['3-byte server identifier', 54, '0a0000', getServerIdentifier],
    ['1-byte max message size', 57, '05', getMaxMessageSize],
    ['1-byte client identifier', 61, '01', getClientIdentifier],
  ])('%s → bad-option-value', (_n, code, h, get) => {
    try {
      get(msg(code, h));
      expect.unreachable('no error thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(DhcpDecodeError);
      expect((e as DhcpDecodeError).reason).toBe('bad-option-value');
      expect((e as DhcpDecodeError).message).toContain(`option ${code}`);
    }
  });

  test.each<[string, () => unknown]>([
    ['empty router list', () => routersOption([])],
    ['bad address', () => serverIdentifierOption('10.0.0')],
    ['negative lease', () => leaseTimeOption(-1)],
    ['lease over 32 bits', () => leaseTimeOption(2 ** 32)],
    ['empty host name', () => hostNameOption('')],
    ['max message size 575', () => maxMessageSizeOption(575)],
    ['parameter code 256', () => parameterRequestListOption([256])],
    ['empty client identifier', () => clientIdentifierOption({ type: 1, id: new Uint8Array(0) })],
    ['http portal', () => captivePortalOption('http://portal.example/')],
  ])('building %s throws RangeError', (_n, f) => {
    expect(f).toThrow(RangeError);
  });

  it('names every message type for logs', () => {
    expect(messageTypeName(DHCP_MESSAGE_TYPE.DISCOVER)).toBe('DISCOVER');
    expect(messageTypeName(DHCP_MESSAGE_TYPE.NAK)).toBe('NAK');
    expect(DHCP_OPTION.CAPTIVE_PORTAL).toBe(114);
  });
});
