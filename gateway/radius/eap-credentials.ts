/**
 * Where EAP's inner credentials are checked: the tenant's directories first (a bind, through the
 * identity service's cache and outage handling), then the tenant's local network users.
 *
 * A login the directory fail mode admits unverified (`hold`) is `held`: the RADIUS server then
 * places the device in quarantine whatever its own verdict (a `deny` fail mode refuses it).
 * Users seen before keep working through an outage from the login cache.
 */
import type { Logger } from 'pino';
import { verifyPassword } from '../../policy/auth/password.js';
import type { IdentityService } from '../../policy/identity/identity-service.js';
import type { Store } from '../../policy/store/repository.js';

import type { PasswordCheck } from './eap/credentials.js';

export class EapCredentialSource {
  constructor(private readonly d: { store: Store; identity: IdentityService; log: Logger }) {}

  async checkPassword(tenantId: string, user: string, password: string): Promise<PasswordCheck> {
    if (password === '') return 'invalid';
    if (this.d.identity.hasDirectories(tenantId)) {
      const r = await this.d.identity.login(tenantId, user, password);
      if (r.ok) return r.hold === undefined ? 'ok' : r.hold === 'deny' ? 'unavailable' : 'held';
      if (r.reason === 'invalid') return 'invalid';
      if (r.reason === 'unavailable' || r.reason === 'busy') return 'unavailable';
      // unknown-user / no-directory: a local network user may have the name.
    }
    const local = await this.d.store.networkUsers.secrets(tenantId, user);
    if (!local) return 'invalid';
    return (await verifyPassword(password, local.passwordHash)) ? 'ok' : 'invalid';
  }

  async ntHash(tenantId: string, user: string): Promise<Buffer | undefined> {
    const local = await this.d.store.networkUsers.secrets(tenantId, user);
    return local?.ntHash !== undefined ? Buffer.from(local.ntHash, 'hex') : undefined;
  }

  async labPassword(tenantId: string, user: string): Promise<string | undefined> {
    return (await this.d.store.networkUsers.secrets(tenantId, user))?.labPassword;
  }
}
