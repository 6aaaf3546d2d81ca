/**
 * EAP-TLS certificate revocation from CRL files (`radius.eap.crl_files`): a stolen laptop's
 * certificate, revoked in the enterprise CA, must stop getting on the network.
 *
 * Why not OpenSSL's own CRL check (Node's `crl` option): it turns on checking for every CA in the
 * store at once, so a CA without a CRL (Kenneki's own, which revokes by deleting the endpoint)
 * would fail every one of its certificates. Here a CA is checked when a CRL for it is configured,
 * and then strictly: a CRL past its nextUpdate refuses that CA's certificates (fail closed) until
 * the file is refreshed.
 *
 * A CRL is only accepted when one of the trusted client CAs signed it. The lists are plain data
 * (`RevocationList`) so that they can be handed to EAP threads and replaced when the files change.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { x509 } from '../../../policy/tnc/ca/keys.js';

export interface RevocationList {
  /** The issuing CA's subject, as Node spells a certificate's `issuer`. */
  issuer: string;
  /** Revoked serial numbers, lower-case hex without leading zeros. */
  serials: string[];
  /** ISO time after which this CRL no longer vouches for anything. */
  nextUpdate?: string;
  file: string;
}

export const normalizeSerial = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, '');

/** OpenSSL writes "X509 CRL", some tools plain "CRL". */
const PEM_CRL = /-----BEGIN (?:X509 )?CRL-----[\s\S]+?-----END (?:X509 )?CRL-----/g;

/**
 * Reads and checks CRL files (PEM, several CRLs per file allowed, or one DER CRL). Throws, naming
 * the file, when one cannot be parsed or no trusted CA signed it.
 */
export async function loadRevocationLists(files: readonly string[], caPems: readonly string[]): Promise<RevocationList[]> {
  const cas = caPems.map((pem) => ({ node: new X509Certificate(pem), lib: new x509.X509Certificate(pem) }));
  const lists: RevocationList[] = [];
  for (const file of files) {
    const raw = await readFile(file);
    const text = raw.toString('latin1');
    const pems = text.match(PEM_CRL);
    const blocks: (string | Buffer)[] = pems ?? (text.includes('-----BEGIN') ? [text] : [raw]);
    for (const block of blocks) {
      let crl: x509.X509Crl;
      try {
        crl = new x509.X509Crl(block);
      } catch (err) {
        throw new Error(`${file}: not a CRL (${(err as Error).message})`);
      }
      let issuer: X509Certificate | undefined;
      for (const ca of cas) {
        if (await crl.verify({ publicKey: ca.lib.publicKey }).catch(() => false)) {
          issuer = ca.node;
          break;
        }
      }
      if (!issuer) throw new Error(`${file}: CRL of "${crl.issuer}" is not signed by any trusted client CA`);
      lists.push({ issuer: issuer.subject, serials: crl.entries.map((e) => normalizeSerial(e.serialNumber)), ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.toISOString() } : {}), file });
    }
  }
  return lists;
}

/** The lists in force, by issuer. Several CRLs of one CA (a base and an older one) all apply. */
export class Revocations {
  private byIssuer = new Map<string, { serials: Set<string>; nextUpdate: number | undefined; file: string }[]>();

  constructor(lists: readonly RevocationList[] = []) {
    this.replace(lists);
  }

  replace(lists: readonly RevocationList[]): void {
    const next = new Map<string, { serials: Set<string>; nextUpdate: number | undefined; file: string }[]>();
    for (const l of lists) {
      const entry = { serials: new Set(l.serials), nextUpdate: l.nextUpdate !== undefined ? Date.parse(l.nextUpdate) : undefined, file: l.file };
      next.set(l.issuer, [...(next.get(l.issuer) ?? []), entry]);
    }
    this.byIssuer = next;
  }

  /** Why a certificate of `issuer` with `serial` is refused, or undefined when it is not. */
  check(issuer: string, serial: string, now: number): string | undefined {
    const crls = this.byIssuer.get(issuer);
    if (!crls) return undefined;
    const s = normalizeSerial(serial);
    for (const c of crls) {
      if (c.nextUpdate !== undefined && c.nextUpdate < now) return `the CRL of its CA expired at ${new Date(c.nextUpdate).toISOString()} (refresh ${c.file})`;
      if (c.serials.has(s)) return `client certificate revoked (serial ${s}, ${c.file})`;
    }
    return undefined;
  }
}
