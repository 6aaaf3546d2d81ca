/**
 * The device's enrollment: which server it belongs to, and the credentials it proves itself with.
 * Written once by `enroll`, read by every other command.
 */
import { existsSync } from 'node:fs';
import { ensureDir, readJson, readText, writeAtomic } from './files.js';
import type { StatePaths } from './paths.js';

export interface EnrollmentRecord {
  /** PT-TLS server, as given to `enroll`. */
  host: string;
  port: number;
  vendorId: number;
  tenantId: string;
  endpointId: string;
  deviceId: string;
  enrolledAt: string;
}

export interface Enrollment extends EnrollmentRecord {
  caPem: string;
  certPem: string;
  keyPem: string;
  credential: string;
}

export function saveEnrollment(p: StatePaths, e: Enrollment): void {
  ensureDir(p.dir);
  writeAtomic(p.caCert, e.caPem, 0o644);
  writeAtomic(p.deviceCert, e.certPem, 0o644);
  writeAtomic(p.deviceKey, e.keyPem);
  writeAtomic(p.credential, e.credential);
  const record: EnrollmentRecord = { host: e.host, port: e.port, vendorId: e.vendorId, tenantId: e.tenantId, endpointId: e.endpointId, deviceId: e.deviceId, enrolledAt: e.enrolledAt };
  writeAtomic(p.enrollment, `${JSON.stringify(record, null, 2)}\n`, 0o644);
}

export function isEnrolled(p: StatePaths): boolean {
  return existsSync(p.enrollment);
}

/** The enrollment, or an error saying how to get one. */
export function loadEnrollment(p: StatePaths): Enrollment {
  const record = readJson<EnrollmentRecord>(p.enrollment);
  if (record === undefined) throw new Error(`this device is not enrolled (no ${p.enrollment}): run kenneki-agent enroll --server HOST --token TOKEN`);
  const caPem = readText(p.caCert);
  const certPem = readText(p.deviceCert);
  const keyPem = readText(p.deviceKey);
  const credential = readText(p.credential)?.trim();
  const missing = [caPem === undefined && p.caCert, certPem === undefined && p.deviceCert, keyPem === undefined && p.deviceKey, credential === undefined && p.credential].filter(Boolean);
  if (missing.length > 0) throw new Error(`the enrollment is incomplete (missing ${missing.join(', ')}): enroll again with a new token`);
  return { ...record, caPem: caPem!, certPem: certPem!, keyPem: keyPem!, credential: credential! };
}
