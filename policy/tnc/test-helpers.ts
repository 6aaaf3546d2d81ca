/** Shared helpers for the NEA codec tests: hex literals with spaces, and error shape checks. */
import { expect } from 'vitest';
import { WireError } from './wire-error.js';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Runs fn and returns the WireError it throws; fails the test on any other outcome. */
export function wireErrorOf(fn: () => unknown): WireError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return e as WireError;
  }
  throw new Error('expected a WireError, but nothing was thrown');
}

/**
 * "Returns or throws WireError" (of `layer`, when given): anything else (RangeError, TypeError)
 * fails the property.
 */
export function returnsOrWireError(fn: () => unknown, layer?: WireError['layer']): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof WireError && (layer === undefined || e.layer === layer)) return true;
    throw e;
  }
}
