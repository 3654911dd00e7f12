/**
 * JSON Schema of qnfv's NSD extension `qnfv:security-profile` (docs/descriptors.md): which
 * virtual link is protected by IKE-less IPsec (RFC 9061) keyed from QKD (ETSI GS QKD 004/014)
 * and/or ML-KEM (FIPS 203), how the keys are combined, the ESP transform (RFC 4303, 4106, 3602,
 * 4868) and the SA lifetimes (RFC 9061 `lifetime`, time in seconds). Unlike the SOL006 parts,
 * every mapping here is closed: a misspelt security field must fail, not be ignored.
 */
import type { SchemaObject } from 'ajv';
import { closedObject, idSchema, stringSchema } from '../vnfd/index.js';
import { COMBINERS, ESP_ENCRYPTIONS, KEY_SOURCES, QKD_INTERFACES, REPLAY_WINDOW_MAX, REPLAY_WINDOW_MIN, SINGLE_SOURCE_POLICIES } from './constants.js';

const oneOf = (values: readonly string[]): SchemaObject => ({ type: 'string', enum: [...values] });

const limit: SchemaObject = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, title: 'a positive integer' };

const limits: SchemaObject = {
  ...closedObject({ time: limit, bytes: limit, packets: limit }),
  minProperties: 1,
  title: 'a mapping with at least one of time (seconds), bytes, packets',
};

/** Schema of one `qnfv:security-profile` entry. */
export const securityProfileSchema: SchemaObject = closedObject(
  {
    id: idSchema,
    description: stringSchema,
    'virtual-link-desc': idSchema,
    'key-sources': { type: 'array', minItems: 1, items: oneOf(KEY_SOURCES) },
    combiner: oneOf(COMBINERS),
    'single-source-policy': oneOf(SINGLE_SOURCE_POLICIES),
    'qkd-interface': oneOf(QKD_INTERFACES),
    esp: closedObject({
      encryption: oneOf(ESP_ENCRYPTIONS),
      esn: { type: 'boolean' },
      'replay-window': { type: 'integer', minimum: REPLAY_WINDOW_MIN, maximum: REPLAY_WINDOW_MAX, title: `an integer from ${REPLAY_WINDOW_MIN} to ${REPLAY_WINDOW_MAX}` },
    }),
    lifetime: closedObject({ soft: limits, hard: limits }, ['soft', 'hard']),
  },
  ['id', 'virtual-link-desc', 'key-sources', 'lifetime'],
);
