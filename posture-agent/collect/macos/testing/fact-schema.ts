/**
 * Test helper: checks a collected value against FACT_VALUE_SCHEMAS with an ajv set up like the
 * server's (standard formats, for `date-time`), so a collector cannot pass here and fail ingestion.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FactKey } from '../../../../policy/posture/facts.js';
import { FACT_VALUE_SCHEMAS } from '../../../../policy/posture/schema.js';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);

const compiled = new Map<FactKey, ValidateFunction>();

/** The schema errors of `value` as fact `fact`, or undefined when it validates. */
export function schemaErrors(fact: FactKey, value: unknown): string | undefined {
  let check = compiled.get(fact);
  if (check === undefined) {
    check = ajv.compile(FACT_VALUE_SCHEMAS[fact]);
    compiled.set(fact, check);
  }
  return check(value) ? undefined : ajv.errorsText(check.errors);
}
