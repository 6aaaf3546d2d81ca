/**
 * Where a NEA client's posture meets the PDP: the glue the PT-TLS session factory calls once a
 * TncsSession has collected the facts. It finds the endpoint the client speaks for (registering it
 * on first contact), hands the facts to the PDP as a `nea-ietf` report, and returns the Decision
 * that goes into the RESULT batch.
 *
 * The device identity is, strongest first: the endpoint whose device credential the client used
 * as its SASL password; the client certificate's CN under mutual TLS (verified against our CA);
 * the Device ID the OS IMC reports. Proven identities win over anything the client merely says.
 * Without either there is nothing to file the posture under: nothing is registered and the client
 * gets the configured unknown-endpoint verdict, with a hint to enable its device id collector.
 */
import type { Logger } from 'pino';
import type { Decision } from '../decide/decision.js';
import { isKennekiError } from '../errors.js';
import type { PostureFacts } from '../posture/facts.js';
import type { Clock } from '../service/clock.js';
import type { PolicyDecisionPoint } from '../service/pdp.js';
import type { Endpoint, Store } from '../store/repository.js';

export interface NeaIdentity {
  /** The SASL PLAIN user the connection authenticated as. */
  user?: string;
  /** The endpoint whose device credential authenticated the connection (SASL PLAIN with `kd_…`). */
  endpointId?: string;
  /** The verified client certificate's subject CN (mutual TLS): the device id issued at enrollment. */
  certificateCn?: string;
}

export interface PostureServiceDeps {
  store: Store;
  pdp: Pick<PolicyDecisionPoint, 'ingest'>;
  clock: Clock;
  unknownEndpointVerdict: 'isolate' | 'deny';
  log?: Logger;
  /** Directory lookups for the device's computer account, in the background. */
  identity?: { noteDevice(tenantId: string, hostname: string): void; hasDirectories(tenantId: string): boolean };
}

export const NO_DEVICE_IDENTITY = 'no-device-identity';

export class PostureService {
  constructor(private readonly deps: PostureServiceDeps) {}

  /**
   * Files the facts under the client's endpoint and decides; `endpointId` is absent when the
   * client could not be identified (nothing was stored). Rejects only on store/PDP failures.
   */
  async assess(tenantId: string, identity: NeaIdentity, facts: PostureFacts): Promise<{ decision: Decision; endpointId?: string }> {
    const now = this.deps.clock.now();
    if (identity.endpointId !== undefined) {
      // The credential was issued to this endpoint: it wins over any id the client reports.
      if (this.deps.identity?.hasDirectories(tenantId)) {
        const e = await this.deps.store.endpoints.get(tenantId, identity.endpointId);
        if (e?.hostname) this.deps.identity.noteDevice(tenantId, e.hostname);
      }
      const { decision } = await this.deps.pdp.ingest(tenantId, identity.endpointId, { reportedAt: now.toISOString(), facts }, 'nea-ietf');
      return { decision, endpointId: identity.endpointId };
    }
    const cn = identity.certificateCn?.trim();
    const reported = facts.deviceId?.status === 'ok' ? facts.deviceId.value.trim() : undefined;
    const deviceId = cn !== undefined && cn !== '' ? cn : reported !== undefined && reported !== '' ? reported : undefined;
    if (deviceId === undefined) return { decision: this.unidentified(now) };

    const endpoint = await this.findOrRegister(tenantId, deviceId, identity, now);
    if (endpoint.hostname) this.deps.identity?.noteDevice(tenantId, endpoint.hostname);
    const { decision } = await this.deps.pdp.ingest(tenantId, endpoint.id, { reportedAt: now.toISOString(), facts }, 'nea-ietf');
    return { decision, endpointId: endpoint.id };
  }

  private async findOrRegister(tenantId: string, deviceId: string, identity: NeaIdentity, now: Date): Promise<Endpoint> {
    const { store } = this.deps;
    const known = await store.endpoints.findByDeviceId(tenantId, deviceId);
    if (known) {
      // The user who logged in last owns the device: their groups choose its policy.
      if (identity.user === undefined || identity.user === known.owner) return known;
      const updated = await store.endpoints.update(tenantId, known.id, { owner: identity.user }, { actor: identity.user, actorKind: 'device', action: 'endpoint.owner', targetType: 'endpoint' });
      return updated ?? known;
    }
    try {
      const created = await store.endpoints.create(
        tenantId,
        { deviceId, ...(identity.user !== undefined ? { owner: identity.user } : {}) },
        now.toISOString(),
        { actor: identity.user ?? deviceId, actorKind: 'device', action: 'endpoint.register', targetType: 'endpoint' },
      );
      this.deps.log?.info({ evt: 'ENDPOINT_REGISTERED', tenantId, endpointId: created.id, deviceId, source: 'nea-ietf' }, 'endpoint registered by a NEA client');
      return created;
    } catch (e) {
      // Two connections of the same new device raced us: the other one registered it.
      if (isKennekiError(e, 'KENNEKI_ERR_STORE_CONFLICT')) {
        const raced = await store.endpoints.findByDeviceId(tenantId, deviceId);
        if (raced) return raced;
      }
      throw e;
    }
  }

  private unidentified(now: Date): Decision {
    const verdict = this.deps.unknownEndpointVerdict;
    return {
      verdict,
      monitoredVerdict: verdict,
      reasons: [{ en: 'The client did not report a device identity.', ja: 'クライアントが端末 ID を報告しませんでした。' }],
      remediation: [
        {
          en: 'Enable the device ID collector of the NEA client (strongSwan: the OS IMC reports /etc/machine-id), or connect with a device certificate.',
          ja: 'NEA クライアントの端末 ID 収集を有効にしてください (strongSwan: OS IMC が /etc/machine-id を報告します)。または端末証明書で接続してください。',
        },
      ],
      trace: { evaluatedAt: now.toISOString(), defaulted: NO_DEVICE_IDENTITY, checks: [], exceptions: [] },
    };
  }
}
