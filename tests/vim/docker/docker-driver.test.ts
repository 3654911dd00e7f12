/**
 * The docker VIM driver against the real dockerd and Open vSwitch (root):
 *  (a) isolation: two containers on virtual network 1 and one on network 2,
 *      one bridge; the first two reach each other, the third reaches neither
 *      — asserted with traffic and with the OpenFlow counters; then removal
 *      leaves no container, OVS port, bridge or veth with our labels;
 *  (b) two domains on one host share a network through patch ports between
 *      their bridges; removing one domain keeps the other's part working;
 *  (c) a router runs the real router program in its container, reachable
 *      over NETCONF on its management link;
 *  (d) the router image is cached by content hash: the same inputs reuse
 *      the tag, a changed input gives a new one;
 *  (e) reconcile removes an orphan found by its labels and keeps a live one;
 *  (f) scale-in: three sites (router + LAN + host) on a WAN shared by two
 *      domains; one site leaves with removeNodes: its containers, ports,
 *      flows, management link and record entries go, the WAN stays, the
 *      other sites still reach each other with their flows (and counters)
 *      as they were, isolation holds; a second call does nothing; the WAN
 *      goes (patch ports at both ends) once no site of either domain is on it.
 * No dockerd or no OVS makes beforeAll fail (never skip) with the
 * PrerequisiteError that says to run scripts/setup.sh --test.
 * Everything uses a random `t…` installation id and is removed in afterAll.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, createLogger } from '../../../common/index.js';
import { generateKeyPair, writePrivateKey, fingerprint } from '../../../common/ssh/index.js';
import { NetconfClient } from '../../../common/netconf/index.js';
import { DockerVimDriver, ensureRouterImage, ExecFileRunner, type RouterImage, type RouterInfo } from '../../../vim/index.js';
import { domainBridgeName } from '../../../vim/docker/docker-names.js';
import type { FlowStat, OvsPort } from '../../../vim/docker/ovs.js';
import { IKELESS_CAPABILITY, NETCONF_PORT, routerMainPath, type RouterConfig } from '../../../virtual-router/index.js';
import { pingArgv } from '../icmp-ping.js';
import { removeLeftovers } from './docker-leftovers.js';

const runner = new ExecFileRunner();
const install = `t${randomBytes(6).toString('hex')}`;
const log = createLogger('test.vim.docker');
let stateDir: string;
let workDir: string;
let driverA: DockerVimDriver;
let driverB: DockerVimDriver;
let image: RouterImage;
const timings: Record<string, number> = {};

/** Everything with our installation label, straight from dockerd, OVSDB and the kernel (not through the driver). */
async function leftovers(): Promise<{ containers: string[]; ports: string[]; bridges: string[]; links: string[] }> {
  const containers = await driverA.docker.listContainers({ all: true, filters: { label: [`qnfv.install=${install}`] } });
  const inv = await driverA.ovs.inventory();
  const links = JSON.parse((await runner.run(['ip', '-j', 'link', 'show'])).stdout) as { ifname: string; ifalias?: string }[];
  return {
    containers: containers.map((c) => c.Names[0] ?? ''),
    ports: inv.ports.filter((p) => p.externalIds['qnfv.install'] === install).map((p) => p.name),
    bridges: inv.bridges.filter((b) => b.externalIds['qnfv.install'] === install || b.name === driverA.bridge || b.name === driverB.bridge).map((b) => b.name),
    links: links.filter((l) => l.ifalias?.includes(`qnfv.install=${install},`)).map((l) => l.ifname),
  };
}

function expectNothingLeft(left: Awaited<ReturnType<typeof leftovers>>): void {
  expect(left).toEqual({ containers: [], ports: [], bridges: [], links: [] });
}

beforeAll(async () => {
  configureLogging({ level: 'warn' });
  stateDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-docker-state-'));
  workDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-docker-work-'));
  driverA = new DockerVimDriver({ installationId: install, domain: 'a', stateDir, runner });
  driverB = new DockerVimDriver({ installationId: install, domain: 'b', stateDir, runner });
  // Fails, with the fix in the message, when dockerd or OVS is missing: these tests never skip.
  await driverA.checkPrerequisites();
  const t0 = Date.now();
  image = await driverA.routerImage();
  timings.imageMs = Date.now() - t0;
}, 120_000);

afterAll(async () => {
  if (driverA) {
    await driverA.reconcile([]).catch(() => undefined);
    await removeLeftovers(driverA, runner, await leftovers().catch(() => undefined));
  }
  for (const d of [stateDir, workDir]) if (d) await rm(d, { recursive: true, force: true });
  log.info('docker driver timings', timings);
  process.stdout.write(`docker VIM driver timings (ms): ${JSON.stringify(timings)}\n`);
}, 60_000);

/** Packets counted by the flows that match `pred`. */
function packets(flows: FlowStat[], pred: (f: FlowStat) => boolean): number {
  return flows.filter(pred).reduce((n, f) => n + f.packets, 0);
}

describe('docker driver (a): OpenFlow isolation between virtual networks on one bridge', () => {
  const inst = randomUUID();
  const hosts = ['h1', 'h2', 'h3'];
  const names: Record<string, string> = {};

  it('creates two containers on network 1 and one on network 2', async () => {
    await driverA.ensureNetwork({ instanceId: inst, id: 'net1', kind: 'lan' });
    await driverA.ensureNetwork({ instanceId: inst, id: 'net2', kind: 'lan' });
    const t0 = Date.now();
    for (const [i, h] of hosts.entries()) {
      const info = await driverA.createHost({ instanceId: inst, id: h, port: { network: i < 2 ? 'net1' : 'net2', address: `10.77.0.${i + 1}/24` }, gateway: '10.77.0.254' });
      names[h] = info.namespace;
    }
    timings.threeHostsCreateAndWireMs = Date.now() - t0;
    const containers = await driverA.docker.listContainers({ filters: { label: [`qnfv.install=${install}`, `qnfv.instance=${inst}`] } });
    expect(containers.map((c) => c.Names[0]?.slice(1)).sort()).toEqual(hosts.map((h) => names[h]).sort());
    const c1 = containers.find((c) => c.Names[0] === `/${names.h1}`);
    expect(c1?.Labels).toMatchObject({ 'qnfv.install': install, 'qnfv.instance': inst, 'qnfv.domain': 'a', 'qnfv.role': 'host', 'qnfv.host': 'h1' });
    const info = await driverA.docker.getContainer(names.h1 as string).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.HostConfig.Init).toBe(true);
    // tx checksum offload is off on the container side (the netdev datapath needs it).
    const eth = await driverA.exec(names.h1 as string, ['ethtool', '-k', 'eth0']);
    expect(eth.stdout).toMatch(/tx-checksumming: off/);
  });

  it('the two containers of network 1 reach each other; the third reaches neither; the counters agree', async () => {
    const br = driverA.bridge;
    const inv = await driverA.ovs.inventory();
    const portOf = (h: string) => inv.ports.find((p) => p.externalIds['qnfv.host'] === h && p.externalIds['qnfv.instance'] === inst);
    const [p1, p2, p3] = hosts.map(portOf);
    expect(p1 && p2 && p3).toBeTruthy();
    const reg1 = Number(p1?.externalIds['qnfv.reg']);
    const reg3 = Number(p3?.externalIds['qnfv.reg']);
    expect(Number(p2?.externalIds['qnfv.reg'])).toBe(reg1);
    expect(reg3).not.toBe(reg1);

    const t0 = Date.now();
    expect((await driverA.exec(names.h1 as string, pingArgv('10.77.0.2', 3, 1), { allowFailure: true })).code).toBe(0);
    expect((await driverA.exec(names.h2 as string, pingArgv('10.77.0.1', 3, 1), { allowFailure: true })).code).toBe(0);
    timings.pingSameNetworkMs = Date.now() - t0;
    const mid = await driverA.ovs.dumpFlows(br);
    // Unicast to h1's and h2's MACs went through their network-1 rules.
    expect(packets(mid, (f) => f.table === 1 && f.match.includes(`dl_dst=${p1?.externalIds['attached-mac']}`))).toBeGreaterThan(0);
    expect(packets(mid, (f) => f.table === 1 && f.match.includes(`dl_dst=${p2?.externalIds['attached-mac']}`))).toBeGreaterThan(0);

    for (const target of ['10.77.0.1', '10.77.0.2']) {
      expect((await driverA.exec(names.h3 as string, pingArgv(target, 1, 0.5), { allowFailure: true })).code).not.toBe(0);
    }
    expect((await driverA.exec(names.h1 as string, pingArgv('10.77.0.3', 1, 0.5), { allowFailure: true })).code).not.toBe(0);
    const after = await driverA.ovs.dumpFlows(br);
    const regMatch = (n: number) => (f: FlowStat) => f.table === 1 && new RegExp(`reg0=0x${n.toString(16)}(,|$)`).test(f.match);
    const flood = (n: number) => (f: FlowStat) => regMatch(n)(f) && f.priority === 50;
    // h3's frames (its ARP requests) entered network 2 and were flooded there only…
    expect(packets(after, (f) => f.table === 0 && f.match === `in_port=${p3?.ofport}`) - packets(mid, (f) => f.table === 0 && f.match === `in_port=${p3?.ofport}`)).toBeGreaterThan(0);
    expect(packets(after, flood(reg3)) - packets(mid, flood(reg3))).toBeGreaterThan(0);
    // …and no network-2 rule ever outputs to h1's or h2's port.
    for (const f of after.filter(regMatch(reg3))) expect(f.actions).not.toMatch(new RegExp(`output:(${p1?.ofport}|${p2?.ofport})(,|$)`));
    // h1's ARP requests for 10.77.0.3 were flooded within network 1 only: h3's unicast rule saw nothing.
    expect(packets(after, (f) => f.table === 1 && f.match.includes(`dl_dst=${p3?.externalIds['attached-mac']}`))).toBe(0);
  });

  it('lists the resources; removeInstance leaves no container, OVS port, bridge or veth with our labels', async () => {
    const listed = await driverA.listResources({ instanceId: inst });
    expect(listed.filter((r) => r.kind === 'container').map((r) => r.id).sort()).toEqual(hosts);
    expect(listed.filter((r) => r.kind === 'port')).toHaveLength(3);
    expect(listed.filter((r) => r.kind === 'link')).toHaveLength(3);
    expect((await driverA.listResources()).some((r) => r.kind === 'bridge' && r.name === driverA.bridge)).toBe(true);

    const t0 = Date.now();
    const report = await driverA.removeInstance(inst);
    timings.removeThreeHostsMs = Date.now() - t0;
    expect(report.containers).toEqual(hosts.map((h) => names[h]).sort());
    expect(report.ports).toHaveLength(3);
    expect(report.bridges).toEqual([driverA.bridge]);
    expect(report.stateRecords).toBe(1);
    expectNothingLeft(await leftovers());
    expect(await driverA.listResources()).toEqual([]);
    expect(existsSync(join(stateDir, inst))).toBe(false);
    const again = await driverA.removeInstance(inst);
    expect(again).toMatchObject({ containers: [], ports: [], links: [], stateRecords: 0 });
  });
});

describe('docker driver (b): two domains share a network through patch ports', () => {
  const inst = randomUUID();

  it('hosts of domains a and b on the shared network reach each other across the two bridges', async () => {
    await driverA.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    await driverB.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    await driverB.ensureNetwork({ instanceId: inst, id: 'other', kind: 'lan' });
    const ha = await driverA.createHost({ instanceId: inst, id: 'ha', port: { network: 'wan', address: '203.0.113.1/24' }, gateway: '203.0.113.254' });
    const hb = await driverB.createHost({ instanceId: inst, id: 'hb', port: { network: 'wan', address: '203.0.113.2/24' }, gateway: '203.0.113.254' });
    const hx = await driverB.createHost({ instanceId: inst, id: 'hx', port: { network: 'other', address: '203.0.113.3/24' }, gateway: '203.0.113.254' });
    expect(driverA.bridge).not.toBe(driverB.bridge);
    const patches = (await driverA.ovs.inventory()).ports.filter((p) => p.type === 'patch' && p.externalIds['qnfv.install'] === install);
    expect(patches.map((p) => p.bridge).sort()).toEqual([driverA.bridge, driverB.bridge].sort());
    expect((await driverA.exec(ha.namespace, pingArgv('203.0.113.2', 3, 1), { allowFailure: true })).code).toBe(0);
    // Only the shared network crosses: b's other network stays invisible to a.
    expect((await driverA.exec(ha.namespace, pingArgv('203.0.113.3', 1, 0.5), { allowFailure: true })).code).not.toBe(0);
    await expect(driverA.exec(hb.namespace, ['true'])).rejects.toThrow(/not found/i);

    // Domain a leaves: its bridge and both patch ports go, b keeps working on its own bridge.
    const ra = await driverA.removeInstance(inst);
    expect(ra.bridges).toEqual([driverA.bridge]);
    expect(ra.ports?.length).toBe(3); // ha's port and both ends of the patch
    const inv = await driverB.ovs.inventory();
    expect(inv.bridges.map((x) => x.name)).not.toContain(driverA.bridge);
    expect(inv.ports.filter((p) => p.bridge === driverB.bridge && p.name !== driverB.bridge).map((p) => p.type)).toEqual(['', '']);
    expect((await driverB.exec(hb.namespace, ['ip', '-br', 'addr', 'show', 'eth0'])).stdout).toContain('203.0.113.2/24');
    const rb = await driverB.removeInstance(inst);
    expect(rb.containers).toEqual([hb.namespace, hx.namespace].sort());
    expectNothingLeft(await leftovers());
    expect(domainBridgeName(install, 'b')).toBe(driverB.bridge);
  });
});

describe('docker driver (c): a router runs its program in the container and is reachable over its management link', () => {
  const inst = randomUUID();

  it('serves NETCONF on the management address; removal stops it and leaves nothing', async () => {
    await driverA.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    const dir = join(workDir, 'r1');
    await mkdir(dir, { recursive: true });
    const hostKey = generateKeyPair('qnfv-router-r1');
    const client = generateKeyPair('qnfv-test-client');
    const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
    await writePrivateKey(hostKeyFile, hostKey.privateKey);
    const configFile = join(dir, 'router.json');
    const logFile = join(dir, 'router.log');
    const t0 = Date.now();
    const router = await driverA.createRouter({
      instanceId: inst,
      vnfId: 'r1',
      ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.1/24' }],
      // A persistent TUN made by the VIM, so that routes into it exist before the program attaches to it.
      tun: { name: 'tun0', address: '10.66.1.1/24' },
      routes: [
        { prefix: '10.66.2.0/24', via: '203.0.113.2' },
        { prefix: '10.66.3.0/24', dev: 'tun0' },
      ],
      program: { argv: [process.execPath, routerMainPath(), '--config', configFile, '--wait-for-config'], cwd: dir, logFile, env: { QNFV_LOG_LEVEL: 'info' } },
    });
    timings.routerCreateAndWireMs = Date.now() - t0;
    expect(router.namespace).toBe(`qnfv-${install.slice(0, 8)}-${inst.slice(0, 8)}-r1`);
    expect(router.pid).toEqual(expect.any(Number));
    expect((await readFile(`/proc/${router.pid}/cmdline`, 'utf8')).split('\0')).toContain(routerMainPath());
    const config: RouterConfig = {
      name: 'r1',
      instanceId: inst,
      tun: { name: 'tun0', mtu: 1400 },
      tunnelAddresses: ['198.51.100.1'],
      netconf: { listenAddress: router.mgmt.routerAddress, port: NETCONF_PORT, hostKeyFile, users: [{ name: 'admin', groups: ['admin'], authorizedKeys: [client.publicKey] }] },
      keyReaderGroups: ['admin'],
    };
    await writeFile(`${configFile}.tmp`, JSON.stringify(config));
    await rename(`${configFile}.tmp`, configFile);

    // From the host, over the management veth, with the pinned host key.
    let session: NetconfClient | undefined;
    const deadline = Date.now() + 20_000;
    while (!session) {
      try {
        session = await NetconfClient.connect({ host: router.mgmt.routerAddress, port: NETCONF_PORT, username: 'admin', privateKey: client.privateKey, hostKeyFingerprint: fingerprint(hostKey.publicKey) });
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`router not reachable over NETCONF: ${String(err)}; log: ${await readFile(logFile, 'utf8').catch(() => '')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    timings.routerNetconfReadyMs = Date.now() - t0;
    expect(session.serverCapabilities).toContain(IKELESS_CAPABILITY);
    await session.close();
    expect(await readFile(logFile, 'utf8')).toContain('router ready');

    // The VIM's routes and the program's own (its tunnel address into the TUN) sit in the container.
    const routes = JSON.parse((await driverA.exec(router.namespace, ['ip', '-j', 'route', 'show'])).stdout) as { dst: string; dev: string; gateway?: string }[];
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dst: '10.66.2.0/24', gateway: '203.0.113.2', dev: 'wan0' }),
        expect.objectContaining({ dst: '198.51.100.1', dev: 'tun0' }),
        expect.objectContaining({ dst: '10.66.3.0/24', dev: 'tun0' }),
      ]),
    );
    const sysctl = await driverA.exec(router.namespace, ['cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/conf/all/rp_filter']);
    expect(sysctl.stdout.split('\n').filter((l) => l)).toEqual(['1', '0']);

    const t1 = Date.now();
    const report = await driverA.removeInstance(inst);
    timings.removeRouterMs = Date.now() - t1;
    expect(report.pids).toEqual([router.pid]);
    expect(report.links).toEqual(expect.arrayContaining([router.mgmt.hostInterface]));
    expect(existsSync(`/proc/${router.pid}`)).toBe(false);
    expectNothingLeft(await leftovers());
  });
});

describe('docker driver (d): the router image is cached by the hash of its inputs', () => {
  it('reuses the tag for the same inputs and builds a new one when an input changes', async () => {
    expect(image.tag).toMatch(/^qnfv-router:[0-9a-f]{12}$/);
    const opts = { docker: driverA.docker, runner, projectRoot: join(import.meta.dirname, '..', '..', '..') };
    const same = await ensureRouterImage(opts);
    expect(same).toMatchObject({ tag: image.tag, cached: true, buildMs: 0 });
    timings.imageCacheHitMs = same.hashMs;

    const extraFiles = [{ path: '/etc/qnfv-test-marker', content: randomBytes(8).toString('hex') }];
    const changed = await ensureRouterImage({ ...opts, extraFiles });
    try {
      expect(changed.cached).toBe(false);
      expect(changed.tag).not.toBe(image.tag);
      timings.imageBuildMs = changed.hashMs + changed.buildMs;
      const again = await ensureRouterImage({ ...opts, extraFiles });
      expect(again).toMatchObject({ tag: changed.tag, cached: true });
      const inspected = await driverA.docker.getImage(changed.tag).inspect();
      expect(inspected.Config.Labels?.['qnfv.image-hash']).toBe(changed.hash);
    } finally {
      await driverA.docker.getImage(changed.tag).remove().catch(() => undefined);
    }
  }, 120_000);
});

describe('docker driver (e): reconcile', () => {
  it('removes an orphan found only by its labels (its state record lost in a crash) and keeps a live instance', async () => {
    const orphan = randomUUID();
    const live = randomUUID();
    for (const inst of [orphan, live]) {
      await driverA.ensureNetwork({ instanceId: inst, id: 'lan', kind: 'lan' });
      await driverA.createHost({ instanceId: inst, id: 'h', port: { network: 'lan', address: '10.78.0.1/24' }, gateway: '10.78.0.254' });
    }
    await rm(join(stateDir, orphan), { recursive: true, force: true });
    // A restarted VIM: a new driver object, nothing in memory.
    const fresh = new DockerVimDriver({ installationId: install, domain: 'a', stateDir, runner });
    const report = await fresh.reconcile([live]);
    expect(report.removed.map((r) => r.instanceId)).toEqual([orphan]);
    expect(report.removed[0]?.containers).toHaveLength(1);
    expect(report.kept).toEqual([live]);
    const remaining = await fresh.listResources();
    expect(remaining.filter((r) => r.instanceId === orphan)).toEqual([]);
    expect(remaining.filter((r) => r.kind === 'container').map((r) => r.instanceId)).toEqual([live]);
    await fresh.removeInstance(live);
    expectNothingLeft(await leftovers());
  });
});

describe('docker driver (f): scale-in removes one site and keeps the others running', () => {
  const inst = randomUUID();
  /** Site n: router r<n> (WAN 203.0.113.n, LAN 10.80.n.1) and host h<n> (10.80.n.2) on lan<n>; sites 1 and 2 in domain a, 3 in b. */
  const sites = [1, 2, 3];
  const driverOf = (n: number): DockerVimDriver => (n === 3 ? driverB : driverA);
  const routers: Record<number, RouterInfo> = {};
  const hosts: Record<number, string> = {};
  const hostIp = (n: number): string => `10.80.${n}.2`;
  const ping = async (from: number, to: string, tries = 3): Promise<number> =>
    (await driverOf(from).exec(hosts[from] as string, pingArgv(to, tries, tries > 1 ? 1 : 0.5), { allowFailure: true })).code ?? -1;
  const portsOf = (inv: OvsPort[], id: string): OvsPort[] => inv.filter((p) => p.externalIds['qnfv.instance'] === inst && (p.externalIds['qnfv.vnf'] === id || p.externalIds['qnfv.host'] === id));
  const wanPatches = async (): Promise<OvsPort[]> => (await driverA.ovs.inventory()).ports.filter((p) => p.type === 'patch' && p.externalIds['qnfv.instance'] === inst);
  /** A port's own flows: its classification in table 0 and, for a container port, its unicast rule in table 1. */
  const ownFlows = (flows: FlowStat[], p: OvsPort): FlowStat[] =>
    flows.filter((f) => (f.table === 0 && f.match === `in_port=${p.ofport}`) || (f.table === 1 && p.externalIds['attached-mac'] !== undefined && f.match.includes(`dl_dst=${p.externalIds['attached-mac']}`)));

  it('builds three sites on a WAN shared by domains a and b; every host reaches every other', async () => {
    for (const d of [driverA, driverB]) await d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    const t0 = Date.now();
    for (const n of sites) {
      const d = driverOf(n);
      await d.ensureNetwork({ instanceId: inst, id: `lan${n}`, kind: 'lan' });
      routers[n] = await d.createRouter({
        instanceId: inst,
        vnfId: `r${n}`,
        ports: [
          { name: 'wan0', network: 'wan', address: `203.0.113.${n}/24` },
          { name: 'lan0', network: `lan${n}`, address: `10.80.${n}.1/24` },
        ],
        routes: sites.filter((m) => m !== n).map((m) => ({ prefix: `10.80.${m}.0/24`, via: `203.0.113.${m}` })),
      });
      hosts[n] = (await d.createHost({ instanceId: inst, id: `h${n}`, port: { network: `lan${n}`, address: `${hostIp(n)}/24` }, gateway: `10.80.${n}.1` })).namespace;
    }
    timings.threeSitesCreateMs = Date.now() - t0;
    for (const [from, to] of [[1, 2], [1, 3], [2, 3], [3, 1]] as const) expect(await ping(from, hostIp(to))).toBe(0);
  });

  it('removeNodes takes site 2 away (containers, ports, flows, management link, record entries) and keeps the WAN', async () => {
    const before = await driverA.ovs.inventory();
    const gone = [...portsOf(before.ports, 'r2'), ...portsOf(before.ports, 'h2')];
    const staying = [...portsOf(before.ports, 'r1'), ...portsOf(before.ports, 'h1'), ...(await wanPatches()).filter((p) => p.bridge === driverA.bridge)];
    expect(gone).toHaveLength(3);
    expect(staying).toHaveLength(4);
    const flowsBefore = await driverA.ovs.dumpFlows(driverA.bridge);

    const t0 = Date.now();
    const report = await driverA.removeNodes({ instanceId: inst, routers: ['r2'], hosts: ['h2'], networks: ['lan2', 'wan'] });
    timings.removeNodesSiteMs = Date.now() - t0;
    expect(report).toMatchObject({ instanceId: inst, domains: ['a'], namespaces: [], pids: [], stateRecords: 1, bridges: [] });
    expect(report.containers).toEqual([routers[2]?.namespace, hosts[2]].sort());
    expect(report.ports).toEqual(gone.map((p) => p.name).sort());
    expect(report.links).toEqual(expect.arrayContaining([routers[2]?.mgmt.hostInterface, ...gone.map((p) => p.name)]));

    // docker ps, ovs-vsctl, ovs-ofctl and ip link: nothing of site 2 is left.
    const containers = await driverA.docker.listContainers({ all: true, filters: { label: [`qnfv.install=${install}`, `qnfv.instance=${inst}`] } });
    expect(containers.map((c) => c.Names[0]?.slice(1)).sort()).toEqual([1, 3].flatMap((n) => [routers[n]?.namespace, hosts[n]]).sort());
    const listed = (await runner.run(['ovs-vsctl', 'list-ports', driverA.bridge])).stdout.split('\n');
    for (const p of gone) expect(listed).not.toContain(p.name);
    const flowsAfter = await driverA.ovs.dumpFlows(driverA.bridge);
    for (const p of gone) expect(ownFlows(flowsAfter, p)).toEqual([]);
    expect(flowsAfter.some((f) => gone.some((p) => new RegExp(`output:${p.ofport}(,|$)`).test(f.actions)))).toBe(false);
    const links = JSON.parse((await runner.run(['ip', '-j', 'link', 'show'])).stdout) as { ifname: string }[];
    expect(links.map((l) => l.ifname)).not.toContain(routers[2]?.mgmt.hostInterface);

    // The other ports' own flows are the same flows, their counters not reset.
    for (const p of staying) {
      const was = ownFlows(flowsBefore, p);
      const now = ownFlows(flowsAfter, p);
      expect(now.map((f) => [f.table, f.priority, f.match, f.actions])).toEqual(was.map((f) => [f.table, f.priority, f.match, f.actions]));
      now.forEach((f, i) => expect(f.packets).toBeGreaterThanOrEqual(was[i]?.packets ?? 0));
    }
    expect(flowsBefore.filter((f) => f.table === 0 && f.match.startsWith('in_port=')).some((f) => f.packets > 0)).toBe(true);

    // The record: site 2 and its LAN are gone, the WAN (site 1 and 3 sit on it) and its patch ports stay.
    const record = JSON.parse(await readFile(join(stateDir, inst, 'a.json'), 'utf8')) as { routers: { vnfId: string }[]; hosts: { id: string }[]; networks: { id: string }[] };
    expect(record.routers.map((x) => x.vnfId)).toEqual(['r1']);
    expect(record.hosts.map((h) => h.id)).toEqual(['h1']);
    expect(record.networks.map((n) => n.id).sort()).toEqual(['lan1', 'wan']);
    expect((await wanPatches()).map((p) => p.bridge).sort()).toEqual([driverA.bridge, driverB.bridge].sort());
  });

  it('the remaining sites still reach each other, isolation holds, and a second call does nothing', async () => {
    expect(await ping(1, hostIp(3))).toBe(0);
    expect(await ping(3, hostIp(1))).toBe(0);
    expect(await ping(1, hostIp(2), 1)).not.toBe(0);
    // h1 with an on-link WAN address: its ARP for r3 stays on lan1, so the WAN never sees it.
    await driverA.exec(hosts[1] as string, ['ip', 'addr', 'add', '203.0.113.99/24', 'dev', 'eth0']);
    expect(await ping(1, '203.0.113.3', 1)).not.toBe(0);

    const flows = await driverA.ovs.dumpFlows(driverA.bridge);
    const again = await driverA.removeNodes({ instanceId: inst, routers: ['r2'], hosts: ['h2', 'nosuch'], networks: ['lan2', 'wan'] });
    expect(again).toEqual({ instanceId: inst, domains: ['a'], namespaces: [], links: [], pids: [], stateRecords: 0, containers: [], ports: [], bridges: [] });
    expect((await driverA.ovs.dumpFlows(driverA.bridge)).map((f) => [f.table, f.match, f.actions])).toEqual(flows.map((f) => [f.table, f.match, f.actions]));
    await expect(driverA.removeNodes({ instanceId: inst, routers: ['bad id'], hosts: [], networks: [] })).rejects.toThrow(/routers\[0\]/);
  });

  it('a domain whose last site goes leaves the instance (its share of the WAN and its record too); removeInstance then leaves nothing', async () => {
    const rb = await driverB.removeNodes({ instanceId: inst, routers: ['r3'], hosts: ['h3'], networks: ['lan3', 'wan'] });
    expect(rb.containers).toEqual([routers[3]?.namespace, hosts[3]].sort());
    expect(await wanPatches()).toEqual([]); // domain b holds nothing of the instance any more
    expect(existsSync(join(stateDir, inst, 'b.json'))).toBe(false);
    const ra = await driverA.removeNodes({ instanceId: inst, routers: ['r1'], hosts: ['h1'], networks: ['lan1', 'wan'] });
    expect(ra.ports).toHaveLength(3); // r1's two, h1's one
    const patches = (await driverA.ovs.inventory()).ports.filter((p) => p.type === 'patch');
    expect(patches.filter((p) => p.externalIds['qnfv.instance'] === inst)).toEqual([]);

    await driverA.removeInstance(inst);
    await driverB.removeInstance(inst);
    expectNothingLeft(await leftovers());
    expect(existsSync(join(stateDir, inst))).toBe(false);
  });
});
