/**
 * Tolerant readers over parsed descriptor data (plain JSON-like values from YAML). The semantic
 * checks of ETSI GS NFV-SOL 006 references run even when the JSON Schema pass found problems,
 * so they must never throw on a value of the wrong shape: these readers return `undefined` or
 * an empty list instead.
 */

/** A YAML mapping as loaded (string keys). */
export type Obj = Record<string, unknown>;

/** Whether a value is a mapping (not null, not a list). */
export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when value is a mapping and the entry is one too. */
export function objAt(value: unknown, key: string): Obj | undefined {
  if (!isObj(value)) return undefined;
  const v = value[key];
  return isObj(v) ? v : undefined;
}

/** `value[key]` when it is a list, else an empty list. */
export function listAt(value: unknown, key: string): unknown[] {
  if (!isObj(value)) return [];
  const v = value[key];
  return Array.isArray(v) ? v : [];
}

/** `value[key]` when it is a string. */
export function strAt(value: unknown, key: string): string | undefined {
  if (!isObj(value)) return undefined;
  const v = value[key];
  return typeof v === 'string' ? v : undefined;
}

/** `value[key]` as a number when it is one or a string of digits (OSM accepts `seq: '1'`). */
export function numAt(value: unknown, key: string): number | undefined {
  if (!isObj(value)) return undefined;
  const v = value[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
  return undefined;
}

/** `value[key]` when it is a boolean. */
export function boolAt(value: unknown, key: string): boolean | undefined {
  if (!isObj(value)) return undefined;
  const v = value[key];
  return typeof v === 'boolean' ? v : undefined;
}

/** The string items of `value[key]` (a YANG leaf-list). */
export function strListAt(value: unknown, key: string): string[] {
  return listAt(value, key).filter((v): v is string => typeof v === 'string');
}

/** Whether a mapping has an own entry (YAML `{}` objects: never look at the prototype). */
export function has(value: unknown, key: string): boolean {
  return isObj(value) && Object.prototype.hasOwnProperty.call(value, key);
}
