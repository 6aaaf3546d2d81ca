/**
 * A worker's session recorder: what the RADIUS server would record goes to the main process's
 * session table, batched once per event-loop turn. A re-authorization that changes nothing is the
 * bulk of RADIUS traffic and only moves a time stamp the table writes once a minute anyway, so it
 * is forwarded at most every REPEAT_MS per session; changes and accounting always go.
 */
import type { SessionRecorder, SessionTouch } from '../../sessions/session-table.js';
import type { ForwardedTouch, FromWorker } from './protocol.js';

const REPEAT_MS = 30_000;
const MAX_REMEMBERED = 200_000;

export class ForwardedSessions implements SessionRecorder {
  private batch: ForwardedTouch[] = [];
  private scheduled = false;
  private readonly sent = new Map<string, { touch: SessionTouch; at: number }>();

  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly now: () => number = Date.now,
  ) {}

  authorized(touch: SessionTouch): void {
    const key = keyOf(touch, touch.acctSessionId);
    const at = this.now();
    const last = this.sent.get(key);
    if (last && at - last.at < REPEAT_MS && same(last.touch, touch)) return;
    if (this.sent.size >= MAX_REMEMBERED) this.sent.clear();
    this.sent.set(key, { touch, at });
    this.push({ op: 'authorized', touch });
  }

  accounted(touch: SessionTouch, status: 'start' | 'interim' | 'stop', stopCause?: string): void {
    if (status === 'stop') {
      // After a Stop the next authorization of this device is news again.
      this.sent.delete(keyOf(touch, touch.acctSessionId));
      this.sent.delete(keyOf(touch, undefined));
    }
    this.push({ op: 'accounted', touch, status, ...(stopCause !== undefined ? { stopCause } : {}) });
  }

  private push(t: ForwardedTouch): void {
    this.batch.push(t);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const touches = this.batch;
      this.batch = [];
      this.send({ kind: 'sessions', touches });
    });
  }
}

/** What else a re-authorization could change (the key holds tenant, NAS, session id and MAC). */
const same = (a: SessionTouch, b: SessionTouch): boolean =>
  a.nasAddress === b.nasAddress && a.userName === b.userName && a.nasPort === b.nasPort && a.vlan === b.vlan && a.placement === b.placement;

const keyOf = (t: SessionTouch, acctSessionId: string | undefined): string => `${t.tenantId}\u0000${t.nas}\u0000${acctSessionId ?? ''}\u0000${t.mac ?? ''}`;
