/**
 * One whole assessment as a NEA client does it, over real TLS: version → SASL PLAIN → CDATA with
 * the OS attributes (→ SDATA → CDATA while the server asks) → RESULT → CLOSE. Every step is
 * checked against what the protocol requires; any deviation throws, naming the step.
 */
import type { PaAttribute } from '../../policy/tnc/pa/message.js';
import { TestClient, bodyOf, serverBatchOf } from '../../policy/tnc/broker/test-client.js';
import { PtTlsTestConnection } from '../../policy/tnc/listener/test-connection.js';
import { BatchType } from '../../policy/tnc/pb/batch.js';
import { SASL_RESULT } from '../../policy/tnc/pt/bodies.js';
import { isDeepStrictEqual } from 'node:util';

export interface AssessOptions {
  port: number;
  caCert: string;
  user: string;
  password: string;
  /** The OS component's attributes, sent first and again for each Attribute Request. */
  attributes: () => PaAttribute[];
  /** Kenneki vendor attributes (an agent's posture component), sent alongside when given. */
  kenneki?: () => PaAttribute[];
  /** How long to wait for the SASL result (a password check is slow by design). */
  saslTimeoutMs?: number;
}

function expectBodies(step: string, got: unknown[], want: unknown[]): void {
  if (!isDeepStrictEqual(got, want)) throw new Error(`${step}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

/** Returns the PB-Access-Recommendation code (1 allow, 2 no access, 3 quarantine). */
export async function assessOverPtTls(o: AssessOptions): Promise<number> {
  const c = PtTlsTestConnection.open(o.port, o.caCert, { servername: 'localhost' });
  const client = new TestClient();
  c.send(client.versionRequest());
  expectBodies('version', (await c.take(2)).map(bodyOf), [
    { type: 2, version: 1 },
    { type: 3, names: ['PLAIN'] },
  ]);
  c.send(client.plain(o.user, o.password));
  // A refused login gets one SASL Result and a close, so a short read is a SASL failure too.
  const sasl = await c.take(2, o.saslTimeoutMs).catch((e: Error) => {
    throw new Error(`SASL: ${e.message}`);
  });
  expectBodies('SASL', sasl.map(bodyOf), [{ type: 6, code: SASL_RESULT.SUCCESS }, { type: 3, names: [] }]);
  const kenneki = (paId: number) => (o.kenneki ? [client.kennekiPa(o.kenneki(), paId)] : []);
  c.send(client.batch(BatchType.CDATA, [client.languagePreference('en'), client.osPa(o.attributes()), ...kenneki(1)]));
  let [reply] = await c.take(1);
  // The policy may want facts the IMC did not send unprompted: answer each Attribute Request with
  // the same set (a real IMC sends what it can).
  while (serverBatchOf(reply!).type === BatchType.SDATA) {
    c.send(client.batch(BatchType.CDATA, [client.osPa(o.attributes(), 2), ...kenneki(2)]));
    [reply] = await c.take(1);
  }
  const result = serverBatchOf(reply!);
  if (result.type !== BatchType.RESULT) throw new Error(`expected RESULT, got batch type ${result.type}`);
  const rec = result.messages.map((m) => m.decoded).find((d) => d?.kind === 'access-recommendation');
  if (rec?.kind !== 'access-recommendation') throw new Error('no access recommendation in RESULT');
  c.send(client.close());
  const close = serverBatchOf((await c.take(1))[0]!);
  if (close.type !== BatchType.CLOSE) throw new Error(`expected CLOSE, got batch type ${close.type}`);
  await c.closed;
  return rec.code;
}
