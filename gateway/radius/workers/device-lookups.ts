/**
 * A worker's questions about Kenneki device certificates: which endpoint (and so which verdict) a
 * device id names is known only to the main process's store. An answer that does not come in time
 * rejects, and the RADIUS server then places the device as unknown (fail closed).
 */
import type { Admission } from '../../../policy/service/admission.js';
import type { FromWorker } from './protocol.js';

export class DeviceLookups {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (a: Admission | undefined) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly timeoutMs = 2000,
  ) {}

  ask(tenantId: string, deviceId: string): Promise<Admission | undefined> {
    const requestId = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`the main process did not answer a device lookup within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.send({ kind: 'device', requestId, tenantId, deviceId });
    });
  }

  /** `null`: the store knows no such device (or the lookup failed there). */
  settle(requestId: number, admission: Admission | null): void {
    const p = this.pending.get(requestId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(requestId);
    p.resolve(admission ?? undefined);
  }
}
