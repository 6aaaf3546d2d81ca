/**
 * The synthetic but realistic data every benchmark uses, generated deterministically:
 *
 * - a Debian 12 (bookworm) package universe of 4,000 names with dpkg versions (epochs, `+deb12uN`
 *   and `~deb12uN` revisions, so the dpkg comparator does its real work);
 * - 5,000 Debian advisories over 1,600 of those packages (1-6 per package, CVE ids, release dates
 *   spread over two years, a few released in the last days so grace periods matter);
 * - forbidden-software rules: exact names, globs, version-bounded and platform-scoped ones;
 * - endpoint posture in a realistic mix (mostly healthy; firewall off; pending security updates
 *   inside and past the 14-day grace; vulnerable and forbidden packages; stale AV signatures; an
 *   AV collector that timed out), with an inventory of any size (1,500 packages by default);
 * - owners in groups, two live exceptions and an expired one.
 *
 * Generated, not downloaded, so the benchmark runs offline and always measures the same thing.
 */
import type { PolicyException, Subject } from '../../policy/decide/exception.js';
import type { Policy } from '../../policy/decide/policy.js';
import type { Advisory, ForbiddenRule } from '../../policy/definitions/view.js';
import { BASELINE_POLICY } from '../../policy/bootstrap/baseline-policy.js';
import type { PendingUpdate, PostureFacts } from '../../policy/posture/facts.js';

export const PLATFORM = 'debian:bookworm';
export const ADVISORY_COUNT = 5_000;
export const UNIVERSE_SIZE = 4_000;
export const INVENTORY_SIZE = 1_500;
const DAY_MS = 86_400_000;

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface PackageInfo {
  name: string;
  /** Installed on an up-to-date machine: at or above every fixed version. */
  patched: string;
  /** Below every fixed version (only for packages with advisories). */
  vulnerable?: string;
  advisories: Advisory[];
}

export interface Universe {
  now: Date;
  packages: PackageInfo[];
  /** Installed everywhere. */
  core: PackageInfo[];
  advisories: Advisory[];
  forbidden: ForbiddenRule[];
  /** Packages whose only advisory was released 2-10 days ago: pending updates still in grace. */
  recentlyFixed: PackageInfo[];
  /** Packages whose advisories are all older than 30 days: pending updates past grace. */
  longFixed: PackageInfo[];
}

const CORE = [
  'openssl', 'libssl3', 'openssh-client', 'openssh-server', 'curl', 'libcurl4', 'sudo', 'xz-utils', 'liblzma5', 'bash',
  'coreutils', 'libc6', 'libc-bin', 'linux-image-6.1.0-26-amd64', 'systemd', 'libsystemd0', 'apt', 'dpkg', 'tar', 'gzip',
  'vim-tiny', 'firefox-esr', 'libnss3', 'ca-certificates', 'tzdata', 'perl-base', 'python3.11', 'libexpat1', 'zlib1g', 'libgnutls30',
];
const STEMS = [
  'acl', 'attr', 'audit', 'avahi', 'bind9', 'bluez', 'boost', 'brotli', 'bzip2', 'cairo', 'cups', 'cyrus-sasl', 'dbus', 'dconf', 'e2fs',
  'elfutils', 'enchant', 'evince', 'exif', 'ffi', 'ffmpeg', 'flac', 'fontconfig', 'freetype', 'fribidi', 'fuse', 'gcrypt', 'gdk-pixbuf',
  'ghostscript', 'git', 'glib', 'gmp', 'gnupg', 'gpgme', 'graphite', 'gsasl', 'gstreamer', 'gtk', 'harfbuzz', 'heimdal', 'hunspell',
  'icu', 'idn', 'imagemagick', 'jansson', 'jbig', 'jpeg', 'json-c', 'kmod', 'krb5', 'lcms', 'ldap', 'libarchive', 'libav', 'libbpf',
  'libcap', 'libde265', 'libheif', 'libidn', 'libjxl', 'libpng', 'libproxy', 'libraw', 'librsvg', 'libsndfile', 'libssh', 'libtasn',
  'libtiff', 'libuv', 'libvpx', 'libwebp', 'libx11', 'libxml', 'libxslt', 'libyaml', 'llvm', 'lua', 'lz4', 'mariadb', 'mesa', 'mpfr',
  'ncurses', 'net-snmp', 'nettle', 'nghttp', 'nspr', 'ntfs', 'opus', 'orc', 'p11-kit', 'pam', 'pango', 'pcre', 'pixman', 'poppler',
  'postgresql', 'procps', 'pulseaudio', 'qemu', 'qt', 'readline', 'rsync', 'ruby', 'samba', 'sane', 'sqlite', 'tcl', 'tiff', 'unbound',
  'util-linux', 'vorbis', 'webkit', 'wireshark', 'wpa', 'xerces', 'xorg', 'xz', 'yajl', 'zstd', 'zziplib', 'node', 'golang', 'rust',
];
const PREFIXES = ['', 'lib', 'python3-', 'golang-', 'node-', 'ruby-', 'fonts-', 'gir1.2-'];
const SUFFIXES = ['', '-common', '-dev', '-bin', '-data', '1', '2', '6', '-utils', '-doc'];

const FORBIDDEN: ForbiddenRule[] = [
  { name: 'telnetd', reason: 'Cleartext remote login is prohibited' },
  { name: 'rsh-server', reason: 'Cleartext remote shell is prohibited' },
  { name: 'rsh-redone-server', reason: 'Cleartext remote shell is prohibited' },
  { name: 'nis', reason: 'NIS is not allowed on managed endpoints' },
  { name: 'tftpd-hpa', reason: 'Unauthenticated file transfer servers are prohibited' },
  { name: 'vsftpd', reason: 'FTP servers are prohibited on clients', platform: PLATFORM },
  { name: 'transmission*', reason: 'P2P file sharing is prohibited by policy' },
  { name: 'bittorrent*', reason: 'P2P file sharing is prohibited by policy' },
  { name: 'qbittorrent*', reason: 'P2P file sharing is prohibited by policy' },
  { name: 'aircrack-ng', reason: 'Wireless attack tools are prohibited' },
  { name: 'john', reason: 'Password crackers are prohibited' },
  { name: 'hydra*', reason: 'Password crackers are prohibited' },
  { name: 'teamviewer*', reason: 'Unapproved remote access software' },
  { name: 'anydesk', reason: 'Unapproved remote access software' },
  { name: 'x11vnc', reason: 'Unapproved remote access software', platform: PLATFORM },
  { name: 'putty', reason: 'PuTTY before 0.81 leaks NIST P-521 private keys (CVE-2024-31497)', belowVersion: '0.81', platform: 'windows' },
  { name: 'BitTorrent*', reason: 'P2P file sharing is prohibited by policy', platform: 'windows' },
  { name: 'utorrent*', reason: 'P2P file sharing is prohibited by policy', platform: 'windows' },
  { name: 'xrdp', reason: 'xrdp before 0.9.21 allows pre-auth memory corruption', belowVersion: '0.9.21', platform: PLATFORM },
];

/** Builds the universe, the advisories and the forbidden rules. Deterministic for a given `now`'s day. */
export function buildUniverse(now: Date): Universe {
  const r = rng(0x6b656e);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const names: string[] = [...CORE];
  const seen = new Set(names);
  for (const p of PREFIXES)
    for (const s of STEMS)
      for (const x of SUFFIXES) {
        const n = `${p}${s}${x}`;
        if (!seen.has(n)) {
          seen.add(n);
          names.push(n);
        }
      }
  // Deterministic shuffle of the generated part, then keep UNIVERSE_SIZE names.
  for (let i = names.length - 1; i > CORE.length; i--) {
    const j = CORE.length + Math.floor(r() * (i - CORE.length + 1));
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  names.length = UNIVERSE_SIZE;

  const packages: PackageInfo[] = [];
  const advisories: Advisory[] = [];
  const recentlyFixed: PackageInfo[] = [];
  const longFixed: PackageInfo[] = [];
  let cve = 20000;
  let dsa = 5000;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const epoch = r() < 0.1 ? `${int(r, 1, 3)}:` : '';
    const upstream = `${int(r, 0, 9)}.${int(r, 0, 30)}.${int(r, 0, 20)}`;
    const rev = int(r, 2, 6);
    const tilde = r() < 0.3;
    // Core packages and 40% of the rest have advisories, until there are ADVISORY_COUNT of them.
    const covered = advisories.length < ADVISORY_COUNT && (i < CORE.length || r() < 0.46);
    if (!covered) {
      packages.push({ name, patched: `${epoch}${upstream}-${rev}`, advisories: [] });
      continue;
    }
    const recent = recentlyFixed.length < 40 && i >= CORE.length && r() < 0.05;
    const n = recent ? 1 : Math.min(ADVISORY_COUNT - advisories.length, 1 + Math.floor(r() * r() * 7) + (r() < 0.5 ? 1 : 0));
    const fixed = (k: number) => `${epoch}${upstream}-${rev}${tilde ? '~' : '+'}deb12u${k}`;
    const own: Advisory[] = [];
    // The newest fix lands 1..700 days ago (2..10 for "recent" packages); older ones every ~2 months.
    const newest = today - (recent ? int(r, 2, 10) : int(r, 31, 700)) * DAY_MS;
    for (let k = 1; k <= n; k++) {
      const released = newest - (n - k) * int(r, 20, 90) * DAY_MS;
      const cves = Array.from({ length: int(r, 1, 3) }, () => `CVE-${2023 + int(r, 0, 3)}-${cve++}`);
      own.push({
        id: r() < 0.6 ? `DSA-${dsa++}-1` : `DLA-${dsa++}-1`,
        platform: PLATFORM,
        package: name,
        fixedVersion: fixed(k),
        scheme: 'dpkg',
        releasedAt: isoDate(released),
        cves,
        urgency: pick(r, ['low', 'medium', 'medium', 'high', 'critical'] as const),
      });
    }
    advisories.push(...own);
    const info: PackageInfo = {
      name,
      // Some machines are already past the last fix (a newer Debian revision).
      patched: r() < 0.2 ? `${epoch}${upstream}-${rev + 1}` : fixed(n),
      vulnerable: `${epoch}${upstream}-${rev - 1}`,
      advisories: own,
    };
    packages.push(info);
    if (recent) recentlyFixed.push(info);
    else if (i >= CORE.length) longFixed.push(info); // every advisory of it is at least 31 days old
  }
  return { now, packages, core: packages.slice(0, CORE.length), advisories, forbidden: FORBIDDEN, recentlyFixed, longFixed };
}

// ---------------------------------------------------------------------------------------------
// Endpoints

export type Profile = 'healthy' | 'firewall-off' | 'pending-in-grace' | 'pending-overdue' | 'vulnerable' | 'forbidden' | 'av-stale' | 'av-unknown';

/** Out of 100 endpoints. */
export const PROFILE_MIX: readonly [Profile, number][] = [
  ['healthy', 55],
  ['firewall-off', 10],
  ['pending-in-grace', 8],
  ['pending-overdue', 8],
  ['vulnerable', 10],
  ['forbidden', 3],
  ['av-stale', 3],
  ['av-unknown', 3],
];
const PROFILE_SLOTS: Profile[] = PROFILE_MIX.flatMap(([p, n]) => Array<Profile>(n).fill(p));

/** The profile of endpoint number `i`, spread evenly (37 is coprime with 100). */
export function profileOf(i: number): Profile {
  return PROFILE_SLOTS[(i * 37) % 100]!;
}

export interface EndpointPosture {
  profile: Profile;
  facts: PostureFacts;
  /** Security updates in the report (for firstReported). */
  pendingUpdates: PendingUpdate[];
}

/**
 * Posture facts for one endpoint. `seed` varies the inventory; `inventorySize` is the number of
 * installed packages; `collectedAt` is when every fact was collected.
 */
export function endpointPosture(u: Universe, profile: Profile, seed: number, inventorySize: number, collectedAt: Date): EndpointPosture {
  const r = rng(seed * 7919 + 17);
  const t = collectedAt.toISOString();
  const ok = <T>(value: T) => ({ status: 'ok' as const, value, collectedAt: t, source: 'kenneki-agent' as const });

  // Inventory: the core packages plus a random sample of the rest (at most 40% of the universe,
  // so rejection sampling stays cheap).
  const size = Math.max(u.core.length, Math.min(inventorySize, Math.floor(u.packages.length * 0.4)));
  const chosen = new Map<string, string>();
  const installed: PackageInfo[] = [...u.core];
  for (const p of u.core) chosen.set(p.name, p.patched);
  while (chosen.size < size) {
    const p = u.packages[u.core.length + Math.floor(r() * (u.packages.length - u.core.length))]!;
    if (chosen.has(p.name)) continue;
    chosen.set(p.name, p.patched);
    installed.push(p);
  }

  const updates: PendingUpdate[] = [];
  const vulnerableFrom = (pool: PackageInfo[], n: number, asUpdates: boolean) => {
    for (let k = 0; k < n; k++) {
      const p = pick(r, pool);
      chosen.set(p.name, p.vulnerable!);
      if (asUpdates && !updates.some((x) => x.id === p.name)) updates.push({ id: p.name, package: p.name, version: p.advisories[p.advisories.length - 1]!.fixedVersion, security: true });
    }
  };
  const covered = installed.filter((p) => p.vulnerable !== undefined);
  switch (profile) {
    case 'pending-in-grace':
      vulnerableFrom(u.recentlyFixed, int(r, 1, 3), true);
      break;
    case 'pending-overdue':
      vulnerableFrom(u.longFixed, int(r, 2, 8), true);
      break;
    case 'vulnerable':
      // Installed below a fix, but the update is not (yet) offered: held packages, pinned versions.
      vulnerableFrom(covered, int(r, 2, 5), false);
      break;
    case 'forbidden':
      chosen.set('telnetd', '0.17+2.4-2+deb12u1');
      break;
    default:
      break;
  }
  // Non-security updates are always around; they do not count.
  for (let k = 0, n = int(r, 0, 6); k < n; k++) {
    const p = pick(r, u.packages);
    updates.push({ id: `${p.name}`, package: p.name, version: `${p.patched}.1`, security: false });
  }

  const signatures = profile === 'av-stale' ? new Date(collectedAt.getTime() - 12 * DAY_MS).toISOString() : t;
  const facts: PostureFacts = {
    os: ok({ family: 'linux' as const, product: 'debian', version: pick(r, ['12.5', '12.6', '12.7', '12.8']), build: '6.1.0-26-amd64' }),
    pendingUpdates: ok({ updates, rebootRequired: false }),
    packages: ok({ manager: 'dpkg', packages: [...chosen].map(([name, version]) => ({ name, version })) }),
    antivirus:
      profile === 'av-unknown'
        ? { status: 'unknown', reason: 'collector timed out after 10 s', collectedAt: t, source: 'kenneki-agent' }
        : ok({ products: [{ name: 'ClamAV', running: true, enabled: true, signaturesUpdatedAt: signatures }] }),
    firewall: ok({ profiles: [{ name: 'nftables', enabled: profile !== 'firewall-off' }] }),
    diskEncryption: ok({ systemVolumeProtected: r() < 0.9 }),
    ipForwarding: ok(false),
    factoryDefaultPassword: ok(false),
    secureBoot: ok(r() < 0.85),
    agent: ok({ name: 'kenneki-agent', version: '0.1.0' }),
    deviceId: ok(`dev-${seed.toString(16).padStart(12, '0')}`),
  };
  return { profile, facts, pendingUpdates: updates.filter((x) => x.security) };
}

// ---------------------------------------------------------------------------------------------
// Identity, policy, exceptions

export const GROUP_COUNT = 40;

/** Owners are u000000..; each is in staff, a department, and some in lab-exempt or contractors. */
export function ownerName(i: number): string {
  return `u${String(i).padStart(6, '0')}`;
}

export function groupsOfOwner(i: number): string[] {
  const groups = ['staff', `dept-${String(i % GROUP_COUNT).padStart(2, '0')}`];
  if (i % 20 === 7) groups.push('lab-exempt');
  if (i % 10 === 3) groups.push('contractors');
  return groups;
}

export function subjectOf(endpointId: string, ownerIndex: number): Subject {
  return { endpointId, user: ownerName(ownerIndex), groups: groupsOfOwner(ownerIndex), tags: ['laptop'] };
}

export function baselinePolicy(tenantId: string, now: Date): Policy {
  const at = now.toISOString();
  return { ...structuredClone(BASELINE_POLICY), id: '00000000-0000-4000-8000-000000000001', tenantId, revision: 1, createdAt: at, updatedAt: at };
}

/** Two live exceptions (a group, a user) and an expired one; as the admin API takes them. */
export function exceptionInputs(now: Date): Pick<PolicyException, 'scope' | 'checks' | 'reason' | 'approver' | 'expiresAt'>[] {
  return [
    { scope: { kind: 'group', group: 'lab-exempt' }, checks: ['firewall'], reason: 'lab machines run their own packet filter', approver: 'secops', expiresAt: new Date(now.getTime() + 30 * DAY_MS).toISOString() },
    { scope: { kind: 'user', user: ownerName(42) }, checks: ['*'], reason: 'travelling, reimaging on return', approver: 'secops', expiresAt: new Date(now.getTime() + 7 * DAY_MS).toISOString() },
    { scope: { kind: 'group', group: 'contractors' }, checks: ['disk-encryption'], reason: 'contractor laptops, vendor-managed', approver: 'secops', expiresAt: new Date(now.getTime() - DAY_MS).toISOString() },
  ];
}

export function exceptionsFor(tenantId: string, now: Date): PolicyException[] {
  return exceptionInputs(now).map((e, i) => ({ ...e, id: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, tenantId, createdAt: now.toISOString(), createdBy: 'bench' }));
}

/** The definitions as a kenneki-definitions/1 JSON document, for the HTTP import. */
export function kennekiFeedText(u: Universe): string {
  return JSON.stringify({
    format: 'kenneki-definitions/1',
    feed: 'bench-debian',
    published: u.now.toISOString().slice(0, 10),
    advisories: u.advisories.map((a) => ({ id: a.id, platform: a.platform, package: a.package, fixed: a.fixedVersion, released: a.releasedAt, cves: a.cves, urgency: a.urgency })),
    forbidden: u.forbidden.map((f) => ({
      name: f.name,
      reason: f.reason,
      ...(f.platform ? { platform: f.platform } : {}),
      ...(f.belowVersion ? { below_version: f.belowVersion } : {}),
    })),
  });
}
