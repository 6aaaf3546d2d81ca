/**
 * `held`: the directory is down and never confirmed this user; the fail mode admits them, but
 * only as far as quarantine (the server caps the placement).
 */
export type PasswordCheck = 'ok' | 'held' | 'invalid' | 'unavailable';

/** Where the inner methods check what a peer proves: the caller's user store and directories. */
export interface EapCredentials {
  /** TTLS/PAP inner password: a directory bind or a local network user. */
  checkPassword(tenantId: string, user: string, password: string): Promise<PasswordCheck>;
  /** PEAP-MSCHAPv2: a local network user's NT hash (MD4 of the UTF-16LE password), 16 bytes. */
  ntHash(tenantId: string, user: string): Promise<Buffer | undefined>;
  /** EAP-MD5, lab only: a local user's cleartext lab password. */
  labPassword(tenantId: string, user: string): Promise<string | undefined>;
}
