/**
 * XProtect's version, from the three places it can be read: the `xprotect version` tool (macOS
 * 15+), an XProtect.bundle Info.plist read as XML, or `defaults read` of that plist (binary too).
 * XProtect numbers are plain integers ("2193" on Sonoma, "5280" on Sequoia).
 */
import { FactUnavailable } from '../../contract.js';

const XPROTECT_VERSION = /^\d{1,9}(\.\d{1,9}){0,3}$/;

function checked(v: string, where: string): string {
  if (!XPROTECT_VERSION.test(v)) throw new FactUnavailable(`${where}: not an XProtect version: ${JSON.stringify(v.slice(0, 40))}`);
  return v;
}

/**
 * `xprotect version` → the version XProtect uses, or undefined when it reports version 0: Sequoia
 * says 0 while the bundle under /var/protected is not installed yet, so an older place may still
 * tell the truth.
 */
export function parseXProtectVersionTool(text: string): string | undefined {
  const m = /^\s*Version:\s*(\S+)\s*$/im.exec(text) ?? /^\s*(\d+)\s*$/.exec(text);
  if (m === null) throw new FactUnavailable('xprotect version printed no Version line');
  const v = checked(m[1] as string, 'xprotect version');
  return /^0+$/.test(v) ? undefined : v;
}

/** XML Info.plist → CFBundleShortVersionString. A binary plist needs `defaults read` instead. */
export function parseInfoPlistVersion(text: string): string {
  if (text.startsWith('bplist')) throw new FactUnavailable('Info.plist is a binary plist');
  const m = /<key>\s*CFBundleShortVersionString\s*<\/key>\s*<string>\s*([^<]*?)\s*<\/string>/.exec(text);
  if (m === null) throw new FactUnavailable('Info.plist has no CFBundleShortVersionString');
  return checked(m[1] as string, 'Info.plist');
}

/** `defaults read <plist> CFBundleShortVersionString` prints the bare value. */
export function parseDefaultsVersion(text: string): string {
  return checked(text.trim(), 'defaults read');
}
