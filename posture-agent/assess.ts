/**
 * One assessment against the enrolled server: connect (CA from enrollment, device certificate for
 * mutual TLS, device credential for SASL PLAIN — whichever the server asks for), report, read the
 * RESULT. The connection is handed back open so the daemon can wait on it for a server-initiated
 * reassessment (SRETRY); `check` closes it at once.
 */
import type { FactKey } from '../policy/posture/facts.js';
import { Tncc, openSession, type TnccOptions } from './client/tncc.js';
import { PtTlsTransport } from './client/transport.js';
import type { FactSource } from './fact-source.js';
import type { AgentLanguage, AssessmentOutcome } from './outcome.js';
import type { Enrollment } from './state/enrollment.js';
import type { StatePaths } from './state/paths.js';
import { saveRequested } from './state/status.js';

export interface AssessDeps {
  paths: StatePaths;
  enrollment: Enrollment;
  source: FactSource;
  language: AgentLanguage;
  timeoutMs: number;
  /** Overrides the enrolled server address (e.g. reached through a VPN by another name). */
  server?: { host: string; port: number };
}

export interface OpenAssessment {
  outcome: AssessmentOutcome;
  tncc: Tncc;
  transport: PtTlsTransport;
}

export async function assess(d: AssessDeps): Promise<OpenAssessment> {
  const { enrollment: e } = d;
  const host = d.server?.host ?? e.host;
  const port = d.server?.port ?? e.port;
  const transport = await PtTlsTransport.connect({ host, port, ca: e.caPem, cert: e.certPem, key: e.keyPem, connectTimeoutMs: d.timeoutMs });
  let requested: FactKey[] = [];
  const opts: TnccOptions = {
    vendorId: e.vendorId,
    language: d.language,
    credential: { user: e.deviceId, password: e.credential },
    facts: (keys) => d.source.facts(keys),
    timeoutMs: d.timeoutMs,
    onRequested: (keys) => {
      requested = [...requested, ...keys];
    },
  };
  const tncc = new Tncc(transport, opts);
  try {
    d.source.reset();
    await openSession(transport, opts);
    const outcome = await tncc.assess();
    saveRequested(d.paths, requested);
    return { outcome, tncc, transport };
  } catch (err) {
    transport.close();
    throw err;
  }
}
