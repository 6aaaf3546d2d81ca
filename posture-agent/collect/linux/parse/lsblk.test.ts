import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseLsblk } from './lsblk.js';

describe('parseLsblk', () => {
  test('root on LUKS via LVM (crypt → lvm → /): protected, with every volume under the crypt', () => {
    expect(parseLsblk(fixture('lsblk.root-luks-lvm.json'))).toEqual({
      systemVolumeProtected: true,
      volumes: [
        { name: '/', encrypted: true, protected: true, system: true },
        { name: '/boot/efi', encrypted: false, protected: false, system: false },
        { name: '/boot', encrypted: false, protected: false, system: false },
        { name: '[SWAP]', encrypted: true, protected: true, system: false },
        { name: '/home', encrypted: true, protected: true, system: false },
      ],
    });
  });

  test('LUKS on a second disk only: the system volume is not protected, the data volume is listed encrypted', () => {
    expect(parseLsblk(fixture('lsblk.luks-second-disk.json'))).toEqual({
      systemVolumeProtected: false,
      volumes: [
        { name: '/', encrypted: false, protected: false, system: true },
        { name: '/boot/efi', encrypted: false, protected: false, system: false },
        { name: '/srv/data', encrypted: true, protected: true, system: false },
      ],
    });
  });

  test('util-linux without MOUNTPOINTS, root directly on a crypt device', () => {
    expect(parseLsblk(fixture('lsblk.legacy-root-luks.json'))).toEqual({
      systemVolumeProtected: true,
      volumes: [
        { name: '/', encrypted: true, protected: true, system: true },
        { name: '/boot/efi', encrypted: false, protected: false, system: false },
        { name: '/boot', encrypted: false, protected: false, system: false },
      ],
    });
  });

  test('btrfs root as one of several MOUNTPOINTS, no encryption', () => {
    expect(parseLsblk(fixture('lsblk.btrfs-plain.json'))).toEqual({
      systemVolumeProtected: false,
      volumes: [
        { name: '/', encrypted: false, protected: false, system: true },
        { name: '[SWAP]', encrypted: false, protected: false, system: false },
      ],
    });
  });

  test('a root volume group spanning an encrypted and a plain disk is not protected', () => {
    const lv = { name: 'vg-root', type: 'lvm', mountpoint: '/' };
    const doc = {
      blockdevices: [
        { name: 'sda', type: 'disk', children: [{ name: 'sda_crypt', type: 'crypt', children: [lv] }] },
        { name: 'sdb', type: 'disk', children: [lv] },
      ],
    };
    expect(parseLsblk(JSON.stringify(doc)).systemVolumeProtected).toBe(false);
  });

  test('no root among the block devices (container, NFS root) is unavailable', () => {
    expect(() => parseLsblk('{"blockdevices": [{"name": "sda", "type": "disk", "mountpoint": null}]}')).toThrow(FactUnavailable);
    expect(() => parseLsblk('lsblk: unknown column: MOUNTPOINTS')).toThrow(FactUnavailable);
  });
});
