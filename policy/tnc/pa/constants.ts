/**
 * PA-TNC (RFC 5792) numbers in one place, so the codecs, the IMV logic and the tests never repeat
 * a magic number. Values are from docs/nea-wire.md and the IANA registries it cites.
 */

/** Every PA-TNC attribute header is Flags(8) Vendor(24) Type(32) Length(32). */
export const PA_ATTRIBUTE_HEADER_LENGTH = 12;
/** Version(8) Reserved(24) Message Identifier(32). */
export const PA_MESSAGE_HEADER_LENGTH = 8;
/** The only PA-TNC version there is; a peer sending anything else gets Version Not Supported. */
export const PA_VERSION = 1;
/** Flags bit: the receiver must not skip this attribute if it does not understand it. */
export const NOSKIP_FLAG = 0x80;

/** 24-bit IANA Private Enterprise Numbers used as PA-TNC vendor ids. */
export const VENDOR = {
  IETF: 0,
  TCG: 0x005597,
  ITA_HSR: 0x00902a,
  DEBIAN: 9586,
  CANONICAL: 28978,
} as const;
/** RFC 5792 reserves vendor 0xffffff; seeing it on the wire is an Invalid Parameter. */
export const VENDOR_RESERVED = 0xffffff;

/** IETF (vendor 0) attribute types, RFC 5792 §4.2. */
export const IETF_ATTR = {
  TESTING: 0,
  ATTRIBUTE_REQUEST: 1,
  PRODUCT_INFORMATION: 2,
  NUMERIC_VERSION: 3,
  STRING_VERSION: 4,
  OPERATIONAL_STATUS: 5,
  PORT_FILTER: 6,
  INSTALLED_PACKAGES: 7,
  PA_TNC_ERROR: 8,
  ASSESSMENT_RESULT: 9,
  REMEDIATION_INSTRUCTIONS: 10,
  FORWARDING_ENABLED: 11,
  FACTORY_DEFAULT_PASSWORD_ENABLED: 12,
} as const;

/** Component types: the PA subtype a PB-PA message carries (RFC 5792 §7.2, plus SWIMA RFC 8412). */
export const PA_SUBTYPE = {
  TESTING: 0,
  OPERATING_SYSTEM: 1,
  ANTI_VIRUS: 2,
  ANTI_SPYWARE: 3,
  ANTI_MALWARE: 4,
  FIREWALL: 5,
  IDPS: 6,
  VPN: 7,
  NEA_CLIENT: 8,
  SWIMA: 9,
} as const;

/** strongSwan's OS IMC sends the machine-id as ITA-HSR attribute type 8 ("Device ID"). */
export const ITA_HSR_DEVICE_ID_TYPE = 8;

/** Operational Status field values (RFC 5792 §4.2.5). */
export const OPERATIONAL_STATUS = { UNKNOWN: 0, NOT_INSTALLED: 1, INSTALLED: 2, OPERATIONAL: 3 } as const;
export const OPERATIONAL_RESULT = { UNKNOWN: 0, SUCCESSFUL: 1, ERRORED: 2, UNSUCCESSFUL: 3 } as const;

/** Forwarding Enabled values (RFC 5792 §4.2.11). */
export const FORWARDING = { DISABLED: 0, ENABLED: 1, UNKNOWN: 2 } as const;

/** IETF Remediation Parameters types (RFC 5792 §4.2.10). */
export const REMEDIATION_PARAMS = { URI: 1, STRING: 2 } as const;

/**
 * Kenneki's own PA-TNC vendor id, for what IETF does not define (disk encryption, AV signature
 * age, pending updates, host-firewall rules). Kenneki has no IANA Private Enterprise Number of its
 * own, so the default is 32473, the PEN RFC 5612 reserves for documentation and examples: it can
 * never belong to a real vendor, so Kenneki's attributes cannot collide with anyone's, and anyone
 * reading a capture sees at once it is a placeholder. A deployment that registers its own PEN
 * sets `pt_tls.vendor_id`; server and agent must then agree on it.
 */
export const KENNEKI_VENDOR_ID = 32473;

/** The PA subtype (component type) of Kenneki's posture component, under KENNEKI_VENDOR_ID. */
export const KENNEKI_PA_SUBTYPE = { POSTURE: 1 } as const;

/**
 * Kenneki attribute types under KENNEKI_VENDOR_ID. Types 1–6 are posture facts the agent sends
 * (tnc/pa/kenneki-attributes.ts maps each to its FactKey); QUARANTINE_RULES goes the other way,
 * in the RESULT batch, for the agent's host firewall; FACT_UNAVAILABLE says a collector failed.
 */
export const KENNEKI_ATTR = {
  ANTIVIRUS: 1,
  FIREWALL: 2,
  DISK_ENCRYPTION: 3,
  PENDING_UPDATES: 4,
  SECURE_BOOT: 5,
  AGENT: 6,
  QUARANTINE_RULES: 7,
  /** A fact the agent could not collect, and why: `{fact, reason}`. Any fact key, IETF ones too. */
  FACT_UNAVAILABLE: 8,
} as const;
