/**
 * Attribute-based filtering of GET lists, ETSI GS NFV-SOL 013 clause 5.2:
 * `filter=(eq,nsState,INSTANTIATED);(cont,nsInstanceName,vpn)`, attribute
 * paths with `/` (`vnfInstance/vimId`; an array matches when any element
 * does), several values meaning "any of" for eq/cont and "none of" for
 * neq/ncont, operators eq neq gt lt gte lte cont ncont. OSM's simpler form
 * `?nsState=INSTANTIATED` (any other query parameter, path with `.`) is read
 * as `eq`. A malformed filter is a 400 that says what is wrong.
 */
import { ValidationError } from '../../common/index.js';

type Op = 'eq' | 'neq' | 'gt' | 'lt' | 'gte' | 'lte' | 'cont' | 'ncont';
const OPS = new Set<Op>(['eq', 'neq', 'gt', 'lt', 'gte', 'lte', 'cont', 'ncont']);

interface Term {
  op: Op;
  path: string[];
  values: string[];
}

/** Query parameters that are not attribute filters (SOL013 5.3 selectors, paging, OSM's extras). */
const RESERVED = new Set(['filter', 'fields', 'exclude_fields', 'all_fields', 'exclude_default', 'nextpage_opaque_marker', 'nsInstanceId']);

/** Parse the `filter` parameter and OSM-style attribute parameters. */
export function parseFilter(query: Record<string, unknown>): Term[] {
  const terms: Term[] = [];
  const raw = query.filter;
  if (raw !== undefined) {
    const text = Array.isArray(raw) ? raw.join(';') : String(raw);
    for (const part of text.split(';')) {
      const m = /^\(([a-z]+),([^,()]+)((?:,[^,()]*)+)\)$/.exec(part.trim());
      if (!m) throw new ValidationError(`invalid filter '${part}'`, [{ path: 'filter', message: `'${part}' is not (op,attribute,value[,value...]) (SOL013 5.2)` }]);
      const op = m[1] as Op;
      if (!OPS.has(op)) throw new ValidationError(`invalid filter '${part}'`, [{ path: 'filter', message: `unknown operator '${op}' (one of ${[...OPS].join(', ')})` }]);
      terms.push({ op, path: m[2]!.split('/'), values: m[3]!.slice(1).split(',').map(decodeURIComponent) });
    }
  }
  for (const [k, v] of Object.entries(query)) {
    if (RESERVED.has(k)) continue;
    terms.push({ op: 'eq', path: k.split('.'), values: (Array.isArray(v) ? v : [v]).map(String) });
  }
  return terms;
}

/** Leaf values at `path` (arrays flattened at every level). */
function valuesAt(rec: unknown, path: string[]): unknown[] {
  let cur: unknown[] = [rec];
  for (const key of path) {
    const next: unknown[] = [];
    for (const c of cur) {
      const items = Array.isArray(c) ? c : [c];
      for (const i of items) if (i !== null && typeof i === 'object' && key in i) next.push((i as Record<string, unknown>)[key]);
    }
    cur = next;
  }
  return cur.flatMap((c) => (Array.isArray(c) ? c : [c]));
}

function compare(a: unknown, b: string): number {
  const n = Number(b);
  if (typeof a === 'number' && !Number.isNaN(n)) return a - n;
  return String(a).localeCompare(b);
}

function holds(t: Term, rec: unknown): boolean {
  const vals = valuesAt(rec, t.path);
  switch (t.op) {
    case 'eq':
      return vals.some((v) => t.values.includes(String(v)));
    case 'neq':
      return !vals.some((v) => t.values.includes(String(v)));
    case 'cont':
      return vals.some((v) => t.values.some((x) => String(v).includes(x)));
    case 'ncont':
      return !vals.some((v) => t.values.some((x) => String(v).includes(x)));
    case 'gt':
      return vals.some((v) => compare(v, t.values[0]!) > 0);
    case 'lt':
      return vals.some((v) => compare(v, t.values[0]!) < 0);
    case 'gte':
      return vals.some((v) => compare(v, t.values[0]!) >= 0);
    case 'lte':
      return vals.some((v) => compare(v, t.values[0]!) <= 0);
  }
}

/** The records of `list` that satisfy every term of the request's query. */
export function selectList<T>(list: T[], query: Record<string, unknown>): T[] {
  const terms = parseFilter(query);
  return terms.length === 0 ? list : list.filter((r) => terms.every((t) => holds(t, r)));
}
