/**
 * Kenneki's own certificate authority: the PT-TLS listener's server certificate and device
 * certificates from enrollment CSRs. Load it once with loadOrCreateCa() and pass the Ca around.
 */
export type { Ca } from './types.js';
export type { KeyAlgorithm } from './keys.js';
export { loadOrCreateCa, type LoadOrCreateCaOptions } from './store.js';
export {
  issueServerCertificate,
  signDeviceCsr,
  checkDeviceCsr,
  isCertificateDeviceId,
  type ServerCertificateOptions,
  type DeviceCertificateOptions,
} from './issue.js';
