/**
 * JSON Schema validation (ajv 8 + ajv-formats, draft-07 keywords) of descriptor data, with each
 * ajv error turned into one one-line problem at a descriptor path. Schemas model ETSI GS NFV-SOL
 * 006 as OSM uses it; where SOL006/OSM allow fields beyond the ones modelled, the schemas allow
 * them too (`additionalProperties` is left open), so nothing an operator wrote is refused or lost.
 * Messages: a schema node may carry a `title` ("a non-negative integer") used as "must be <title>";
 * the sub-errors of a failed `anyOf`/`oneOf` are folded into that one message.
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ProblemList } from './problem-list.js';
import type { PathSegment } from './yaml-source.js';

/** Compile one descriptor schema (its own ajv instance: no shared mutable state). */
export function compileSchema(schema: SchemaObject): ValidateFunction {
  // strictRequired off: `if: {not: {required: ['pdu-type']}}` names a field only to test for it.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats.default(ajv, ['ipv4', 'ipv6']);
  return ajv.compile(schema);
}

/** Validate `data` and add one problem per schema error; paths are `prefix` + the error's path. */
export function addSchemaProblems(validate: ValidateFunction, data: unknown, prefix: readonly PathSegment[], out: ProblemList): void {
  if (validate(data)) return;
  const errors = validate.errors ?? [];
  const folded = umbrellaFolder(errors);
  for (const e of errors) {
    if (e.keyword === 'if') continue; // its `then` errors say what is missing
    if (folded(e)) continue;
    const path = [...prefix, ...instancePath(e.instancePath, data)];
    if (e.keyword === 'required') path.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') path.push(String(e.params.additionalProperty));
    out.add(path, errorMessage(e));
  }
}

/**
 * Whether an error is one of the sub-errors of a failed `anyOf`/`oneOf` (an umbrella): its schema
 * path is under the umbrella's and its data is the umbrella's or inside it. Umbrellas are indexed
 * by data path, so a descriptor with hundreds of errors is not checked pair by pair.
 */
function umbrellaFolder(errors: readonly ErrorObject[]): (e: ErrorObject) => boolean {
  const umbrellas = new Map<string, string[]>(); // instance path → schema paths of umbrellas there, with a trailing '/'
  for (const u of errors) {
    if (u.keyword !== 'anyOf' && u.keyword !== 'oneOf') continue;
    const list = umbrellas.get(u.instancePath);
    if (list) list.push(`${u.schemaPath}/`);
    else umbrellas.set(u.instancePath, [`${u.schemaPath}/`]);
  }
  return (e) => {
    if (umbrellas.size === 0) return false;
    for (let at = e.instancePath; ; at = at.slice(0, at.lastIndexOf('/'))) {
      if (umbrellas.get(at)?.some((prefix) => e.schemaPath.startsWith(prefix))) return true;
      if (at === '') return false;
    }
  };
}

/** JSON Pointer → path segments, numbers where the data has a list. */
function instancePath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      out.push(index);
      node = node[index];
    } else {
      out.push(key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  null: 'null',
};

/** One-line message for an ajv error. */
function errorMessage(e: ErrorObject): string {
  const title = (e.parentSchema as { title?: unknown } | undefined)?.title;
  const found = `(found ${describeValue(e.data)})`;
  switch (e.keyword) {
    case 'required':
      return `'${String(e.params.missingProperty)}' is a mandatory field and it is not defined`;
    case 'additionalProperties':
      return `unknown field '${String(e.params.additionalProperty)}'`;
    case 'enum':
      return `must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')} ${found}`;
    case 'type': {
      if (typeof title === 'string') return `must be ${title} ${found}`;
      const types = String(e.params.type).split(',');
      return `must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')} ${found}`;
    }
    case 'minItems': {
      const n = Number(e.params.limit);
      return `must have at least ${n} item${n === 1 ? '' : 's'}`;
    }
    default:
      if (typeof title === 'string') return `must be ${title} ${found}`;
      return `${e.message ?? 'is invalid'} ${found}`;
  }
}

/** A short rendering of a value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return String(value);
}
