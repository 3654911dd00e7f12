/**
 * SCALE_NS for real (root): the three-site mesh NS on the two-domain lab
 * (netns VIMs, router processes, NETCONF, the HMs and the QKD link). Sites A
 * (domain-a) and B (domain-b) are instantiated and ping each other through
 * their tunnel; one SCALE removes B and adds C in domain-b (the lab has two
 * QKD nodes, so a tunnel needs its ends in those two domains). Then C's host
 * reaches A's through the new tunnel, and the ESP counters of the new SAs
 * move while A's router holds no SA of the removed tunnel; B's router, host
 * and LAN are gone from domain-b; terminate leaves nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { TwoDomainLab } from '../../bin/lab/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { configureLogging } from '../../common/index.js';
import type { NsInstance } from '../../nfvo/index.js';
import type { RouterIpsecState } from '../../vca/index.js';

const run = promisify(execFile);
let lab: TwoDomainLab;
let dataDir: string;
let ns: NsInstance;

async function ping(from: { namespace: string }, to: string): Promise<string> {
  const r = await run('ip', ['netns', 'exec', from.namespace, 'ping', '-c', '4', '-i', '0.2', '-W', '2', to.split('/')[0]!]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return r.stdout;
}

async function namespaces(): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n);
}

beforeAll(async () => {
  configureLogging({ console: false });
  dataDir = await mkdtemp(join(tmpdir(), 'qnfv-e2e-scale-'));
  lab = await TwoDomainLab.start({ dataDir, installationId: `t${randomBytes(6).toString('hex')}` });
  const paths = bundledPackagePaths();
  await lab.client.request('POST', '/vnfpkgm/v1/vnf_packages_content', await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'), { contentType: 'application/yaml' });
  await lab.client.request('POST', '/nsd/v1/ns_descriptors_content', await readFile(join(paths.qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8'), { contentType: 'application/yaml' });
  ns = (await lab.client.request<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-mesh3-ns', nsName: 'mesh' })).body;
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe('scaling a running NS (netns lab)', () => {
  it('instantiates sites A and B only; their hosts ping through the tunnel', async () => {
    const placement = { vnf: [{ 'member-vnf-index': 'site-a', vimAccountId: 'domain-a' }, { 'member-vnf-index': 'site-b', vimAccountId: 'domain-b' }] };
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/instantiate`, placement), { intervalMs: 50 });
    expect(op.error).toBeUndefined();
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    expect(ns.vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-b']);
    const [a, b] = ['host-site-a-lan', 'host-site-b-lan'].map((id) => ns.qkdVpn!.hosts.find((x) => x.id === id)!);
    expect(await ping(a!, b!.address)).toMatch(/4 received/);
  }, 120_000);

  it('one SCALE removes B and adds C in domain-b: C and A ping through their new tunnel, B is gone', async () => {
    const bNamespaces = [ns.vnfInstance[1]!.metadata.namespace, ns.qkdVpn!.hosts.find((x) => x.id === 'host-site-b-lan')!.namespace];
    const body = {
      scaleType: 'SCALE_NS',
      scaleNsData: {
        vnfInstanceToBeRemoved: [ns.vnfInstance[1]!.id],
        vnfInstanceToBeAdded: [{ vnfProfileId: 'site-c' }],
        locationConstraints: [{ vnfProfileId: 'site-c', locationConstraints: { vimId: 'domain-b' } }],
      },
    };
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/scale`, body), { intervalMs: 50 });
    expect(op.error).toBeUndefined();
    expect(op).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'SCALE' });
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    expect(ns.vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-c']);
    expect(ns.qkdVpn!.tunnels.map((t) => t.id)).toEqual(['site-a--site-c']);
    const all = await namespaces();
    for (const n of bNamespaces) expect(all).not.toContain(n);

    const a = ns.qkdVpn!.hosts.find((x) => x.id === 'host-site-a-lan')!;
    const c = ns.qkdVpn!.hosts.find((x) => x.id === 'host-site-c-lan')!;
    expect(c.address).toBe('10.3.0.10/24');
    expect(await ping(c, a.address)).toMatch(/4 received/);

    // The routers' SA state as the NFVO reads it over the VCAs: A holds only the A-C pair, and both of its SAs carried the pings.
    const state: RouterIpsecState[] = await lab.nfvo.lcm.ipsecState(ns.id);
    const atA = state.find((s) => s.vnfId === 'site-a')!;
    expect(atA.sas.map((s) => s.name.split('/')[0])).toEqual(['site-a--site-c', 'site-a--site-c']);
    for (const sa of atA.sas) expect(sa.packets).toBeGreaterThanOrEqual(4);
    expect(atA.sas.map((s) => s.spi).sort()).toEqual([ns.qkdVpn!.tunnels[0]!.spiOut, ns.qkdVpn!.tunnels[0]!.spiIn].sort());
  }, 120_000);

  it('terminate leaves nothing in either domain', async () => {
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/terminate`, {}), { intervalMs: 50 });
    expect(op.operationState).toBe('COMPLETED');
    for (const d of lab.domains) expect(await d.vim.listResources({ instanceId: ns.id })).toEqual([]);
  }, 120_000);
});
