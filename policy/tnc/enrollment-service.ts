/**
 * Device enrollment: a one-time token, a CSR and the device's own name in; a device certificate
 * from Kenneki's CA, the CA certificate and a fresh device credential out.
 *
 * Order matters because the token is one-time. Everything the device can get wrong and fix by
 * itself (a truncated CSR, a weak key, a machine id that cannot be a CN, a device id that is
 * already enrolled) is checked against a read-only look at the token first, so such a mistake
 * does not burn it. Only then is the token spent, atomically; what follows (endpoint, signature,
 * credential) can fail only on the server's side. If two enrollments race with one token, the
 * store lets exactly one spend it and the other gets `token-used`.
 *
 * Every refusal is `{ok: false, code, message}` whose message tells the person at the device what
 * to do; nothing here rejects.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AccountService } from '../auth/accounts.js';
import { isKennekiError } from '../errors.js';
import type { Clock } from '../service/clock.js';
import type { PolicyDecisionPoint } from '../service/pdp.js';
import type { AuditEntry, ConsumeOutcome, Endpoint, EnrollmentToken, Store } from '../store/repository.js';
import { checkDeviceCsr, isCertificateDeviceId, signDeviceCsr, type Ca } from './ca/index.js';
import { secretHashOf } from './ca/enrollment-token.js';
import type { EnrollmentErrorCode, EnrollmentRequest, EnrollmentResponse } from './pt/kenneki-enrollment.js';

export interface EnrollmentServiceDeps {
  store: Store;
  ca: Ca;
  /** The tenant devices enrolling on this listener are filed under (pt_tls.tenant). */
  tenantId: string;
  clock: Clock;
  /** Runs the engine once for a new endpoint, as API registration does; absent in unit tests. */
  pdp?: Pick<PolicyDecisionPoint, 'reevaluate'>;
  log?: Logger;
  /** Device certificate lifetime; absent: signDeviceCsr's default (365 days). */
  certificateValidityDays?: number;
}

/** Who is enrolling, for the audit log and the refusal log. */
export interface EnrollmentPeer {
  remoteAddress?: string;
}

type Refusal = Extract<EnrollmentResponse, { ok: false }>;

/** Where the certificate goes: an endpoint that exists (with what to fill in), or a new one. */
type Target = { kind: 'existing'; endpoint: Endpoint; deviceId: string; patch: { deviceId?: string; hostname?: string } } | { kind: 'new'; deviceId: string };

const refuse = (code: EnrollmentErrorCode, message: string): Refusal => ({ ok: false, code, message });

const ASK_NEW = 'ask your administrator for a new one';

/** The refusal for a token that cannot be spent, saying when it stopped being usable. */
function tokenRefusal(outcome: Extract<ConsumeOutcome, { ok: false }>): Refusal {
  const t = outcome.token;
  switch (outcome.reason) {
    case 'used':
      return refuse('token-used', `this token was already used at ${t?.usedAt ?? 'an earlier enrollment'}: ${ASK_NEW}`);
    case 'expired':
      return refuse('token-expired', `this token expired at ${t?.expiresAt ?? 'an earlier time'}: ${ASK_NEW}`);
    case 'revoked':
      // The wire format has no revoked code: to the device a revoked token is one this server no
      // longer knows; the message says what happened.
      return refuse('token-unknown', `this token was revoked by an administrator at ${t?.revokedAt ?? 'an earlier time'}: ${ASK_NEW}`);
    case 'unknown':
      return refuse('token-unknown', `this server does not know this token: check it was copied whole and is for this server, or ${ASK_NEW}`);
  }
}

export class EnrollmentService {
  constructor(private readonly deps: EnrollmentServiceDeps) {}

  async enroll(req: EnrollmentRequest, peer: EnrollmentPeer = {}): Promise<EnrollmentResponse> {
    const { tenantId, log } = this.deps;
    const who = { tenantId, remoteAddress: peer.remoteAddress, machineId: req.machineId, hostname: req.hostname };
    let res: EnrollmentResponse;
    try {
      res = await this.run(req, peer);
    } catch (err) {
      log?.error({ evt: 'ENROLLMENT_FAILED', ...who, err }, 'enrollment failed on the server side');
      return refuse('internal', 'the server could not complete the enrollment (its log has ENROLLMENT_FAILED): try again later, and tell your administrator if it persists');
    }
    if (res.ok) log?.info({ evt: 'ENDPOINT_ENROLLED', ...who, endpointId: res.endpointId, deviceId: res.deviceId }, 'device enrolled');
    else log?.info({ evt: 'ENROLLMENT_REFUSED', ...who, code: res.code, reason: res.message }, `enrollment refused: ${res.code}`);
    return res;
  }

  private async run(req: EnrollmentRequest, peer: EnrollmentPeer): Promise<EnrollmentResponse> {
    const { store, tenantId, clock } = this.deps;
    const at = clock.now().toISOString();
    const secretHash = secretHashOf(req.secret);

    // 1. A look at the token, spending nothing: a dead token is the first thing to know.
    const looked = await store.enrollmentTokens.check(tenantId, secretHash, at);
    if (!looked.ok) return tokenRefusal(looked);

    // 2. The CSR, before the token is spent: a copy-paste mistake must not cost the token.
    try {
      await checkDeviceCsr(req.csr);
    } catch (err) {
      return refuse('csr-invalid', `${(err as Error).message}; the token was not used: fix the request and enroll again`);
    }

    // 3. Which endpoint the certificate is for; an identity clash refuses without spending.
    const target = await this.target(looked.token, req);
    if ('ok' in target) return target;

    // 4. Spend the token: from here on only the server can fail.
    const spent = await store.enrollmentTokens.consume(tenantId, secretHash, at, {
      ...this.actor(req, peer),
      action: 'enrollment-token.use',
      targetType: 'enrollment-token',
    });
    if (!spent.ok) return tokenRefusal(spent);

    let endpoint: Endpoint;
    if (target.kind === 'new') {
      try {
        endpoint = await store.endpoints.create(
          tenantId,
          { deviceId: target.deviceId, ...(req.hostname !== undefined ? { hostname: req.hostname } : {}) },
          at,
          { ...this.actor(req, peer), actor: target.deviceId, action: 'endpoint.register', targetType: 'endpoint' },
        );
      } catch (err) {
        // Another enrollment or a NEA client registered this device id since step 3; the token is
        // spent by now, which only a race this close can cause.
        if (!isKennekiError(err, 'KENNEKI_ERR_STORE_CONFLICT')) throw err;
        return refuse('device-taken', `device id "${target.deviceId}" was registered by another connection while this one enrolled, and this token is now used: ${ASK_NEW} for that endpoint`);
      }
    } else {
      endpoint = target.endpoint;
      if (target.patch.deviceId !== undefined || target.patch.hostname !== undefined) {
        endpoint =
          (await store.endpoints.update(tenantId, endpoint.id, target.patch, { ...this.actor(req, peer), actor: target.deviceId, action: 'endpoint.update', targetType: 'endpoint' })) ??
          endpoint;
      }
    }

    const certificate = await signDeviceCsr(this.deps.ca, req.csr, {
      deviceId: target.deviceId,
      ...(this.deps.certificateValidityDays !== undefined ? { validityDays: this.deps.certificateValidityDays } : {}),
    });
    const x = new X509Certificate(certificate);
    // A fresh credential every time: re-enrollment replaces whatever the old installation had.
    const { credential, hash } = AccountService.newDeviceCredential();
    const enrolled: AuditEntry = {
      ...this.actor(req, peer),
      actor: target.deviceId,
      action: 'endpoint.enroll',
      targetType: 'endpoint',
      after: { enrollmentTokenId: spent.token.id, deviceId: target.deviceId, certificateSerial: x.serialNumber, certificateFingerprint256: x.fingerprint256, certificateNotAfter: x.validTo, credential: 'issued' },
    };
    if (!(await store.endpoints.setCredential(tenantId, endpoint.id, hash, enrolled))) throw new Error(`endpoint ${endpoint.id} vanished during enrollment`);
    await store.enrollmentTokens.recordUse(tenantId, spent.token.id, endpoint.id);
    if (target.kind === 'new' && this.deps.pdp) {
      // The default verdict and its explanation, rather than an empty trace, until it reports.
      await this.deps.pdp.reevaluate(tenantId, [endpoint.id], 'registration').catch((err: unknown) => {
        this.deps.log?.warn({ evt: 'ENROLLMENT_REEVALUATE_FAILED', tenantId, endpointId: endpoint.id, err }, 'enrolled endpoint could not be evaluated yet');
      });
    }
    return { ok: true, tenantId, endpointId: endpoint.id, deviceId: target.deviceId, certificate, caCertificate: this.deps.ca.certPem, deviceCredential: credential };
  }

  /**
   * A token bound to an endpoint enrolls as that endpoint (re-enrollment), keeping its device id.
   * An unbound token enrolls a new endpoint named by the machine id, and never takes over one that
   * exists: that would let anyone with a fresh token impersonate an enrolled device by claiming its
   * machine id. Taking over is the admin's decision, expressed by binding a token to the endpoint.
   */
  private async target(token: EnrollmentToken, req: EnrollmentRequest): Promise<Target | Refusal> {
    const { store, tenantId } = this.deps;
    if (req.machineId !== undefined && !isCertificateDeviceId(req.machineId)) {
      return refuse('csr-invalid', `machine id ${JSON.stringify(req.machineId.slice(0, 80))} cannot be a certificate CN (1 to 64 characters, no control characters); the token was not used`);
    }
    const taken = (e: Endpoint, deviceId: string): Refusal =>
      refuse(
        'device-taken',
        `device id "${deviceId}" is already enrolled as endpoint ${e.id}${e.hostname ? ` (${e.hostname})` : ''}; the token was not used. To re-enroll this device, ask your administrator for a token bound to that endpoint (POST /api/v1/enrollment-tokens with endpoint_id ${e.id})`,
      );

    if (token.endpointId === undefined) {
      if (req.machineId === undefined) return { kind: 'new', deviceId: `dev-${randomUUID()}` };
      const existing = await store.endpoints.findByDeviceId(tenantId, req.machineId);
      if (existing) return taken(existing, req.machineId);
      return { kind: 'new', deviceId: req.machineId };
    }

    const endpoint = await store.endpoints.get(tenantId, token.endpointId);
    // Deleting an endpoint deletes its bound tokens; this is only a race with that deletion.
    if (!endpoint) return refuse('token-unknown', `the endpoint this token was issued for no longer exists: ${ASK_NEW}`);
    const hostname = endpoint.hostname === undefined && req.hostname !== undefined ? { hostname: req.hostname } : {};
    if (endpoint.deviceId !== undefined) {
      if (!isCertificateDeviceId(endpoint.deviceId)) {
        return refuse('not-available', `endpoint ${endpoint.id} has a device id that cannot be a certificate CN (over 64 characters); the token was not used. Ask your administrator to delete that endpoint and issue an unbound token`);
      }
      // The endpoint keeps its identity: its history, exceptions and credential stay with it.
      return { kind: 'existing', endpoint, deviceId: endpoint.deviceId, patch: hostname };
    }
    // An endpoint registered by MAC or hostname only gets its device id now.
    const deviceId = req.machineId ?? `dev-${randomUUID()}`;
    const other = await store.endpoints.findByDeviceId(tenantId, deviceId);
    if (other && other.id !== endpoint.id) return taken(other, deviceId);
    return { kind: 'existing', endpoint, deviceId, patch: { deviceId, ...hostname } };
  }

  private actor(req: EnrollmentRequest, peer: EnrollmentPeer): Omit<AuditEntry, 'action' | 'targetType'> {
    return {
      actor: req.machineId ?? req.hostname ?? 'enrolling-device',
      actorKind: 'device',
      ...(peer.remoteAddress !== undefined ? { sourceIp: peer.remoteAddress } : {}),
    };
  }
}
