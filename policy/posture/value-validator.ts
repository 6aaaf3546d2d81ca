/**
 * One ajv, with the standard formats, for the posture value schemas wherever a value crosses a
 * boundary outside the HTTP route: the PA-TNC vendor attributes on the server, and the agent
 * checking its own collectors' output before it sends it. Fastify's ajv (the HTTP route) has the
 * standard formats too (`date-time`), so all three judge a value alike.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);

/** Compiled once, on first use of each schema. */
const compiled = new Map<TSchema, ValidateFunction>();

export function validatorFor(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}
