/**
 * `lsblk -J -o NAME,TYPE,MOUNTPOINT[,MOUNTPOINTS]` → whether the root filesystem is encrypted.
 *
 * lsblk prints each disk as a tree of what is stacked on it: disk → part → crypt → lvm. A
 * filesystem is encrypted when a `crypt` device (dm-crypt: LUKS or plain) is among its
 * ancestors, or is itself the mounted device. The system volume is the one mounted at `/`; a
 * LUKS volume elsewhere (a second disk) protects only itself. When `/` appears more than once
 * (a volume group spanning two disks) every path must go through a crypt device: an unencrypted
 * physical volume holds part of the data in the clear.
 *
 * util-linux ≥ 2.37 lists every mount of a device in MOUNTPOINTS (btrfs subvolumes: "/" and
 * "/home" on one device); older versions only MOUNTPOINT. Both are read.
 *
 * An open dm-crypt mapping protects data at rest: LUKS has no "encrypted but protection
 * suspended" state like BitLocker's, so protected = encrypted. Loop devices (snaps, images)
 * and optical drives are not volumes of the machine and are left out.
 */
import type { DiskEncryptionFact } from '../../../../policy/posture/facts.js';
import { excerpt, unavailable } from './text.js';

type Json = Record<string, unknown>;
type Volume = NonNullable<DiskEncryptionFact['volumes']>[number];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const SKIPPED_TYPES = new Set(['loop', 'rom']);
const MAX_VOLUMES = 64;
const MAX_DEPTH = 32;

interface Mounted {
  name: string;
  mounts: string[];
  encrypted: boolean;
}

export function parseLsblk(text: string): DiskEncryptionFact {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    unavailable(`lsblk -J printed no JSON: ${excerpt(text)}`);
  }
  if (!isObject(doc) || !Array.isArray(doc.blockdevices)) unavailable(`lsblk -J printed no "blockdevices": ${excerpt(text)}`);

  const mounted: Mounted[] = [];
  const walk = (node: unknown, encryptedAbove: boolean, depth: number): void => {
    if (!isObject(node) || depth > MAX_DEPTH) return;
    const type = typeof node.type === 'string' ? node.type : '';
    if (SKIPPED_TYPES.has(type)) return;
    const encrypted = encryptedAbove || type === 'crypt';
    const mounts = mountsOf(node);
    if (mounts.length > 0 && typeof node.name === 'string') mounted.push({ name: node.name, mounts, encrypted });
    if (Array.isArray(node.children)) for (const child of node.children) walk(child, encrypted, depth + 1);
  };
  for (const dev of doc.blockdevices) walk(dev, false, 0);

  const roots = mounted.filter((m) => m.mounts.includes('/'));
  if (roots.length === 0) unavailable('the root filesystem is on no block device lsblk lists (overlay, NFS or ZFS root?)');
  const systemVolumeProtected = roots.every((r) => r.encrypted);

  const volumes = new Map<string, Volume>();
  // The system volume first, so that the cap never drops it.
  for (const m of [...roots, ...mounted]) {
    const system = m.mounts.includes('/');
    const name = (system ? '/' : (m.mounts[0] ?? m.name)).slice(0, 256);
    const prior = volumes.get(name);
    // A spanning volume listed twice is encrypted only if every copy is.
    const encrypted = prior === undefined ? m.encrypted : prior.encrypted && m.encrypted;
    volumes.set(name, { name, encrypted, protected: encrypted, system });
  }
  return { systemVolumeProtected, volumes: [...volumes.values()].slice(0, MAX_VOLUMES) };
}

function mountsOf(node: Json): string[] {
  const all = [node.mountpoint, ...(Array.isArray(node.mountpoints) ? node.mountpoints : [])];
  return [...new Set(all.filter((m): m is string => typeof m === 'string' && m.length > 0))];
}
