/**
 * SCALE_NS through the REST API with fake VCAs, on the bundled three-site mesh
 * (site A mandatory, B and C optional): an instantiation that leaves C out,
 * adding C (its two tunnels keyed and installed, the A-B tunnel untouched),
 * removing B (its tunnel's SAs deleted at A, its router, host and LAN
 * removed by its domain), moving a site in one request, a failing addition
 * undone, and every request error with the field it names.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledPackagePaths } from '../../../nsd/index.js';
import { QnfvError } from '../../../common/index.js';
import type { NsInstance, NsLcmOpOcc, ProblemDetails, VimAccount } from '../../../nfvo/index.js';
import { accountBody, bundledYaml, instantiateAndWait, startHarness, waitOp, type Harness } from '../api/harness.js';

const YAML = { 'content-type': 'application/yaml' };
const MESH = 'qnfv-qkd-vpn-mesh3-ns';
type Problems = ProblemDetails & { problems?: { path: string; message: string }[] };

let h: Harness;
let ns: NsInstance;

const AB = { vnf: [{ 'member-vnf-index': 'site-a', vimAccountId: 'dom-a' }, { 'member-vnf-index': 'site-b', vimAccountId: 'dom-b' }] };
const addC = (domain: string): unknown => ({
  scaleType: 'SCALE_NS',
  scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-c' }], locationConstraints: [{ vnfProfileId: 'site-c', locationConstraints: { vimId: domain } }] },
});

async function scale(body: unknown): Promise<NsLcmOpOcc> {
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, body);
  if (r.status !== 202) throw new Error(`scale: ${r.status} ${r.text}`);
  return waitOp(h, String(r.headers.location));
}

async function current(): Promise<NsInstance> {
  return (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
}

/** The SAD entry names a fake router holds. */
function sad(domain: string, vnfId: string): string[] {
  return [...(h.connector.vca(domain).instances.get(ns.id)?.routers.get(vnfId)?.sad.keys() ?? [])].sort();
}

beforeEach(async () => {
  h = await startHarness();
  expect((await h.req('POST', '/vnfpkgm/v1/vnf_packages_content', (await bundledYaml()).vnfd, YAML)).status).toBe(201);
  const text = await readFile(join(bundledPackagePaths().qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8');
  expect((await h.req('POST', '/nsd/v1/ns_descriptors_content', text, YAML)).status).toBe(201);
  for (const [name, digit] of [['dom-a', 'a'], ['dom-b', 'b'], ['dom-c', 'c']] as const) {
    expect((await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody(name, digit))).status).toBe(201);
  }
  ns = (await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: MESH, nsName: 'mesh' })).json;
});
afterEach(async () => {
  await h.close();
});

describe('instantiation with optional sites', () => {
  it('leaves an optional site without a domain out: two routers, one tunnel', async () => {
    const op = await instantiateAndWait(h, ns.id, AB);
    expect(op.operationState).toBe('COMPLETED');
    const n = await current();
    expect(n.vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-b']);
    expect(n.qkdVpn?.tunnels.map((t) => [t.id, t.reqidBase])).toEqual([['site-a--site-b', '1']]);
    expect(h.connector.callsOf('vca.deploy').flatMap((c) => c.params.routers.map((r) => r.vnfId))).not.toContain('site-c');
  });

  it('three sites: six key fetches, and each router gets one applyIpsec per phase carrying both of its tunnels', async () => {
    const ABC = { vnf: [...AB.vnf, { 'member-vnf-index': 'site-c', vimAccountId: 'dom-c' }] };
    const op = await instantiateAndWait(h, ns.id, ABC);
    expect(op.operationState).toBe('COMPLETED');
    expect((await current()).qkdVpn?.tunnels).toHaveLength(3);
    // Six key fetches in four calls: the masters' (dom-a: a–b, a–c; dom-b: b–c), then the peers' (dom-b: a–b; dom-c: a–c, b–c).
    const obtains = h.connector.callsOf('vca.obtainKeys');
    expect(obtains.map((c) => [c.domain, c.params.keys.map((k) => k.tunnelId).sort()]).sort()).toEqual([
      ['dom-a', ['site-a--site-b', 'site-a--site-c']],
      ['dom-b', ['site-a--site-b']],
      ['dom-b', ['site-b--site-c']],
      ['dom-c', ['site-a--site-c', 'site-b--site-c']],
    ]);
    // Installation: per router, one inbound and one outbound applyIpsec, each with both of its tunnels.
    const applies = h.connector.callsOf('vca.applyIpsec');
    expect(applies).toHaveLength(6);
    for (const vnfId of ['site-a', 'site-b', 'site-c']) {
      const mine = applies.filter((c) => c.params.vnfId === vnfId);
      expect(mine).toHaveLength(2);
      for (const c of mine) expect(new Set(c.params.keyBindings.map((b) => b.tunnelId)).size).toBe(2);
    }
    expect(sad('dom-a', 'site-a')).toHaveLength(4);
    expect(sad('dom-c', 'site-c')).toHaveLength(4);
  });

  it('a mandatory site without a domain is a 400 naming it', async () => {
    const r = await h.req<Problems>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, { vnf: [{ 'member-vnf-index': 'site-b', vimAccountId: 'dom-b' }] });
    expect(r.status).toBe(400);
    expect(r.json.problems).toEqual([{ path: 'vimAccountId', message: expect.stringContaining("VNF profile 'site-a'") }]);
  });
});

describe('SCALE_NS', () => {
  beforeEach(async () => {
    expect((await instantiateAndWait(h, ns.id, AB)).operationState).toBe('COMPLETED');
  });

  it('adds site C in dom-c: its two tunnels keyed and installed; the A-B tunnel keeps its SPIs and SAs', async () => {
    const before = await current();
    const ab = before.qkdVpn!.tunnels[0]!;
    const aSasBefore = sad('dom-a', 'site-a');
    const op = await scale(addC('dom-c'));
    expect(op).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'SCALE', progress: { stage: '6/6' } });
    const n = await current();
    expect(n.vnfInstance.map((v) => [v.vnfProfileId, v.vimId])).toEqual([
      ['site-a', before.vnfInstance[0]!.vimId],
      ['site-b', before.vnfInstance[1]!.vimId],
      ['site-c', expect.any(String)],
    ]);
    expect(n.vnfInstance[2]!.metadata.tunnelAddress).toBe('198.51.100.3'); // its place in the NSD's plan
    // Tunnel ids and reqids follow the NSD's pair order, whichever sites were deployed first.
    expect(n.qkdVpn!.tunnels.map((t) => [t.id, t.reqidBase])).toEqual([
      ['site-a--site-b', '1'],
      ['site-a--site-c', '3'],
      ['site-b--site-c', '5'],
    ]);
    expect(n.qkdVpn!.tunnels[0]).toEqual(ab);
    expect(n.qkdVpn!.domains).toHaveLength(3);
    expect(n.qkdVpn!.hosts.map((x) => x.id)).toEqual(['host-site-a-lan', 'host-site-b-lan', 'host-site-c-lan']);
    // Only site C was deployed, with its LAN and the WAN.
    const deploys = h.connector.callsOf('vca.deploy', 'dom-c');
    expect(deploys.map((c) => [c.params.routers.map((r) => r.vnfId), c.params.networks.map((x) => x.id)])).toEqual([[['site-c'], ['site-c-lan', 'wan']]]);
    // A keeps its A-B SAs and gains the A-C pair; C holds A-C and B-C; no key is left held.
    const aSas = sad('dom-a', 'site-a');
    expect(aSas).toEqual(expect.arrayContaining(aSasBefore));
    expect(aSas).toHaveLength(4);
    expect(sad('dom-c', 'site-c')).toHaveLength(4);
    expect(sad('dom-b', 'site-b')).toHaveLength(4);
    for (const d of ['dom-a', 'dom-b', 'dom-c']) expect([...h.connector.vca(d).heldKeys]).toEqual([]);
    // The new SAs' SPIs do not clash with the old ones at any router.
    const spis = n.qkdVpn!.tunnels.flatMap((t) => [`${t.peer}/${t.spiOut}`, `${t.master}/${t.spiIn}`]);
    expect(new Set(spis).size).toBe(spis.length);
    expect(n.qkdVpn!.history.map((e) => e.event)).toEqual(expect.arrayContaining(['site-added', 'tunnel-established']));
  });

  it('removes site B: its tunnel SAs deleted at A (outbound first), its router, host and LAN removed by dom-b; terminate then skips dom-b', async () => {
    expect((await scale(addC('dom-c'))).operationState).toBe('COMPLETED');
    const op = await scale({ scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: [`${ns.id}-site-b`] } });
    expect(op.operationState).toBe('COMPLETED');
    const n = await current();
    expect(n.vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-c']);
    expect(n.qkdVpn!.tunnels.map((t) => t.id)).toEqual(['site-a--site-c']);
    expect(n.qkdVpn!.hosts.map((x) => x.id)).toEqual(['host-site-a-lan', 'host-site-c-lan']);
    expect(n.qkdVpn!.domains).toHaveLength(2);
    expect(sad('dom-a', 'site-a')).toHaveLength(2);
    expect(sad('dom-c', 'site-c')).toHaveLength(2); // B-C's SAs at C are deleted too
    const undeploy = h.connector.callsOf('vca.undeploy', 'dom-b');
    expect(undeploy.map((c) => c.params)).toEqual([{ installationId: h.installationId, instanceId: ns.id, domain: 'dom-b', routers: ['site-b'], hosts: ['host-site-b-lan'], networks: ['site-b-lan', 'wan'] }]);
    // At A, the A-B outbound entry went before the inbound one.
    const deletes = h.connector.callsOf('vca.applyIpsec', 'dom-a').filter((c) => (c.params.deleteSad ?? []).some((s) => s.includes('site-a--site-b')));
    expect(deletes).toHaveLength(2);
    expect(deletes.every((c) => c.params.deleteOperation === 'remove')).toBe(true);

    const term = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    expect((await waitOp(h, String(term.headers.location))).operationState).toBe('COMPLETED');
    expect(h.connector.callsOf('vca.teardown', 'dom-b')).toEqual([]);
  });

  it('moves a site in one request: removes C from dom-c and adds it in dom-b is refused (B is there), in dom-a too; after removing B it works', async () => {
    expect((await scale(addC('dom-c'))).operationState).toBe('COMPLETED');
    const move = (domain: string): unknown => ({ scaleType: 'SCALE_NS', scaleNsData: { ...(addC(domain) as { scaleNsData: object }).scaleNsData, vnfInstanceToBeRemoved: ['site-c'] } });
    const refused = await h.req<Problems>('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, move('dom-b'));
    expect(refused.status).toBe(400);
    expect(refused.json.problems).toEqual([{ path: 'scaleNsData.locationConstraints[0].locationConstraints.vimId', message: expect.stringContaining("site-b, site-c share protected link wan but are all placed in 'dom-b'") }]);
    expect((await scale({ scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: ['site-b'] } })).operationState).toBe('COMPLETED');
    const op = await scale(move('dom-b'));
    expect(op.operationState).toBe('COMPLETED');
    const n = await current();
    const domB = (await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts?name=dom-b')).json[0]!;
    expect(n.vnfInstance.map((v) => [v.vnfProfileId, v.vimId])).toEqual([
      ['site-a', expect.any(String)],
      ['site-c', domB.id],
    ]);
    expect(n.qkdVpn!.tunnels.map((t) => t.id)).toEqual(['site-a--site-c']);
    expect(h.connector.vca('dom-c').instances.has(ns.id)).toBe(false);
  });

  it('a failing addition is undone: FAILED, the new site removed again, A keeps only its A-B SAs, the record as before', async () => {
    const before = await current();
    const aSas = sad('dom-a', 'site-a');
    h.connector.fail({ method: 'vca.applyIpsec', domain: 'dom-c', when: (p) => (p as { vnfId: string }).vnfId === 'site-c' && JSON.stringify(p).includes('outbound'), error: new QnfvError('NETCONF', 'edit-config refused'), times: 1 });
    const op = await scale(addC('dom-c'));
    expect(op.operationState).toBe('FAILED');
    expect(op.error?.detail).toMatch(/Stage 5\/6 .* failed: .*edit-config refused.*Everything created was removed/);
    expect(await current()).toEqual(before);
    expect(sad('dom-a', 'site-a')).toEqual(aSas);
    expect(h.connector.vca('dom-c').instances.has(ns.id)).toBe(false);
    for (const d of ['dom-a', 'dom-b', 'dom-c']) expect([...h.connector.vca(d).heldKeys]).toEqual([]);
    // The NS is usable: the same request now succeeds.
    expect((await scale(addC('dom-c'))).operationState).toBe('COMPLETED');
  });

  it('a cancelled addition (FAILED_TEMP, nothing undone) is marked failed; the same request then clears the leftover and completes', async () => {
    const hold = h.connector.hold('vca.deploy', 'dom-c');
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, addC('dom-c'));
    await hold.reached;
    const location = String(r.headers.location);
    expect((await h.req('POST', `${location}/cancel`, { cancelMode: 'GRACEFUL' })).status).toBe(202);
    hold.release();
    const op = await waitOp(h, location);
    expect(op).toMatchObject({ operationState: 'FAILED_TEMP', error: { title: 'SCALE cancelled' } });
    expect(h.connector.vca('dom-c').instances.get(ns.id)?.routers.has('site-c')).toBe(true); // deployed, not recorded
    expect((await current()).vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-b']);
    const retry = await h.req<ProblemDetails>('POST', `${location}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.json.detail).toContain('mark it failed');
    expect((await h.req('POST', `${location}/fail`)).status).toBe(200);
    expect((await scale(addC('dom-c'))).operationState).toBe('COMPLETED');
    expect((await current()).vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-b', 'site-c']);
  });

  it.each([
    ['SCALE_VNF', { scaleType: 'SCALE_VNF', scaleVnfData: [] }, 'scaleType', /SCALE_VNF .* not supported/],
    ['a mandatory site', { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: ['site-a'] } }, 'scaleNsData.vnfInstanceToBeRemoved[0]', /min-number-of-instances 1/],
    ['an unknown VNF instance', { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: ['nope'] } }, 'scaleNsData.vnfInstanceToBeRemoved[0]', /not a VNF instance of this NS/],
    ['a deployed site', { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-b' }], locationConstraints: [{ vnfProfileId: 'site-b', locationConstraints: { vimId: 'dom-c' } }] } }, 'scaleNsData.vnfInstanceToBeAdded[0].vnfProfileId', /deployed already/],
    ['an unknown profile', { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-z' }] } }, 'scaleNsData.vnfInstanceToBeAdded[0].vnfProfileId', /not a VNF profile/],
    ['a site without a domain', { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-c' }] } }, 'scaleNsData.locationConstraints', /no VIM account/],
    ['an unknown VIM account', addC('dom-x'), 'scaleNsData.locationConstraints[0].locationConstraints.vimId', /'dom-x' is not registered/],
    ['both ends in one domain', addC('dom-a'), 'scaleNsData.locationConstraints[0].locationConstraints.vimId', /needs its ends in two domains/],
    ['an empty request', { scaleType: 'SCALE_NS', scaleNsData: {} }, 'scaleNsData', /names no site/],
    ['scaling aspects', { scaleType: 'SCALE_NS', scaleNsData: { scaleNsByStepsData: { scalingDirection: 'SCALE_OUT', aspectId: 'x' } } }, 'scaleNsData.scaleNsByStepsData', /not supported/],
    ['a given vnfInstanceId', { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-c', vnfInstanceId: 'x' }], locationConstraints: [{ vnfProfileId: 'site-c', locationConstraints: { vimId: 'dom-c' } }] } }, 'scaleNsData.vnfInstanceToBeAdded[0].vnfInstanceId', /give vnfProfileId only/],
  ])('refuses %s with a 400 naming the field', async (_what, body, path, message) => {
    const r = await h.req<Problems>('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, body);
    expect(r.status).toBe(400);
    expect(r.json.problems).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(h.connector.callsOf('vca.undeploy')).toEqual([]);
  });

  it('a malformed body is a 400 from the schema; GET on the task resource is a 405', async () => {
    expect((await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, { scaleType: 'SCALE_OUT' })).status).toBe(400);
    expect((await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: 'site-b' } })).status).toBe(400);
    expect((await h.req('GET', `/nslcm/v1/ns_instances/${ns.id}/scale`)).status).toBe(405);
  });
});

describe('SCALE_NS refusals by state', () => {
  it('404 for an unknown instance, 409 before instantiation', async () => {
    expect((await h.req('POST', '/nslcm/v1/ns_instances/6c1e3b0c-0000-4000-8000-000000000000/scale', addC('dom-c'))).status).toBe(404);
    const r = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, addC('dom-c'));
    expect(r.status).toBe(409);
    expect(r.json.detail).toMatch(/NOT_INSTANTIATED/);
  });
});
