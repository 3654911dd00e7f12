/**
 * SCALE_NS for real (root): the three-site mesh NS on the two-domain lab
 * (netns VIMs, router processes, NETCONF, the HMs and the QKD link). Sites A
 * (domain-a) and B (domain-b) are instantiated and ping each other through
 * their tunnel; one SCALE removes B and adds C in domain-b (the lab has two
 * QKD nodes, so a tunnel needs its ends in those two domains). Then C's host
 * reaches A's through the new tunnel, and the ESP counters of the new SAs
 * move while A's router holds no SA of the removed tunnel; B's router, host
 * and LAN are gone from domain-b; terminate leaves nothing.
 * The router VNFD is onboarded with a day-1 primitive (a ping from each
 * router to `<underlay_peer>`, given per site in additionalParamsForVnf) that
 * runs for real at instantiation and when C is added, and day-2 primitives
 * (ping, show-ipsec) run through the NS action.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DomainLab } from '../../bin/lab/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { configureLogging } from '../../common/index.js';
import type { NsInstance } from '../../nfvo/index.js';
import type { RouterIpsecState } from '../../vca/index.js';

const run = promisify(execFile);
let lab: DomainLab;
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
  lab = await DomainLab.start({ dataDir, installationId: `t${randomBytes(6).toString('hex')}` });
  const paths = bundledPackagePaths();
  const vnfd = (await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8')).replace(
    '          config-primitive:\n',
    '          initial-config-primitive:\n          - seq: 1\n            name: ping\n            parameter:\n            - name: destination\n              value: <underlay_peer>\n          config-primitive:\n',
  );
  await lab.client.request('POST', '/vnfpkgm/v1/vnf_packages_content', vnfd, { contentType: 'application/yaml' });
  await lab.client.request('POST', '/nsd/v1/ns_descriptors_content', await readFile(join(paths.qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8'), { contentType: 'application/yaml' });
  ns = (await lab.client.request<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-mesh3-ns', nsName: 'mesh' })).body;
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe('scaling a running NS (netns lab)', () => {
  it('instantiates sites A and B only; their hosts ping through the tunnel', async () => {
    const placement = {
      vnf: [
        { 'member-vnf-index': 'site-a', vimAccountId: 'domain-a' },
        { 'member-vnf-index': 'site-b', vimAccountId: 'domain-b' },
      ],
      additionalParamsForVnf: [
        { vnfProfileId: 'site-a', additionalParams: { underlay_peer: '203.0.113.2' } },
        { vnfProfileId: 'site-b', additionalParams: { underlay_peer: '203.0.113.1' } },
      ],
    };
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/instantiate`, placement), { intervalMs: 50 });
    expect(op.error).toBeUndefined();
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    expect(ns.vnfInstance.map((v) => v.vnfProfileId)).toEqual(['site-a', 'site-b']);
    // The day-1 pings ran on the routers over the WAN underlay.
    expect(ns.qkdVpn!.history.filter((e) => e.event === 'day1-primitive').map((e) => e.detail)).toEqual([
      expect.stringMatching(/^ping \(seq 1\) on site-a: .*3 received/),
      expect.stringMatching(/^ping \(seq 1\) on site-b: .*3 received/),
    ]);
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
        additionalParamsForVnf: [{ vnfProfileId: 'site-c', additionalParams: { underlay_peer: '203.0.113.1' } }],
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

  it('day-2 primitives: ping from C to A’s WAN address, show-ipsec on C (SPIs, counters, no keys); a ping to nowhere fails the ACTION', async () => {
    const act = async (body: unknown) => lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/action`, body), { intervalMs: 50 });
    const ping = await act({ primitive: 'ping', member_vnf_index: 'site-c', primitive_params: { destination: '203.0.113.1', count: 2 } });
    expect(ping.operationState).toBe('COMPLETED');
    expect(ping.actionResult?.output).toMatch(/2 packets transmitted, 2 received/);
    const show = await act({ primitive: 'show-ipsec', member_vnf_index: 'site-c' });
    const t = ns.qkdVpn!.tunnels[0]!;
    expect(show.actionResult?.output).toContain(`spi 0x${t.spiOut.toString(16).padStart(8, '0')}`);
    expect(show.actionResult?.output).toMatch(/datapath: encrypted [1-9]/);
    const lost = await act({ primitive: 'ping', member_vnf_index: 'site-a', primitive_params: { destination: '203.0.113.99', count: 1 } });
    expect(lost.operationState).toBe('FAILED');
    expect(lost.error?.detail).toMatch(/ping 203\.0\.113\.99 failed/);
  }, 120_000);

  it('set-lifetimes: the routers’ new SAs carry the operator’s limits (read back over NETCONF)', async () => {
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/action`, { primitive: 'set-lifetimes', primitive_params: { 'soft-time': 500, 'hard-time': 600 } }), { intervalMs: 50 });
    expect(op.error).toBeUndefined();
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    const t = ns.qkdVpn!.tunnels[0]!;
    expect(t.lifetimes).toEqual({ soft: { time: 500 }, hard: { time: 600 } });
    for (const v of ns.vnfInstance) {
      const sad = await lab.routerSad(v);
      expect(sad.map((e) => e.spi).sort()).toEqual([t.spiOut, t.spiIn].sort());
      for (const e of sad) expect([e.lifetimeSoft?.time, e.lifetimeHard?.time]).toEqual([500, 600]);
    }
    const [a, c] = ['host-site-a-lan', 'host-site-c-lan'].map((id) => ns.qkdVpn!.hosts.find((x) => x.id === id)!);
    expect(await ping(a!, c!.address)).toMatch(/4 received/);
  }, 120_000);

  it('terminate leaves nothing in either domain', async () => {
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/terminate`, {}), { intervalMs: 50 });
    expect(op.operationState).toBe('COMPLETED');
    for (const d of lab.domains) expect(await d.vim.listResources({ instanceId: ns.id })).toEqual([]);
  }, 120_000);
});
