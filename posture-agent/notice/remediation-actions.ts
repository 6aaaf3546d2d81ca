/**
 * Automatic remediation: fixes the agent may apply itself, once an admin has enabled them in the
 * agent config AND the user has consented (the consent setting). Either missing, nothing runs.
 *
 * The actions are data per platform — a command, or why the platform has none — and every
 * decision produces a record for the agent log: what ran (command id), how it ended (exit code,
 * failure), how long it took, and the tail of its output; or why it did not run. The caller
 * writes each record as one log event (`evt`).
 *
 * Package names for apt come from the pending-updates fact, i.e. from another program's output;
 * they are checked against the dpkg name syntax and placed after `--`, so a name cannot become an
 * apt option (`-oAPT::…`), a removal (`foo-`), or anything but a package.
 */
import type { CommandResult, CommandSpec, HostProbe, Platform } from '../collect/contract.js';
import type { PendingUpdatesFact } from '../../policy/posture/facts.js';

export type RemediationActionName = 'install-security-updates' | 'refresh-av-signatures';
export const REMEDIATION_ACTIONS: readonly RemediationActionName[] = ['install-security-updates', 'refresh-av-signatures'];

export type LinuxPackageManager = 'apt' | 'dnf';

export type RemediationStatus = 'succeeded' | 'failed' | 'skipped' | 'refused' | 'unknown';

export type RemediationEvent =
  | 'REMEDIATION_ACTION_SUCCEEDED'
  | 'REMEDIATION_ACTION_FAILED'
  | 'REMEDIATION_ACTION_SKIPPED'
  | 'REMEDIATION_ACTION_REFUSED'
  | 'REMEDIATION_ACTION_UNKNOWN';

const EVT: Record<RemediationStatus, RemediationEvent> = {
  succeeded: 'REMEDIATION_ACTION_SUCCEEDED',
  failed: 'REMEDIATION_ACTION_FAILED',
  skipped: 'REMEDIATION_ACTION_SKIPPED',
  refused: 'REMEDIATION_ACTION_REFUSED',
  unknown: 'REMEDIATION_ACTION_UNKNOWN',
};

/** One log record per enabled action name. */
export interface RemediationActionRecord {
  evt: RemediationEvent;
  /** The action name as configured (also when unknown). */
  action: string;
  status: RemediationStatus;
  /** Why it did not run, or how it failed. */
  reason?: string;
  /** Set when a command ran. */
  commandId?: string;
  exitCode?: number | null;
  durationMs?: number;
  /** Last OUTPUT_TAIL_CHARS of stdout, then stderr. */
  outputTail?: string;
  /** Packages named on the command line (apt). */
  packages?: string[];
}

export interface RemediationRunResult {
  consent: boolean;
  /** True when at least one command ran. */
  ran: boolean;
  /** Said when consent is off: nothing ran. */
  message?: string;
  records: RemediationActionRecord[];
  /** Enabled names that are not actions (config mistakes): reported, never run. */
  unknown: string[];
}

export interface RemediationRunInput {
  host: HostProbe;
  /** Default host.platform. */
  platform?: Platform;
  /** Action names the admin enabled, in the order to run them. */
  enabled: readonly string[];
  /** The user's consent setting. */
  consent: boolean;
  /** Packages with pending security updates (see `securityPackagesOf`); apt installs only these. */
  pendingPackages?: readonly string[];
  /** Linux only; default: apt when /usr/bin/apt-get exists, else dnf when /usr/bin/dnf exists. */
  packageManager?: LinuxPackageManager;
  /** Monotonic milliseconds, for durations; default performance.now. */
  clock?: () => number;
}

export const NO_CONSENT_MESSAGE = "automatic remediation needs the user's consent, which is off: no action was run";
export const OUTPUT_TAIL_CHARS = 2000;
const UPDATE_TIMEOUT_MS = 30 * 60_000;
const AV_TIMEOUT_MS = 5 * 60_000;

/**
 * A dpkg package name (Debian Policy 5.6.1: lowercase letters, digits, `+`, `-`, `.`; at least two
 * characters; starts alphanumeric), optionally `:arch`. Stricter than dpkg in one way: no trailing
 * `-`, which apt-get reads as "remove this package".
 */
export const DPKG_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]*[a-z0-9+](?::[a-z0-9]+(?:-[a-z0-9]+)*)?$/;
const MAX_PACKAGE_NAME = 128;

export function isDpkgPackageName(name: string): boolean {
  return name.length <= MAX_PACKAGE_NAME && DPKG_PACKAGE_NAME.test(name);
}

/** The packages of the pending security updates, de-duplicated, in order. */
export function securityPackagesOf(fact: PendingUpdatesFact): string[] {
  return [...new Set(fact.updates.filter((u) => u.security).map((u) => u.package ?? u.id))];
}

/** What an action would do on a platform: run a command, skip (why), or refuse (why). */
export type RemediationPlan =
  | { kind: 'run'; cmd: CommandSpec; okCodes: readonly number[]; packages?: string[] }
  | { kind: 'skip'; reason: string }
  | { kind: 'refuse'; reason: string };

interface PlanContext {
  packageManager: LinuxPackageManager | undefined;
  pendingPackages: readonly string[];
}

function powerShell(id: string, script: string, timeoutMs: number): CommandSpec {
  return {
    id,
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')],
    timeoutMs,
  };
}

/**
 * Windows Update Agent: download and install the pending updates in the Security Updates and
 * Critical Updates categories (by category id — names are localised). No reboot; exit 1 unless
 * the installation result is Succeeded (2).
 */
export const WINDOWS_SECURITY_UPDATES_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$categories = @('0fa1201d-4330-4fa8-8ae9-b877473b6441', 'e6cf1350-c01b-414d-a61f-263d14d133b4')",
  '$session = New-Object -ComObject Microsoft.Update.Session',
  "$found = $session.CreateUpdateSearcher().Search('IsInstalled=0 and IsHidden=0 and Type=''Software''')",
  '$updates = New-Object -ComObject Microsoft.Update.UpdateColl',
  'foreach ($u in $found.Updates) {',
  '  if (@($u.Categories | Where-Object { $categories -contains $_.CategoryID }).Count -gt 0) {',
  '    if (-not $u.EulaAccepted) { $u.AcceptEula() }',
  '    $null = $updates.Add($u)',
  "    Write-Output ('selected ' + $u.Title)",
  '  }',
  '}',
  "if ($updates.Count -eq 0) { Write-Output 'no security updates pending'; exit 0 }",
  '$downloader = $session.CreateUpdateDownloader()',
  '$downloader.Updates = $updates',
  '$null = $downloader.Download()',
  '$installer = $session.CreateUpdateInstaller()',
  '$installer.Updates = $updates',
  '$result = $installer.Install()',
  "Write-Output ('result ' + $result.ResultCode + ' reboot-required ' + $result.RebootRequired)",
  'if ($result.ResultCode -ne 2) { exit 1 }',
  'exit 0',
].join('\n');

function aptUpgrade(packages: readonly string[]): RemediationPlan {
  const bad = packages.filter((p) => !isDpkgPackageName(p));
  if (bad.length > 0) {
    return { kind: 'refuse', reason: `not a valid package name: ${bad.map((p) => JSON.stringify(p.slice(0, 80))).join(', ')}` };
  }
  if (packages.length === 0) return { kind: 'skip', reason: 'no pending security updates' };
  const names = [...new Set(packages)];
  return {
    kind: 'run',
    packages: names,
    okCodes: [0],
    cmd: {
      id: 'linux.apt-get-upgrade-security',
      // env: debconf must not wait for an answer on a stdin nobody writes to.
      file: 'env',
      args: [
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '--only-upgrade',
        // Keep the admin's changed config files, take the package's for untouched ones: no prompt.
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        '--',
        ...names,
      ],
      timeoutMs: UPDATE_TIMEOUT_MS,
    },
  };
}

/** The actions, per platform. */
const ACTIONS: Record<RemediationActionName, Record<Platform, (ctx: PlanContext) => RemediationPlan>> = {
  'install-security-updates': {
    linux: (ctx) => {
      if (ctx.packageManager === 'apt') return aptUpgrade(ctx.pendingPackages);
      if (ctx.packageManager === 'dnf') {
        return { kind: 'run', okCodes: [0], cmd: { id: 'linux.dnf-upgrade-security', file: 'dnf', args: ['-y', 'upgrade', '--security'], timeoutMs: UPDATE_TIMEOUT_MS } };
      }
      return { kind: 'skip', reason: 'not available: neither apt-get nor dnf found' };
    },
    windows: () => ({ kind: 'run', okCodes: [0], cmd: powerShell('windows.wua-install-security', WINDOWS_SECURITY_UPDATES_SCRIPT, UPDATE_TIMEOUT_MS) }),
    // Recommended updates only, and no --restart: the user restarts when it suits them.
    macos: () => ({ kind: 'run', okCodes: [0], cmd: { id: 'macos.softwareupdate-install', file: 'softwareupdate', args: ['--install', '--recommended'], timeoutMs: UPDATE_TIMEOUT_MS } }),
  },
  'refresh-av-signatures': {
    // freshclam exits 1 when the databases are already up to date.
    linux: () => ({ kind: 'run', okCodes: [0, 1], cmd: { id: 'linux.freshclam', file: 'freshclam', args: [], timeoutMs: AV_TIMEOUT_MS } }),
    windows: () => ({
      kind: 'run',
      okCodes: [0],
      cmd: { id: 'windows.update-mpsignature', file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-Command', 'Update-MpSignature'], timeoutMs: AV_TIMEOUT_MS },
    }),
    // XProtect is updated by the OS itself; there is nothing for the agent to start.
    macos: () => ({ kind: 'skip', reason: 'not available on macos' }),
  },
};

function isActionName(name: string): name is RemediationActionName {
  return Object.hasOwn(ACTIONS, name);
}

/** The command an action would run (or why none), without running it: for `show-config` and tests. */
export function planRemediationAction(action: RemediationActionName, platform: Platform, ctx: Partial<PlanContext> = {}): RemediationPlan {
  return ACTIONS[action][platform]({ packageManager: ctx.packageManager, pendingPackages: ctx.pendingPackages ?? [] });
}

async function detectPackageManager(host: HostProbe): Promise<LinuxPackageManager | undefined> {
  if ((await host.mtime('/usr/bin/apt-get')) !== undefined) return 'apt';
  if ((await host.mtime('/usr/bin/dnf')) !== undefined) return 'dnf';
  return undefined;
}

function tailOf(r: CommandResult): string {
  const out = [r.stdout, r.stderr].filter((s) => s !== '').join('\n');
  return out.length > OUTPUT_TAIL_CHARS ? out.slice(out.length - OUTPUT_TAIL_CHARS) : out;
}

function record(action: string, status: RemediationStatus, extra: Omit<RemediationActionRecord, 'evt' | 'action' | 'status'> = {}): RemediationActionRecord {
  return { evt: EVT[status], action, status, ...extra };
}

/**
 * Runs the enabled actions one after another (package managers hold a lock), each at most once.
 * Never throws: an action that cannot run is a record saying why.
 */
export async function runRemediationActions(input: RemediationRunInput): Promise<RemediationRunResult> {
  const platform = input.platform ?? input.host.platform;
  const clock = input.clock ?? (() => performance.now());
  const names = [...new Set(input.enabled)];
  const unknown = names.filter((n) => !isActionName(n));
  const records: RemediationActionRecord[] = [];
  let ran = false;

  let packageManager = input.packageManager;
  if (input.consent && platform === 'linux' && packageManager === undefined && names.includes('install-security-updates')) {
    packageManager = await detectPackageManager(input.host).catch(() => undefined);
  }

  for (const name of names) {
    if (!isActionName(name)) {
      records.push(record(name, 'unknown', { reason: `unknown action; known: ${REMEDIATION_ACTIONS.join(', ')}` }));
      continue;
    }
    if (!input.consent) {
      records.push(record(name, 'skipped', { reason: 'no consent' }));
      continue;
    }
    const plan = planRemediationAction(name, platform, { packageManager, pendingPackages: input.pendingPackages ?? [] });
    if (plan.kind === 'skip') {
      records.push(record(name, 'skipped', { reason: plan.reason }));
      continue;
    }
    if (plan.kind === 'refuse') {
      records.push(record(name, 'refused', { reason: plan.reason }));
      continue;
    }
    const started = clock();
    let r: CommandResult;
    try {
      r = await input.host.run(plan.cmd);
    } catch (e) {
      r = { stdout: '', stderr: '', code: null, failure: e instanceof Error ? e.message : String(e) };
    }
    ran = true;
    const ok = r.failure === undefined && r.code !== null && plan.okCodes.includes(r.code);
    const extra: Omit<RemediationActionRecord, 'evt' | 'action' | 'status'> = {
      commandId: plan.cmd.id,
      exitCode: r.code,
      durationMs: Math.max(0, Math.round(clock() - started)),
      outputTail: tailOf(r),
    };
    if (plan.packages !== undefined) extra.packages = plan.packages;
    if (!ok) extra.reason = r.failure ?? `exited with ${r.code}`;
    records.push(record(name, ok ? 'succeeded' : 'failed', extra));
  }

  const result: RemediationRunResult = { consent: input.consent, ran, records, unknown };
  if (!input.consent) result.message = NO_CONSENT_MESSAGE;
  return result;
}
