/**
 * /etc/machine-id (machine-id(5)) → the device id: 32 lower-case hex digits and a newline.
 * An empty file (container images) or "uninitialized" (first boot not yet committed) is no id.
 */
import { excerpt, unavailable } from './text.js';

export function parseMachineId(text: string): string {
  const t = text.trim();
  if (!/^[0-9a-f]{32}$/.test(t)) unavailable(`machine-id is ${excerpt(text, 40)}, not 32 hex digits`);
  return t;
}
