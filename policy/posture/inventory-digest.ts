/**
 * A package inventory's identity: its JSON and the SHA-256 of that JSON. The store files an
 * inventory under this hash (once per endpoint and content), and the packages check memoises its
 * judgement under it: a fleet reports the same inventories again and again, and identical content
 * needs judging once per definitions import, not once per report.
 *
 * Computed once per inventory object (a report's, or one parsed from the store, whose hash is
 * already known) and remembered beside it. Inventories are never mutated once reported, which is
 * what makes remembering by object safe.
 */
import { createHash } from 'node:crypto';

export interface InventoryDigest {
  /** JSON.stringify of the inventory value: what the store keeps. */
  json: string;
  /** SHA-256 of `json`, base64url: the store's key and the memo's. */
  hash: string;
}

const digests = new WeakMap<object, InventoryDigest>();

export function inventoryDigest(value: object): InventoryDigest {
  let d = digests.get(value);
  if (d === undefined) {
    const json = JSON.stringify(value);
    d = { json, hash: createHash('sha256').update(json).digest('base64url') };
    digests.set(value, d);
  }
  return d;
}

/**
 * Records the digest of an inventory parsed from stored JSON: `json` is what was stored and
 * `hash` the key it was stored under, so re-evaluating stored posture hashes nothing again.
 */
export function rememberDigest(value: object, digest: InventoryDigest): void {
  digests.set(value, digest);
}
