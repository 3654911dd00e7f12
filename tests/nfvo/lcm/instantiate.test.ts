/**
 * INSTANTIATE (nfvo/lcm/instantiate.ts), driven through the REST API with the
 * fake VCAs: the intents each domain receives, key-id synchronisation in the
 * source paper's order, inbound-before-outbound SA installation with
 * yanglint-valid RFC 7951 JSON and no key material, and the failure path
 * (FAILED with stage and reason, everything undone).
 */
import type { NsInstance, NsLcmOpOcc, VimAccount } from '../../../nfvo/index.js';
import { ipsecConfigFromJson, type SadEntry } from '../../../common/ikeless/index.js';
import { ProtocolError } from '../../../common/index.js';
import type { ApplyIpsecRequest, DomainIntent } from '../../../vca/index.js';
import { yanglint } from '../../common/ikeless/yanglint.js';
import { createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, type Harness } from '../api/harness.js';
import type { RecordedCall } from './fake-domain-connector.js';
import { memberNames } from '../json-members.js';

let h: Harness;
let accounts: { a: VimAccount; b: VimAccount };
let ns: NsInstance;

beforeEach(async () => {
  h = await startHarness();
  await onboardBundled(h);
  accounts = await registerDomains(h);
  ns = await createNs(h);
});
afterEach(async () => {
  await h.close();
});

const getNs = async (): Promise<NsInstance> => (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;


describe('a successful instantiate', () => {
  let op: NsLcmOpOcc;
  beforeEach(async () => {
    op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('COMPLETED');
  });

  it('sends each domain one complete intent: its router, its LAN and the WAN, its site host, labelled with the ids', () => {
    const [a, b] = ['dom-a', 'dom-b'].map((d) => h.connector.callsOf('vca.deploy', d).map((c) => c.params as DomainIntent));
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(a[0]).toEqual({
      installationId: h.installationId,
      instanceId: ns.id,
      domain: 'dom-a',
      networks: [
        { id: 'site-a-lan', kind: 'lan', subnet: '10.1.0.0/24' },
        { id: 'wan', kind: 'wan', subnet: '203.0.113.0/24' },
      ],
      routers: [
        {
          vnfId: 'site-a',
          vnfdId: 'qnfv-router-vnf',
          ports: [
            { name: 'lan0', network: 'site-a-lan', address: '10.1.0.1/24' },
            { name: 'wan0', network: 'wan', address: '203.0.113.1/24' },
          ],
          tunnelAddress: '198.51.100.1',
          routes: [{ prefix: '198.51.100.2/32', via: '203.0.113.2' }],
        },
      ],
      hosts: [{ id: 'host-site-a-lan', network: 'site-a-lan', address: '10.1.0.10/24', gateway: '10.1.0.1' }],
    });
    expect(b[0]!.routers.map((r) => [r.vnfId, r.tunnelAddress, r.routes])).toEqual([['site-b', '198.51.100.2', [{ prefix: '198.51.100.1/32', via: '203.0.113.1' }]]]);
    expect(b[0]!.networks.map((n) => n.id)).toEqual(['site-b-lan', 'wan']);
    // hello first in each domain.
    for (const d of ['dom-a', 'dom-b']) expect(h.connector.calls.filter((c) => c.domain === d)[0]!.method).toBe('vca.hello');
  });

  it('key-id synchronisation: the master domain obtains without ids, the peer with exactly the ids the master returned', async () => {
    // One vca.obtainKeys per domain, the master's first; one key each.
    const master = h.connector.callsOf('vca.obtainKeys', 'dom-a');
    const peer = h.connector.callsOf('vca.obtainKeys', 'dom-b');
    expect(master).toHaveLength(1);
    expect(peer).toHaveLength(1);
    expect(master[0]!.params.keys).toHaveLength(1);
    expect(peer[0]!.params.keys).toHaveLength(1);
    expect(master[0]!.params.keys[0]!.ids).toBeUndefined();
    expect(master[0]!.seq).toBeLessThan(peer[0]!.seq);
    const recorded = (await getNs()).qkdVpn!.tunnels[0]!.keyIds;
    expect(h.connector.world.get(recorded.keyStreamId)).toEqual(recorded);
    expect(peer[0]!.params.keys[0]!.ids).toEqual(recorded);
    // hybrid:// URIs per CONTRACTS: this end first, the domain's HM node, combiner and key sources.
    const uri = (uuid: string) => `hybrid://site-a--site-b@${uuid}?hybridization=kdf&key_sources=QKD,ML-KEM-512`;
    expect(master[0]!.params.instanceId).toBe(ns.id);
    expect(master[0]!.params.keys[0]).toMatchObject({ tunnelId: 'site-a--site-b', source: uri(accounts.a.hybridNodeUuid), destination: uri(accounts.b.hybridNodeUuid), keyChunkSize: 32 });
    expect(peer[0]!.params.keys[0]).toMatchObject({ source: uri(accounts.b.hybridNodeUuid), destination: uri(accounts.a.hybridNodeUuid) });
  });

  it('installs inbound SAs on both routers before any outbound one, then releases the keys and verifies', () => {
    const applies = h.connector.callsOf('vca.applyIpsec');
    expect(applies).toHaveLength(4);
    const kind = (c: RecordedCall<'vca.applyIpsec'>): string => {
      const cfg = ipsecConfigFromJson(c.params.ikeless);
      const me = c.params.vnfId === 'site-a' ? '198.51.100.1' : '198.51.100.2';
      const dirs = new Set([...cfg.sad.map((s) => (s.tunnel!.remote === me ? 'inbound' : 'outbound')), ...cfg.spd.map((p) => p.direction)]);
      expect(dirs.size).toBe(1);
      return `${c.params.vnfId}:${[...dirs][0]}`;
    };
    expect(applies.map(kind)).toEqual(['site-a:inbound', 'site-b:inbound', 'site-a:outbound', 'site-b:outbound']);
    expect(applies.map((c) => c.domain)).toEqual(['dom-a', 'dom-b', 'dom-a', 'dom-b']);
    const lastApply = applies[3]!.seq;
    const releases = h.connector.callsOf('vca.releaseKeys');
    expect(releases.map((c) => [c.domain, c.params])).toEqual([
      ['dom-a', { instanceId: ns.id, tunnelIds: ['site-a--site-b'] }],
      ['dom-b', { instanceId: ns.id, tunnelIds: ['site-a--site-b'] }],
    ]);
    expect(releases.every((c) => c.seq > lastApply)).toBe(true);
    expect(h.connector.callsOf('vca.routerState').map((c) => [c.domain, c.params.vnfId])).toEqual([
      ['dom-a', 'site-a'],
      ['dom-b', 'site-b'],
    ]);
    // The last call of the operation (the rekey service subscribes to events once it completed).
    expect(h.connector.calls.filter((c) => c.method !== 'vca.subscribe').at(-1)!.method).toBe('vca.routerState');
    // The fake Proxy Agents hold no key any more.
    expect([...h.connector.vcas.values()].map((v) => v.heldKeys.size)).toEqual([0, 0]);
  });

  it('every applyIpsec carries yanglint-valid RFC 7951 JSON with no key leaves, and key bindings for each SA', () => {
    const applies = h.connector.callsOf('vca.applyIpsec');
    for (const c of applies) {
      const p = c.params as ApplyIpsecRequest;
      const names = memberNames(p.ikeless);
      expect(names.has('sad-entry')).toBe(true);
      expect(names.has('key')).toBe(false);
      expect(names.has('iv')).toBe(false);
      yanglint('config', JSON.stringify(p.ikeless), 'json');
      const cfg = ipsecConfigFromJson(p.ikeless);
      expect(p.keyBindings.map((b) => b.sadName)).toEqual(cfg.sad.map((s) => s.name));
      for (const b of p.keyBindings) expect(b).toMatchObject({ tunnelId: 'site-a--site-b', keyLengthBits: 256 });
    }
    // Nothing the NFVO sent anywhere has a key-like member.
    const everything = memberNames(h.connector.calls.map((c) => c.params));
    for (const k of ['key', 'iv', 'secret', 'keyBytes', 'key_buffer']) expect(everything.has(k)).toBe(false);
  });

  it('records SPIs that match the SAs the routers hold', async () => {
    const t = (await getNs()).qkdVpn!.tunnels[0]!;
    const sad = (vca: string, vnf: string): SadEntry[] => [...h.connector.vca(vca).instances.get(ns.id)!.routers.get(vnf)!.sad.values()];
    for (const [d, v] of [
      ['dom-a', 'site-a'],
      ['dom-b', 'site-b'],
    ] as const) {
      const sas = sad(d, v);
      expect(sas).toHaveLength(2);
      expect(sas.find((s) => s.tunnel!.local === '198.51.100.1')!.spi).toBe(t.spiOut);
      expect(sas.find((s) => s.tunnel!.local === '198.51.100.2')!.spi).toBe(t.spiIn);
      expect(sas.map((s) => s.lifetimeHard?.time)).toEqual([3600, 3600]);
      expect(sas.map((s) => s.lifetimeSoft)).toEqual([
        { action: 'replace', time: 3000 },
        { action: 'replace', time: 3000 },
      ]);
      expect(sas.every((s) => s.antiReplayWindowSize === 64 && s.extSeqNum === false)).toBe(true);
    }
    expect(op.progress).toEqual({ stage: '6/6', detail: 'completed' });
  });
});

describe('failures: FAILED with stage and reason, everything undone, NS stays NOT_INSTANTIATED', () => {
  const expectUndone = async (deployedDomains: string[], opts: { keys: boolean }) => {
    const ns2 = await getNs();
    expect(ns2.nsState).toBe('NOT_INSTANTIATED');
    expect(ns2.vnfInstance).toEqual([]);
    expect(h.connector.callsOf('vca.teardown').map((c) => [c.domain, c.params])).toEqual(
      [...deployedDomains].reverse().map((d) => [d, { installationId: h.installationId, instanceId: ns.id }]),
    );
    if (opts.keys) expect([...new Set(h.connector.callsOf('vca.releaseKey').map((c) => c.domain))].sort()).toEqual(['dom-a', 'dom-b']);
    for (const v of h.connector.vcas.values()) {
      expect(v.instances.size).toBe(0);
      expect(v.heldKeys.size).toBe(0);
    }
    expect(h.connector.closed).toBe(h.connector.opened);
  };

  it('applyIpsec fails in the outbound phase on site-b', async () => {
    h.connector.fail({ method: 'vca.applyIpsec', domain: 'dom-b', when: (p) => JSON.stringify(p).includes('"outbound"'), error: new ProtocolError('edit-config refused: data-exists') });
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('FAILED');
    expect(op.error).toMatchObject({ status: 500, title: 'INSTANTIATE failed' });
    expect(op.error!.detail).toBe('Stage 5/6 (installing outbound SAs and policies over NETCONF) failed: VCA of dom-b: edit-config refused: data-exists. Everything created was removed.');
    await expectUndone(['dom-a', 'dom-b'], { keys: true });
    // The teardown came after the failure, in reverse order of deployment.
    const failedAt = h.connector.callsOf('vca.applyIpsec').at(-1)!.seq;
    expect(h.connector.callsOf('vca.teardown').every((c) => c.seq > failedAt)).toBe(true);
  });

  it('deploy fails in domain b: both domains torn down (a was deployed, b may be half-deployed), no keys touched', async () => {
    h.connector.fail({ method: 'vca.deploy', domain: 'dom-b', error: new Error('ip link add: File exists') });
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toMatch(/^Stage 3\/6 \(deploying routers, networks and site hosts in dom-a, dom-b\) failed: VCA of dom-b: ip link add: File exists\. Everything created was removed\.$/);
    await expectUndone(['dom-a', 'dom-b'], { keys: false });
    expect(h.connector.callsOf('vca.obtainKeys')).toEqual([]);
  });

  it('the peer cannot fetch the key: stage 4 named, keys released in both domains', async () => {
    h.connector.fail({ method: 'vca.obtainKeys', domain: 'dom-b', error: new ProtocolError('Hybridization Module: status 3 (no key for that KSID)') });
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toContain('Stage 4/6 (key-id synchronisation for tunnel site-a--site-b: site-a obtains keys, site-b fetches them by id) failed: VCA of dom-b: Hybridization Module: status 3');
    await expectUndone(['dom-a', 'dom-b'], { keys: true });
  });

  it("the peer's HM has no key for this one tunnel (an item of its vca.obtainKeys fails): stage 4 names the VCA and the reason, keys released", async () => {
    h.connector.vca('dom-b').failKeys.set('site-a--site-b', new ProtocolError('Hybridization Module: status 2 (no QKD key available)'));
    try {
      const op = await instantiateAndWait(h, ns.id);
      expect(op.operationState).toBe('FAILED');
      expect(op.error!.detail).toContain('Stage 4/6 (key-id synchronisation for tunnel site-a--site-b: site-a obtains keys, site-b fetches them by id) failed: VCA of dom-b: Hybridization Module: status 2');
      await expectUndone(['dom-a', 'dom-b'], { keys: true });
    } finally {
      h.connector.vca('dom-b').failKeys.clear();
    }
  });

  it('a router that does not report its SAs fails verification (stage 6)', async () => {
    h.connector.vca('dom-b').hideSas = true;
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toMatch(/^Stage 6\/6 \(verifying SAs on every router\) failed: router site-b does not report SAs site-a--site-b\/site-a-site-b\/\d+, site-a--site-b\/site-b-site-a\/\d+\. Everything created/);
    await expectUndone(['dom-a', 'dom-b'], { keys: true });
  });

  it('a VCA that cannot be reached: stage 2, nothing deployed', async () => {
    h.connector.fail({ method: 'vca.hello', domain: 'dom-b', error: new Error('connect ECONNREFUSED 127.0.0.1:2222') });
    const op = await instantiateAndWait(h, ns.id);
    expect(op.error!.detail).toBe('Stage 2/6 (connecting to the VCAs of dom-a, dom-b) failed: VCA of dom-b: connect ECONNREFUSED 127.0.0.1:2222. Everything created was removed.');
    await expectUndone([], { keys: false });
  });

  it('when the undo fails too, the detail says what was left behind', async () => {
    h.connector.fail({ method: 'vca.applyIpsec', domain: 'dom-a', error: new Error('NETCONF session lost') });
    h.connector.fail({ method: 'vca.teardown', domain: 'dom-a', error: new Error('namespace busy') });
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toBe('Stage 5/6 (installing inbound SAs and policies over NETCONF) failed: VCA of dom-a: NETCONF session lost. Rollback incomplete: tear down dom-a: VCA of dom-a: namespace busy');
    expect(h.connector.callsOf('vca.teardown').map((c) => c.domain)).toEqual(['dom-b', 'dom-a']);
  });

  it('after a failure the NS can be instantiated again', async () => {
    h.connector.fail({ method: 'vca.routerState', error: new Error('timeout'), times: 1 });
    expect((await instantiateAndWait(h, ns.id)).operationState).toBe('FAILED');
    expect((await instantiateAndWait(h, ns.id)).operationState).toBe('COMPLETED');
    expect((await getNs()).nsState).toBe('INSTANTIATED');
  });
});

describe('placement variants', () => {
  it('SOL005 locationConstraints by VIM account id', async () => {
    const op = await instantiateAndWait(h, ns.id, {
      locationConstraints: [
        { vnfProfileId: 'site-a', locationConstraints: { vimId: accounts.a.id } },
        { vnfProfileId: 'site-b', locationConstraints: { vimId: accounts.b.id } },
      ],
    });
    expect(op.operationState).toBe('COMPLETED');
    expect((await getNs()).vnfInstance.map((v) => v.vimId)).toEqual([accounts.a.id, accounts.b.id]);
  });

  it('both routers in one domain is refused before anything is deployed: a QKD key needs two nodes', async () => {
    const r = await h.req<{ problems: { path: string; message: string }[] }>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, { vimAccountId: 'dom-a' });
    expect(r.status).toBe(400);
    expect(r.json.problems).toEqual([{ path: 'vimAccountId', message: expect.stringContaining("all placed in 'dom-a'") }]);
    expect(h.connector.callsOf('vca.deploy')).toEqual([]);
    expect(h.connector.callsOf('vca.obtainKey')).toEqual([]);
  });

  it('address overrides reach the intents', async () => {
    const op = await instantiateAndWait(h, ns.id, {
      vimAccountId: 'dom-a',
      vnf: [{ 'member-vnf-index': 'site-b', vimAccountId: 'dom-b' }],
      vld: [{ name: 'site-b-lan', 'ip-profile': { 'subnet-address': '172.16.2.0/24', 'gateway-address': '172.16.2.254' } }],
      additionalParamsForNs: { tunnelSubnet: '100.64.0.0/24' },
    });
    expect(op.operationState).toBe('COMPLETED');
    const b = h.connector.callsOf('vca.deploy', 'dom-b')[0]!.params as DomainIntent;
    expect(b.routers[0]!.ports[0]).toEqual({ name: 'lan0', network: 'site-b-lan', address: '172.16.2.254/24' });
    expect(b.routers[0]!.tunnelAddress).toBe('100.64.0.2');
    expect(b.hosts).toEqual([{ id: 'host-site-b-lan', network: 'site-b-lan', address: '172.16.2.10/24', gateway: '172.16.2.254' }]);
    const sa = ipsecConfigFromJson(h.connector.callsOf('vca.applyIpsec', 'dom-b')[0]!.params.ikeless).sad[0]!;
    expect(sa.trafficSelector).toMatchObject({ localPrefix: '10.1.0.0/24', remotePrefix: '172.16.2.0/24' });
    expect(sa.tunnel).toMatchObject({ local: '100.64.0.1', remote: '100.64.0.2' });
  });
});
