/**
 * What the RADIUS server needs from an EAP implementation (gateway/radius/eap/): one call per
 * Access-Request that carries EAP-Message. The server owns RADIUS (State, fragmentation of
 * EAP-Message, Message-Authenticator, MPPE key hiding, placement); the EAP side owns the
 * conversation, keyed by the State it hands out.
 */
import type { NasClient } from './nas-clients.js';

export interface EapRequest {
  /** The NAS asking: a State answers only the NAS it was given to, in its tenant. */
  client: Pick<NasClient, 'name' | 'tenantId'>;
  /** The reassembled EAP packet. */
  eap: Buffer;
  /** The State attribute, when the NAS echoed one. */
  state?: Buffer;
  /** Calling-Station-Id as a canonical MAC, when it is one (EAP threads keep a device on one thread). */
  mac?: string;
}

export type EapAnswer =
  | { kind: 'challenge'; eap: Buffer; state: Buffer }
  | {
      kind: 'success';
      eap: Buffer;
      /** The authenticated identity: the user (TTLS/PAP, PEAP) or the certificate's subject (TLS). */
      identity: string;
      method: string;
      /** Set when a device certificate names a Kenneki device id (its CN): the endpoint is found by it. */
      deviceId?: string;
      /** The directory is down and never confirmed the user (fail mode): place no better than quarantine. */
      held?: boolean;
      /** 64-byte MSK: MS-MPPE-Recv-Key is its first half, MS-MPPE-Send-Key its second (RFC 5216 §2.3). */
      msk?: Buffer;
    }
  | { kind: 'failure'; eap: Buffer; reason: string }
  /** Nothing to answer (unknown or expired State, round-trip limit): the request is dropped and counted. */
  | { kind: 'discard'; reason: string };

export interface EapPort {
  handle(req: EapRequest): Promise<EapAnswer>;
}
