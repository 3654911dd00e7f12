/**
 * A full mesh across three domains, for real (root): the lab with domains a, b
 * and c (a QKD link between every pair of nodes; each Hybridization Module has
 * the other two as peers), the bundled three-site mesh NS with one site per
 * domain, so three tunnels, each keyed through a different pair of HMs and a
 * different QKD link. Every host pings every other host through its tunnel;
 * each QKD link gave exactly the keys of the one tunnel between its two
 * domains (the HMs picked the QKD link, the peer HM and its pinned key by the
 * other end's node); terminate leaves nothing.
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

const run = promisify(execFile);
const DOMAINS = ['domain-a', 'domain-b', 'domain-c'];
const SITES = ['site-a', 'site-b', 'site-c'];
let lab: DomainLab;
let dataDir: string;

beforeAll(async () => {
  configureLogging({ console: false });
  dataDir = await mkdtemp(join(tmpdir(), 'qnfv-e2e-mesh3-'));
  // No key feed while the test runs: each link's store drops by exactly the keys its tunnel used.
  lab = await DomainLab.start({ dataDir, installationId: `t${randomBytes(6).toString('hex')}`, domains: DOMAINS, qkdKeyRate: 0, qkdPrefill: 16 });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe('a three-domain full mesh', () => {
  it('keys each tunnel through the QKD link and HM pair of its two domains; every host reaches every other', async () => {
    const paths = bundledPackagePaths();
    await lab.client.request('POST', '/vnfpkgm/v1/vnf_packages_content', await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'), { contentType: 'application/yaml' });
    await lab.client.request('POST', '/nsd/v1/ns_descriptors_content', await readFile(join(paths.qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8'), { contentType: 'application/yaml' });
    let ns = (await lab.client.request<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-mesh3-ns', nsName: 'mesh3' })).body;
    const before = lab.qkd.links.map((l) => l.stores.map((s) => s.available));
    const placement = { vnf: SITES.map((s, i) => ({ 'member-vnf-index': s, vimAccountId: DOMAINS[i]! })) };
    const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/instantiate`, placement), { intervalMs: 50 });
    expect(op.error).toBeUndefined();
    expect(op.operationState).toBe('COMPLETED');
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    const tunnels = ns.qkdVpn!.tunnels;
    expect(tunnels.map((t) => [t.master, t.peer].sort().join('+')).sort()).toEqual(['site-a+site-b', 'site-a+site-c', 'site-b+site-c']);

    // Each link (a-b, a-c, b-c) gave, at both ends, the QKD keys of the one tunnel between its domains.
    const siteOf = (domainIndex: number) => SITES[domainIndex]!;
    lab.qkd.links.forEach((l, k) => {
      const [i, j] = l.ends;
      const t = tunnels.find((x) => [x.master, x.peer].sort().join('+') === [siteOf(i), siteOf(j)].sort().join('+'))!;
      const used = t.keyIds.qkdKeyIds.length;
      expect(used).toBeGreaterThan(0);
      expect(l.stores.map((s) => s.available)).toEqual(before[k]!.map((n) => n - used));
    });

    // Every host pings every other host, through the tunnels.
    const hosts = ns.qkdVpn!.hosts;
    expect(hosts).toHaveLength(3);
    for (const from of hosts) {
      for (const to of hosts.filter((h) => h !== from)) {
        const { stdout } = await run('ip', ['netns', 'exec', from.namespace, 'ping', '-c', '3', '-i', '0.2', '-W', '2', to.address.split('/')[0]!]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
        expect(`${from.id} → ${to.id}: ${/(\d+) received/.exec(stdout)?.[1] ?? 0} received`).toMatch(/: [3] received$/);
      }
    }

    const term = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/terminate`, {}), { intervalMs: 50 });
    expect(term.operationState).toBe('COMPLETED');
    for (const d of lab.domains) expect(await d.vim.listResources({ instanceId: ns.id })).toEqual([]);
  }, 180_000);
});
