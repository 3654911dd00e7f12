/**
 * SOL005 NS lifecycle routes (nfvo/api/nslcm-routes.ts over nfvo/lcm/ns-lcm.ts)
 * through server.inject with the fake VCAs: NS instances, the instantiate and
 * terminate task resources, LCM operation occurrences and their progress,
 * one operation per instance at a time.
 */
import type { NsInstance, NsLcmOpOcc, ProblemDetails, VimAccount } from '../../../nfvo/index.js';
import { TWO_DOMAINS, createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, waitOp, type Harness } from './harness.js';

let h: Harness;
let accounts: { a: VimAccount; b: VimAccount };
let nsdInfoId: string;

beforeEach(async () => {
  h = await startHarness();
  nsdInfoId = (await onboardBundled(h)).nsdInfoId;
  accounts = await registerDomains(h);
});
afterEach(async () => {
  await h.close();
});

describe('NS instances', () => {
  it('POST ns_instances: 201 + Location, NOT_INSTANTIATED, by nsdId or NsdInfo id; GET list and one', async () => {
    const r = await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: 'vpn-1', nsDescription: 'first' });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/nslcm/v1/ns_instances/${r.json.id}`);
    expect(r.json).toEqual({
      id: r.json.id,
      nsInstanceName: 'vpn-1',
      nsInstanceDescription: 'first',
      nsdId: 'qnfv-qkd-vpn-ns',
      nsdInfoId,
      nsState: 'NOT_INSTANTIATED',
      vnfInstance: [],
      _links: { self: { href: `/nslcm/v1/ns_instances/${r.json.id}` }, instantiate: { href: `/nslcm/v1/ns_instances/${r.json.id}/instantiate` }, terminate: { href: `/nslcm/v1/ns_instances/${r.json.id}/terminate` }, scale: { href: `/nslcm/v1/ns_instances/${r.json.id}/scale` }, heal: { href: `/nslcm/v1/ns_instances/${r.json.id}/heal` }, action: { href: `/nslcm/v1/ns_instances/${r.json.id}/action` } },
    });
    const byInfoId = await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: nsdInfoId, nsName: 'vpn-2' });
    expect(byInfoId.status).toBe(201);
    expect(byInfoId.json.nsdId).toBe('qnfv-qkd-vpn-ns');
    expect((await h.req<NsInstance>('GET', String(r.headers.location))).json).toEqual(r.json);
    expect((await h.req<NsInstance[]>('GET', '/nslcm/v1/ns_instances')).json.map((n) => n.nsInstanceName).sort()).toEqual(['vpn-1', 'vpn-2']);
  });

  it('unknown nsdId → 400; a bad body → 400 with the field paths', async () => {
    const unknown = await h.req<ProblemDetails>('POST', '/nslcm/v1/ns_instances', { nsdId: 'no-such-nsd', nsName: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.detail).toContain("'no-such-nsd'");
    const bad = await h.req<ProblemDetails>('POST', '/nslcm/v1/ns_instances', { nsdId: '', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual(
      expect.arrayContaining([
        { path: 'CreateNsRequest', message: "must have required property 'nsName'" },
        { path: 'CreateNsRequest', message: "unknown field 'colour'" },
        { path: 'CreateNsRequest.nsdId', message: expect.stringContaining('fewer than 1') },
      ]),
    );
    expect((await h.req<NsInstance[]>('GET', '/nslcm/v1/ns_instances')).json).toEqual([]);
  });
});

describe('instantiate and terminate', () => {
  it('instantiate → 202 + Location of the op; PROCESSING with progress, then COMPLETED; the NS records VNFs, domains and tunnels', async () => {
    const ns = await createNs(h);
    const hold = h.connector.hold('vca.deploy', 'dom-b');
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
    const location = String(r.headers.location);
    expect(location).toMatch(/^\/nslcm\/v1\/ns_lcm_op_occs\/[0-9a-f-]{36}$/);

    await hold.reached;
    const running = (await h.req<NsLcmOpOcc>('GET', location)).json;
    expect(running).toMatchObject({ operationState: 'PROCESSING', nsInstanceId: ns.id, lcmOperationType: 'INSTANTIATE', isAutomaticInvocation: false, isCancelPending: false, operationParams: TWO_DOMAINS });
    expect(running.progress).toEqual({ stage: '3/6', detail: 'deploying routers, networks and site hosts in dom-a, dom-b' });
    expect(running._links).toEqual({ self: { href: location }, nsInstance: { href: `/nslcm/v1/ns_instances/${ns.id}` } });
    // One operation at a time: instantiate again, terminate, delete → 409.
    const again = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain('another LCM operation is running');
    expect((await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {})).status).toBe(409);
    expect((await h.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(409);
    hold.release();

    const op = await waitOp(h, location);
    expect(op.error).toBeUndefined();
    expect(op).toMatchObject({ operationState: 'COMPLETED', progress: { stage: '6/6', detail: 'completed' } });
    expect(Date.parse(op.statusEnteredTime)).toBeGreaterThanOrEqual(Date.parse(op.startTime));

    const done = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    expect(done.nsState).toBe('INSTANTIATED');
    expect(done.flavourId).toBe('default-df');
    expect(done.vnfInstance.map((v) => [v.vnfProfileId, v.vnfdId, v.vimId, v.instantiationState])).toEqual([
      ['site-a', 'qnfv-router-vnf', accounts.a.id, 'INSTANTIATED'],
      ['site-b', 'qnfv-router-vnf', accounts.b.id, 'INSTANTIATED'],
    ]);
    expect(done.vnfInstance[0]!.metadata).toMatchObject({ tunnelAddress: '198.51.100.1', lanSubnets: ['10.1.0.0/24'], namespace: expect.stringContaining('site-a'), netconfHostKeyFingerprint: expect.stringMatching(/^SHA256:/) });
    expect(done.vnfInstance[1]!.metadata).toMatchObject({ tunnelAddress: '198.51.100.2', lanSubnets: ['10.2.0.0/24'] });
    const vpn = done.qkdVpn!;
    expect(vpn.domains).toEqual([accounts.a.id, accounts.b.id]);
    expect(vpn.hosts.map((x) => [x.id, x.domain, x.address])).toEqual([
      ['host-site-a-lan', accounts.a.id, '10.1.0.10/24'],
      ['host-site-b-lan', accounts.b.id, '10.2.0.10/24'],
    ]);
    expect(vpn.tunnels).toHaveLength(1);
    const t = vpn.tunnels[0]!;
    expect(t).toMatchObject({ id: 'site-a--site-b', securityProfileId: 'wan-qkd-hybrid', master: 'site-a', peer: 'site-b', combiner: 'kdf', keySources: ['QKD', 'ML-KEM-512'], encryption: 'AES-GCM-16-256' });
    expect(t.keyIds).toMatchObject({ keyStreamId: expect.stringMatching(/^[0-9a-f-]{36}$/), index: 0, kem: 'ML-KEM-512', combiner: 'kdf', degraded: false });
    expect(t.keyIds.qkdKeyIds).toHaveLength(1);
    expect(t.spiOut).toBeGreaterThanOrEqual(256);
    expect(t.spiIn).toBeGreaterThanOrEqual(256);
    expect(vpn.history).toEqual([{ time: t.establishedAt, event: 'tunnel-established', detail: expect.stringContaining(t.keyIds.keyStreamId) }]);

    // Instantiating an INSTANTIATED NS → 409; deleting it → 409.
    const second = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    expect(second.status).toBe(409);
    expect(second.json.detail).toContain('already INSTANTIATED');
    expect((await h.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(409);

    // ns_lcm_op_occs lists it, also filtered by instance.
    expect((await h.req<NsLcmOpOcc[]>('GET', '/nslcm/v1/ns_lcm_op_occs')).json.map((o) => o.id)).toEqual([op.id]);
    expect((await h.req<NsLcmOpOcc[]>('GET', `/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${ns.id}`)).json).toHaveLength(1);
    expect((await h.req<NsLcmOpOcc[]>('GET', '/nslcm/v1/ns_lcm_op_occs?nsInstanceId=other')).json).toEqual([]);
  });

  it('the progress stages k/6 are persisted as the operation runs, ending 6/6 completed', async () => {
    const ns = await createNs(h);
    const seen: [string, string, string][] = [];
    h.connector.onCall = async (call) => {
      const op = (await h.server.lcm.opOccs.list()).find((o) => o.nsInstanceId === ns.id && o.operationState === 'PROCESSING')!;
      seen.push([call.method, call.domain, op.progress.stage]);
    };
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('COMPLETED');
    // Calls within one step go to both domains at once: compare each step's calls as a set.
    const bySteps = (calls: [string, string, string][]) => {
      const groups: [string, string, string][][] = [];
      for (const c of calls) {
        const last = groups.at(-1);
        if (last && last[0]![0] === c[0] && last[0]![2] === c[2]) last.push(c);
        else groups.push([c]);
      }
      return groups.map((g) => g.map((c) => c.join(' ')).sort());
    };
    expect(bySteps(seen)).toEqual(bySteps([
      ['vca.hello', 'dom-a', '2/6'],
      ['vca.hello', 'dom-b', '2/6'],
      ['vca.deploy', 'dom-a', '3/6'],
      ['vca.deploy', 'dom-b', '3/6'],
      ['vca.obtainKeys', 'dom-a', '4/6'],
      ['vca.obtainKeys', 'dom-b', '4/6'],
      ['vca.applyIpsec', 'dom-a', '5/6'],
      ['vca.applyIpsec', 'dom-b', '5/6'],
      ['vca.applyIpsec', 'dom-a', '5/6'],
      ['vca.applyIpsec', 'dom-b', '5/6'],
      ['vca.releaseKeys', 'dom-a', '5/6'],
      ['vca.releaseKeys', 'dom-b', '5/6'],
      ['vca.routerState', 'dom-a', '6/6'],
      ['vca.routerState', 'dom-b', '6/6'],
    ]));
    // Every session of the operation was closed (the rekey service's event sessions stay open).
    expect(h.connector.closed).toBe(2);
    expect(h.connector.opened - h.connector.closed).toBeLessThanOrEqual(2); // at most one event session per domain
  });

  it('terminate → 202 + Location, then NOT_INSTANTIATED; DELETE → 204; terminate again → 409', async () => {
    const ns = await createNs(h);
    await instantiateAndWait(h, ns.id);
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    expect(r.status).toBe(202);
    const op = await waitOp(h, String(r.headers.location));
    expect(op).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'TERMINATE', progress: { stage: '3/3' } });
    const after = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    expect(after.nsState).toBe('NOT_INSTANTIATED');
    expect(after.vnfInstance).toEqual([]);
    expect(after.qkdVpn!.tunnels).toEqual([]);
    expect(after.qkdVpn!.history.map((x) => x.event)).toEqual(['tunnel-established', 'terminated']);
    const again = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain('NOT_INSTANTIATED');
    // Terminate without a body is fine too (checked above with {}); delete now.
    expect((await h.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(204);
    expect((await h.req('GET', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(404);
    // The op occurrences stay.
    expect((await h.req<NsLcmOpOcc[]>('GET', `/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${ns.id}`)).json.map((o) => o.lcmOperationType)).toEqual(['INSTANTIATE', 'TERMINATE']);
  });

  it('a terminated NS can be instantiated again', async () => {
    const ns = await createNs(h);
    await instantiateAndWait(h, ns.id);
    const t = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`);
    expect(t.status).toBe(202);
    expect((await waitOp(h, String(t.headers.location))).operationState).toBe('COMPLETED');
    // This time the other way round: site-a in dom-b, site-b in dom-a (by account id).
    const swapped = { vnf: [{ 'member-vnf-index': 'site-a', vimAccountId: accounts.b.id }, { 'member-vnf-index': 'site-b', vimAccountId: accounts.a.id }] };
    const op = await instantiateAndWait(h, ns.id, swapped);
    expect(op.operationState).toBe('COMPLETED');
    const done = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    expect(done.vnfInstance.map((v) => v.vimId)).toEqual([accounts.b.id, accounts.a.id]);
    expect(done.qkdVpn!.domains.sort()).toEqual([accounts.a.id, accounts.b.id].sort());
    expect(done.qkdVpn!.history.map((x) => x.event)).toEqual(['tunnel-established', 'terminated', 'tunnel-established']);
  });

  it('two concurrent instantiate requests: one 202, one 409, one operation', async () => {
    const ns = await createNs(h);
    const [r1, r2] = await Promise.all([
      h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS),
      h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([202, 409]);
    await h.server.lcm.settleAll();
    expect(await h.server.lcm.opOccs.list()).toHaveLength(1);
    expect(h.connector.callsOf('vca.deploy')).toHaveLength(2);
  });
});

describe('placement and addressing errors → 400 with paths, nothing started', () => {
  const cases: [string, unknown, { path: string; message: RegExp }[]][] = [
    ['no placement at all', {}, [
      { path: 'vimAccountId', message: /'site-a'/ },
      { path: 'vimAccountId', message: /'site-b'/ },
    ]],
    ['an unknown VIM account name', { vnf: [{ 'member-vnf-index': 'site-a', vimAccountId: 'dom-a' }, { 'member-vnf-index': 'site-b', vimAccountId: 'dom-zz' }] }, [
      { path: 'vnf[1].vimAccountId', message: /VIM account 'dom-zz' is not registered/ },
    ]],
    ['an unknown VIM account id for the whole NS', { vimAccountId: '00000000-0000-4000-8000-00000000dead' }, [
      { path: 'vimAccountId', message: /'00000000-0000-4000-8000-00000000dead' is not registered/ },
    ]],
    ['unknown VNF profile and link', { vimAccountId: 'dom-a', vnf: [{ 'member-vnf-index': 'site-x', vimAccountId: 'dom-b' }], vld: [{ name: 'lan-x' }] }, [
      { path: 'vnf[0].member-vnf-index', message: /'site-x'/ },
      { path: 'vld[0].name', message: /'lan-x'/ },
    ]],
    ['an unknown flavour', { nsFlavourId: 'huge', vimAccountId: 'dom-a' }, [{ path: 'nsFlavourId', message: /'huge' is not a flavour/ }]],
    ['SOL005 locationConstraints naming an unknown VIM and a bad subnet', {
      locationConstraints: [{ vnfProfileId: 'site-a', locationConstraints: { vimId: 'nowhere' } }, { vnfProfileId: 'site-b', locationConstraints: { vimId: 'dom-b' } }],
      vld: [{ name: 'wan', 'ip-profile': { 'subnet-address': '192.0.2.0/24' } }],
    }, [
      { path: 'locationConstraints[0].locationConstraints.vimId', message: /'nowhere'/ },
      { path: 'vld[wan]', message: /192\.0\.2\.0\/24/ },
    ]],
  ];

  it.each(cases)('%s', async (_name, body, expected) => {
    const ns = await createNs(h);
    const r = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, body);
    expect(r.status).toBe(400);
    expect(r.json.problems!.map((p) => ({ path: p.path, message: p.message }))).toEqual(expected.map((e) => ({ path: e.path, message: expect.stringMatching(e.message) })));
    expect(await h.server.lcm.opOccs.list()).toEqual([]);
    expect(h.connector.calls).toEqual([]);
  });

  it('a body that does not match the schema → 400 naming the field', async () => {
    const ns = await createNs(h);
    const r = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, { vnf: [{ 'member-vnf-index': 'site-a' }], vimAccountId: 7 });
    expect(r.status).toBe(400);
    expect(r.json.problems).toEqual(
      expect.arrayContaining([
        { path: 'InstantiateNsRequest.vnf.0', message: "must have required property 'vimAccountId'" },
        { path: 'InstantiateNsRequest.vimAccountId', message: 'must be string' },
      ]),
    );
  });
});

describe('placement of protected links', () => {
  it('both ends of a QKD-keyed tunnel in one domain is a 400 naming the field, before anything is deployed', async () => {
    const ns = await createNs(h);
    const same = { vnf: [{ 'member-vnf-index': 'site-a', vimAccountId: 'dom-a' }, { 'member-vnf-index': 'site-b', vimAccountId: 'dom-a' }] };
    const r = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, same);
    expect(r.status).toBe(400);
    expect(r.json.problems).toEqual([
      { path: 'vnf[1].vimAccountId', message: expect.stringContaining("site-a, site-b share protected link wan") },
    ]);
    expect(r.json.problems![0]!.message).toContain("all placed in 'dom-a'");
    expect(h.connector.callsOf('vca.deploy')).toEqual([]);
  });
});
