/**
 * SOL013 5.2 attribute-based filters on GET lists (nfvo/api/list-filter.ts):
 * the operators, `/` paths into arrays, several values, OSM's `?attr=value`,
 * and 400s for malformed filters, through the routes too.
 */
import { selectList } from '../../../nfvo/api/list-filter.js';
import type { NsInstance, ProblemDetails } from '../../../nfvo/index.js';
import { createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness } from './harness.js';

const recs = [
  { id: 'a', name: 'vpn-east', n: 3, vnf: [{ vimId: 'x' }, { vimId: 'y' }], tags: ['red'] },
  { id: 'b', name: 'vpn-west', n: 10, vnf: [{ vimId: 'y' }], tags: [] },
  { id: 'c', name: 'lab', n: 7, vnf: [], tags: ['blue', 'red'] },
];
const ids = (q: Record<string, unknown>) => selectList(recs, q).map((r) => r.id);

describe('selectList', () => {
  it('implements eq neq cont ncont gt lt gte lte, several values, paths into arrays, and ANDs the terms', () => {
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ filter: '(eq,name,lab)' })).toEqual(['c']);
    expect(ids({ filter: '(eq,name,lab,vpn-west)' })).toEqual(['b', 'c']);
    expect(ids({ filter: '(neq,name,lab,vpn-west)' })).toEqual(['a']);
    expect(ids({ filter: '(cont,name,vpn)' })).toEqual(['a', 'b']);
    expect(ids({ filter: '(ncont,name,east)' })).toEqual(['b', 'c']);
    expect(ids({ filter: '(gt,n,3)' })).toEqual(['b', 'c']);
    expect(ids({ filter: '(gte,n,3);(lt,n,10)' })).toEqual(['a', 'c']);
    expect(ids({ filter: '(lte,n,7)' })).toEqual(['a', 'c']);
    expect(ids({ filter: '(eq,vnf/vimId,y)' })).toEqual(['a', 'b']);
    expect(ids({ filter: '(eq,tags,red)' })).toEqual(['a', 'c']);
    expect(ids({ filter: '(eq,vnf/vimId,y);(cont,name,east)' })).toEqual(['a']);
    expect(ids({ name: 'lab' })).toEqual(['c']);
  });

  it('malformed filters are ValidationErrors naming the part', () => {
    expect(() => ids({ filter: 'eq,name,lab' })).toThrow("'eq,name,lab' is not");
    expect(() => ids({ filter: '(like,name,lab)' })).toThrow('invalid filter');
  });
});

describe('filters on the routes', () => {
  it('GET /nslcm/v1/ns_instances?filter=… and ?nsState=…; a bad filter is a 400 ProblemDetails', async () => {
    const h = await startHarness();
    try {
      await onboardBundled(h);
      await registerDomains(h);
      const a = await createNs(h, 'east');
      await createNs(h, 'west');
      await instantiateAndWait(h, a.id);
      const inst = await h.req<NsInstance[]>('GET', '/nslcm/v1/ns_instances?filter=(eq,nsState,INSTANTIATED)');
      expect(inst.json.map((n) => n.nsInstanceName)).toEqual(['east']);
      const osm = await h.req<NsInstance[]>('GET', '/nslcm/v1/ns_instances?nsState=NOT_INSTANTIATED');
      expect(osm.json.map((n) => n.nsInstanceName)).toEqual(['west']);
      const byVim = await h.req<NsInstance[]>('GET', `/nslcm/v1/ns_instances?filter=(eq,vnfInstance/vimId,${inst.json[0]!.vnfInstance[0]!.vimId})`);
      expect(byVim.json.map((n) => n.id)).toEqual([a.id]);
      const bad = await h.req<ProblemDetails>('GET', '/nslcm/v1/ns_instances?filter=(like,x,y)');
      expect(bad.status).toBe(400);
      expect(bad.json.problems).toEqual([{ path: 'filter', message: expect.stringContaining("unknown operator 'like'") }]);
    } finally {
      await h.close();
    }
  });
});
