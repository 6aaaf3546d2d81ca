/**
 * Kenneki's optional native modules (native/*): each speeds something up and has a JavaScript
 * fallback, so a machine without a compiler still runs. Loaded once; a module that is missing or
 * built for another Node yields the reason instead, for the log line that names the fallback.
 */
import { createRequire } from 'node:module';

const loaded = new Map<string, unknown>();

export function optionalNative<T>(name: string): T | string {
  if (!loaded.has(name)) {
    try {
      loaded.set(name, createRequire(import.meta.url)(name) as T);
    } catch (err) {
      loaded.set(name, `the native module ${name} is not available (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  return loaded.get(name) as T | string;
}
