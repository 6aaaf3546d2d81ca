/**
 * Builds the EAP side of the RADIUS server from config: the server certificate (the operator's,
 * or one Kenneki's CA issues at each start, as for PT-TLS), the CAs EAP-TLS trusts, and where
 * inner credentials are checked.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { KennekiConfig } from '../../policy/config/schema.js';
import { KennekiError } from '../../policy/errors.js';
import { issueServerCertificate, type Ca } from '../../policy/tnc/ca/index.js';
import { chooseTlsEngine, createEapPort, type EapCredentials, type EapPortHandle } from './eap/index.js';
import { ShareableEapPort } from './eap/shareable-port.js';
import { ThreadedEapPort } from './eap/threads/threaded-port.js';
import { CrlWatchedPort, loadCrls } from './eap-crls.js';

export async function startEap(cfg: KennekiConfig, ca: Ca | undefined, credentials: EapCredentials, log: Logger): Promise<EapPortHandle> {
  const e = cfg.radius.eap;
  let certPem: string;
  let keyPem: string;
  if (e.cert_file !== undefined && e.key_file !== undefined) {
    // cert_file holds the chain the supplicants need to reach their trusted CA.
    [certPem, keyPem] = await Promise.all([readFile(e.cert_file, 'utf8'), readFile(e.key_file, 'utf8')]);
  } else if (ca) {
    const names = cfg.pt_tls.server_names;
    const issued = await issueServerCertificate(ca, { dnsNames: names.filter((n) => isIP(n) === 0), ipAddresses: names.filter((n) => isIP(n) !== 0), keyAlgorithm: cfg.pt_tls.server_key });
    certPem = issued.certPem + ca.certPem;
    keyPem = issued.keyPem;
  } else {
    throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', 'radius.eap: set cert_file and key_file, or enable pt_tls so that Kenneki has a CA to issue the EAP server certificate', {
      details: { problems: ['radius.eap.cert_file: required when pt_tls is disabled'] },
    });
  }
  const clientCaPems = [...(ca ? [ca.certPem] : []), ...(await Promise.all(e.client_ca_files.map((f) => readFile(f, 'utf8'))))];
  if (e.methods.includes('tls') && clientCaPems.length === 0) log.warn({ evt: 'RADIUS_EAP_TLS_NO_CA' }, 'EAP-TLS is enabled but no CA is trusted: every EAP-TLS attempt will fail');
  const engine = tlsEngine(e.tls_engine, log);
  const settings = {
    methods: e.methods,
    tlsEngine: engine,
    certPem,
    keyPem,
    clientCaPems,
    ...(ca ? { kennekiCaPem: ca.certPem } : {}),
    stateTimeoutMs: e.state_timeout_seconds * 1000,
    maxRoundTrips: e.max_round_trips,
    fragmentBytes: e.fragment_bytes,
    resumptionSeconds: e.resumption_seconds,
    ...(e.crl_files.length > 0 ? { revocations: await loadCrls(e.crl_files, clientCaPems) } : {}),
  };
  // Built here in any case: a bad certificate or key stops the start with a clear error.
  const local = createEapPort({ ...settings, credentials, log });
  let port: EapPortHandle = local;
  if (e.threads > 0) {
    local.close();
    port = await ThreadedEapPort.start({ threads: e.threads, settings, credentials, log: log.child({ component: 'eap' }) });
  }
  port = new ShareableEapPort(port, settings, credentials);
  if (!settings.revocations) return port;
  return CrlWatchedPort.watch(port, settings.revocations, { files: e.crl_files, caPems: clientCaPems, log });
}

/**
 * The TLS engine for every EAP thread, chosen once here so that a fallback is logged once: native
 * when its module loads; `native` by name without the module stops the start.
 */
function tlsEngine(wanted: 'auto' | 'native' | 'node', log: Logger): 'native' | 'node' {
  let choice: ReturnType<typeof chooseTlsEngine>;
  try {
    choice = chooseTlsEngine(wanted);
  } catch (cause) {
    throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', (cause as Error).message, { cause, details: { problems: ['radius.eap.tls_engine: native is not built here; use auto or node'] } });
  }
  if (choice.fallback !== undefined) log.warn({ evt: 'RADIUS_EAP_TLS_NODE_ENGINE', reason: choice.fallback }, `EAP's TLS runs on Node's TLSSocket engine, slower than the native one: ${choice.fallback}`);
  else log.info({ evt: 'RADIUS_EAP_TLS_ENGINE', engine: choice.engine }, `EAP's TLS runs on the ${choice.engine} engine`);
  return choice.engine;
}
