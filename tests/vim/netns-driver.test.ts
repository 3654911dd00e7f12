/**
 * The netns VIM driver against the real kernel (root): the two-site VPN
 * topology of two domains sharing one WAN, a router running a program with a
 * TUN, removal, reconciliation across instances and installations, and the
 * management IPAM on a tight pool. Everything uses a random `t…`
 * installation id and is removed in afterAll even when a test fails.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, NotFoundError, ValidationError } from '../../common/index.js';
import { ExecFileRunner, installationPrefix, instancePrefix, intToIpv4, NetnsDriver, type RouterInfo, type VimResource } from '../../vim/index.js';
import { pingArgv } from './icmp-ping.js';
import { siteHost, siteRouterWiring } from './two-site-topology.js';

const runner = new ExecFileRunner();
const install = `t${randomBytes(6).toString('hex')}`;
const otherInstall = `t${randomBytes(6).toString('hex')}`;
let stateDir: string;
let otherStateDir: string;
let logDir: string;
let driverA: NetnsDriver;
let driverB: NetnsDriver;
const ownLinks: string[] = [];

async function namespaces(): Promise<string[]> {
  const { stdout } = await runner.run(['ip', 'netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n);
}

async function rootLinks(): Promise<string> {
  return (await runner.run(['ip', '-o', 'link', 'show'])).stdout;
}

async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

beforeAll(async () => {
  configureLogging({ level: 'warn' });
  stateDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-state-'));
  otherStateDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-state-'));
  logDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-log-'));
  driverA = new NetnsDriver({ installationId: install, domain: 'a', stateDir, runner });
  driverB = new NetnsDriver({ installationId: install, domain: 'b', stateDir, runner });
  await driverA.checkPrerequisites();
});

afterAll(async () => {
  // The drivers' own cleanup first, then anything with our prefixes or labels, whatever happened.
  for (const [inst, dir] of [
    [install, stateDir],
    [otherInstall, otherStateDir],
  ]) {
    await new NetnsDriver({ installationId: inst, domain: 'cleanup', stateDir: dir, runner }).reconcile([]).catch(() => undefined);
    for (const ns of (await namespaces()).filter((n) => n.startsWith(installationPrefix(inst)))) {
      await runner.run(['ip', 'netns', 'del', ns], { allowFailure: true });
    }
    const links = JSON.parse((await runner.run(['ip', '-j', 'link', 'show'])).stdout) as { ifname: string; ifalias?: string }[];
    for (const l of links.filter((x) => x.ifalias?.includes(`qnfv.install=${inst},`))) {
      await runner.run(['ip', 'link', 'del', l.ifname], { allowFailure: true });
    }
    await rm(dir, { recursive: true, force: true });
  }
  for (const l of ownLinks) await runner.run(['ip', 'link', 'del', l], { allowFailure: true });
  await rm(logDir, { recursive: true, force: true });
});

describe('netns driver: two-site VPN topology, two domains sharing one WAN', () => {
  const inst = randomUUID();
  let routerA: RouterInfo;
  let routerB: RouterInfo;
  let hostA: string;
  let hostB: string;

  it('builds WAN, LANs, routers and hosts; ensureNetwork is idempotent across calls and domains', async () => {
    const wan = { instanceId: inst, id: 'wan', kind: 'wan' as const };
    const [first, fromB] = await Promise.all([driverA.ensureNetwork(wan), driverB.ensureNetwork(wan)]);
    expect(fromB).toEqual(first);
    expect(await driverA.ensureNetwork(wan)).toEqual(first);
    expect(await driverB.ensureNetwork(wan)).toEqual(first);
    expect(first.namespace).toBe(`qnfv-${install.slice(0, 8)}-${inst.slice(0, 8)}-net-wan`);
    const wanLinks = JSON.parse((await runner.run(['ip', '-n', first.namespace, '-j', 'link', 'show'])).stdout) as { ifname: string; flags: string[] }[];
    expect(wanLinks.map((l) => l.ifname).sort()).toEqual([first.bridge, 'lo'].sort());
    expect(wanLinks.every((l) => l.flags.includes('UP'))).toBe(true);

    await driverA.ensureNetwork({ instanceId: inst, id: 'lan-a', kind: 'lan' });
    await driverB.ensureNetwork({ instanceId: inst, id: 'lan-b', kind: 'lan' });
    routerA = await driverA.createRouter({ instanceId: inst, vnfId: 'router-a', ...siteRouterWiring('a') });
    routerB = await driverB.createRouter({ instanceId: inst, vnfId: 'router-b', ...siteRouterWiring('b') });
    hostA = (await driverA.createHost(siteHost(inst, 'a'))).namespace;
    hostB = (await driverB.createHost(siteHost(inst, 'b'))).namespace;

    expect(routerA.namespace).toBe(`qnfv-${install.slice(0, 8)}-${inst.slice(0, 8)}-router-a`);
    expect(routerA.pid).toBeUndefined();
    const ns = await namespaces();
    for (const n of [routerA.namespace, routerB.namespace, hostA, hostB]) expect(ns).toContain(n);
  });

  it('host A reaches router A, router A reaches router B over the WAN, host A reaches host B via both routers', async () => {
    // One echo, answered well within ARP's 1 s retransmit: the links were up when createHost returned.
    expect((await driverA.exec(hostA, pingArgv('10.1.0.1', 1, 0.8), { allowFailure: true })).code).toBe(0);
    expect((await driverA.exec(routerA.namespace, pingArgv('203.0.113.2'), { allowFailure: true })).code).toBe(0);
    expect((await driverA.exec(hostA, pingArgv('10.2.0.10'), { allowFailure: true })).code).toBe(0);
    // The probe can fail: nobody owns 10.1.0.99.
    expect((await driverA.exec(hostA, pingArgv('10.1.0.99', 1, 0.3), { allowFailure: true })).code).not.toBe(0);
  });

  it('routers forward with rp_filter off; exec is limited to the domain’s own namespaces', async () => {
    const sysctl = await driverA.exec(routerA.namespace, ['sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter']);
    expect(sysctl.stdout.split('\n').filter((l) => l)).toEqual(['1', '0', '0']);
    await expect(driverB.exec(routerA.namespace, ['true'])).rejects.toThrow(NotFoundError);
    await expect(driverA.exec('qnfv-not-ours', ['true'])).rejects.toThrow(NotFoundError);
  });

  it('the root namespace reaches each router on its management /30, a labelled q<6hex>m veth', async () => {
    for (const r of [routerA, routerB]) {
      expect(r.mgmt.hostInterface).toMatch(/^q[0-9a-f]{6}m$/);
      expect(r.mgmt.prefixLength).toBe(30);
      expect(r.mgmt.routerAddress.startsWith('100.')).toBe(true);
      expect((await runner.run(pingArgv(r.mgmt.routerAddress), { allowFailure: true })).code).toBe(0);
    }
    expect(routerA.mgmt.hostAddress).not.toBe(routerB.mgmt.hostAddress);
    const [link] = JSON.parse((await runner.run(['ip', '-j', 'link', 'show', 'dev', routerA.mgmt.hostInterface])).stdout) as { ifalias: string }[];
    expect(link.ifalias).toBe(`qnfv.install=${install},qnfv.instance=${inst},qnfv.domain=a,qnfv.role=management,qnfv.vnf=router-a`);
  });

  it('lists the resources of each domain and of the instance', async () => {
    const all = await driverA.listResources({ instanceId: inst });
    const names = (rs: VimResource[]): string[] => rs.map((r) => r.name).sort();
    expect(names(all.filter((r) => r.kind === 'link'))).toEqual([routerA.mgmt.hostInterface, routerB.mgmt.hostInterface].sort());
    expect(all.filter((r) => r.kind === 'namespace')).toHaveLength(7); // 3 networks, 2 routers, 2 hosts
    const ofB = await driverB.listResources({ instanceId: inst, domain: 'b' });
    expect(ofB.some((r) => r.name === routerA.namespace)).toBe(false);
    expect(ofB.find((r) => r.name === routerB.namespace)).toMatchObject({ role: 'router', id: 'router-b', domain: 'b', instanceId: inst, installationId: install });
  });

  it('removing domain A keeps the shared WAN for domain B; removing B then leaves nothing', async () => {
    const wanNs = `${instancePrefix(install, inst)}net-wan`;
    const a = await driverA.removeInstance(inst);
    expect(a.namespaces).toEqual([routerA.namespace, hostA, `${instancePrefix(install, inst)}net-lan-a`].sort());
    expect(a.links).toEqual([routerA.mgmt.hostInterface]);
    expect(a.stateRecords).toBe(1);
    let ns = await namespaces();
    expect(ns).toContain(wanNs);
    expect(ns).toContain(routerB.namespace);
    expect((await driverB.exec(routerB.namespace, pingArgv('10.2.0.10'), { allowFailure: true })).code).toBe(0);

    const b = await driverB.removeInstance(inst);
    expect(b.namespaces).toContain(wanNs);
    ns = await namespaces();
    expect(ns.filter((n) => n.startsWith(instancePrefix(install, inst)))).toEqual([]);
    const links = await rootLinks();
    expect(links).not.toContain(routerA.mgmt.hostInterface);
    expect(links).not.toContain(routerB.mgmt.hostInterface);
    expect(existsSync(join(stateDir, inst))).toBe(false);
  });
});

describe('netns driver: removeNodes (a site leaves a running instance)', () => {
  const inst = randomUUID();

  it('removes one site of domain A (router, host, LAN) and keeps the WAN, the other site and domain B working; twice is a no-op', async () => {
    for (const d of [driverA, driverB]) await d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    const site = async (d: NetnsDriver, n: number): Promise<RouterInfo> => {
      await d.ensureNetwork({ instanceId: inst, id: `lan-${n}`, kind: 'lan' });
      const r = await d.createRouter({
        instanceId: inst,
        vnfId: `site-${n}`,
        ports: [
          { name: 'lan0', network: `lan-${n}`, address: `10.${n}.0.1/24` },
          { name: 'wan0', network: 'wan', address: `203.0.113.${n}/24` },
        ],
        routes: [1, 2, 3].filter((m) => m !== n).map((m) => ({ prefix: `10.${m}.0.0/24`, via: `203.0.113.${m}` })),
      });
      await d.createHost({ instanceId: inst, id: `host-${n}`, port: { network: `lan-${n}`, address: `10.${n}.0.10/24` }, gateway: `10.${n}.0.1` });
      return r;
    };
    const [r1, r2] = [await site(driverA, 1), await site(driverA, 2)];
    await site(driverB, 3);
    const prefix = instancePrefix(install, inst);
    expect((await driverA.exec(`${prefix}host-2`, pingArgv('10.3.0.10'), { allowFailure: true })).code).toBe(0);

    const report = await driverA.removeNodes({ instanceId: inst, routers: ['site-2'], hosts: ['host-2'], networks: ['lan-2', 'wan'] });
    expect(report.namespaces).toEqual([r2.namespace, `${prefix}host-2`, `${prefix}net-lan-2`].sort());
    expect(report.links).toEqual([r2.mgmt.hostInterface]);
    const ns = await namespaces();
    expect(ns).toContain(`${prefix}net-wan`); // still used by site-1 and site-3
    expect(ns).not.toContain(r2.namespace);
    expect(await rootLinks()).not.toContain(r2.mgmt.hostInterface);
    const record = JSON.parse(await readFile(join(stateDir, inst, 'a.json'), 'utf8')) as { routers: { vnfId: string }[]; hosts: { id: string }[]; networks: { id: string }[] };
    expect(record.routers.map((r) => r.vnfId)).toEqual(['site-1']);
    expect(record.hosts.map((h) => h.id)).toEqual(['host-1']);
    expect(record.networks.map((n) => n.id).sort()).toEqual(['lan-1', 'wan']);
    // The sites that stay still reach each other, and the removed one is gone.
    expect((await driverA.exec(`${prefix}host-1`, pingArgv('10.3.0.10'), { allowFailure: true })).code).toBe(0);
    expect((await driverA.exec(r1.namespace, pingArgv('203.0.113.2', 1, 0.3), { allowFailure: true })).code).not.toBe(0);

    const again = await driverA.removeNodes({ instanceId: inst, routers: ['site-2'], hosts: ['host-2'], networks: ['lan-2'] });
    expect(again.namespaces).toEqual([]);
    expect(again.links).toEqual([]);

    // The last site of domain A goes: A keeps no record, the WAN stays for domain B.
    await driverA.removeNodes({ instanceId: inst, routers: ['site-1'], hosts: ['host-1'], networks: ['lan-1', 'wan'] });
    expect(existsSync(join(stateDir, inst, 'a.json'))).toBe(false);
    expect(await namespaces()).toContain(`${prefix}net-wan`);
    expect((await driverB.exec(`${prefix}site-3`, pingArgv('10.3.0.10'), { allowFailure: true })).code).toBe(0);

    await driverA.removeInstance(inst);
    await driverB.removeInstance(inst);
    expect((await namespaces()).filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});

describe('netns driver: a router that runs a program', () => {
  const inst = randomUUID();
  let router: RouterInfo;
  let logFile: string;

  it('starts the program inside the router namespace, with env and cwd, logging to its file; TUN routes exist', async () => {
    logFile = join(logDir, 'r1.log');
    await driverA.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    router = await driverA.createRouter({
      instanceId: inst,
      vnfId: 'r1',
      ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.1/24' }],
      tun: { name: 'tun0', address: '10.66.1.1/24' },
      routes: [
        { prefix: '198.51.100.1/32', dev: 'tun0' },
        { prefix: '10.66.2.0/24', dev: 'tun0' },
        { prefix: '198.51.100.2/32', via: '203.0.113.2' },
      ],
      program: { argv: ['/bin/sh', '-c', 'echo "started $QNFV_VIM_TEST in $(pwd)"; exec sleep 1000'], env: { QNFV_VIM_TEST: 'hello' }, cwd: logDir, logFile },
    });
    expect(router.pid).toEqual(expect.any(Number));
    const identify = await runner.run(['ip', 'netns', 'identify', String(router.pid)]);
    expect(identify.stdout.trim()).toBe(router.namespace);
    expect(await waitFor(async () => (await readFile(logFile, 'utf8').catch(() => '')).includes(`started hello in ${logDir}`), 3000)).toBe(true);
    const routes = JSON.parse((await runner.run(['ip', '-n', router.namespace, '-j', 'route', 'show'])).stdout) as { dst: string; dev: string; gateway?: string }[];
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dst: '198.51.100.1', dev: 'tun0' }),
        expect.objectContaining({ dst: '10.66.2.0/24', dev: 'tun0' }),
        expect.objectContaining({ dst: '198.51.100.2', gateway: '203.0.113.2', dev: 'wan0' }),
      ]),
    );
  });

  it('removeInstance kills the programs (SIGKILL for one that ignores SIGTERM) and leaves no namespace, veth or state; twice is fine', async () => {
    const stubborn = await driverA.createRouter({
      instanceId: inst,
      vnfId: 'r2',
      ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.2/24' }],
      routes: [],
      program: { argv: ['/bin/sh', '-c', 'trap "" TERM; echo stubborn; exec sleep 1000'], logFile: join(logDir, 'r2.log') },
    });
    const pids = [router.pid as number, stubborn.pid as number];
    const report = await driverA.removeInstance(inst);
    expect(report.pids).toEqual(expect.arrayContaining(pids));
    expect(report.namespaces).toEqual([`${instancePrefix(install, inst)}net-wan`, router.namespace, stubborn.namespace].sort());
    expect(await waitFor(() => pids.every((pid) => !existsSync(`/proc/${pid}`)), 2000)).toBe(true);
    expect((await namespaces()).filter((n) => n.startsWith(instancePrefix(install, inst)))).toEqual([]);
    const links = await rootLinks();
    expect(links).not.toContain(router.mgmt.hostInterface);
    expect(links).not.toContain(stubborn.mgmt.hostInterface);
    expect(links).not.toContain(`qnfv.instance=${inst}`);
    expect(existsSync(join(stateDir, inst))).toBe(false);

    const again = await driverA.removeInstance(inst);
    expect(again).toEqual({ instanceId: inst, domains: [], namespaces: [], links: [], pids: [], stateRecords: 0 });
  });
});

describe('netns driver: reconcile', () => {
  it('removes an orphan instance, keeps a live one, never touches another installation', async () => {
    const orphan = randomUUID();
    const live = randomUUID();
    const other = new NetnsDriver({ installationId: otherInstall, domain: 'a', stateDir: otherStateDir, runner });
    const otherInst = randomUUID();
    for (const [d, inst] of [
      [driverA, orphan],
      [driverA, live],
      [other, otherInst],
    ] as const) {
      await d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
      await d.createRouter({ instanceId: inst, vnfId: 'r1', ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.1/24' }], routes: [] });
    }
    const report = await driverA.reconcile([live]);
    expect(report.removed.map((r) => r.instanceId)).toContain(orphan);
    expect(report.removed.map((r) => r.instanceId)).not.toContain(live);
    expect(report.kept).toContain(live);
    const ns = await namespaces();
    expect(ns.filter((n) => n.startsWith(instancePrefix(install, orphan)))).toEqual([]);
    expect(ns).toContain(`${instancePrefix(install, live)}r1`);
    expect(ns).toContain(`${instancePrefix(otherInstall, otherInst)}r1`);
    expect((await other.listResources({ instanceId: otherInst })).map((r) => r.kind).sort()).toEqual(['link', 'namespace', 'namespace']);

    await other.removeInstance(otherInst);
    await driverA.removeInstance(live);
    expect((await driverA.listResources()).filter((r) => r.instanceId === live)).toEqual([]);
  });
});

describe('netns driver: management IPAM on a tight pool', () => {
  it('skips a /30 already used on the host, and rolls back a router when the pool is exhausted', async () => {
    // A random /29 of 100.64.0.0/10 (two /30s); our own veth occupies the first /30.
    const base = 0x64400000 + Math.floor(Math.random() * 2 ** 19) * 8;
    const pool = `${intToIpv4(base)}/29`;
    const blocker = `q${randomBytes(3).toString('hex')}x`;
    ownLinks.push(blocker);
    await runner.run(['ip', 'link', 'add', blocker, 'type', 'veth', 'peer', 'name', `${blocker}y`]);
    await runner.run(['ip', 'addr', 'add', `${intToIpv4(base + 1)}/30`, 'dev', blocker]);

    const driver = new NetnsDriver({ installationId: install, domain: 'p', stateDir, runner, mgmtPool: pool });
    const inst = randomUUID();
    await driver.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    const spec = { instanceId: inst, ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.1/24' }], routes: [] };
    const r1 = await driver.createRouter({ ...spec, vnfId: 'r1' });
    expect(r1.mgmt.hostAddress).toBe(intToIpv4(base + 5));
    expect(r1.mgmt.routerAddress).toBe(intToIpv4(base + 6));
    await expect(driver.createRouter({ ...spec, vnfId: 'r2' })).rejects.toThrow(ValidationError);
    expect(await namespaces()).not.toContain(`${instancePrefix(install, inst)}r2`);
    const record = JSON.parse(await readFile(join(stateDir, inst, 'p.json'), 'utf8')) as { routers: { vnfId: string }[] };
    expect(record.routers.map((r) => r.vnfId)).toEqual(['r1']);
    await driver.removeInstance(inst);
  });
});
