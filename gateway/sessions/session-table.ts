/**
 * The live network sessions, in memory, written behind to the store.
 *
 * Every Access-Accept and every accounting packet touches a session, at RADIUS rates (tens of
 * thousands a second), so the table answers from memory and the store gets the changed sessions
 * once a second in one transaction. After a restart the sessions not stopped are loaded back, so
 * a verdict change still finds the NAS to send CoA to.
 *
 * A session is keyed by the NAS's Acct-Session-Id when it has one, else by MAC per NAS; an
 * authorization without a session id is re-keyed when accounting names one.
 */
import type { Logger } from 'pino';
import type { NetworkSession, Store } from '../../policy/store/repository.js';

/** What an Access-Accept or an accounting packet says about a session; absent fields are kept as they were. */
export type SessionTouch = Pick<NetworkSession, 'tenantId' | 'nas' | 'nasAddress'> &
  Partial<Pick<NetworkSession, 'acctSessionId' | 'mac' | 'framedIp' | 'userName' | 'nasPort' | 'vlan' | 'placement'>>;

/** What the RADIUS server records. A RADIUS worker process forwards these to the main process's table. */
export interface SessionRecorder {
  authorized(t: SessionTouch): void;
  accounted(t: SessionTouch, status: 'start' | 'interim' | 'stop', stopCause?: string): void;
}

export interface SessionTableOptions {
  store: Store;
  log: Logger;
  now?: () => Date;
  flushIntervalMs?: number;
  /** Sessions not heard of for this long are not reloaded at start (a NAS that died without a Stop). */
  reloadWindowMs?: number;
  /** Told of every batch once it is stored (gateway allow-lists learn Framed-IP-Addresses here). */
  onSaved?: (sessions: readonly NetworkSession[]) => void;
}

const keyOf = (nas: string, acctSessionId: string | undefined, mac: string | undefined): string | undefined =>
  acctSessionId !== undefined ? `${nas}|${acctSessionId}` : mac !== undefined ? `${nas}|mac:${mac}` : undefined;

export class SessionTable implements SessionRecorder {
  private readonly sessions = new Map<string, NetworkSession>();
  /** tenant\0mac → keys of that MAC's sessions (a device may be on a switch and a VPN at once). */
  private readonly byMac = new Map<string, Set<string>>();
  private readonly byIp = new Map<string, string>();
  private dirty = new Map<string, NetworkSession>();
  /** When each session was last written (ms), for the once-a-minute refresh of unchanged ones. */
  private readonly writtenAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => Date;
  /** The last time stamp made, reused within the same millisecond (thousands of touches share one). */
  private stamped = { ms: Number.NaN, iso: '' };

  constructor(private readonly o: SessionTableOptions) {
    this.now = o.now ?? (() => new Date());
  }

  private stamp(): { ms: number; iso: string } {
    const d = this.now();
    const ms = d.getTime();
    if (ms !== this.stamped.ms) this.stamped = { ms, iso: d.toISOString() };
    return this.stamped;
  }

  async start(): Promise<void> {
    const since = new Date(this.now().getTime() - (this.o.reloadWindowMs ?? 86_400_000)).toISOString();
    for (const s of await this.o.store.sessions.live(since)) this.index(s);
    this.unsubscribe = this.o.store.sessions.onPurge((before) => this.forget(before));
    this.timer = setInterval(() => void this.flush(), this.o.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    await this.flush();
  }

  /**
   * The retention sweep purged the store's sessions last heard of before `before`: the same go
   * from memory. (A MAB port without accounting never sends a Stop, so its session would otherwise
   * stay here, with its user, MAC and address, long after the store forgot it.)
   */
  forget(before: string): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      if (s.updatedAt >= before) continue;
      this.dirty.delete(id);
      this.unindex(id, s);
      n++;
    }
    return n;
  }

  /** An Access-Accept placed the device: the session starts or its placement changes. */
  authorized(t: SessionTouch): NetworkSession | undefined {
    // An authorization without Acct-Session-Id belongs to the session accounting already named
    // for this MAC on this NAS: a re-authentication of the same port, or an Accounting-Start that
    // another RADIUS process handled first. Keyed by MAC instead, it would start a second session
    // and supersede the real one.
    if (t.acctSessionId === undefined && t.mac !== undefined) {
      const sid = this.accountedSessionId(t.tenantId, t.mac, t.nas);
      if (sid !== undefined) t = { ...t, acctSessionId: sid };
    }
    // The common case at RADIUS rates: a port re-authenticating into the same placement. Only the
    // time moves, and the store hears of it at most once a minute.
    const same = this.unchanged(t);
    if (same) {
      const { ms, iso } = this.stamp();
      same.updatedAt = iso;
      const id = `${same.tenantId}\u0000${same.key}`;
      if (ms - (this.writtenAt.get(id) ?? 0) >= REFRESH_WRITE_MS) this.dirty.set(id, same);
      return same;
    }
    const s = this.touch(t, undefined);
    if (s) this.supersede(s);
    return s;
  }

  /** The live session this touch would leave as it is (apart from its time), if there is one. */
  private unchanged(t: SessionTouch): NetworkSession | undefined {
    const key = keyOf(t.nas, t.acctSessionId, t.mac);
    const s = key === undefined ? undefined : this.sessions.get(`${t.tenantId}\u0000${key}`);
    if (!s || s.stoppedAt !== undefined || s.nasAddress !== t.nasAddress) return undefined;
    for (const k of TOUCHED) if (t[k] !== undefined && t[k] !== s[k]) return undefined;
    return s;
  }

  /** Accounting Start / Interim-Update / Stop. */
  accounted(t: SessionTouch, status: 'start' | 'interim' | 'stop', stopCause?: string): NetworkSession | undefined {
    const s = this.touch(t, status === 'stop' ? (stopCause ?? 'stop') : undefined);
    if (s && status === 'start') this.supersede(s);
    return s;
  }

  /**
   * A device is on one port of a NAS at a time: a new session for its MAC on the same NAS ends
   * the older ones (their Stop may never come if the switch rebooted or the cable moved).
   */
  private supersede(current: NetworkSession): void {
    if (current.mac === undefined) return;
    const at = current.updatedAt;
    for (const other of this.liveByMac(current.tenantId, current.mac)) {
      if (other.key !== current.key && other.nas === current.nas) this.save({ ...other, updatedAt: at, stoppedAt: at, stopCause: 'superseded' });
    }
  }

  /** The Acct-Session-Id of the MAC's newest live session on this NAS, when accounting named one. */
  private accountedSessionId(tenantId: string, mac: string, nas: string): string | undefined {
    const keys = this.byMac.get(`${tenantId}\u0000${mac}`);
    if (!keys) return undefined;
    let newest: NetworkSession | undefined;
    for (const k of keys) {
      const s = this.sessions.get(`${tenantId}\u0000${k}`);
      if (s && s.stoppedAt === undefined && s.nas === nas && s.acctSessionId !== undefined && (!newest || s.updatedAt > newest.updatedAt)) newest = s;
    }
    return newest?.acctSessionId;
  }

  /** The sessions of a MAC that are not stopped, newest first. */
  liveByMac(tenantId: string, mac: string): NetworkSession[] {
    const keys = this.byMac.get(`${tenantId}\u0000${mac}`);
    if (!keys) return [];
    return [...keys]
      .map((k) => this.sessions.get(`${tenantId}\u0000${k}`))
      .filter((s): s is NetworkSession => s !== undefined && s.stoppedAt === undefined)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** The live session holding this IP (gateway allow-lists ask this). */
  liveByIp(tenantId: string, ip: string): NetworkSession | undefined {
    const k = this.byIp.get(`${tenantId}\u0000${ip}`);
    const s = k === undefined ? undefined : this.sessions.get(`${tenantId}\u0000${k}`);
    return s && s.stoppedAt === undefined ? s : undefined;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Writes the changed sessions in one transaction; stopped ones then leave memory. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.dirty.size === 0) return;
      const batch = [...this.dirty.values()];
      this.dirty = new Map();
      try {
        await this.o.store.sessions.saveMany(batch);
        this.o.onSaved?.(batch);
        for (const s of batch) {
          if (s.stoppedAt !== undefined) this.drop(s);
          else this.writtenAt.set(`${s.tenantId}\u0000${s.key}`, Date.parse(s.updatedAt));
        }
      } catch (err) {
        // Kept in memory and retried next time; the sessions stay usable for CoA meanwhile.
        for (const s of batch) if (!this.dirty.has(`${s.tenantId}\u0000${s.key}`)) this.dirty.set(`${s.tenantId}\u0000${s.key}`, s);
        this.o.log.error({ evt: 'SESSIONS_FLUSH_FAILED', err, count: batch.length }, 'network sessions could not be written; retrying');
      }
    });
    return this.flushing;
  }

  private touch(t: SessionTouch, stopCause: string | undefined): NetworkSession | undefined {
    const key = keyOf(t.nas, t.acctSessionId, t.mac);
    if (key === undefined) return undefined;
    const at = this.stamp().iso;
    let existing = this.sessions.get(`${t.tenantId}\u0000${key}`);
    if (!existing && t.acctSessionId !== undefined && t.mac !== undefined) {
      // The authorization came without a session id; accounting names it now.
      const byMac = this.sessions.get(`${t.tenantId}\u0000${keyOf(t.nas, undefined, t.mac)!}`);
      if (byMac && byMac.stoppedAt === undefined) {
        this.save({ ...byMac, updatedAt: at, stoppedAt: at, stopCause: 'superseded' });
        existing = { ...byMac, key, acctSessionId: t.acctSessionId };
      }
    }
    const next: NetworkSession = {
      ...(existing && existing.stoppedAt === undefined ? existing : {}),
      tenantId: t.tenantId,
      key,
      nas: t.nas,
      nasAddress: t.nasAddress,
      startedAt: existing && existing.stoppedAt === undefined ? existing.startedAt : at,
      updatedAt: at,
      ...defined(t),
      ...(stopCause !== undefined ? { stoppedAt: at, stopCause } : {}),
    };
    if (stopCause === undefined) {
      delete next.stoppedAt;
      delete next.stopCause;
    }
    this.save(next);
    return next;
  }

  private save(s: NetworkSession): void {
    const id = `${s.tenantId}\u0000${s.key}`;
    const before = this.sessions.get(id);
    if (before?.framedIp !== undefined && before.framedIp !== s.framedIp) this.byIp.delete(`${s.tenantId}\u0000${before.framedIp}`);
    this.index(s);
    this.dirty.set(id, s);
  }

  private index(s: NetworkSession): void {
    this.sessions.set(`${s.tenantId}\u0000${s.key}`, s);
    if (s.mac !== undefined) {
      const mk = `${s.tenantId}\u0000${s.mac}`;
      let keys = this.byMac.get(mk);
      if (!keys) this.byMac.set(mk, (keys = new Set()));
      keys.add(s.key);
    }
    if (s.framedIp !== undefined && s.stoppedAt === undefined) this.byIp.set(`${s.tenantId}\u0000${s.framedIp}`, s.key);
  }

  private drop(s: NetworkSession): void {
    const id = `${s.tenantId}\u0000${s.key}`;
    const current = this.sessions.get(id);
    // Restarted since the Stop was queued: keep the new one.
    if (current !== s && current?.stoppedAt === undefined) return;
    this.unindex(id, s);
  }

  private unindex(id: string, s: NetworkSession): void {
    this.sessions.delete(id);
    this.writtenAt.delete(id);
    if (s.mac !== undefined) {
      const mk = `${s.tenantId}\u0000${s.mac}`;
      this.byMac.get(mk)?.delete(s.key);
      if (this.byMac.get(mk)?.size === 0) this.byMac.delete(mk);
    }
    if (s.framedIp !== undefined && this.byIp.get(`${s.tenantId}\u0000${s.framedIp}`) === s.key) this.byIp.delete(`${s.tenantId}\u0000${s.framedIp}`);
  }
}

const TOUCHED = ['acctSessionId', 'mac', 'framedIp', 'userName', 'nasPort', 'vlan', 'placement'] as const;
const REFRESH_WRITE_MS = 60_000;

/** The touch's fields that are present: an interim update without Framed-IP keeps the known IP. */
function defined(t: SessionTouch): Partial<NetworkSession> {
  const out: Partial<NetworkSession> = {};
  for (const k of TOUCHED) if (t[k] !== undefined) out[k] = t[k];
  return out;
}
