/**
 * Which RADIUS worker holds an EAP conversation. A worker that holds EAP itself writes its index
 * into the first byte of every State it issues; the kernel steers a request carrying a State to
 * that worker's socket when its program finds the State (native/udp-reuseport scans the first 24
 * attributes). A request it could not steer reaches some worker, which reads the tag here and
 * passes the request on.
 */
import { RADIUS_HEADER_BYTES } from '../codec/packet.js';

const STATE = 24;

/** The first byte of the request's first State attribute, read from the raw datagram; undefined without one. */
export function stateTag(msg: Uint8Array): number | undefined {
  for (let at = RADIUS_HEADER_BYTES; at + 2 <= msg.length; ) {
    const length = msg[at + 1]!;
    if (length < 2 || at + length > msg.length) return undefined;
    if (msg[at] === STATE) return length > 2 ? msg[at + 2] : undefined;
    at += length;
  }
  return undefined;
}

/** The worker holding the request's conversation, or undefined for a new conversation (no State). */
export function eapHolder(msg: Uint8Array, workers: number): number | undefined {
  const tag = stateTag(msg);
  return tag === undefined ? undefined : tag % workers;
}
