/**
 * Schema builders that give ajv readable errors: a string enum reports "must be equal to one of the
 * allowed values" once, and a discriminated union reports against the matching branch only,
 * where TypeBox's anyOf would report every branch.
 */
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

export const Enum = <const T extends readonly string[]>(values: T, opts: { default?: T[number] } = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

export const Discriminated = (propertyName: string, branches: TSchema[]): TUnsafe<unknown> =>
  Type.Unsafe<unknown>({ type: 'object', required: [propertyName], discriminator: { propertyName }, oneOf: branches });
