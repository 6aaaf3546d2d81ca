/**
 * The CRL files of `radius.eap.crl_files`, kept current: read at start (a file that is not a CRL
 * of a trusted client CA stops the start), then looked at every minute and read again when one
 * changed. A reload that fails keeps the lists in force and says so; a CRL past its nextUpdate is
 * reported once, and meanwhile its CA's certificates are refused (revocation.ts).
 */
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { KennekiError } from '../../policy/errors.js';
import { loadRevocationLists, type EapPortHandle, type RevocationList } from './eap/index.js';
import type { EapAnswer, EapRequest } from './server/eap-port.js';

export async function loadCrls(files: readonly string[], caPems: readonly string[]): Promise<RevocationList[]> {
  try {
    return await loadRevocationLists(files, caPems);
  } catch (cause) {
    throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', `radius.eap.crl_files: ${(cause as Error).message}`, { cause, details: { problems: [`radius.eap.crl_files: ${(cause as Error).message}`] } });
  }
}

/** An EAP port whose CRLs are reloaded when their files change; closing it stops the watch. */
export class CrlWatchedPort implements EapPortHandle {
  private readonly timer: NodeJS.Timeout;
  private seen: string;
  private expiredReported = new Set<string>();
  private busy = false;

  private constructor(
    private readonly inner: EapPortHandle,
    private readonly o: { files: readonly string[]; caPems: readonly string[]; log: Logger; intervalMs: number; now: () => number },
    private lists: RevocationList[],
    seen: string,
  ) {
    this.seen = seen;
    this.reportExpired();
    this.timer = setInterval(() => void this.tick(), o.intervalMs);
    this.timer.unref();
  }

  static async watch(inner: EapPortHandle, lists: RevocationList[], o: { files: readonly string[]; caPems: readonly string[]; log: Logger; intervalMs?: number; now?: () => number }): Promise<CrlWatchedPort> {
    return new CrlWatchedPort(inner, { ...o, intervalMs: o.intervalMs ?? 60_000, now: o.now ?? Date.now }, lists, await fingerprint(o.files));
  }

  get share() {
    return this.inner.share;
  }

  handle(req: EapRequest): Promise<EapAnswer> {
    return this.inner.handle(req);
  }

  stats() {
    return this.inner.stats();
  }

  updateRevocations(lists: readonly RevocationList[]): void {
    this.lists = [...lists];
    this.expiredReported.clear();
    this.inner.updateRevocations(lists);
  }

  close(): void {
    clearInterval(this.timer);
    this.inner.close();
  }

  /** Reads the files again if any changed. Exposed for tests; the timer calls it every interval. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = await fingerprint(this.o.files).catch((err: unknown) => `unreadable: ${(err as Error).message}`);
      if (now !== this.seen) {
        try {
          const lists = await loadCrls(this.o.files, this.o.caPems);
          this.seen = now;
          this.updateRevocations(lists);
          this.o.log.info({ evt: 'RADIUS_EAP_CRL_RELOADED', files: this.o.files.length, revoked: lists.reduce((n, l) => n + l.serials.length, 0) }, 'EAP-TLS CRLs reloaded');
        } catch (err) {
          this.seen = now;
          this.o.log.error({ evt: 'RADIUS_EAP_CRL_RELOAD_FAILED', err }, `EAP-TLS CRLs could not be reloaded; the previous lists stay in force: ${(err as Error).message}`);
        }
      }
      this.reportExpired();
    } finally {
      this.busy = false;
    }
  }

  private reportExpired(): void {
    const t = this.o.now();
    for (const l of this.lists) {
      if (l.nextUpdate === undefined || Date.parse(l.nextUpdate) >= t || this.expiredReported.has(l.file)) continue;
      this.expiredReported.add(l.file);
      this.o.log.error({ evt: 'RADIUS_EAP_CRL_EXPIRED', file: l.file, issuer: l.issuer, nextUpdate: l.nextUpdate }, `the CRL in ${l.file} expired at ${l.nextUpdate}: EAP-TLS refuses that CA's certificates until it is refreshed`);
    }
  }
}

/** What changes when a file is replaced or rewritten. */
async function fingerprint(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(files.map(async (f) => {
    const s = await stat(f);
    return `${f}:${s.mtimeMs}:${s.size}:${s.ino}`;
  }));
  return parts.join('|');
}
