/** What route plugins get: the services, never the raw database. */
import type { Logger } from 'pino';
import type { DirectoryAdmins } from '../auth/directory-admins.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { AccountService } from '../auth/accounts.js';
import type { AddressView } from '../addresses/address-view.js';
import type { GatewayFeed } from '../addresses/gateway-feed.js';
import type { AdminChanges } from '../service/admin-changes.js';
import type { AdmissionIndex } from '../service/admission.js';
import type { Clock } from '../service/clock.js';
import type { DecisionInputs } from '../service/decision-inputs.js';
import type { PolicyDecisionPoint } from '../service/pdp.js';
import type { Store } from '../store/repository.js';
import type { OpenSessions } from '../tnc/open-sessions.js';
import type { KennekiMetrics } from './metrics.js';

/** What the enrollment-token routes need from the PT-TLS side; absent when PT-TLS is disabled. */
export interface EnrollmentContext {
  /** The tenant the PT-TLS listener files devices under: the only tenant whose tokens can work. */
  tenantId: string;
  /** Kenneki's CA certificate: tokens pin its SHA-256. */
  caCertPem: string;
  /** `host:port` agents connect to, once the listener listens; undefined while it does not. */
  serverAddress(): string | undefined;
}

export interface AppContext {
  store: Store;
  pdp: PolicyDecisionPoint;
  inputs: DecisionInputs;
  changes: AdminChanges;
  accounts: AccountService;
  /** The tenants' AD / LDAP directories. */
  identity: IdentityService;
  /** Admin API logins and token rights for directory users with an admin role. */
  directoryAdmins: DirectoryAdmins;
  clock: Clock;
  metrics: KennekiMetrics;
  log: Logger;
  /** What enforcement points admit each MAC with: the current decision, cached. */
  admission: AdmissionIndex;
  /** PT-TLS connections kept open after their RESULT, by endpoint: for SRETRY. */
  openSessions: OpenSessions;
  enrollment?: EnrollmentContext;
  /** Which address is whose, for gateway allow-lists; present when `allowlist.enabled`. */
  addresses?: AddressView;
  /** What remote gateways stream, and their credentials; present when `allowlist.enabled`. */
  gatewayFeed?: GatewayFeed;
}
