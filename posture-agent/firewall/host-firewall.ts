/**
 * The agent's host firewall (seed 2.1.5.4, personal firewall): on `isolate` or `deny` the device
 * may reach only the Kenneki server, DHCP, DNS and the remediation hosts; on `allow` our rules go.
 *
 * Call `reapply()` first thing at agent start, before any assessment: it restores the rule set
 * persisted in the agent's state file, since a reboot empties the platform firewall.
 *
 * Fail closed, step by step:
 * - The rule set never lacks the server or DHCP. When no configured server (nor the one that just
 *   answered) yields a usable address, the last applied server addresses are used; failing those,
 *   TCP to the PT-TLS port on any address (buildRuleSet's `serverFallback`). A quarantine that
 *   locked out the server could never be lifted by a reassessment.
 * - Bad entries (addresses, names, ports) are dropped and logged, never widened.
 * - Should building throw all the same (a bug), an isolating verdict still gets the minimal rule
 *   set: server fallback, resolvers, DHCP, no remediation hosts.
 * - Going to isolate, the state is written before the rules; going to open, after. A crash in
 *   between therefore leaves "isolate" on disk, and the restart isolates until reassessed.
 * - An unreadable or invalid state file on `reapply()` isolates (minimal rule set): whether the
 *   device was quarantined is unknown, and the assessment that follows start-up corrects it.
 * - Applying is one transaction on Linux (nft -f); if it fails the device stays as it was, the
 *   state file is rolled back to match, and `apply` returns `failed` with the reason (logged).
 *   Nothing is thrown out of `apply`, `reapply` or `status`.
 */
import { promises as dnsPromises, getServers } from 'node:dns';
import { buildRuleSet, isAnyAddress, modeFor, PT_TLS_PORT, ruleSetFingerprint, checkRuleSet, type BuiltRuleSet, type HostRuleSet, type Resolve, type ServerEndpoint, type ServerRule } from '../../gateway/host-firewall/rule-set.js';
import type { AssessmentOutcome } from '../outcome.js';
import type { FirewallBackend, FirewallPlatform, LiveState } from './backend.js';
import { HostFirewallError, type HostFirewallErrorCode } from './errors.js';
import { NftablesBackend } from './linux.js';
import { PfBackend } from './macos.js';
import { readFirewallState, writeFirewallState, type PersistedFirewall } from './state.js';
import { WindowsFirewallBackend } from './windows.js';

/** pino's Logger fits. */
export interface FirewallLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const SILENT: FirewallLogger = { info() {}, warn() {}, error() {} };

export interface HostFirewallOptions {
  /** The agent's state.json; our part lives under `hostFirewall`. */
  stateFile: string;
  /** The PT-TLS server(s) the agent is configured with. */
  servers: readonly ServerEndpoint[];
  /** DNS resolvers to keep reachable; default: the system's (node:dns getServers). */
  resolvers?: () => readonly string[];
  resolve?: Resolve;
  /** Default: by process.platform (nft, powershell.exe, pfctl). */
  backend?: FirewallBackend;
  log?: FirewallLogger;
  now?: () => Date;
}

export type ApplyResult =
  | { status: 'applied'; mode: HostRuleSet['mode']; ruleSet: HostRuleSet; skipped: BuiltRuleSet['skipped']; serverFallback?: 'known' | 'any-address' | 'minimal'; persisted: boolean }
  | { status: 'noop'; mode: HostRuleSet['mode']; reason: string }
  | { status: 'failed'; code: HostFirewallErrorCode; message: string; /** What the device still holds. */ kept: HostRuleSet['mode'] | 'unknown' };

export interface FirewallStatus {
  platform: FirewallPlatform | 'unsupported';
  /** `none`: nothing applied since the state file was created. */
  mode: HostRuleSet['mode'] | 'none';
  appliedAt?: string;
  fingerprint?: string;
  /** Rules the applied rule set holds on this platform. */
  rules: number;
  live: 'match' | 'mismatch' | 'unknown';
  detail?: string;
}

export function defaultBackend(platform: NodeJS.Platform = process.platform): FirewallBackend | undefined {
  if (platform === 'linux') return new NftablesBackend();
  if (platform === 'win32') return new WindowsFirewallBackend();
  if (platform === 'darwin') return new PfBackend();
  return undefined;
}

/** `host:port` / `[v6]:port` of AssessmentOutcome.server. */
export function parseServer(s: string | undefined): ServerEndpoint | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]]+):(\d{1,5})$/.exec(s);
  return m?.[1] === undefined ? undefined : { host: m[1], port: Number(m[2]) };
}

/** node:dns getServers() gives `1.2.3.4`, `[::1]:5353` or `1.2.3.4:5353`: the address part. */
function systemResolvers(): string[] {
  return getServers().map((s) => /^\[([^\]]+)\]/.exec(s)?.[1] ?? (s.split(':').length === 2 ? s.split(':')[0]! : s));
}

const systemResolve: Resolve = async (name) => (await dnsPromises.lookup(name, { all: true, verbatim: true })).map((a) => a.address);

export class HostFirewall {
  private readonly backend: FirewallBackend | undefined;
  private readonly log: FirewallLogger;
  private readonly now: () => Date;
  private readonly resolve: Resolve;
  private readonly resolvers: () => readonly string[];
  /** Applies run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: HostFirewallOptions) {
    this.backend = opts.backend ?? defaultBackend();
    this.log = opts.log ?? SILENT;
    this.now = opts.now ?? (() => new Date());
    this.resolve = opts.resolve ?? systemResolve;
    this.resolvers = opts.resolvers ?? systemResolvers;
  }

  /** Enforces an assessment's outcome: isolate/deny → the isolating rule set, allow → none. */
  apply(outcome: Pick<AssessmentOutcome, 'verdict' | 'quarantineAllow'> & { server?: string }): Promise<ApplyResult> {
    return this.serial(() => this.applyOutcome(outcome));
  }

  /** Restores the persisted rule set (agent start). */
  reapply(): Promise<ApplyResult> {
    return this.serial(() => this.restore());
  }

  async status(): Promise<FirewallStatus> {
    const platform: FirewallStatus['platform'] = this.backend?.platform ?? 'unsupported';
    const persisted = await this.persisted();
    if (persisted === undefined || this.backend === undefined) {
      return { platform, mode: 'none', rules: 0, live: 'unknown', detail: this.backend === undefined ? 'no backend on this platform' : 'nothing applied yet' };
    }
    const rs = persisted.ruleSet;
    const base = { platform, mode: rs.mode, appliedAt: persisted.appliedAt, fingerprint: persisted.fingerprint, rules: this.backend.ruleCount(rs) };
    let live: LiveState;
    try {
      live = await this.backend.inspect();
    } catch (e) {
      live = { unknown: e instanceof Error ? e.message : String(e) };
    }
    return { ...base, ...compareLive(rs, base.rules, live) };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async persisted(): Promise<PersistedFirewall | undefined> {
    const read = await readFirewallState(this.opts.stateFile);
    if (read.kind !== 'found') return undefined;
    const v = read.value as Partial<PersistedFirewall>;
    const checked = checkRuleSet(v?.ruleSet);
    if ('problem' in checked) return undefined;
    return { version: 1, ruleSet: checked.ruleSet, fingerprint: ruleSetFingerprint(checked.ruleSet), appliedAt: typeof v.appliedAt === 'string' ? v.appliedAt : '' };
  }

  private async applyOutcome(outcome: Pick<AssessmentOutcome, 'verdict' | 'quarantineAllow'> & { server?: string }): Promise<ApplyResult> {
    const previous = await this.persisted();
    const answered = parseServer(outcome.server);
    const servers = [...this.opts.servers, ...(answered === undefined ? [] : [answered])];
    const known = previous?.ruleSet.server.filter((s) => !isAnyAddress(s.address)) ?? [];
    let built: Omit<BuiltRuleSet, 'serverFallback'> & { serverFallback?: 'known' | 'any-address' | 'minimal' };
    try {
      built = await buildRuleSet({ verdict: outcome.verdict, allow: outcome.quarantineAllow ?? [] }, servers, this.safeResolvers(), this.resolve, { knownServers: known });
    } catch (e) {
      this.log.error({ evt: 'HOST_FIREWALL_BUILD_FAILED', err: e }, 'building the host firewall rule set failed: applying the minimal rule set');
      built = { ruleSet: this.minimal(modeFor(outcome.verdict), known), skipped: [], serverFallback: 'minimal' };
    }
    for (const s of built.skipped) this.log.warn({ evt: 'HOST_FIREWALL_ENTRY_SKIPPED', ...s }, `host firewall: ${s.kind} entry ${s.value} left out: ${s.reason}`);
    if (built.serverFallback !== undefined && built.ruleSet.mode === 'isolate') {
      this.log.warn({ evt: 'HOST_FIREWALL_SERVER_FALLBACK', fallback: built.serverFallback, server: built.ruleSet.server }, 'host firewall: no usable server address, keeping the server reachable by fallback');
    }
    const fp = ruleSetFingerprint(built.ruleSet);
    if (previous?.fingerprint === fp && this.backend !== undefined) {
      const st = compareLive(built.ruleSet, this.backend.ruleCount(built.ruleSet), await this.backend.inspect().catch((e: unknown) => ({ unknown: String(e) })));
      if (st.live === 'match') return { status: 'noop', mode: built.ruleSet.mode, reason: 'the same rule set is already applied' };
    }
    const result = await this.enforce(built.ruleSet, previous);
    if (result.status !== 'applied') return result;
    const out: ApplyResult = { ...result, skipped: built.skipped };
    if (built.serverFallback !== undefined) out.serverFallback = built.serverFallback;
    return out;
  }

  private async restore(): Promise<ApplyResult> {
    const read = await readFirewallState(this.opts.stateFile);
    if (read.kind === 'none') return { status: 'noop', mode: 'open', reason: 'no rule set persisted' };
    const checked = read.kind === 'found' ? checkRuleSet((read.value as { ruleSet?: unknown } | null)?.ruleSet) : { problem: read.reason };
    if ('problem' in checked) {
      this.log.error({ evt: 'HOST_FIREWALL_STATE_INVALID', path: this.opts.stateFile, reason: checked.problem }, 'host firewall state is unreadable: isolating until the next assessment');
      return this.enforce(this.minimal('isolate', []), undefined);
    }
    return this.enforce(checked.ruleSet, undefined);
  }

  /** The fail-closed rule set: servers by what is known, resolvers, DHCP, nothing else. */
  private minimal(mode: HostRuleSet['mode'], known: readonly ServerRule[]): HostRuleSet {
    const ports = [...new Set(this.opts.servers.map((s) => s.port).filter((p) => Number.isInteger(p) && p >= 1 && p <= 65_535))];
    const server: ServerRule[] =
      known.length > 0 ? [...known] : (ports.length > 0 ? ports : [PT_TLS_PORT]).flatMap((port) => [{ address: '0.0.0.0/0', port, protocol: 'tcp' as const }, { address: '::/0', port, protocol: 'tcp' as const }]);
    const dns = checkRuleSet({ mode, server, dns: this.safeResolvers(), remediation: [] });
    return 'problem' in dns ? { mode, server, dns: [], dhcp: true, remediation: [] } : dns.ruleSet;
  }

  private safeResolvers(): string[] {
    try {
      return [...this.resolvers()];
    } catch {
      return [];
    }
  }

  /** Writes state and rules in the fail-closed order; rolls the state back when the rules fail. */
  private async enforce(rs: HostRuleSet, previous: PersistedFirewall | undefined): Promise<Extract<ApplyResult, { status: 'applied' | 'failed' }>> {
    const started = Date.now();
    const kept = previous?.ruleSet.mode ?? 'unknown';
    if (this.backend === undefined) {
      const err = new HostFirewallError('KENNEKI_ERR_HOST_FIREWALL_UNSUPPORTED', `no host firewall backend for ${process.platform}`);
      this.log.error({ evt: 'HOST_FIREWALL_APPLY_FAILED', code: err.code }, err.message);
      return { status: 'failed', code: err.code, message: err.message, kept };
    }
    const next: PersistedFirewall = { version: 1, ruleSet: rs, fingerprint: ruleSetFingerprint(rs), appliedAt: this.now().toISOString() };
    let persisted = true;
    const save = async (state: PersistedFirewall | undefined, when: string): Promise<boolean> => {
      try {
        await writeFirewallState(this.opts.stateFile, state);
        return true;
      } catch (e) {
        this.log.error({ evt: 'HOST_FIREWALL_STATE_WRITE_FAILED', path: this.opts.stateFile, when, err: e }, 'host firewall state could not be written');
        return false;
      }
    };
    if (rs.mode === 'isolate') persisted = await save(next, 'before isolating');
    try {
      await this.backend.apply(rs);
    } catch (e) {
      const err = e instanceof HostFirewallError ? e : new HostFirewallError('KENNEKI_ERR_HOST_FIREWALL_APPLY', e instanceof Error ? e.message : String(e), { cause: e });
      if (rs.mode === 'isolate' && persisted) await save(previous, 'rolling back');
      this.log.error({ evt: 'HOST_FIREWALL_APPLY_FAILED', code: err.code, mode: rs.mode, durationMs: Date.now() - started, err }, `host firewall not changed: ${err.message}`);
      return { status: 'failed', code: err.code, message: err.message, kept };
    }
    if (rs.mode === 'open') persisted = await save(next, 'after opening');
    this.log.info(
      { evt: rs.mode === 'isolate' ? 'HOST_FIREWALL_ISOLATED' : 'HOST_FIREWALL_OPENED', fingerprint: next.fingerprint, rules: this.backend.ruleCount(rs), durationMs: Date.now() - started },
      rs.mode === 'isolate' ? 'host firewall: quarantine rules applied' : 'host firewall: quarantine rules removed',
    );
    return { status: 'applied', mode: rs.mode, ruleSet: rs, skipped: [], persisted };
  }
}

/** Does the live firewall hold the rule set? (Linux reads the table back; elsewhere: unknown.) */
export function compareLive(rs: HostRuleSet, expectedRules: number, live: LiveState): Pick<FirewallStatus, 'live' | 'detail'> {
  if ('unknown' in live) return { live: 'unknown', detail: live.unknown };
  if (rs.mode === 'open') return live.present ? { live: 'mismatch', detail: 'our table exists though the device is open' } : { live: 'match' };
  if (!live.present) return { live: 'mismatch', detail: 'our table is missing' };
  const want = `kenneki:${ruleSetFingerprint(rs)}`;
  if (live.marker !== want) return { live: 'mismatch', detail: `the live rules are another rule set (${live.marker ?? 'no marker'}, expected ${want})` };
  for (const hook of ['output', 'input']) {
    const c = live.chains.find((ch) => ch.hook === hook);
    if (c?.policy !== 'drop') return { live: 'mismatch', detail: `the ${hook} chain is missing or does not drop by default` };
  }
  if (live.rules !== expectedRules) return { live: 'mismatch', detail: `${live.rules} live rules, ${expectedRules} expected` };
  return { live: 'match' };
}
