/**
 * Tests only: does a collected value pass the schema the server applies to it (FACT_VALUE_SCHEMAS,
 * with the standard formats, as the HTTP route and the PA-TNC attributes do)?
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import type { CollectedFactKey } from '../contract.js';
import { FACT_VALUE_SCHEMAS } from '../../../policy/posture/schema.js';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);
const compiled = new Map<TSchema, ValidateFunction>();

/** The schema's complaints about `value` as fact `key`; empty when it validates. */
export function schemaErrors(key: CollectedFactKey, value: unknown): string[] {
  const schema: TSchema = FACT_VALUE_SCHEMAS[key];
  let check = compiled.get(schema);
  if (check === undefined) {
    check = ajv.compile(schema);
    compiled.set(schema, check);
  }
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
