import { expect, test } from 'vitest';
import { VENDOR } from '../pa/constants.js';
import { productOf } from './products.js';

test.each<[number, string, string, string]>([
  [VENDOR.DEBIAN, 'Debian', 'Debian', 'linux'],
  [VENDOR.CANONICAL, ' Ubuntu ', 'Ubuntu', 'linux'],
  [0, 'Linux Mint', 'Linux Mint', 'linux'],
  [0, 'Fedora Linux', 'Fedora Linux', 'linux'],
  [311, 'Windows 10 Enterprise', 'Windows 10 Enterprise', 'windows'],
  [0, 'Microsoft Windows Server 2022', 'Microsoft Windows Server 2022', 'windows'],
  [63, 'macOS', 'macOS', 'macos'],
  [63, 'Mac OS X', 'Mac OS X', 'macos'],
  [0, 'FreeBSD', 'FreeBSD', 'other'],
  [311, 'Xbox OS', 'Xbox OS', 'windows'], // unknown name: the vendor's family
  [311, '', 'Windows', 'windows'],
  [63, '', 'macOS', 'macos'],
])('vendor %d name %j → %s (%s)', (vendor, name, product, family) => {
  expect(productOf(vendor, 0, name)).toEqual({ product, family });
});
