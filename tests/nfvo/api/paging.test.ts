/**
 * SOL013 5.4.2 paging of the NBI's GET lists (nfvo/api/paging.ts) through
 * `server.inject`: with a small page size every list is walked page by page
 * along `Link: <…>; rel="next"`, each record is seen exactly once in a stable
 * order, the last page has no Link, filters apply before paging and stay in
 * the links, and a bad marker is a 400 ProblemDetails naming
 * `nextpage_opaque_marker`.
 */
import type { NsLcmOpOcc, ProblemDetails, VimAccount } from '../../../nfvo/index.js';
import { decodeMarker, encodeMarker, nextPageUrl, pageOf, Pager } from '../../../nfvo/api/paging.js';
import { ValidationError } from '../../../common/index.js';
import { accountBody, createNs, onboardBundled, startHarness, type Harness, type Reply } from './harness.js';

const PAGE = 3;

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ pageSize: PAGE });
});
afterEach(async () => {
  await h.close();
});

/** The URL of the Link header's rel="next", if any. */
function next(r: Reply): string | undefined {
  const link = r.headers.link;
  if (link === undefined) return undefined;
  const m = /^<([^>]+)>; rel="next"$/.exec(String(link));
  if (!m) throw new Error(`unexpected Link header ${String(link)}`);
  return m[1];
}

/** Walk a list from `url` along its Link headers; the pages' records and sizes, and the URLs followed. */
async function walk<T>(url: string): Promise<{ records: T[]; sizes: number[]; urls: string[] }> {
  const out = { records: [] as T[], sizes: [] as number[], urls: [] as string[] };
  for (let u: string | undefined = url; u !== undefined; ) {
    if (out.urls.length > 50) throw new Error('too many pages');
    const r: Reply<T[]> = await h.req<T[]>('GET', u);
    expect([u, r.status]).toEqual([u, 200]);
    out.urls.push(u);
    out.records.push(...r.json);
    out.sizes.push(r.json.length);
    u = next(r);
  }
  return out;
}

async function addAccounts(n: number): Promise<VimAccount[]> {
  const made: VimAccount[] = [];
  for (let i = 0; i < n; i++) {
    const r = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody(`dom-${i}`, String(i)));
    expect(r.status).toBe(201);
    made.push(r.json);
  }
  return made;
}

const ids = (recs: { id: string }[]) => recs.map((r) => r.id);
const sortedIds = (recs: { id: string }[]) => ids(recs).sort();

describe('SOL013 paging of GET lists', () => {
  it('walks 7 VIM accounts in pages of 3 via the Link header: each once, ordered by id, no Link on the last page', async () => {
    const made = await addAccounts(7);
    const w = await walk<VimAccount>('/admin/v1/vim_accounts');
    expect(w.sizes).toEqual([3, 3, 1]);
    expect(ids(w.records)).toEqual(sortedIds(made));
    expect(w.records).toEqual(expect.arrayContaining(made));
    expect(w.urls[1]).toMatch(/^\/admin\/v1\/vim_accounts\?nextpage_opaque_marker=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    // The marker is opaque: no id in clear.
    for (const u of w.urls.slice(1)) for (const a of made) expect(u).not.toContain(a.id);
  });

  it('a list that fits one page, or exactly fills its pages, has no Link on its last page', async () => {
    await addAccounts(3);
    const one = await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts');
    expect(one.json).toHaveLength(3);
    expect(one.headers.link).toBeUndefined();
    await h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-x', 'e'));
    await h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-y', 'f'));
    await h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-z', 'd'));
    expect((await walk('/admin/v1/vim_accounts')).sizes).toEqual([3, 3]);
    const empty = await h.req<unknown[]>('GET', '/nslcm/v1/subscriptions');
    expect([empty.json, empty.headers.link]).toEqual([[], undefined]);
  });

  it('filters apply before paging and stay in the Link, as sent', async () => {
    const made = await addAccounts(7);
    const query = 'filter=(neq,name,dom-1,dom-4)';
    const w = await walk<VimAccount>(`/admin/v1/vim_accounts?${query}`);
    expect(w.sizes).toEqual([3, 2]);
    expect(ids(w.records)).toEqual(sortedIds(made.filter((a) => a.name !== 'dom-1' && a.name !== 'dom-4')));
    expect(w.urls[1]!.startsWith(`/admin/v1/vim_accounts?${query}&nextpage_opaque_marker=`)).toBe(true);
    // OSM-style attribute filters too; one match, one page.
    const osm = await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts?name=dom-5');
    expect([ids(osm.json), osm.headers.link]).toEqual([[made[5]!.id], undefined]);
    // An encoded query survives the round trip.
    const enc = await walk<VimAccount>('/admin/v1/vim_accounts?filter=%28cont%2Cname%2Cdom-%29');
    expect(enc.sizes).toEqual([3, 3, 1]);
    expect(enc.urls[2]).toMatch(/^\/admin\/v1\/vim_accounts\?filter=%28cont%2Cname%2Cdom-%29&nextpage_opaque_marker=/);
  });

  it('records deleted or added during a walk do not make it repeat or skip the others', async () => {
    const made = await addAccounts(7);
    const order = sortedIds(made);
    const first = await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts');
    expect(ids(first.json)).toEqual(order.slice(0, 3));
    // The last record of the page (the marker's position) and one not yet seen go away.
    expect((await h.req('DELETE', `/admin/v1/vim_accounts/${order[2]}`)).status).toBe(204);
    expect((await h.req('DELETE', `/admin/v1/vim_accounts/${order[4]}`)).status).toBe(204);
    // One record is added behind the walk's position (not seen by it), one ahead (seen).
    const accounts = h.server.store.collection<VimAccount>('vim_accounts');
    for (const id of ['0-behind', 'z-ahead']) await accounts.put(id, { ...made[0]!, id, name: id });
    const rest = await walk<VimAccount>(next(first)!);
    expect(ids(rest.records)).toEqual([order[3], order[5], order[6], 'z-ahead']);
  });

  it('pages every list: NSDs, VNF packages, NS instances, subscriptions', async () => {
    const pkgs: string[] = [];
    const nsds: string[] = [];
    for (let i = 0; i < 7; i++) {
      pkgs.push((await h.req<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages', {})).json.id);
      nsds.push((await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors', {})).json.id);
    }
    await onboardBundled(h);
    const nss: string[] = [];
    for (let i = 0; i < 7; i++) nss.push((await createNs(h, `vpn-${i}`)).id);
    for (let i = 0; i < 7; i++) await h.server.subscriptions.subscriptions.put(`sub-${i}`, { id: `sub-${i}`, callbackUri: `http://127.0.0.1:9/cb${i}`, createdBy: 'admin' });

    const vnf = await walk<{ id: string }>('/vnfpkgm/v1/vnf_packages');
    expect(vnf.sizes).toEqual([3, 3, 2]);
    expect(ids(vnf.records)).toEqual(ids(vnf.records).sort());
    expect(ids(vnf.records)).toEqual(expect.arrayContaining(pkgs));
    const nsd = await walk<{ id: string }>('/nsd/v1/ns_descriptors');
    expect(nsd.sizes).toEqual([3, 3, 2]);
    expect(new Set(ids(nsd.records)).size).toBe(8);
    const ns = await walk<{ id: string }>('/nslcm/v1/ns_instances');
    expect(ids(ns.records)).toEqual([...nss].sort());
    const subs = await walk<{ id: string; callbackUri: string }>('/nslcm/v1/subscriptions');
    expect(ids(subs.records)).toEqual(Array.from({ length: 7 }, (_, i) => `sub-${i}`));
    expect(subs.sizes).toEqual([3, 3, 1]);
    // The filter of one list combined with paging.
    const named = await walk<{ id: string }>('/nslcm/v1/ns_instances?filter=(neq,nsInstanceName,vpn-0)');
    expect(ids(named.records)).toEqual(nss.slice(1).sort());
  });

  it('operation occurrences: oldest first, ties by id, filtered by ?nsInstanceId= before paging', async () => {
    const op = (id: string, ns: string, minute: number): NsLcmOpOcc => ({
      id,
      operationState: 'COMPLETED',
      statusEnteredTime: `2025-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
      nsInstanceId: ns,
      lcmOperationType: 'INSTANTIATE',
      startTime: `2025-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
      isAutomaticInvocation: false,
      operationParams: {},
      isCancelPending: false,
      progress: { stage: '1/1', detail: 'done' },
      _links: { self: { href: `/nslcm/v1/ns_lcm_op_occs/${id}` }, nsInstance: { href: `/nslcm/v1/ns_instances/${ns}` } },
    });
    // Ids in the opposite order of their start times; two share a start time.
    const recs = [op('op-9', 'ns-a', 1), op('op-8', 'ns-b', 2), op('op-7', 'ns-a', 3), op('op-6', 'ns-a', 3), op('op-5', 'ns-b', 5), op('op-4', 'ns-a', 6), op('op-3', 'ns-a', 7), op('op-2', 'ns-a', 8)];
    for (const r of recs) await h.server.lcm.opOccs.put(r.id, r);
    const all = await walk<NsLcmOpOcc>('/nslcm/v1/ns_lcm_op_occs');
    expect(ids(all.records)).toEqual(['op-9', 'op-8', 'op-6', 'op-7', 'op-5', 'op-4', 'op-3', 'op-2']);
    expect(all.sizes).toEqual([3, 3, 2]);
    const a = await walk<NsLcmOpOcc>('/nslcm/v1/ns_lcm_op_occs?nsInstanceId=ns-a');
    expect(ids(a.records)).toEqual(['op-9', 'op-6', 'op-7', 'op-4', 'op-3', 'op-2']);
    expect(a.sizes).toEqual([3, 3]);
    expect(a.urls[1]).toMatch(/^\/nslcm\/v1\/ns_lcm_op_occs\?nsInstanceId=ns-a&nextpage_opaque_marker=/);
  });

  it('the /osm prefix pages the same list; its links work with or without the prefix', async () => {
    const made = await addAccounts(5);
    const first = await h.req<VimAccount[]>('GET', '/osm/admin/v1/vim_accounts');
    expect(first.json).toHaveLength(3);
    const link = next(first)!;
    expect(link.startsWith('/admin/v1/vim_accounts?')).toBe(true);
    const viaOsm = await h.req<VimAccount[]>('GET', `/osm${link}`);
    const direct = await h.req<VimAccount[]>('GET', link);
    expect(viaOsm.json).toEqual(direct.json);
    expect(ids([...first.json, ...direct.json])).toEqual(sortedIds(made));
  });

  it('a bad marker is a 400 ProblemDetails naming nextpage_opaque_marker', async () => {
    await addAccounts(5);
    const first = await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts');
    const marker = new URL(next(first)!, 'http://x').searchParams.get('nextpage_opaque_marker')!;
    const [body, check] = marker.split('.') as [string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const bad = [
      'garbage',
      '',
      `${flip(body)}.${check}`,
      `${body}.${flip(check)}`,
      `${body}`,
      `${Buffer.from('["x","y"]').toString('base64url')}.${check}`,
      // Well-formed, but not a key of this list's shape.
      encodeMarker('/admin/v1/vim_accounts', ['a', 'b']),
    ];
    for (const m of bad) {
      const r = await h.req<ProblemDetails>('GET', `/admin/v1/vim_accounts?nextpage_opaque_marker=${encodeURIComponent(m)}`);
      expect([m, r.status, r.headers['content-type']]).toEqual([m, 400, expect.stringMatching(/^application\/problem\+json/)]);
      expect(r.json.problems).toEqual([{ path: 'nextpage_opaque_marker', message: expect.any(String) }]);
      expect(r.json.detail).toContain('nextpage_opaque_marker');
    }
    // A marker of another list.
    const other = await h.req<ProblemDetails>('GET', `/nslcm/v1/ns_instances?nextpage_opaque_marker=${marker}`);
    expect(other.status).toBe(400);
    expect(other.json.problems![0]!.message).toContain('another list');
    // Given twice.
    const twice = await h.req<ProblemDetails>('GET', `/admin/v1/vim_accounts?nextpage_opaque_marker=${marker}&nextpage_opaque_marker=${marker}`);
    expect([twice.status, twice.json.problems![0]!.path]).toEqual([400, 'nextpage_opaque_marker']);
    // The good one still works.
    expect((await h.req('GET', `/admin/v1/vim_accounts?nextpage_opaque_marker=${marker}`)).status).toBe(200);
  });
});

describe('paging.ts', () => {
  const recs = ['e', 'a', 'd', 'b', 'c'].map((id) => ({ id }));

  it('pageOf: key-set pages in id order, the marker of the last record sent', () => {
    const p1 = pageOf(recs, { pageSize: 2, scope: '/x' });
    expect(ids(p1.items)).toEqual(['a', 'b']);
    expect(decodeMarker('/x', p1.next!, 1)).toEqual(['b']);
    const p2 = pageOf(recs, { pageSize: 2, scope: '/x', marker: p1.next });
    const p3 = pageOf(recs, { pageSize: 2, scope: '/x', marker: p2.next });
    expect([ids(p2.items), ids(p3.items), p3.next]).toEqual([['c', 'd'], ['e'], undefined]);
    // Past the end: an empty page, no next.
    expect(pageOf(recs, { pageSize: 2, scope: '/x', marker: encodeMarker('/x', ['z']) })).toEqual({ items: [] });
    expect(() => decodeMarker('/y', p1.next!, 1)).toThrow(ValidationError);
  });

  it('nextPageUrl keeps the query as sent and replaces an old marker', () => {
    expect(nextPageUrl('/l', '', 'M')).toBe('/l?nextpage_opaque_marker=M');
    expect(nextPageUrl('/l', '?a=1&nextpage_opaque_marker=old&b=%28x%29', 'M')).toBe('/l?a=1&b=%28x%29&nextpage_opaque_marker=M');
    expect(nextPageUrl('/l', '?nextpage%5Fopaque%5Fmarker=old', 'M')).toBe('/l?nextpage_opaque_marker=M');
  });

  it('Pager refuses a page size that is not a whole number >= 1', () => {
    for (const n of [0, -1, 2.5, Number.NaN]) expect(() => new Pager(n)).toThrow(ValidationError);
    expect(new Pager().pageSize).toBe(100);
  });
});
