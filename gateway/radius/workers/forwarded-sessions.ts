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
  private readonly sent = new Map<string, { signature: string; at: number }>();

  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly now: () => number = Date.now,
  ) {}

  authorized(touch: SessionTouch): void {
    const key = keyOf(touch, touch.acctSessionId);
    const signature = `${touch.nasAddress}\u0000${touch.userName ?? ''}\u0000${touch.nasPort ?? ''}\u0000${touch.vlan ?? ''}\u0000${touch.placement ?? ''}`;
    const at = this.now();
    const last = this.sent.get(key);
    if (last && last.signature === signature && at - last.at < REPEAT_MS) return;
    if (this.sent.size >= MAX_REMEMBERED) this.sent.clear();
    this.sent.set(key, { signature, at });
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

const keyOf = (t: SessionTouch, acctSessionId: string | undefined): string => `${t.tenantId}\u0000${t.nas}\u0000${acctSessionId ?? ''}\u0000${t.mac ?? ''}`;
