/**
 * Helpers for the two reference rules every SOL006 list obeys: YANG list keys are unique within
 * their list, and a leafref names an existing key. Messages follow OSM's NBI
 * (`osm_nbi/descriptor_topics.py`): "ext-cpd[id='x'] is already used by other ext-cpd".
 */
import type { ProblemList } from './problem-list.js';
import { strAt } from './tree.js';
import { formatPath, type PathSegment } from './yaml-source.js';

/** Report every item of `list` (at `path`) whose `key` repeats an earlier item's. */
export function checkUniqueKeys(list: readonly unknown[], path: readonly PathSegment[], out: ProblemList, key = 'id'): void {
  const what = String([...path].reverse().find((s) => typeof s === 'string') ?? 'item');
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const value = strAt(item, key);
    if (value === undefined) return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else out.add([...path, i, key], `${what}[${key}='${value}'] is already used by other ${what} (${formatPath([...path, first])})`);
  });
}

/** Report every string of a leaf-list that appears twice. */
export function checkUniqueValues(values: readonly unknown[], path: readonly PathSegment[], out: ProblemList, what: string): void {
  const seen = new Set<unknown>();
  values.forEach((v, i) => {
    if (seen.has(v)) out.add([...path, i], `${what} '${String(v)}' is listed twice`);
    seen.add(v);
  });
}

/** The set of `key` values of a list's items. */
export function keySet(list: readonly unknown[], key = 'id'): Set<string> {
  const ids = new Set<string>();
  for (const item of list) {
    const v = strAt(item, key);
    if (v !== undefined) ids.add(v);
  }
  return ids;
}

/** Quote a set of ids for a message: `'a', 'b'` or `none`. */
export function listIds(ids: Iterable<string>): string {
  const all = [...ids].map((id) => `'${id}'`);
  return all.length ? all.join(', ') : 'none';
}
