/**
 * Test support: checks a collected value against the very schema the server's posture route
 * applies (FACT_VALUE_SCHEMAS, compiled the way tnc/pa/kenneki-attributes.ts does), so "valid"
 * in these tests means "the server would accept it".
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { CollectedFactKey } from '../../contract.js';
import { FACT_VALUE_SCHEMAS } from '../../../../policy/posture/schema.js';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);

const compiled = new Map<CollectedFactKey, ValidateFunction>();

/** The schema's complaints about `value` as `fact`, or [] when it is valid. */
export function factSchemaErrors(fact: CollectedFactKey, value: unknown): string[] {
  let check = compiled.get(fact);
  if (check === undefined) {
    check = ajv.compile(FACT_VALUE_SCHEMAS[fact]);
    compiled.set(fact, check);
  }
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
