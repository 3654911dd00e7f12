/**
 * JSON Schema building blocks for ETSI GS NFV-SOL 006 leaf types as OSM's YAML carries them.
 * OSM validates with pyangbind, which coerces scalars, so real packages write `seq: '1'` and
 * `version: 1.0`; these fragments accept what OSM accepts and no more. Each has a `title` that
 * becomes the problem message ("must be a non-negative integer").
 */
import type { SchemaObject } from 'ajv';
import { UINT16_MAX } from './constants.js';

/** A YANG `string` key or leafref: a non-empty string. */
export const idSchema: SchemaObject = { type: 'string', minLength: 1, title: 'a non-empty string' };

/** A YANG `string`. */
export const stringSchema: SchemaObject = { type: 'string' };

/** A YANG `boolean`. */
export const booleanSchema: SchemaObject = { type: 'boolean' };

/** A YANG `uint*`: an integer ≥ 0, or a string of digits (pyangbind coerces `'1'`). */
export const uintSchema: SchemaObject = {
  title: 'a non-negative integer',
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^[0-9]+$' },
  ],
};

/** A YANG `uint16`, same forms as `uintSchema`. */
export const uint16Schema: SchemaObject = {
  title: `an integer from 0 to ${UINT16_MAX}`,
  anyOf: [
    { type: 'integer', minimum: 0, maximum: UINT16_MAX },
    { type: 'string', pattern: '^[0-9]{1,5}$' },
  ],
};

/** A YANG `decimal64`: a number or a decimal string. */
export const decimalSchema: SchemaObject = {
  title: 'a number',
  anyOf: [{ type: 'number' }, { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' }],
};

/** A descriptor `version` (YANG string): OSM writes `version: 1.0` unquoted, a YAML number. */
export const versionSchema: SchemaObject = {
  type: ['string', 'number'],
  title: "a string or a number (OSM writes 'version: 1.0' unquoted)",
};

/** A YANG enumeration: one of `values` (the message lists them). */
export function enumSchema(values: readonly string[]): SchemaObject {
  return { enum: [...values] };
}

/** A primitive parameter value (`<rw_mgmt_ip>`, 22, true). */
export const scalarSchema: SchemaObject = { type: ['string', 'number', 'boolean'], title: 'a string, number or boolean' };

/** A list of `item`. */
export function listOf(item: SchemaObject, minItems = 0): SchemaObject {
  return minItems > 0 ? { type: 'array', minItems, items: item } : { type: 'array', items: item };
}

/** A mapping with the given properties; extra fields are allowed (SOL006/OSM carry many more). */
export function openObject(properties: Record<string, SchemaObject>, required: string[] = []): SchemaObject {
  return required.length > 0 ? { type: 'object', required, properties } : { type: 'object', properties };
}

/** A mapping with exactly the given properties: for qnfv's own extensions, where a typo must not pass. */
export function closedObject(properties: Record<string, SchemaObject>, required: string[] = []): SchemaObject {
  return { ...openObject(properties, required), additionalProperties: false };
}
