/**
 * /etc/os-release (os-release(5)) and /etc/debian_version → the `os` fact.
 *
 * Product is ID, not NAME: ID is lower-case and stable ("debian", "ubuntu", "rhel") where NAME
 * is marketing text that changes between releases, and the server matches products by it.
 */
import type { OsFact } from '../../../../policy/posture/facts.js';
import { excerpt, lines, unavailable } from './text.js';

/**
 * KEY=value assignments with shell-like quoting: values in double quotes take backslash escapes,
 * values in single quotes are literal, unquoted values may escape single characters. Lines that
 * are blank, comments or not assignments are skipped, as the man page asks of readers.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of lines(text)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m === null) continue;
    const value = unquote(m[2] ?? '');
    if (value !== undefined) fields.set(m[1] ?? '', value);
  }
  return fields;
}

/** Undefined for an unterminated quote: such a line is broken, not a value. */
function unquote(raw: string): string | undefined {
  let out = '';
  let i = 0;
  const s = raw.trimEnd();
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '"') {
      const end = scanDouble(s, i + 1);
      if (end === undefined) return undefined;
      out += end.text;
      i = end.next;
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) return undefined;
      out += s.slice(i + 1, close);
      i = close + 1;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function scanDouble(s: string, from: number): { text: string; next: number } | undefined {
  let text = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"') return { text, next: i + 1 };
    // Inside double quotes only these four are escapes; any other backslash is literal.
    if (c === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1] as string)) {
      text += s[i + 1];
      i++;
    } else text += c;
  }
  return undefined;
}

/** ID and VERSION_ID are restricted to these characters by os-release(5). */
const OS_TOKEN = /^[a-z0-9._-]+$/;
const POINT_RELEASE = /^\d+\.\d+$/;

export interface UnameInfo {
  release?: string | undefined;
  machine?: string | undefined;
}

/**
 * Debian's VERSION_ID is only the major ("12"); /etc/debian_version has the point release
 * ("12.7"), which is what a minimum-version rule needs. It is used only when it extends
 * VERSION_ID: on Ubuntu that file says "bookworm/sid", and on testing "trixie/sid".
 */
export function toOsFact(osRelease: string, debianVersion?: string, uname: UnameInfo = {}): OsFact {
  const f = parseOsRelease(osRelease);
  // os-release(5): when ID is not set, "linux" is the default.
  const product = (f.get('ID') ?? 'linux').toLowerCase();
  if (product.length > 64 || !OS_TOKEN.test(product)) unavailable(`os-release ID ${excerpt(product, 40)} is not an os-release token`);
  // Rolling distributions (Arch) have no VERSION_ID; BUILD_ID ("rolling") is what they offer.
  let version = f.get('VERSION_ID') ?? f.get('BUILD_ID');
  if (version === undefined) unavailable('os-release has neither VERSION_ID nor BUILD_ID');
  if (version.length > 64 || !OS_TOKEN.test(version.toLowerCase())) unavailable(`os-release VERSION_ID ${excerpt(version, 40)} is not a version`);
  const point = debianVersion?.trim();
  if (product === 'debian' && point !== undefined && POINT_RELEASE.test(point) && point.startsWith(`${version}.`)) version = point;

  const fact: OsFact = { family: 'linux', product, version };
  const build = singleLine(uname.release, 128);
  const arch = singleLine(uname.machine, 32);
  if (build !== undefined) fact.build = build;
  if (arch !== undefined) fact.arch = arch;
  return fact;
}

/** uname's answer is informational: anything odd is dropped rather than failing the OS fact. */
function singleLine(text: string | undefined, max: number): string | undefined {
  const t = text?.trim();
  return t !== undefined && t.length > 0 && t.length <= max && !/\s/.test(t) ? t : undefined;
}
