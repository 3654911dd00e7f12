/**
 * The NFVO's rekey service (nfvo/ccips/tunnel-maintainer.ts, rekey.ts) with
 * the fake VCAs: which router events start a rekey, the make-before-break
 * order of what is sent, deduplication, generations, pre-emption by an LCM
 * operation, retries, and what is recorded on the NS instance.
 */
import type { NsInstance, TunnelRecord } from '../../../nfvo/index.js';
import { sadEntryName } from '../../../nfvo/ccips/index.js';
import type { ApplyIpsecRequest, ObtainKeysRequest } from '../../../vca/index.js';
import { ProtocolError } from '../../../common/index.js';
import { accountBody, createNs, onboardBundled, registerDomains, startHarness, TWO_DOMAINS, waitOp, type Harness } from '../api/harness.js';

let h: Harness;
let ns: NsInstance;

const tunnelOf = async (): Promise<TunnelRecord> => (await h.server.lcm.get(ns.id)).qkdVpn!.tunnels[0]!;
const names = (t: TunnelRecord) => ({ out: sadEntryName(t.id, t.master, t.peer, t.spiOut), in: sadEntryName(t.id, t.peer, t.master, t.spiIn) });

/** Wait until the tunnel's generation reaches `g` (the maintainer works in the background). */
async function generation(g: number, timeoutMs = 5000): Promise<TunnelRecord> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = await tunnelOf();
    if (t.generation >= g) return t;
    if (Date.now() > end) throw new Error(`generation ${g} not reached (at ${t.generation})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const expire = (domain: string, vnfId: string, sa: string, soft = true) =>
  h.connector.vca(domain).emit(ns.id, vnfId, { type: 'sadb-expire', ipsecSaName: sa, softLifetimeExpire: soft });

beforeEach(async () => {
  h = await startHarness({ tunnelMaintenance: { drainMs: 5, retryMs: 20, retries: 3 } });
  await registerDomains(h);
  await onboardBundled(h);
  ns = await createNs(h);
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
  expect((await waitOp(h, String(r.headers.location))).operationState).toBe('COMPLETED');
  // The maintainer subscribes to both domains after the instantiate.
  for (let i = 0; i < 100 && (h.connector.vca('dom-a').subscribers.size === 0 || h.connector.vca('dom-b').subscribers.size === 0); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(h.connector.vca('dom-a').subscribers.size).toBe(1);
  expect(h.connector.vca('dom-b').subscribers.size).toBe(1);
});

afterEach(async () => {
  await h.close();
});

describe('rekey on sadb-expire', () => {
  it('rekeys once for the four soft expiries of one generation, make-before-break', async () => {
    const t1 = await tunnelOf();
    const n = names(t1);
    const mark = h.connector.calls.length;
    // Both routers report both SAs.
    expire('dom-a', 'site-a', n.out);
    expire('dom-b', 'site-b', n.out);
    expire('dom-a', 'site-a', n.in);
    expire('dom-b', 'site-b', n.in);
    const t2 = await generation(2);
    await new Promise((r) => setTimeout(r, 100));
    expect((await tunnelOf()).generation).toBe(2);

    const calls = h.connector.calls.slice(mark).filter((c) => c.method !== 'vca.subscribe');
    // 1. key-id synchronisation: master without ids, peer with exactly those ids.
    const obtain = calls.filter((c) => c.method === 'vca.obtainKeys').map((c) => ({ domain: c.domain, keys: (c.params as ObtainKeysRequest).keys }));
    expect(obtain.map((c) => [c.domain, c.keys.length])).toEqual([
      ['dom-a', 1],
      ['dom-b', 1],
    ]);
    expect(obtain[0]!.keys[0]!.ids).toBeUndefined();
    expect(obtain[1]!.keys[0]!.ids!.keyStreamId).toBe(t2.keyIds.keyStreamId);
    expect(t2.keyIds.keyStreamId).not.toBe(t1.keyIds.keyStreamId);
    // 2. new SAs, SAD entries only, inbound at both before outbound at either; then 3. old ones removed.
    const applies = calls.filter((c) => c.method === 'vca.applyIpsec').map((c) => c.params as ApplyIpsecRequest);
    const added = applies.filter((a) => a.ikeless !== null);
    expect(added).toHaveLength(4);
    for (const a of added) {
      const top = (a.ikeless as Record<string, { spd?: { 'spd-entry'?: unknown[] } }>)['ietf-i2nsf-ikeless:ipsec-ikeless']!;
      expect(top.spd?.['spd-entry'] ?? []).toEqual([]); // the policies stay as they are
    }
    const nn = names(t2);
    expect(added.map((a) => [a.vnfId, a.keyBindings[0]!.sadName])).toEqual([
      ['site-a', nn.in],
      ['site-b', nn.out],
      ['site-a', nn.out],
      ['site-b', nn.in],
    ]);
    const removed = applies.filter((a) => a.ikeless === null);
    expect(removed.map((a) => [a.vnfId, a.deleteSad, a.deleteOperation])).toEqual([
      ['site-a', [n.out], 'remove'],
      ['site-b', [n.in], 'remove'],
      ['site-a', [n.in], 'remove'],
      ['site-b', [n.out], 'remove'],
    ]);
    expect(calls.filter((c) => c.method === 'vca.releaseKeys').map((c) => [c.domain, (c.params as { tunnelIds: string[] }).tunnelIds])).toEqual([
      ['dom-a', [t2.id]],
      ['dom-b', [t2.id]],
    ]);
    // The routers hold the new pair only; the same reqids, new SPIs.
    expect(h.connector.vca('dom-a').sadNames(ns.id, 'site-a')).toEqual([nn.in, nn.out].sort());
    expect(h.connector.vca('dom-b').sadNames(ns.id, 'site-b')).toEqual([nn.in, nn.out].sort());
    expect([t2.spiOut, t2.spiIn]).not.toContain(t1.spiOut);
    expect(t2.reqidBase).toBe(t1.reqidBase);
    const hist = (await h.server.lcm.get(ns.id)).qkdVpn!.history.filter((e) => e.event === 'tunnel-rekeyed');
    expect(hist).toHaveLength(1);
    expect(hist[0]!.detail).toContain(t2.keyIds.keyStreamId);
    expect(hist[0]!.detail).toContain('soft lifetime');
  });

  it('ignores expiries of SAs an earlier rekey replaced, and rekeys again for the new ones', async () => {
    const t1 = await tunnelOf();
    expire('dom-a', 'site-a', names(t1).out);
    const t2 = await generation(2);
    expire('dom-b', 'site-b', names(t1).in); // late event of generation 1
    await new Promise((r) => setTimeout(r, 100));
    expect((await tunnelOf()).generation).toBe(2);
    expire('dom-b', 'site-b', names(t2).in, false); // a hard expiry of the current SA also rekeys
    const t3 = await generation(3);
    expect(t3.spiOut).not.toBe(t2.spiOut);
  });

  it('keys the tunnel again on sadb-acquire for its policy, and counts bad SPIs', async () => {
    const t1 = await tunnelOf();
    h.connector.vca('dom-a').emit(ns.id, 'site-a', {
      type: 'sadb-acquire',
      ipsecPolicyName: `${t1.id}/site-a-site-b/out`,
      trafficSelector: { localPrefix: '10.1.0.10/32', remotePrefix: '10.2.0.10/32', innerProtocol: 1 },
    });
    await generation(2);
    h.connector.vca('dom-b').emit(ns.id, 'site-b', { type: 'sadb-bad-spi', spi: 0xdead });
    h.connector.vca('dom-b').emit(ns.id, 'site-b', { type: 'sadb-bad-spi', spi: 0xbeef });
    for (let i = 0; i < 100 && ((await h.server.lcm.get(ns.id)).qkdVpn!.eventCounts?.['sadb-bad-spi'] ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await h.server.lcm.get(ns.id)).qkdVpn!.eventCounts).toEqual({ 'sadb-bad-spi': 2 });
    expect((await tunnelOf()).generation).toBe(2);
  });

  it('retries a failed rekey while the old SAs stay, then succeeds', async () => {
    const t1 = await tunnelOf();
    h.connector.fail({ method: 'vca.obtainKeys', domain: 'dom-b', error: new ProtocolError('Hybridization Module unreachable'), times: 2 });
    expire('dom-a', 'site-a', names(t1).out);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.connector.vca('dom-a').sadNames(ns.id, 'site-a')).toEqual([names(t1).in, names(t1).out].sort());
    const t2 = await generation(2);
    expect(h.connector.vca('dom-a').sadNames(ns.id, 'site-a')).toEqual([names(t2).in, names(t2).out].sort());
    // The failed attempts left no held key behind at the master.
    expect([...h.connector.vca('dom-a').heldKeys]).toEqual([]);
  });

  it('a failure after the new inbound SAs were installed removes them again', async () => {
    const t1 = await tunnelOf();
    h.connector.fail({
      method: 'vca.applyIpsec',
      domain: 'dom-b',
      when: (p) => (p as ApplyIpsecRequest).ikeless !== null && (p as ApplyIpsecRequest).keyBindings[0]?.direction === 'in',
      error: new ProtocolError('NETCONF <edit-config> failed: operation-failed'),
    });
    expire('dom-a', 'site-a', names(t1).out);
    await new Promise((r) => setTimeout(r, 400)); // three attempts at 20 / 40 ms
    expect((await tunnelOf()).generation).toBe(1);
    expect(h.connector.vca('dom-a').sadNames(ns.id, 'site-a')).toEqual([names(t1).in, names(t1).out].sort());
    expect(h.connector.vca('dom-b').sadNames(ns.id, 'site-b')).toEqual([names(t1).in, names(t1).out].sort());
  });

  it('terminate pre-empts: it waits for the running rekey and no rekey starts afterwards', async () => {
    const t1 = await tunnelOf();
    const hold = h.connector.hold('vca.obtainKeys', 'dom-b');
    expire('dom-a', 'site-a', names(t1).out);
    await hold.reached;
    const term = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    expect(term.status).toBe(202);
    await new Promise((r) => setTimeout(r, 50));
    // Teardown has not started while the rekey is held.
    expect(h.connector.callsOf('vca.teardown')).toHaveLength(0);
    hold.release();
    expect((await waitOp(h, String(term.headers.location))).operationState).toBe('COMPLETED');
    const order = h.connector.calls.map((c) => c.method);
    expect(order.lastIndexOf('vca.obtainKeys')).toBeLessThan(order.indexOf('vca.teardown'));
    const before = h.connector.calls.length;
    expire('dom-a', 'site-a', names(t1).out);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.connector.calls.slice(before).filter((c) => c.method === 'vca.obtainKeys')).toHaveLength(0);
  });
});

describe("operator rekey: POST /ns_instances/{id}/action { primitive: 'rekey' }", () => {
  it('rekeys every tunnel as an ACTION operation, make-before-break, recorded in the history', async () => {
    const before = await tunnelOf();
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'rekey' });
    expect(r.status).toBe(202);
    const op = await waitOp(h, String(r.headers.location));
    expect(op).toMatchObject({ lcmOperationType: 'ACTION', operationState: 'COMPLETED', operationParams: { primitive: 'rekey' }, progress: { stage: '1/1' } });
    const after = await tunnelOf();
    expect(after.generation).toBe(before.generation + 1);
    expect([after.spiOut, after.spiIn]).not.toEqual([before.spiOut, before.spiIn]);
    expect(after.keyIds.keyStreamId).not.toBe(before.keyIds.keyStreamId);
    const history = (await h.server.lcm.get(ns.id)).qkdVpn!.history;
    expect(history.at(-1)).toMatchObject({ event: 'tunnel-rekeyed', detail: expect.stringContaining('(operator action)') });
    // The old SAs are gone from both fake routers, the new ones are there.
    for (const [d, v] of [['dom-a', 'site-a'], ['dom-b', 'site-b']] as const) {
      const sad = [...h.connector.vca(d).instances.get(ns.id)!.routers.get(v)!.sad.keys()];
      expect(sad).toEqual(expect.arrayContaining([names(after).out, names(after).in]));
      expect(sad).not.toContain(names(before).out);
    }
  });

  it('a failing rekey fails the operation with the reason; bad primitives, VNFs and tunnels are 400; not instantiated is 409', async () => {
    h.connector.fail({ method: 'vca.obtainKeys', domain: 'dom-a', error: new ProtocolError('Hybridization Module unreachable') });
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'rekey', primitive_params: { tunnel: (await tunnelOf()).id } });
    const op = await waitOp(h, String(r.headers.location));
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toContain('Hybridization Module unreachable');
    const bad = async (body: unknown, path: string) => {
      const x = await h.req<{ problems: { path: string; message: string }[] }>('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, body);
      expect([x.status, x.json.problems[0]!.path]).toEqual([400, path]);
      return x.json.problems[0]!.message;
    };
    expect(await bad({ primitive: 'reboot' }, 'primitive')).toContain('NS primitives: rekey, set-lifetimes');
    expect(await bad({ primitive: 'rekey', primitive_params: { tunnel: 'nope' } }, 'primitive_params.tunnel')).toContain("no tunnel 'nope'");
    expect(await bad({ primitive: 'x', member_vnf_index: 'site-z' }, 'member_vnf_index')).toContain("'site-z' is not a VNF");
    expect(await bad({ primitive: 'x', member_vnf_index: 'site-a' }, 'primitive')).toContain("defines no config primitive 'x'");
    expect((await h.req('GET', `/nslcm/v1/ns_instances/${ns.id}/action`)).status).toBe(405);
    const other = await createNs(h, 'idle');
    expect((await h.req('POST', `/nslcm/v1/ns_instances/${other.id}/action`, { primitive: 'rekey' })).status).toBe(409);
  });
});

describe("operator lifetimes: action { primitive: 'set-lifetimes' }", () => {
  it('stores the new limits on the tunnel and rekeys onto SAs that carry them; later rekeys keep them; 0 removes a limit', async () => {
    const before = await tunnelOf();
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'set-lifetimes', primitive_params: { 'soft-time': 40, 'hard-time': '60', 'hard-packets': 1000000 } });
    expect(r.status).toBe(202);
    const op = await waitOp(h, String(r.headers.location));
    expect(op).toMatchObject({ operationState: 'COMPLETED', progress: { stage: '1/1' } });
    const after = await tunnelOf();
    expect(after.generation).toBe(before.generation + 1);
    expect(after.lifetimes).toEqual({ soft: { time: 40 }, hard: { time: 60, packets: 1000000 } });
    for (const [d, v] of [['dom-a', 'site-a'], ['dom-b', 'site-b']] as const) {
      const sa = h.connector.vca(d).instances.get(ns.id)!.routers.get(v)!.sad.get(names(after).out)!;
      expect(sa.lifetimeSoft).toMatchObject({ time: 40 });
      expect(sa.lifetimeHard).toMatchObject({ time: 60, packets: 1000000 });
    }
    // A later rekey (a soft expiry, an operator's rekey) keeps the operator's lifetimes.
    await waitOp(h, String((await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'rekey' })).headers.location));
    const again = await tunnelOf();
    expect(again.lifetimes).toEqual(after.lifetimes);
    expect(h.connector.vca('dom-a').instances.get(ns.id)!.routers.get('site-a')!.sad.get(names(again).in)!.lifetimeHard).toMatchObject({ time: 60 });
    // 0 removes the packet limit.
    await waitOp(h, String((await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'set-lifetimes', primitive_params: { 'hard-packets': 0 } })).headers.location));
    expect((await tunnelOf()).lifetimes).toEqual({ soft: { time: 40 }, hard: { time: 60 } });
  });

  it('refuses bad limits with a 400 at the parameter; a failing rekey restores the old limits', async () => {
    const bad = async (params: unknown): Promise<{ path: string; message: string }[]> => {
      const x = await h.req<{ problems: { path: string; message: string }[] }>('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'set-lifetimes', primitive_params: params });
      expect(x.status).toBe(400);
      return x.json.problems;
    };
    expect(await bad({ 'soft-time': 90, 'hard-time': 60 })).toEqual([{ path: 'primitive_params.soft-time', message: expect.stringContaining('must be less than the hard time limit (60)') }]);
    expect(await bad({ 'hard-time': -1 })).toEqual([{ path: 'primitive_params.hard-time', message: expect.stringContaining('whole number') }]);
    expect(await bad({ 'hard-time': 1, 'soft-time': 0 })).toEqual([{ path: 'primitive_params.hard-time', message: 'must be at least 2 s' }]);
    expect(await bad({ lifetime: 5 })).toEqual([{ path: 'primitive_params.lifetime', message: expect.stringContaining("'set-lifetimes' takes soft-time") }]);
    expect(await bad({})).toEqual([{ path: 'primitive_params', message: expect.stringContaining('needs at least one') }]);
    expect(await bad({ tunnel: 'nope', 'hard-time': 60 })).toEqual([{ path: 'primitive_params.tunnel', message: expect.stringContaining("no tunnel 'nope'") }]);

    const before = await tunnelOf();
    h.connector.fail({ method: 'vca.obtainKeys', domain: 'dom-a', error: new ProtocolError('Hybridization Module unreachable'), times: 1 });
    const op = await waitOp(h, String((await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'set-lifetimes', primitive_params: { 'hard-time': 30, 'soft-time': 20 } })).headers.location));
    expect(op.operationState).toBe('FAILED');
    expect((await tunnelOf()).lifetimes).toEqual(before.lifetimes);
  });
});

describe('heal: POST /ns_instances/{id}/heal', () => {
  it('restores the tunnel whose SAs a router lost, with fresh keys; with nothing lost it changes nothing', async () => {
    const before = await tunnelOf();
    const ok = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/heal`, {});
    expect(ok.status).toBe(202);
    const idle = await waitOp(h, String(ok.headers.location));
    expect(idle).toMatchObject({ lcmOperationType: 'HEAL', operationState: 'COMPLETED' });
    expect((await tunnelOf()).generation).toBe(before.generation);

    // site-b's router lost its SAD (e.g. restarted without its configuration).
    const sad = h.connector.vca('dom-b').instances.get(ns.id)!.routers.get('site-b')!.sad;
    sad.clear();
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/heal`, { healVnfData: [{ vnfInstanceId: 'site-b', cause: 'router restarted' }] });
    const op = await waitOp(h, String(r.headers.location));
    expect(op.operationState).toBe('COMPLETED');
    const after = await tunnelOf();
    expect(after.generation).toBe(before.generation + 1);
    expect([...sad.keys()].sort()).toEqual([names(after).out, names(after).in].sort());
    expect((await h.server.lcm.get(ns.id)).qkdVpn!.history.at(-1)!.detail).toContain('(heal)');
  });

  it('an unknown VNF is a 400 naming the field; a router that does not answer fails the operation with the reason', async () => {
    const bad = await h.req<{ problems: { path: string; message: string }[] }>('POST', `/nslcm/v1/ns_instances/${ns.id}/heal`, { healVnfData: [{ vnfInstanceId: 'site-z' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual([{ path: 'healVnfData[0].vnfInstanceId', message: "'site-z' is not a VNF instance of this NS" }]);
    h.connector.fail({ method: 'vca.routerState', domain: 'dom-a', error: new ProtocolError('NETCONF session to site-a refused') });
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/heal`, {});
    const op = await waitOp(h, String(r.headers.location));
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toContain('router site-a in dom-a does not answer (VCA of dom-a: NETCONF session to site-a refused)');
  });
});

describe('tunnels that fall due together are rekeyed together', () => {
  it('three tunnels of a mesh: one run, one edit per router per phase, one drain, each tunnel its own new key', async () => {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { bundledPackagePaths } = await import('../../../nsd/index.js');
    const text = await readFile(join(bundledPackagePaths().qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8');
    expect((await h.req('POST', '/nsd/v1/ns_descriptors_content', text, { 'content-type': 'application/yaml' })).status).toBe(201);
    expect((await h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-c', 'c'))).status).toBe(201);
    const mesh = (await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-mesh3-ns', nsName: 'mesh' })).json;
    const body = { vnf: [['site-a', 'dom-a'], ['site-b', 'dom-b'], ['site-c', 'dom-c']].map(([m, v]) => ({ 'member-vnf-index': m, vimAccountId: v })) };
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${mesh.id}/instantiate`, body);
    expect((await waitOp(h, String(r.headers.location))).operationState).toBe('COMPLETED');
    for (let i = 0; i < 100 && h.connector.vca('dom-c').subscribers.size === 0; i++) await new Promise((res) => setTimeout(res, 10));
    const before = (await h.server.lcm.get(mesh.id)).qkdVpn!.tunnels;
    expect(before).toHaveLength(3);
    const mark = h.connector.calls.length;
    // Every tunnel's outbound SA at its master reaches its soft lifetime at about the same time.
    const domainOf: Record<string, string> = { 'site-a': 'dom-a', 'site-b': 'dom-b', 'site-c': 'dom-c' };
    for (const t of before) {
      h.connector.vca(domainOf[t.master]!).emit(mesh.id, t.master, { type: 'sadb-expire', ipsecSaName: sadEntryName(t.id, t.master, t.peer, t.spiOut), softLifetimeExpire: true });
    }
    const end = Date.now() + 5000;
    let after = before;
    while (Date.now() < end && after.some((t) => t.generation < 2)) {
      await new Promise((res) => setTimeout(res, 10));
      after = (await h.server.lcm.get(mesh.id)).qkdVpn!.tunnels;
    }
    expect(after.map((t) => t.generation)).toEqual([2, 2, 2]);
    expect(new Set(after.map((t) => t.keyIds.keyStreamId)).size).toBe(3);
    const calls = h.connector.calls.slice(mark);
    // Six key fetches, in one vca.obtainKeys per domain and side.
    const obtains = calls.filter((c) => c.method === 'vca.obtainKeys').map((c) => (c.params as ObtainKeysRequest).keys.length);
    expect(obtains.reduce((a, b) => a + b, 0)).toBe(6);
    expect(obtains).toHaveLength(4);
    const applies = calls.filter((c) => c.method === 'vca.applyIpsec').map((c) => c.params as ApplyIpsecRequest);
    const added = applies.filter((a) => a.ikeless !== null);
    const removed = applies.filter((a) => a.ikeless === null);
    // Per router: one inbound and one outbound edit carrying both of its tunnels; two removals.
    for (const vnfId of ['site-a', 'site-b', 'site-c']) {
      const mine = added.filter((a) => a.vnfId === vnfId);
      expect(mine).toHaveLength(2);
      for (const a of mine) expect(new Set(a.keyBindings.map((k) => k.tunnelId)).size).toBe(2);
      expect(removed.filter((a) => a.vnfId === vnfId).map((a) => a.deleteSad!.length)).toEqual([2, 2]);
    }
    // Each router holds exactly the new pairs of its two tunnels.
    for (const vnfId of ['site-a', 'site-b', 'site-c']) {
      const expected = after.filter((t) => t.master === vnfId || t.peer === vnfId).flatMap((t) => [sadEntryName(t.id, t.master, t.peer, t.spiOut), sadEntryName(t.id, t.peer, t.master, t.spiIn)]);
      expect(h.connector.vca(domainOf[vnfId]!).sadNames(mesh.id, vnfId)).toEqual(expected.sort());
    }
    const hist = (await h.server.lcm.get(mesh.id)).qkdVpn!.history.filter((e) => e.event === 'tunnel-rekeyed');
    expect(hist).toHaveLength(3);
  });
});
