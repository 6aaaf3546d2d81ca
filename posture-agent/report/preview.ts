/**
 * `kenneki-agent show-report`: exactly what the agent would send, without sending it (seed 000:
 * the user must be able to know what is collected). The attributes are built by the same code
 * that sends them, then read back with the server's own mapping (policy/tnc/imv), so the facts
 * shown are the facts the server would store — field for field, not a description of them.
 */
import type { FactKey, PostureFacts } from '../../policy/posture/facts.js';
import { mapOsAttributes } from '../../policy/tnc/imv/os-attributes.js';
import { kennekiImv } from '../../policy/tnc/imv/kenneki-imv.js';
import { ITA_HSR_DEVICE_ID_TYPE, KENNEKI_ATTR, VENDOR } from '../../policy/tnc/pa/constants.js';
import { decodeIetfAttribute } from '../../policy/tnc/pa/ietf-attributes.js';
import type { PaAttribute } from '../../policy/tnc/pa/message.js';
import type { FactSource } from '../fact-source.js';
import { UNPROMPTED, attributesFor } from './attributes.js';

export interface PreviewAttribute {
  component: 'operating-system' | 'kenneki';
  vendor: number;
  type: number;
  name: string;
  /** Value bytes on the wire (without the 12-byte header). */
  bytes: number;
  value: unknown;
}

export interface ReportPreview {
  /** Sent in the first batch of every assessment. */
  unprompted: FactKey[];
  /** Sent because the server asked for them last time (its policies need them). */
  onRequest: FactKey[];
  attributes: PreviewAttribute[];
  /** As the server maps the attributes: what it would store. */
  facts: PostureFacts;
}

const KENNEKI_NAMES: Record<number, string> = Object.fromEntries(Object.entries(KENNEKI_ATTR).map(([k, v]) => [v, `Kenneki ${k.toLowerCase().replaceAll('_', '-')}`]));
const TEXT = new TextDecoder();

function describe(a: PaAttribute, component: PreviewAttribute['component'], vendorId: number): PreviewAttribute {
  const base = { component, vendor: a.vendor, type: a.type, bytes: a.value.length };
  if (a.vendor === VENDOR.ITA_HSR && a.type === ITA_HSR_DEVICE_ID_TYPE) return { ...base, name: 'ITA-HSR device-id', value: TEXT.decode(a.value) };
  if (a.vendor === vendorId) return { ...base, name: KENNEKI_NAMES[a.type] ?? `Kenneki ${a.type}`, value: JSON.parse(TEXT.decode(a.value)) as unknown };
  const d = decodeIetfAttribute(a);
  if (d === undefined) return { ...base, name: `vendor ${a.vendor} type ${a.type}`, value: Buffer.from(a.value).toString('base64') };
  const { type, ...fields } = d;
  return { ...base, name: `IETF ${type}`, value: fields };
}

export async function previewReport(source: FactSource, lastRequested: readonly FactKey[], vendorId: number, now: Date): Promise<ReportPreview> {
  const onRequest = [...new Set(lastRequested)].filter((k) => !UNPROMPTED.includes(k));
  const keys = [...UNPROMPTED, ...onRequest];
  const facts = await source.facts(keys);
  const attrs = attributesFor(facts, keys, vendorId);
  const at = now.toISOString();
  const mapped: PostureFacts = { ...mapOsAttributes(attrs.os, at).facts, ...kennekiImv(vendorId).map(attrs.kenneki, at).facts };
  return {
    unprompted: [...UNPROMPTED],
    onRequest,
    attributes: [...attrs.os.map((a) => describe(a, 'operating-system', vendorId)), ...attrs.kenneki.map((a) => describe(a, 'kenneki', vendorId))],
    facts: mapped,
  };
}
