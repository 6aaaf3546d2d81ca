/** For config tests: the KennekiError `fn` throws (anything else is rethrown; no throw fails). */
import { isKennekiError, type KennekiError } from '../errors.js';

export function errorOf(fn: () => unknown): KennekiError {
  try {
    fn();
  } catch (e) {
    if (isKennekiError(e)) return e;
    throw e;
  }
  throw new Error('expected a KennekiError');
}
