/**
 * Paging of GET lists, ETSI GS NFV-SOL 013 clause 5.4.2: a (filtered) list
 * longer than the page size is answered one page at a time; every page but
 * the last carries `Link: <same path and query + nextpage_opaque_marker=…>;
 * rel="next"`. Key-set paging: records are ordered by a stable key (the
 * route's own order, if any, then `id`) and the marker holds the key of the
 * last record sent, so the next page starts right after it whatever was added
 * or removed meanwhile (a record added behind a walk's position is not seen
 * by that walk). The marker is `base64url(JSON key).check`, the check a
 * SHA-256 of the list's route and the key: a garbled marker, or one issued
 * for another list, is a 400 naming `nextpage_opaque_marker`. The check
 * catches mistakes, not forgery; a forged marker can only choose where a page
 * of a list the caller may read anyway starts.
 */
import { createHash } from 'node:crypto';
import type { Request, ResponseObject, ResponseToolkit } from '@hapi/hapi';
import { ValidationError } from '../../common/index.js';

/** SOL013 5.4.2.1: the query parameter that carries the marker. */
export const MARKER_PARAM = 'nextpage_opaque_marker';

/** Records per page unless the NFVO is configured otherwise (tunable). */
export const DEFAULT_PAGE_SIZE = 100;

/** Characters of the marker's check (base64url of SHA-256, 66 bits). */
const CHECK_CHARS = 11;

/** A record's position: its order key(s), then its id. */
type Key = string[];

/** One page of a list and the marker of the next, if any. */
export interface Page<T> {
  items: T[];
  next?: string;
}

const checkOf = (scope: string, json: string): string => createHash('sha256').update(`${scope}\n${json}`).digest('base64url').slice(0, CHECK_CHARS);

const badMarker = (reason: string): ValidationError => new ValidationError(`invalid ${MARKER_PARAM}`, [{ path: MARKER_PARAM, message: reason }]);

/** The marker of the position after `key` in the list `scope`. */
export function encodeMarker(scope: string, key: Key): string {
  const json = JSON.stringify(key);
  return `${Buffer.from(json, 'utf8').toString('base64url')}.${checkOf(scope, json)}`;
}

/** The key a marker of list `scope` holds; a ValidationError naming the parameter otherwise. */
export function decodeMarker(scope: string, marker: string, length: number): Key {
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(marker);
  if (!m) throw badMarker('not a marker this NFVO issued: follow the Link header of the previous page');
  const json = Buffer.from(m[1]!, 'base64url').toString('utf8');
  if (checkOf(scope, json) !== m[2]) throw badMarker('garbled, or issued for another list: follow the Link header of the previous page');
  let key: unknown;
  try {
    key = JSON.parse(json);
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((k) => typeof k === 'string')) throw badMarker('not a position in this list');
  return key as Key;
}

/** Compare two keys element by element, by UTF-16 code units (a total, locale-free order). */
function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/** The page of `records` after `marker` (from the start without one), ordered by `orderBy` then id. */
export function pageOf<T extends { id: string }>(records: readonly T[], o: { pageSize: number; scope: string; marker?: string; orderBy?: (r: T) => string }): Page<T> {
  const keyOf = (r: T): Key => (o.orderBy ? [o.orderBy(r), r.id] : [r.id]);
  const sorted = records.map((r) => ({ r, key: keyOf(r) })).sort((a, b) => compareKeys(a.key, b.key));
  let start = 0;
  if (o.marker !== undefined) {
    const after = decodeMarker(o.scope, o.marker, o.orderBy ? 2 : 1);
    start = sorted.findIndex((e) => compareKeys(e.key, after) > 0);
    if (start < 0) start = sorted.length;
  }
  const slice = sorted.slice(start, start + o.pageSize);
  const more = start + o.pageSize < sorted.length;
  return { items: slice.map((e) => e.r), ...(more ? { next: encodeMarker(o.scope, slice[slice.length - 1]!.key) } : {}) };
}

/** The request's path and query with `marker` in place of any marker it had (the client's query text kept as sent). */
export function nextPageUrl(pathname: string, search: string, marker: string): string {
  const isMarker = (part: string): boolean => {
    const name = part.split('=', 1)[0]!.replace(/\+/g, ' ');
    try {
      return decodeURIComponent(name) === MARKER_PARAM;
    } catch {
      return false;
    }
  };
  const kept = search.replace(/^\?/, '').split('&').filter((p) => p !== '' && !isMarker(p));
  return `${pathname}?${[...kept, `${MARKER_PARAM}=${marker}`].join('&')}`;
}

/** Pages the GET lists of the NBI with one page size. */
export class Pager {
  constructor(readonly pageSize: number = DEFAULT_PAGE_SIZE) {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new ValidationError(`pageSize must be a whole number >= 1, not ${pageSize}`);
  }

  /** The page of `records` (already filtered) the request asks for, with a `rel="next"` Link when more follow. */
  reply<T extends { id: string }>(req: Request, h: ResponseToolkit, records: readonly T[], orderBy?: (r: T) => string): ResponseObject {
    const raw: unknown = (req.query as Record<string, unknown>)[MARKER_PARAM];
    if (Array.isArray(raw)) throw badMarker('given more than once');
    if (raw !== undefined && typeof raw !== 'string') throw badMarker('not a string');
    // The route's path, not the request's: the same list under /osm or with another spelling.
    const page = pageOf(records, { pageSize: this.pageSize, scope: req.route.path, marker: raw, orderBy });
    const res = h.response(page.items);
    if (page.next) res.header('Link', `<${nextPageUrl(req.url.pathname, req.url.search, page.next)}>; rel="next"`);
    return res;
  }
}
