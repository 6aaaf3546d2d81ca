/**
 * An EAP port that RADIUS worker processes can replicate: they hold conversations of their own
 * when the kernel steers each request to the worker that issued its State (server/port-group.ts),
 * and for that they need the port's settings (certificates, CAs, limits), its source of inner
 * credentials (asked through the main process), and every change of the CRLs.
 */
import type { EapAnswer, EapRequest } from '../server/eap-port.js';
import type { EapCredentials } from './credentials.js';
import type { EapPortHandle, EapShare } from './index.js';
import type { RevocationList } from './revocation.js';
import type { EapThreadSettings } from './threads/protocol.js';

export class ShareableEapPort implements EapPortHandle {
  private readonly listeners = new Set<(lists: readonly RevocationList[]) => void>();
  private settings: EapThreadSettings;

  constructor(
    private readonly inner: EapPortHandle,
    settings: EapThreadSettings,
    private readonly credentials: EapCredentials,
  ) {
    this.settings = settings;
  }

  get share(): EapShare {
    return {
      settings: this.settings,
      credentials: this.credentials,
      onRevocations: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }

  handle(req: EapRequest): Promise<EapAnswer> {
    return this.inner.handle(req);
  }

  stats() {
    return this.inner.stats();
  }

  updateRevocations(lists: readonly RevocationList[]): void {
    // A worker started later must start from these lists, not the ones read at start.
    this.settings = { ...this.settings, revocations: [...lists] };
    this.inner.updateRevocations(lists);
    for (const l of this.listeners) l(lists);
  }

  close(): void {
    this.listeners.clear();
    this.inner.close();
  }
}
