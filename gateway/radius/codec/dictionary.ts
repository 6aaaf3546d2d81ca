/**
 * The RADIUS attribute dictionary as data: what each attribute is called, how its value is typed,
 * whether it carries an RFC 2868 tag, and how it is encrypted. Vendor attributes are entries too,
 * keyed by (vendor, type), so a new switch vendor is a table row, never a code path.
 *
 * Names and value names follow FreeRADIUS's dictionaries, so what our logs say matches what
 * `radclient` and `radiusd -X` print.
 */

/**
 * How a value's bytes read (RFC 8044 data types). `text` is UTF-8, `octets` opaque; `date` is
 * seconds since the epoch in 32 bits; `ifid` an 8-byte interface id; `ipv6prefix` reserved(1)
 * prefix-length(1) prefix(0–16).
 */
export type RadiusValueType = 'text' | 'octets' | 'integer' | 'ipaddr' | 'ipv6addr' | 'ipv6prefix' | 'ifid' | 'date' | 'integer64';

/**
 * `user-password`: RFC 2865 §5.2. `tunnel-password`: the salted scheme of RFC 2868 §3.5, also
 * used without the tag byte by MS-MPPE-Send/Recv-Key (RFC 2548 §2.4.2–3).
 */
export type RadiusEncryption = 'none' | 'user-password' | 'tunnel-password';

export interface AttributeDef {
  name: string;
  /** 0 for the standard space; otherwise the SMI enterprise number of a Vendor-Specific attribute. */
  vendor: number;
  type: number;
  valueType: RadiusValueType;
  /**
   * RFC 2868 §3: a tag byte groups attributes of one tunnel. For integers the tag is the value's
   * first byte (leaving 24 bits); for strings it is a leading byte 0x01–0x1F, optional on receipt.
   */
  tagged: boolean;
  encrypt: RadiusEncryption;
  /** Named integer values, name → number. */
  values?: Readonly<Record<string, number>>;
}

export interface VendorDef {
  id: number;
  name: string;
}

type Row = [type: number, name: string, valueType: RadiusValueType, opts?: { tagged?: boolean; encrypt?: RadiusEncryption; values?: Record<string, number> }];

export const SERVICE_TYPE = {
  'Login-User': 1, 'Framed-User': 2, 'Callback-Login-User': 3, 'Callback-Framed-User': 4, 'Outbound-User': 5,
  'Administrative-User': 6, 'NAS-Prompt-User': 7, 'Authenticate-Only': 8, 'Callback-NAS-Prompt': 9, 'Call-Check': 10,
  'Callback-Administrative': 11, 'Authorize-Only': 17,
} as const;

export const NAS_PORT_TYPE = {
  Async: 0, Sync: 1, ISDN: 2, 'ISDN-V120': 3, 'ISDN-V110': 4, Virtual: 5, PIAFS: 6, 'HDLC-Clear-Channel': 7, 'X.25': 8, 'X.75': 9,
  'G.3-Fax': 10, SDSL: 11, 'ADSL-CAP': 12, 'ADSL-DMT': 13, IDSL: 14, Ethernet: 15, xDSL: 16, Cable: 17, 'Wireless-Other': 18,
  'Wireless-802.11': 19,
} as const;

/** RFC 2868 §3.1; VLAN (13) from RFC 3580 §3.31. */
export const TUNNEL_TYPE = {
  PPTP: 1, L2F: 2, L2TP: 3, ATMP: 4, VTP: 5, AH: 6, 'IP-IP': 7, 'MIN-IP-IP': 8, ESP: 9, GRE: 10, DVS: 11, 'IP-in-IP': 12, VLAN: 13,
} as const;

/** RFC 2868 §3.2. */
export const TUNNEL_MEDIUM_TYPE = {
  IPv4: 1, IPv6: 2, NSAP: 3, HDLC: 4, BBN1822: 5, 'IEEE-802': 6, E163: 7, E164: 8, F69: 9, X121: 10, IPX: 11, Appletalk: 12,
  DecNet4: 13, 'Banyan-Vines': 14, 'E164-NSAP': 15,
} as const;

export const ACCT_STATUS_TYPE = { Start: 1, Stop: 2, 'Interim-Update': 3, 'Accounting-On': 7, 'Accounting-Off': 8 } as const;

/** RFC 5176 §3.5: why a CoA or Disconnect was NAKed (or, 201/202, ACKed with a remark). */
export const ERROR_CAUSE = {
  'Residual-Context-Removed': 201, 'Invalid-EAP-Packet': 202, 'Unsupported-Attribute': 401, 'Missing-Attribute': 402,
  'NAS-Identification-Mismatch': 403, 'Invalid-Request': 404, 'Unsupported-Service': 405, 'Unsupported-Extension': 406,
  'Invalid-Attribute-Value': 407, 'Administratively-Prohibited': 501, 'Request-Not-Routable': 502,
  'Session-Context-Not-Found': 503, 'Session-Context-Not-Removable': 504, 'Other-Proxy-Processing-Error': 505,
  'Resources-Unavailable': 506, 'Request-Initiated': 507, 'Multiple-Session-Selection-Unsupported': 508,
} as const;

const tagged = { tagged: true } as const;

const STANDARD: Row[] = [
  // RFC 2865
  [1, 'User-Name', 'text'],
  [2, 'User-Password', 'octets', { encrypt: 'user-password' }],
  [3, 'CHAP-Password', 'octets'],
  [4, 'NAS-IP-Address', 'ipaddr'],
  [5, 'NAS-Port', 'integer'],
  [6, 'Service-Type', 'integer', { values: SERVICE_TYPE }],
  [7, 'Framed-Protocol', 'integer', { values: { PPP: 1, SLIP: 2, ARAP: 3, 'Gandalf-SLML': 4, 'Xylogics-IPX-SLIP': 5, 'X.75-Synchronous': 6 } }],
  [8, 'Framed-IP-Address', 'ipaddr'],
  [9, 'Framed-IP-Netmask', 'ipaddr'],
  [10, 'Framed-Routing', 'integer'],
  [11, 'Filter-Id', 'text'],
  [12, 'Framed-MTU', 'integer'],
  [13, 'Framed-Compression', 'integer'],
  [14, 'Login-IP-Host', 'ipaddr'],
  [15, 'Login-Service', 'integer'],
  [16, 'Login-TCP-Port', 'integer'],
  [18, 'Reply-Message', 'text'],
  [19, 'Callback-Number', 'text'],
  [20, 'Callback-Id', 'text'],
  [22, 'Framed-Route', 'text'],
  [23, 'Framed-IPX-Network', 'ipaddr'],
  [24, 'State', 'octets'],
  [25, 'Class', 'octets'],
  [26, 'Vendor-Specific', 'octets'],
  [27, 'Session-Timeout', 'integer'],
  [28, 'Idle-Timeout', 'integer'],
  [29, 'Termination-Action', 'integer', { values: { Default: 0, 'RADIUS-Request': 1 } }],
  [30, 'Called-Station-Id', 'text'],
  [31, 'Calling-Station-Id', 'text'],
  [32, 'NAS-Identifier', 'text'],
  [33, 'Proxy-State', 'octets'],
  [34, 'Login-LAT-Service', 'text'],
  [35, 'Login-LAT-Node', 'text'],
  [36, 'Login-LAT-Group', 'octets'],
  [37, 'Framed-AppleTalk-Link', 'integer'],
  [38, 'Framed-AppleTalk-Network', 'integer'],
  [39, 'Framed-AppleTalk-Zone', 'text'],
  [60, 'CHAP-Challenge', 'octets'],
  [61, 'NAS-Port-Type', 'integer', { values: NAS_PORT_TYPE }],
  [62, 'Port-Limit', 'integer'],
  [63, 'Login-LAT-Port', 'text'],
  // RFC 2866
  [40, 'Acct-Status-Type', 'integer', { values: ACCT_STATUS_TYPE }],
  [41, 'Acct-Delay-Time', 'integer'],
  [42, 'Acct-Input-Octets', 'integer'],
  [43, 'Acct-Output-Octets', 'integer'],
  [44, 'Acct-Session-Id', 'text'],
  [45, 'Acct-Authentic', 'integer', { values: { RADIUS: 1, Local: 2, Remote: 3, Diameter: 4 } }],
  [46, 'Acct-Session-Time', 'integer'],
  [47, 'Acct-Input-Packets', 'integer'],
  [48, 'Acct-Output-Packets', 'integer'],
  [49, 'Acct-Terminate-Cause', 'integer', {
    values: {
      'User-Request': 1, 'Lost-Carrier': 2, 'Lost-Service': 3, 'Idle-Timeout': 4, 'Session-Timeout': 5, 'Admin-Reset': 6,
      'Admin-Reboot': 7, 'Port-Error': 8, 'NAS-Error': 9, 'NAS-Request': 10, 'NAS-Reboot': 11, 'Port-Unneeded': 12,
      'Port-Preempted': 13, 'Port-Suspended': 14, 'Service-Unavailable': 15, Callback: 16, 'User-Error': 17, 'Host-Request': 18,
    },
  }],
  [50, 'Acct-Multi-Session-Id', 'text'],
  [51, 'Acct-Link-Count', 'integer'],
  // RFC 2869
  [52, 'Acct-Input-Gigawords', 'integer'],
  [53, 'Acct-Output-Gigawords', 'integer'],
  [55, 'Event-Timestamp', 'date'],
  [75, 'Password-Retry', 'integer'],
  [76, 'Prompt', 'integer', { values: { 'No-Echo': 0, Echo: 1 } }],
  [77, 'Connect-Info', 'text'],
  [78, 'Configuration-Token', 'octets'],
  [85, 'Acct-Interim-Interval', 'integer'],
  [87, 'NAS-Port-Id', 'text'],
  [88, 'Framed-Pool', 'text'],
  // RFC 3579
  [79, 'EAP-Message', 'octets'],
  [80, 'Message-Authenticator', 'octets'],
  // RFC 2868 (tunnels; RFC 3580 uses 64/65/81 for VLAN assignment) and RFC 2867
  [64, 'Tunnel-Type', 'integer', { tagged: true, values: TUNNEL_TYPE }],
  [65, 'Tunnel-Medium-Type', 'integer', { tagged: true, values: TUNNEL_MEDIUM_TYPE }],
  [66, 'Tunnel-Client-Endpoint', 'text', tagged],
  [67, 'Tunnel-Server-Endpoint', 'text', tagged],
  [68, 'Acct-Tunnel-Connection', 'text'],
  [69, 'Tunnel-Password', 'octets', { tagged: true, encrypt: 'tunnel-password' }],
  [81, 'Tunnel-Private-Group-Id', 'text', tagged],
  [82, 'Tunnel-Assignment-Id', 'text', tagged],
  [83, 'Tunnel-Preference', 'integer', tagged],
  [86, 'Acct-Tunnel-Packets-Lost', 'integer'],
  [90, 'Tunnel-Client-Auth-Id', 'text', tagged],
  [91, 'Tunnel-Server-Auth-Id', 'text', tagged],
  // RFC 4372, 4675 (IEEE 802 VLANs by attribute), 4849
  [89, 'Chargeable-User-Identity', 'octets'],
  [56, 'Egress-VLANID', 'integer'],
  [57, 'Ingress-Filters', 'integer', { values: { Enabled: 1, Disabled: 2 } }],
  [58, 'Egress-VLAN-Name', 'text'],
  [59, 'User-Priority-Table', 'octets'],
  [92, 'NAS-Filter-Rule', 'text'],
  // RFC 3162, 4818, 6911
  [95, 'NAS-IPv6-Address', 'ipv6addr'],
  [96, 'Framed-Interface-Id', 'ifid'],
  [97, 'Framed-IPv6-Prefix', 'ipv6prefix'],
  [98, 'Login-IPv6-Host', 'ipv6addr'],
  [99, 'Framed-IPv6-Route', 'text'],
  [100, 'Framed-IPv6-Pool', 'text'],
  [123, 'Delegated-IPv6-Prefix', 'ipv6prefix'],
  [168, 'Framed-IPv6-Address', 'ipv6addr'],
  [169, 'DNS-Server-IPv6-Address', 'ipv6addr'],
  [170, 'Route-IPv6-Information', 'ipv6prefix'],
  [171, 'Delegated-IPv6-Prefix-Pool', 'text'],
  [172, 'Stateful-IPv6-Address-Pool', 'text'],
  // RFC 5176
  [101, 'Error-Cause', 'integer', { values: ERROR_CAUSE }],
];

/**
 * Vendors whose attributes Kenneki sends or reads (NAS profiles: role and ACL attributes, and the
 * MPPE keys of MS-CHAPv2/PEAP). All of them use the RFC 2865 §5.26 suggested sub-attribute
 * layout, one byte type and one byte length, which is the only layout attributes.ts speaks.
 */
export const VENDOR = { CISCO: 9, MICROSOFT: 311, AIRESPACE: 14179, ARUBA: 14823 } as const;

const VENDORS: { vendor: VendorDef; rows: Row[] }[] = [
  { vendor: { id: VENDOR.CISCO, name: 'Cisco' }, rows: [[1, 'Cisco-AVPair', 'text']] },
  {
    vendor: { id: VENDOR.MICROSOFT, name: 'Microsoft' },
    rows: [
      [1, 'MS-CHAP-Response', 'octets'],
      [2, 'MS-CHAP-Error', 'text'],
      [7, 'MS-MPPE-Encryption-Policy', 'integer', { values: { 'Encryption-Allowed': 1, 'Encryption-Required': 2 } }],
      [8, 'MS-MPPE-Encryption-Types', 'integer'],
      [11, 'MS-CHAP-Challenge', 'octets'],
      [16, 'MS-MPPE-Send-Key', 'octets', { encrypt: 'tunnel-password' }],
      [17, 'MS-MPPE-Recv-Key', 'octets', { encrypt: 'tunnel-password' }],
      [25, 'MS-CHAP2-Response', 'octets'],
      [26, 'MS-CHAP2-Success', 'octets'],
    ],
  },
  {
    vendor: { id: VENDOR.AIRESPACE, name: 'Airespace' },
    rows: [
      [1, 'Airespace-WLAN-Id', 'integer'],
      [5, 'Airespace-Interface-Name', 'text'],
      [6, 'Airespace-ACL-Name', 'text'],
    ],
  },
  {
    vendor: { id: VENDOR.ARUBA, name: 'Aruba' },
    rows: [
      [1, 'Aruba-User-Role', 'text'],
      [2, 'Aruba-User-Vlan', 'integer'],
    ],
  },
];

const toDef = (vendor: number, [type, name, valueType, o = {}]: Row): AttributeDef => ({
  name,
  vendor,
  type,
  valueType,
  tagged: o.tagged ?? false,
  encrypt: o.encrypt ?? 'none',
  ...(o.values ? { values: o.values } : {}),
});

/** Every attribute we know, standard first. Frozen: the dictionary is shared process-wide. */
export const ATTRIBUTES: readonly AttributeDef[] = Object.freeze(
  [...STANDARD.map((r) => toDef(0, r)), ...VENDORS.flatMap((v) => v.rows.map((r) => toDef(v.vendor.id, r)))].map((d) => Object.freeze(d)),
);

export const VENDORS_BY_ID: ReadonlyMap<number, VendorDef> = new Map(VENDORS.map((v) => [v.vendor.id, v.vendor]));

const byName = new Map<string, AttributeDef>();
const byCode = new Map<string, AttributeDef>();
const codeKey = (vendor: number, type: number): string => `${vendor}:${type}`;
for (const d of ATTRIBUTES) {
  // Duplicate rows would make lookups depend on order; fail at import, where a test sees it.
  if (byName.has(d.name.toLowerCase()) || byCode.has(codeKey(d.vendor, d.type))) throw new Error(`duplicate RADIUS dictionary entry ${d.name}`);
  byName.set(d.name.toLowerCase(), d);
  byCode.set(codeKey(d.vendor, d.type), d);
}

/** Case-insensitive, as in FreeRADIUS. */
export function attributeByName(name: string): AttributeDef | undefined {
  return byName.get(name.toLowerCase());
}

/** `vendor` 0 is the standard space; a vendor id looks up a Vendor-Specific sub-attribute. */
export function attributeByCode(type: number, vendor = 0): AttributeDef | undefined {
  return byCode.get(codeKey(vendor, type));
}

/** Like attributeByName, for names that must exist (our own code): a typo fails loudly. */
export function attr(name: string): AttributeDef {
  const d = attributeByName(name);
  if (!d) throw new RangeError(`unknown RADIUS attribute ${name}`);
  return d;
}

export function valueName(def: AttributeDef, n: number): string | undefined {
  if (!def.values) return undefined;
  for (const [k, v] of Object.entries(def.values)) if (v === n) return k;
  return undefined;
}

export function valueByName(def: AttributeDef, name: string): number | undefined {
  return def.values?.[name];
}
