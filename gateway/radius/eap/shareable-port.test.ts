import { expect, test } from 'vitest';
import type { EapCredentials } from './credentials.js';
import type { EapPortHandle } from './index.js';
import type { RevocationList } from './revocation.js';
import { ShareableEapPort } from './shareable-port.js';
import type { EapThreadSettings } from './threads/protocol.js';

test('a CRL change reaches the inner port, every listener, and the settings a later worker starts from', () => {
  const seen: (readonly RevocationList[])[] = [];
  const inner = { updateRevocations: (l: readonly RevocationList[]) => seen.push(l), close() {} } as unknown as EapPortHandle;
  const settings = { methods: ['tls'], revocations: [] } as unknown as EapThreadSettings;
  const port = new ShareableEapPort(inner, settings, {} as EapCredentials);
  const heard: (readonly RevocationList[])[] = [];
  const stop = port.share.onRevocations((l) => heard.push(l));
  const lists = [{ issuer: 'CN=Test CA' }] as unknown as RevocationList[];
  port.updateRevocations(lists);
  expect(seen).toEqual([lists]);
  expect(heard).toEqual([lists]);
  expect(port.share.settings.revocations).toEqual(lists);
  stop();
  port.updateRevocations([]);
  expect(heard).toHaveLength(1);
  expect(port.share.settings.revocations).toEqual([]);
});
