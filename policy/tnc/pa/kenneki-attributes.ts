/**
 * Kenneki's vendor attributes: what IETF PA-TNC does not define, under Kenneki's vendor id
 * (KENNEKI_VENDOR_ID, or the deployment's own `pt_tls.vendor_id`, hence the `vendor` parameter).
 *
 * Each value is the UTF-8 JSON of one posture fact's value, validated with the very schema the
 * HTTP posture route uses (posture/schema.ts FACT_VALUE_SCHEMAS), so an agent reporting over
 * PT-TLS is held to exactly the rules it would meet over HTTP. JSON rather than a binary layout:
 * these facts are nested and still evolving, and the schema already bounds them.
 *
 * Decoding a bad value throws the codec's WireError (PA-TNC Invalid Parameter) naming the attribute
 * and the problem; nothing else may escape (the property tests hold it to that).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { formatAjvErrors } from '../../config/errors-format.js';
import type { QuarantineAllow, Verdict } from '../../decide/policy.js';
import { MAX_QUARANTINE_ALLOW } from '../../decide/quarantine-allow.js';
import { QuarantineAllowSchema } from '../../decide/schema.js';
import type { FactKey, FactValues } from '../../posture/facts.js';
import { FACT_VALUE_SCHEMAS } from '../../posture/schema.js';
import { validatorFor } from '../../posture/value-validator.js';
import { Enum } from '../../util/schema.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { KENNEKI_ATTR } from './constants.js';
import type { PaAttribute } from './message.js';

/**
 * Attribute type → the fact it carries: the facts IETF has no attribute for. OS, packages, IP
 * forwarding, factory default password and the device id come as IETF / ITA-HSR attributes.
 */
export const KENNEKI_FACT_TYPES = {
  antivirus: KENNEKI_ATTR.ANTIVIRUS,
  firewall: KENNEKI_ATTR.FIREWALL,
  diskEncryption: KENNEKI_ATTR.DISK_ENCRYPTION,
  pendingUpdates: KENNEKI_ATTR.PENDING_UPDATES,
  secureBoot: KENNEKI_ATTR.SECURE_BOOT,
  agent: KENNEKI_ATTR.AGENT,
} as const satisfies Partial<Record<FactKey, number>>;

export type KennekiFactKey = keyof typeof KENNEKI_FACT_TYPES;

const FACT_BY_TYPE: ReadonlyMap<number, KennekiFactKey> = new Map(
  (Object.entries(KENNEKI_FACT_TYPES) as [KennekiFactKey, number][]).map(([key, type]) => [type, key]),
);

export const kennekiFactOfType = (type: number): KennekiFactKey | undefined => FACT_BY_TYPE.get(type);

/**
 * Per attribute value. The schema allows 5,000 pending updates, which as JSON can pass 64 KiB on
 * a badly neglected machine; 256 KiB still keeps a hostile attribute's parse cheap.
 */
export const MAX_KENNEKI_VALUE_BYTES = 256 * 1024;

/** What the agent's host firewall needs on `isolate`: the verdict, and where it may still go. */
export interface QuarantineRules {
  verdict: Verdict;
  allow: QuarantineAllow[];
}

/** The policy's entries plus the remediation page's host (decide/quarantine-allow.ts), hence + 1. */
const QuarantineRulesSchema = Type.Object(
  { verdict: Enum(['allow', 'isolate', 'deny']), allow: Type.Array(QuarantineAllowSchema, { maxItems: MAX_QUARANTINE_ALLOW + 1 }) },
  { additionalProperties: false },
);

// Fatal on bad UTF-8, like the IETF codec; a BOM is kept, and JSON.parse then rejects it.
const TEXT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const invalid = (what: string, problem: string): WireError =>
  new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, `Kenneki attribute ${what}: ${problem}`, 0);

/** UTF-8 JSON → a value the schema accepts, or a WireError naming `what` and the first problem. */
function decodeJson(value: Uint8Array, schema: TSchema, what: string): unknown {
  if (value.length > MAX_KENNEKI_VALUE_BYTES) throw invalid(what, `value of ${value.length} bytes exceeds ${MAX_KENNEKI_VALUE_BYTES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(TEXT.decode(value));
  } catch {
    throw invalid(what, 'value is not UTF-8 JSON');
  }
  const check = validatorFor(schema);
  if (!check(parsed)) throw invalid(what, formatAjvErrors(check.errors, parsed)[0] ?? 'value does not match its schema');
  return parsed;
}

/** Encoder input that fails the schema is our bug, not the peer's: RangeError. */
function encodeJson(vendor: number, type: number, value: unknown, schema: TSchema, what: string): PaAttribute {
  const check = validatorFor(schema);
  if (!check(value)) throw new RangeError(`Kenneki attribute ${what}: ${formatAjvErrors(check.errors, value).join('; ')}`);
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (bytes.length > MAX_KENNEKI_VALUE_BYTES) throw new RangeError(`Kenneki attribute ${what}: value too long`);
  return { noskip: false, vendor, type, value: bytes };
}

export function encodeKennekiFact<K extends KennekiFactKey>(vendor: number, key: K, value: FactValues[K]): PaAttribute {
  return encodeJson(vendor, KENNEKI_FACT_TYPES[key], value, FACT_VALUE_SCHEMAS[key], key);
}

export type KennekiFact = { [K in KennekiFactKey]: { key: K; value: FactValues[K] } }[KennekiFactKey];

/** The fact an attribute carries; undefined when it is not a Kenneki fact type under `vendor`. */
export function decodeKennekiFact(a: PaAttribute, vendor: number): KennekiFact | undefined {
  if (a.vendor !== vendor) return undefined;
  const key = kennekiFactOfType(a.type);
  if (key === undefined) return undefined;
  return { key, value: decodeJson(a.value, FACT_VALUE_SCHEMAS[key], key) } as KennekiFact;
}

/**
 * A fact the agent tried and failed to collect (a timeout, a missing tool), so the server records
 * `unknown` with the agent's reason instead of a silent absence: the admin sees "firewall: ufw
 * timed out after 10000 ms", and policy decides what unknown means. Any fact key may be named,
 * IETF-carried ones included, since IETF attributes have no way to say "could not tell".
 */
export interface FactUnavailable {
  fact: FactKey;
  reason: string;
}

const FactUnavailableSchema = Type.Object(
  { fact: Enum(Object.keys(FACT_VALUE_SCHEMAS) as [FactKey, ...FactKey[]]), reason: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export function encodeFactUnavailable(vendor: number, u: FactUnavailable): PaAttribute {
  return encodeJson(vendor, KENNEKI_ATTR.FACT_UNAVAILABLE, u, FactUnavailableSchema, 'fact unavailable');
}

/** The fact-unavailable notice an attribute carries; undefined when it is not one under `vendor`. */
export function decodeFactUnavailable(a: PaAttribute, vendor: number): FactUnavailable | undefined {
  if (a.vendor !== vendor || a.type !== KENNEKI_ATTR.FACT_UNAVAILABLE) return undefined;
  return decodeJson(a.value, FactUnavailableSchema, 'fact unavailable') as FactUnavailable;
}

/** Skippable: an older agent that predates the attribute must still accept the RESULT batch. */
export function encodeQuarantineRules(vendor: number, rules: QuarantineRules): PaAttribute {
  return encodeJson(vendor, KENNEKI_ATTR.QUARANTINE_RULES, rules, QuarantineRulesSchema, 'quarantine rules');
}

/** For the agent (and the tests): the rules a RESULT batch carried. */
export function decodeQuarantineRules(a: PaAttribute): QuarantineRules {
  return decodeJson(a.value, QuarantineRulesSchema, 'quarantine rules') as QuarantineRules;
}
