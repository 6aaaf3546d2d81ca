/**
 * The posture model: raw facts about an endpoint, as collected by an IMC (Kenneki's agent, or a
 * standard NEA client whose IETF attributes are mapped into this shape), or posted as JSON.
 *
 * The agent reports facts, never judgements: "firewall profile Public is off", not "I am
 * compliant". Verifiers on the server judge them (IMC/IMV split).
 *
 * Every fact carries its own collection time and source, because a collector may time out while
 * the others succeed, and because the server keeps the last known value with its age.
 */

export type OsFamily = 'linux' | 'windows' | 'macos' | 'other';

export interface OsFact {
  family: OsFamily;
  /** Product as reported, e.g. "debian", "ubuntu", "Windows 11 Pro", "macOS". Lower-cased when matched. */
  product: string;
  /** Version as reported: "12.7", "10.0.22631.4317" (build + UBR), "15.1". */
  version: string;
  /** Kernel release (`uname -r`) or DisplayVersion ("23H2"); informational. */
  build?: string;
  /** Machine architecture (`uname -m`: "x86_64", "aarch64"); informational. */
  arch?: string;
}

export interface PendingUpdate {
  /** Stable id: a package name (Linux), a KB number (Windows), a label (macOS). */
  id: string;
  /** Package the update belongs to, when there is one. */
  package?: string;
  /** Version the update would install. */
  version?: string;
  /** True for security updates; only these count against the pending-updates check. */
  security: boolean;
}

export interface PendingUpdatesFact {
  updates: PendingUpdate[];
  rebootRequired?: boolean;
}

export interface InstalledPackage {
  name: string;
  version: string;
}

export interface PackagesFact {
  /** Package manager or inventory the list came from: dpkg, rpm, uninstall-registry, system_profiler. */
  manager: string;
  packages: InstalledPackage[];
}

export interface AntivirusProduct {
  name: string;
  running: boolean;
  enabled: boolean;
  /** When the signatures were last updated (ISO 8601). */
  signaturesUpdatedAt?: string;
  /** Signature age in days as the product reports it (Defender's AntivirusSignatureAge). */
  signatureAgeDays?: number;
  tamperProtected?: boolean;
}

export interface AntivirusFact {
  products: AntivirusProduct[];
}

export interface FirewallFact {
  /** One entry per profile (Windows Domain/Private/Public) or a single "default" profile. */
  profiles: { name: string; enabled: boolean }[];
}

export interface DiskEncryptionFact {
  /** The volume the OS runs from is encrypted AND protection is on (BitLocker "Protection On"). */
  systemVolumeProtected: boolean;
  /** Per-volume detail; informational. */
  volumes?: { name: string; encrypted: boolean; protected: boolean; system: boolean }[];
}

export interface AgentFact {
  name: string;
  version: string;
}

/** Map of fact key → value type. Adding a posture family starts here. */
export interface FactValues {
  os: OsFact;
  pendingUpdates: PendingUpdatesFact;
  packages: PackagesFact;
  antivirus: AntivirusFact;
  firewall: FirewallFact;
  diskEncryption: DiskEncryptionFact;
  ipForwarding: boolean;
  factoryDefaultPassword: boolean;
  secureBoot: boolean;
  agent: AgentFact;
  deviceId: string;
}

export type FactKey = keyof FactValues;

export const FACT_KEYS: readonly FactKey[] = [
  'os',
  'pendingUpdates',
  'packages',
  'antivirus',
  'firewall',
  'diskEncryption',
  'ipForwarding',
  'factoryDefaultPassword',
  'secureBoot',
  'agent',
  'deviceId',
] as const;

/** Where a fact came from. IETF attributes from a standard NEA client map to `nea-ietf`. */
export type FactSource = 'kenneki-agent' | 'nea-ietf' | 'nea-vendor' | 'http' | 'portal' | 'last-known';

/**
 * One collected fact. A collector that timed out or failed still reports, as `unknown` or
 * `error`, so that the server can tell "not collected" from "collected and bad".
 */
export type Fact<T> =
  | { status: 'ok'; value: T; collectedAt: string; source: FactSource }
  | { status: 'unknown' | 'error'; reason: string; collectedAt: string; source: FactSource };

export type PostureFacts = { [K in FactKey]?: Fact<FactValues[K]> };

/** A whole report, as ingested. */
export interface PostureReport {
  /** When the endpoint assembled the report (ISO 8601). */
  reportedAt: string;
  facts: PostureFacts;
}

export function factValue<K extends FactKey>(facts: PostureFacts, key: K): FactValues[K] | undefined {
  const f = facts[key] as Fact<FactValues[K]> | undefined;
  return f && f.status === 'ok' ? f.value : undefined;
}
