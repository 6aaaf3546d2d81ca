/**
 * A worker's copy of the admission index: answers from memory like the main process's, asks the
 * main process on a miss, and follows the changes it pushes. Entries expire as in the main index,
 * so a lost push costs at most one TTL of staleness; a lookup that gets no answer in time fails,
 * and the RADIUS server then places the device as unknown (fail closed).
 */
import { ADMISSION_TTL_MS, AdmissionCache, admissionKey, UNKNOWN_ADMISSION_TTL_MS, type Admission, type AdmissionSource } from '../../../policy/service/admission.js';
import type { FromWorker } from './protocol.js';

interface Pending {
  key: string;
  promise: Promise<Admission>;
  resolve: (a: Admission) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RemoteAdmission implements AdmissionSource {
  private readonly entries: AdmissionCache;
  private readonly pending = new Map<number, Pending>();
  /** One question in flight per MAC: a burst from one device costs one round trip. */
  private readonly inFlight = new Map<string, Pending>();
  private nextId = 1;

  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly timeoutMs = 2000,
    now: () => number = Date.now,
  ) {
    this.entries = new AdmissionCache(now);
  }

  peek(tenantId: string, mac: string): Admission | undefined {
    return this.entries.get(tenantId, mac);
  }

  lookup(tenantId: string, mac: string): Promise<Admission> {
    const cached = this.peek(tenantId, mac);
    if (cached) return Promise.resolve(cached);
    const key = admissionKey(tenantId, mac);
    const flying = this.inFlight.get(key);
    if (flying) return flying.promise;
    const requestId = this.nextId++;
    let resolve!: (a: Admission) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Admission>((res, rej) => ((resolve = res), (reject = rej)));
    const timer = setTimeout(() => this.settle(requestId, new Error(`the main process did not answer an admission lookup within ${this.timeoutMs} ms`)), this.timeoutMs);
    const p: Pending = { key, promise, resolve, reject, timer };
    this.pending.set(requestId, p);
    this.inFlight.set(key, p);
    this.send({ kind: 'lookup', requestId, tenantId, mac });
    return promise;
  }

  /** A pushed change (no request id) or the answer to a lookup. */
  learned(tenantId: string, mac: string, admission: Admission | null, requestId?: number): void {
    if (admission) this.entries.set(tenantId, mac, admission, admission.endpointId !== undefined ? ADMISSION_TTL_MS : UNKNOWN_ADMISSION_TTL_MS);
    else this.entries.delete(tenantId, mac);
    if (requestId !== undefined) this.settle(requestId, admission ?? {});
  }

  failed(requestId: number, reason: string): void {
    this.settle(requestId, new Error(reason));
  }

  private settle(requestId: number, outcome: Admission | Error): void {
    const p = this.pending.get(requestId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(requestId);
    if (this.inFlight.get(p.key) === p) this.inFlight.delete(p.key);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}
