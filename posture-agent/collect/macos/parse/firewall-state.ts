/**
 * Application Firewall global state, as `socketfilterfw --getglobalstate` prints it and as the
 * com.apple.alf plist stores it: 0 off, 1 on, 2 on and blocking all incoming connections. The
 * number in "(State = N)" is read first, the wording only when it is missing, since Apple has
 * reworded the sentence between releases but not the states.
 */
import { FactUnavailable } from '../../contract.js';

function fromState(n: string): boolean {
  if (n === '0') return false;
  if (n === '1' || n === '2') return true;
  throw new FactUnavailable(`unknown Application Firewall state ${n}`);
}

export function parseSocketFilterGlobalState(text: string): boolean {
  const state = /\(State\s*=\s*(\d+)\)/.exec(text);
  if (state !== null) return fromState(state[1] as string);
  if (/Firewall is (enabled|blocking all)/i.test(text)) return true;
  if (/Firewall is disabled/i.test(text)) return false;
  throw new FactUnavailable('socketfilterfw printed no global state');
}

/** `defaults read /Library/Preferences/com.apple.alf globalstate` prints the bare number. */
export function parseAlfGlobalState(text: string): boolean {
  const n = text.trim();
  if (!/^\d+$/.test(n)) throw new FactUnavailable(`com.apple.alf globalstate is not a number: ${JSON.stringify(n.slice(0, 40))}`);
  return fromState(n);
}
