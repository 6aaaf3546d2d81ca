/**
 * The PT-TLS bench clients' pre-encoded wire messages, shared by the Node load generator
 * (pt-tls-load.ts) and the input file of the C one (pt-tls-cload.ts, ptload/ptload.c): each
 * client spends its CPU on TLS and the assessment, not on encoding.
 */
import { ITA_HSR_DEVICE_ID_TYPE, VENDOR } from '../../policy/tnc/pa/constants.js';
import { encodeIetfAttribute } from '../../policy/tnc/pa/ietf-attributes.js';
import { BatchType, encodeBatch, type BatchTypeValue, type PbMessage } from '../../policy/tnc/pb/batch.js';
import { TestClient, debian12Attributes } from '../../policy/tnc/broker/test-client.js';
import { ptMessage } from '../../policy/tnc/pt/bodies.js';
import { encodePtMessage } from '../../policy/tnc/pt/message.js';
import { utf8Bytes } from '../../policy/tnc/bytes.js';
import { machineId } from './pt-tls-machines.js';

/** One machine's first CDATA (language preference + OS attributes with its device id) and its
 *  Installed Packages CDATA (the answer to the server's SDATA); `packages` is shared between the
 *  machines that have the same inventory. */
export interface MachineWire {
  cdata: Buffer;
  packages: Buffer;
}

const codec = new TestClient();
const pt = (type: BatchTypeValue, messages: PbMessage[], id: number) => encodePtMessage(ptMessage({ type: 7, batch: encodeBatch({ fromServer: false, type, messages }) }, id));

/** PT-TLS Version Request (min = max = pref = 1). */
export const VERSION_REQUEST = encodePtMessage(ptMessage({ type: 1, min: 1, max: 1, pref: 1 }, 0));
/** The client's PB-TNC CLOSE batch. */
export const CLOSE_BATCH = pt(BatchType.CLOSE, [], 4);

/** SASL Mechanism Selection PLAIN with its initial response (empty authzid). */
export function saslPlain(user: string, password: string): Buffer {
  return encodePtMessage(ptMessage({ type: 4, name: 'PLAIN', initial: utf8Bytes(`\0${user}\0${password}`) }, 1));
}

/** Machine i's messages: device id machineId(i), inventory inventories[i % length]. */
export function machineWires(devices: number, inventories: { name: string; version: string }[][]): MachineWire[] {
  const packages = inventories.map((inv) => pt(BatchType.CDATA, [codec.osPa([encodeIetfAttribute({ type: 'installed-packages', packages: inv })], 2)], 3));
  const base = debian12Attributes();
  const idAt = base.findIndex((a) => a.vendor === VENDOR.ITA_HSR && a.type === ITA_HSR_DEVICE_ID_TYPE);
  return Array.from({ length: devices }, (_, i) => {
    const attrs = [...base];
    attrs[idAt] = { ...base[idAt]!, value: utf8Bytes(machineId(i)) };
    return { cdata: pt(BatchType.CDATA, [codec.languagePreference('en'), codec.osPa(attrs)], 2), packages: packages[i % packages.length]! };
  });
}
