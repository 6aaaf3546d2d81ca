import { describe, expect, it } from 'vitest';
import * as dhcp from './index.js';

describe('DHCP codec: public surface', () => {
  it('exports the codec, the typed options and the relay agent helpers', () => {
    for (const name of [
      'decodeDhcp', 'encodeDhcp', 'clientMac', 'wantsBroadcast', 'emptyMessage', 'isDhcpDecodeError',
      'getMessageType', 'messageTypeOption', 'getRelayAgentInfo', 'echoRelayAgentInfo', 'scopeSelector', 'getLinkSelection',
    ] as const) expect(typeof dhcp[name]).toBe('function');
    expect(dhcp.DHCP_DECODE_REASONS).toContain('bad-option-value');
  });

  it('a DISCOVER → OFFER exchange through the index alone', () => {
    const discover = dhcp.encodeDhcp({
      ...dhcp.emptyMessage(dhcp.DHCP_OP.BOOTREQUEST),
      xid: 42,
      chaddr: Buffer.from('aabbccddeeff', 'hex'),
      options: new Map([dhcp.messageTypeOption(dhcp.DHCP_MESSAGE_TYPE.DISCOVER), dhcp.parameterRequestListOption([1, 3, 6])]),
    });
    const req = dhcp.decodeDhcp(discover);
    const offer = dhcp.decodeDhcp(dhcp.encodeDhcp({
      ...dhcp.emptyMessage(dhcp.DHCP_OP.BOOTREPLY),
      xid: req.xid,
      chaddr: req.chaddr,
      yiaddr: '10.0.0.10',
      options: new Map([dhcp.messageTypeOption(dhcp.DHCP_MESSAGE_TYPE.OFFER), dhcp.serverIdentifierOption('10.0.0.1'), ...dhcp.echoRelayAgentInfo(req)]),
    }, { maxMessageSize: dhcp.getMaxMessageSize(req) }));
    expect(dhcp.clientMac(offer)).toBe('aa:bb:cc:dd:ee:ff');
    expect(dhcp.messageTypeName(dhcp.getMessageType(offer)!)).toBe('OFFER');
    expect(offer.xid).toBe(42);
  });

  it('a non-DhcpDecodeError is not mistaken for one', () => {
    expect(dhcp.isDhcpDecodeError(new RangeError('x'))).toBe(false);
    expect(dhcp.isDhcpDecodeError(new dhcp.DhcpDecodeError('no-end', 'x'))).toBe(true);
    expect(new dhcp.DhcpDecodeError('no-end', 'x').code).toBe('KENNEKI_ERR_DHCP_DECODE');
  });
});
