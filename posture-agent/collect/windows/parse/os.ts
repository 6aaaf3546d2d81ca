/**
 * OS product and version from `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion` (scripts.ts
 * OS_SCRIPT). Version is major.minor.build.UBR ("10.0.22631.4317"), the form Windows itself shows
 * in winver and the form minimum-version rules are written in.
 */
import { FactUnavailable } from '../../contract.js';
import type { OsFact } from '../../../../policy/posture/facts.js';
import { clip, isRecord, num, parsePsJson, text } from '../ps-json.js';

/**
 * Registry ProductName quirks, as data. Windows 11 never updated ProductName: a Windows 11 Pro
 * machine says "Windows 10 Pro"; the build number (22000 was 11's first) tells them apart.
 */
export const PRODUCT_NAME_FIXES: readonly { pattern: RegExp; minBuild: number; replacement: string }[] = [
  { pattern: /^Windows 10\b/, minBuild: 22000, replacement: 'Windows 11' },
];

/** `PROCESSOR_ARCHITECTURE` → the `uname -m` names other platforms report. */
const ARCH: ReadonlyMap<string, string> = new Map([
  ['AMD64', 'x86_64'],
  ['ARM64', 'aarch64'],
  ['x86', 'i686'],
]);

export function productName(reported: string, build: number): string {
  for (const fix of PRODUCT_NAME_FIXES) {
    if (build >= fix.minBuild && fix.pattern.test(reported)) return reported.replace(fix.pattern, fix.replacement);
  }
  return reported;
}

const smallInt = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n < 2 ** 32 ? n : undefined;
};

export function parseOs(stdout: string): OsFact {
  const j = parsePsJson(stdout, 'registry CurrentVersion');
  if (!isRecord(j)) throw new FactUnavailable('registry CurrentVersion: no values printed');
  const name = text(j.ProductName);
  if (name === undefined || name === '') throw new FactUnavailable('registry CurrentVersion: no ProductName');
  const build = smallInt(j.CurrentBuild) ?? smallInt(j.CurrentBuildNumber);
  if (build === undefined) throw new FactUnavailable('registry CurrentVersion: no CurrentBuild');

  const major = smallInt(j.CurrentMajorVersionNumber);
  const minor = smallInt(j.CurrentMinorVersionNumber);
  // Before Windows 10 there are no major/minor numbers, and CurrentVersion ("6.3") is then right.
  const legacy = typeof j.CurrentVersion === 'string' && /^\d{1,5}\.\d{1,5}$/.test(j.CurrentVersion) ? j.CurrentVersion : undefined;
  const majorMinor = major !== undefined && minor !== undefined ? `${major}.${minor}` : legacy;
  if (majorMinor === undefined) throw new FactUnavailable('registry CurrentVersion: no major/minor version');
  const ubr = smallInt(j.UBR);
  const version = `${majorMinor}.${build}${ubr === undefined ? '' : `.${ubr}`}`;

  const fact: OsFact = { family: 'windows', product: clip(productName(name, build), 256), version };
  const displayVersion = text(j.DisplayVersion, 128) || text(j.ReleaseId, 128);
  if (displayVersion) fact.build = displayVersion;
  const arch = text(j.Architecture, 32);
  if (arch) fact.arch = ARCH.get(arch) ?? arch;
  return fact;
}
