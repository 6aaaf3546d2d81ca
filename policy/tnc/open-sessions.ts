/**
 * PT-TLS connections that stay open after their RESULT (an agent that keeps its session, unlike
 * strongSwan's one-shot pt-tls-client), by the endpoint they assessed. The server can then ask
 * such a client to reassess with SRETRY (RFC 5793 §3.2) instead of waiting for its next
 * scheduled report: an admin's "reassess now", for example.
 *
 * Keyed by tenant and endpoint; a newer connection of the same endpoint replaces the older one
 * (the older still works, it is only no longer the one asked). Entries leave when their
 * connection closes, so the map is bounded by pt_tls.max_connections.
 */
export interface RetryableSession {
  /**
   * Starts a server-initiated reassessment. Resolves false when the session cannot take one now
   * (no decision yet, or already reassessing, or closed).
   */
  retry(): Promise<boolean>;
}

const keyOf = (tenantId: string, endpointId: string): string => `${tenantId}\u0000${endpointId}`;

export class OpenSessions {
  private readonly byEndpoint = new Map<string, RetryableSession>();

  /** Records that `session` last assessed this endpoint. Returns the function that forgets it. */
  register(tenantId: string, endpointId: string, session: RetryableSession): () => void {
    const key = keyOf(tenantId, endpointId);
    this.byEndpoint.set(key, session);
    return () => {
      // Only if still ours: a newer connection of the same endpoint may have replaced us.
      if (this.byEndpoint.get(key) === session) this.byEndpoint.delete(key);
    };
  }

  /** Asks the endpoint's open session to reassess; false when there is none or it cannot now. */
  async retry(tenantId: string, endpointId: string): Promise<boolean> {
    const session = this.byEndpoint.get(keyOf(tenantId, endpointId));
    if (session === undefined) return false;
    try {
      return await session.retry();
    } catch {
      return false;
    }
  }

  get size(): number {
    return this.byEndpoint.size;
  }
}
