/** Small helpers the parsers share: they all read line-oriented, untrusted text. */
import { FactUnavailable } from '../../contract.js';

export function lines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** A quoted, shortened excerpt of output for an `unknown` reason: enough to diagnose, never a dump. */
export function excerpt(text: string, max = 80): string {
  const t = text.trim();
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}…` : t);
}

export function unavailable(reason: string): never {
  throw new FactUnavailable(reason);
}
