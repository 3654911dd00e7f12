/**
 * The bundled three-site full-mesh NS (nsd/packages/qnfv_qkd_vpn_mesh3_ns) through the NFVO: the
 * catalog resolves it to three routers on one protected WAN, the address plan gives each router
 * its LAN, a tunnel endpoint and routes to the two others, and an instantiation over three VIM
 * accounts (fake VCAs) completes with the three tunnels of the mesh.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledPackagePaths } from '../../../nsd/index.js';
import type { NsInstance, VimAccount } from '../../../nfvo/index.js';
import { planAddresses } from '../../../nfvo/lcm/ip-plan.js';
import { accountBody, bundledYaml, instantiateAndWait, startHarness, type Harness } from '../api/harness.js';

const YAML = { 'content-type': 'application/yaml' };
const MESH = 'qnfv-qkd-vpn-mesh3-ns';
const SITES = ['site-a', 'site-b', 'site-c'];

let h: Harness;
let nsdInfoId: string;

beforeEach(async () => {
  h = await startHarness();
  const v = await h.req('POST', '/vnfpkgm/v1/vnf_packages_content', (await bundledYaml()).vnfd, YAML);
  expect(v.status).toBe(201);
  const text = await readFile(join(bundledPackagePaths().qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8');
  const n = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', text, YAML);
  expect(n.status).toBe(201);
  nsdInfoId = n.json.id;
});
afterEach(async () => {
  await h.close();
});

describe('the three-site mesh NS', () => {
  it('resolves to three routers on one protected WAN; the default plan gives each its LAN, a tunnel endpoint and routes to both peers', async () => {
    const resolved = await h.server.catalog.resolve(nsdInfoId);
    expect(resolved.nsdId).toBe(MESH);
    expect(resolved.security.map((s) => [s.id, s.virtualLinkDesc])).toEqual([['wan-qkd-hybrid', 'wan']]);
    const topology = resolved.topology('default-df');
    expect(topology.wanLinks).toEqual(['wan']);
    expect(topology.vnfProfiles.map((vp) => [vp.id, vp.links])).toEqual(SITES.map((s) => [s, ['mgmtnet', `${s}-lan`, 'wan']]));

    const plan = planAddresses(topology);
    expect(plan.networks).toEqual([
      { id: 'site-a-lan', kind: 'lan', subnet: '10.1.0.0/24' },
      { id: 'site-b-lan', kind: 'lan', subnet: '10.2.0.0/24' },
      { id: 'site-c-lan', kind: 'lan', subnet: '10.3.0.0/24' },
      { id: 'wan', kind: 'wan', subnet: '203.0.113.0/24' },
    ]);
    expect(plan.routers.map((r) => [r.vnfId, r.tunnelAddress, r.wanAddress, r.lanSubnets])).toEqual([
      ['site-a', '198.51.100.1', '203.0.113.1', ['10.1.0.0/24']],
      ['site-b', '198.51.100.2', '203.0.113.2', ['10.2.0.0/24']],
      ['site-c', '198.51.100.3', '203.0.113.3', ['10.3.0.0/24']],
    ]);
    expect(plan.routers[2]!.routes).toEqual([
      { prefix: '198.51.100.1/32', via: '203.0.113.1' },
      { prefix: '198.51.100.2/32', via: '203.0.113.2' },
    ]);
    expect(plan.hosts.map((x) => [x.vnfId, x.address])).toEqual([
      ['site-a', '10.1.0.10/24'],
      ['site-b', '10.2.0.10/24'],
      ['site-c', '10.3.0.10/24'],
    ]);
  });

  it('instantiates over three VIM accounts: COMPLETED, three routers, the three tunnels of the mesh', async () => {
    const accounts: VimAccount[] = [];
    for (const [name, digit] of [['dom-a', 'a'], ['dom-b', 'b'], ['dom-c', 'c']] as const) {
      const r = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody(name, digit));
      expect(r.status).toBe(201);
      accounts.push(r.json);
    }
    const created = await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: MESH, nsName: 'mesh' });
    expect(created.status).toBe(201);
    const body = { vnf: SITES.map((s, i) => ({ 'member-vnf-index': s, vimAccountId: accounts[i]!.name })) };
    const op = await instantiateAndWait(h, created.json.id, body);
    expect(op.error).toBeUndefined();
    expect(op.operationState).toBe('COMPLETED');

    const ns = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${created.json.id}`)).json;
    expect(ns.nsState).toBe('INSTANTIATED');
    expect(ns.vnfInstance.map((v) => [v.vnfProfileId, v.vimId, v.instantiationState])).toEqual(SITES.map((s, i) => [s, accounts[i]!.id, 'INSTANTIATED']));
    const vpn = ns.qkdVpn!;
    expect(vpn.domains).toEqual(accounts.map((a) => a.id));
    expect(vpn.tunnels.map((t) => [t.id, t.master, t.peer, t.securityProfileId])).toEqual([
      ['site-a--site-b', 'site-a', 'site-b', 'wan-qkd-hybrid'],
      ['site-a--site-c', 'site-a', 'site-c', 'wan-qkd-hybrid'],
      ['site-b--site-c', 'site-b', 'site-c', 'wan-qkd-hybrid'],
    ]);
    // Each tunnel has its own key stream and its own SPIs.
    expect(new Set(vpn.tunnels.map((t) => t.keyIds.keyStreamId)).size).toBe(3);
    expect(new Set(vpn.tunnels.flatMap((t) => [t.spiOut, t.spiIn])).size).toBe(6);
    expect(vpn.history.filter((e) => e.event === 'tunnel-established')).toHaveLength(3);
  });
});
