/**
 * The docker VIM driver's VXLAN inter-domain links against the real dockerd,
 * Open vSwitch and kernel (root): two domains on this host configured with
 * `interDomain: { kind: 'vxlan' }` (VTEPs 198.51.100.1 and .2 in their
 * underlay namespaces) share two WAN networks. Host ha (domain a) and hb
 * (domain b) on wan1 reach each other through wan1's VXLAN pair — asserted
 * with traffic, with the devices' counters, and with a capture on the
 * underlay veth decoded by tshark (UDP 4789, wan1's VNI, the inner ICMP);
 * hc (domain b) on wan2 reaches neither. Scale-in of wan2 takes its VXLAN
 * pair at both ends; removing both domains leaves no container, port,
 * bridge, VXLAN device, veth or namespace with our labels or names.
 * No dockerd or no OVS makes beforeAll fail (never skip) with the
 * PrerequisiteError that says to run scripts/setup.sh --test.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../../../common/index.js';
import { DockerVimDriver, ExecFileRunner } from '../../../vim/index.js';
import { underlayNamespaceName, underlayNamespacePrefix, underlayVethName, vxlanDeviceName } from '../../../vim/docker/docker-names.js';
import type { OvsPort } from '../../../vim/docker/ovs.js';
import { pingArgv } from '../icmp-ping.js';
import { removeLeftovers } from './docker-leftovers.js';

const runner = new ExecFileRunner();
const install = `t${randomBytes(6).toString('hex')}`;
const inst = randomUUID();
const VTEP = { a: '198.51.100.1', b: '198.51.100.2' } as const;
let stateDir: string;
let workDir: string;
let driverA: DockerVimDriver;
let driverB: DockerVimDriver;
const hosts: Record<string, string> = {};
const timings: Record<string, number> = {};

const device = (vl: string, mine: 'a' | 'b', peer: 'a' | 'b'): string => vxlanDeviceName(install, inst, vl, mine, peer);
const ns = (d: 'a' | 'b'): string => underlayNamespaceName(install, d);

interface LinkJson {
  ifname: string;
  ifalias?: string;
  mtu?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; remote?: string; port?: number } };
  stats64?: { rx: { packets: number }; tx: { packets: number } };
}

/** `ip -d -s -j link show` in a namespace (root when undefined). */
async function links(namespace?: string): Promise<LinkJson[]> {
  const res = await runner.run(['ip', ...(namespace ? ['-n', namespace] : []), '-d', '-s', '-j', 'link', 'show'], { allowFailure: true });
  return res.code === 0 ? (JSON.parse(res.stdout || '[]') as LinkJson[]) : [];
}

async function link(name: string, namespace?: string): Promise<LinkJson> {
  const l = (await links(namespace)).find((x) => x.ifname === name);
  if (!l) throw new Error(`no link ${name} in ${namespace ?? 'the root namespace'}`);
  return l;
}

/** Everything with our installation's labels or names, straight from dockerd, OVSDB and the kernel (not through the driver). */
async function leftovers(): Promise<Record<string, string[]>> {
  const containers = await driverA.docker.listContainers({ all: true, filters: { label: [`qnfv.install=${install}`] } });
  const inv = await driverA.ovs.inventory();
  const root = await links();
  const namespaces = (await runner.run(['ip', 'netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(underlayNamespacePrefix(install)));
  const ours = new Set([...['wan1', 'wan2'].flatMap((vl) => [device(vl, 'a', 'b'), device(vl, 'b', 'a')]), underlayVethName(install, 'a', 'b'), underlayVethName(install, 'b', 'a')]);
  return {
    containers: containers.map((c) => c.Names[0] ?? ''),
    ports: inv.ports.filter((p) => p.externalIds['qnfv.install'] === install || ours.has(p.name)).map((p) => p.name),
    bridges: inv.bridges.filter((b) => b.externalIds['qnfv.install'] === install || b.name === driverA.bridge || b.name === driverB.bridge).map((b) => b.name),
    links: root.filter((l) => l.ifalias?.includes(`qnfv.install=${install},`) || ours.has(l.ifname)).map((l) => l.ifname),
    namespaces,
  };
}

const nothing = { containers: [], ports: [], bridges: [], links: [], namespaces: [] };

/**
 * Python: one ICMP echo filling a 1500-byte IP packet with DF set (IP_MTU_DISCOVER = IP_PMTUDISC_DO);
 * exit 0 on the matching reply. A 1500-byte frame crosses only if the underlay carries the VXLAN overhead.
 */
const FULL_SIZE_PING = `
import os, socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.IPPROTO_IP, 10, 2)
s.settimeout(1)
ident = os.getpid() & 0xffff
body = struct.pack('!HH', ident, 7) + b'x' * 1472
s.sendto(struct.pack('!BBH', 8, 0, csum(b'\\x08\\x00\\x00\\x00' + body)) + body, (sys.argv[1], 0))
while True:
    data, addr = s.recvfrom(4096)
    ihl = (data[0] & 15) * 4
    t, _, _, i, q = struct.unpack('!BBHHH', data[ihl:ihl + 8])
    if t == 0 and i == ident and q == 7 and len(data) == 1500: sys.exit(0)
`;

const ping = async (from: string, to: string, tries = 3): Promise<number> => {
  const d = from === 'ha' ? driverA : driverB;
  return (await d.exec(hosts[from] as string, pingArgv(to, tries, tries > 1 ? 1 : 0.5), { allowFailure: true })).code ?? -1;
};

beforeAll(async () => {
  configureLogging({ level: 'warn' });
  stateDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-vxlan-state-'));
  workDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-vxlan-work-'));
  driverA = new DockerVimDriver({ installationId: install, domain: 'a', stateDir, runner, interDomain: { kind: 'vxlan', underlayAddress: VTEP.a } });
  driverB = new DockerVimDriver({ installationId: install, domain: 'b', stateDir, runner, interDomain: { kind: 'vxlan', underlayAddress: VTEP.b } });
  await driverA.checkPrerequisites();
  await driverA.routerImage();
}, 120_000);

afterAll(async () => {
  if (driverA) {
    await driverA.reconcile([]).catch(() => undefined);
    await removeLeftovers(driverA, runner, await leftovers().catch(() => undefined));
  }
  for (const d of [stateDir, workDir]) if (d) await rm(d, { recursive: true, force: true });
  process.stdout.write(`docker VIM driver VXLAN timings (ms): ${JSON.stringify(timings)}\n`);
}, 60_000);

describe('docker driver: two domains joined by VXLAN over per-domain underlay namespaces', () => {
  it('builds the underlay, one VXLAN pair per shared network, and the hosts', async () => {
    const t0 = Date.now();
    for (const d of [driverA, driverB]) for (const vl of ['wan1', 'wan2']) await d.ensureNetwork({ instanceId: inst, id: vl, kind: 'wan' });
    timings.ensureNetworksMs = Date.now() - t0;
    hosts.ha = (await driverA.createHost({ instanceId: inst, id: 'ha', port: { network: 'wan1', address: '203.0.113.1/24' }, gateway: '203.0.113.254' })).namespace;
    hosts.hb = (await driverB.createHost({ instanceId: inst, id: 'hb', port: { network: 'wan1', address: '203.0.113.2/24' }, gateway: '203.0.113.254' })).namespace;
    hosts.hc = (await driverB.createHost({ instanceId: inst, id: 'hc', port: { network: 'wan2', address: '203.0.113.3/24' }, gateway: '203.0.113.254' })).namespace;
    timings.setupMs = Date.now() - t0;

    // OVS: a system port per domain and network, labelled with both domains, the network's number and the VNI; no patch port.
    const inv = await driverA.ovs.inventory();
    const vx = inv.ports.filter((p) => p.externalIds['qnfv.instance'] === inst && p.externalIds['qnfv.kind'] === 'vxlan');
    expect(vx.map((p) => p.name).sort()).toEqual(['wan1', 'wan2'].flatMap((vl) => [device(vl, 'a', 'b'), device(vl, 'b', 'a')]).sort());
    expect(inv.ports.some((p) => p.type === 'patch' && p.externalIds['qnfv.install'] === install)).toBe(false);
    const port = (vl: string, d: 'a' | 'b'): OvsPort => vx.find((p) => p.name === device(vl, d, d === 'a' ? 'b' : 'a')) as OvsPort;
    for (const vl of ['wan1', 'wan2']) {
      expect(port(vl, 'a')).toMatchObject({ bridge: driverA.bridge, type: '', externalIds: expect.objectContaining({ 'qnfv.domain': 'a', 'qnfv.peer-domain': 'b', 'qnfv.vl': vl }) });
      expect(port(vl, 'b')).toMatchObject({ bridge: driverB.bridge, type: '', externalIds: expect.objectContaining({ 'qnfv.domain': 'b', 'qnfv.peer-domain': 'a', 'qnfv.vl': vl }) });
      expect(port(vl, 'a').externalIds['qnfv.vni']).toBe(port(vl, 'b').externalIds['qnfv.vni']);
      expect(port(vl, 'a').ofport).toBeGreaterThan(0);
    }
    expect(port('wan1', 'a').externalIds['qnfv.vni']).not.toBe(port('wan2', 'a').externalIds['qnfv.vni']);
    // The VXLAN port shares its network's number with the host port on the same bridge (the same path as patch ports).
    const hbPort = inv.ports.find((p) => p.externalIds['qnfv.host'] === 'hb') as OvsPort;
    expect(port('wan1', 'b').externalIds['qnfv.reg']).toBe(hbPort.externalIds['qnfv.reg']);

    // Kernel: the devices sit in the root namespace with their sockets in the underlay namespaces.
    for (const [vl, d, peer] of [['wan1', 'a', 'b'], ['wan1', 'b', 'a'], ['wan2', 'a', 'b']] as const) {
      const l = await link(device(vl, d, peer));
      expect(l.linkinfo?.info_kind).toBe('vxlan');
      expect(l.linkinfo?.info_data).toMatchObject({ id: Number(port(vl, d).externalIds['qnfv.vni']), local: VTEP[d], remote: VTEP[peer], port: 4789 });
      expect(l.link_netnsid).toEqual(expect.any(Number));
      expect(l.mtu).toBe(1500);
      expect(l.ifalias).toBe(`qnfv.install=${install},qnfv.instance=${inst},qnfv.domain=${d},qnfv.role=network,qnfv.vl=${vl}`);
      expect((await runner.run(['ethtool', '-k', device(vl, d, peer)])).stdout).toMatch(/tx-checksumming: off/);
    }
    const ua = await link(underlayVethName(install, 'a', 'b'), ns('a'));
    expect(ua.mtu).toBe(1550);
    const addrs = JSON.parse((await runner.run(['ip', '-n', ns('a'), '-j', 'addr', 'show', 'dev', ua.ifname])).stdout) as { addr_info: { local: string; address?: string }[] }[];
    expect(addrs[0]?.addr_info).toEqual(expect.arrayContaining([expect.objectContaining({ local: VTEP.a, address: VTEP.b })]));
    // The VXLAN devices carry no address: the underlay addresses exist only in the underlay namespaces.
    expect((await runner.run(['ip', '-4', '-j', 'addr', 'show', 'dev', device('wan1', 'a', 'b')])).stdout).not.toContain('198.51.100.');

    const listed = await driverA.listResources();
    expect(listed.filter((r) => r.kind === 'namespace').map((r) => [r.name, r.domain, r.instanceId])).toEqual([
      [ns('a'), 'a', ''],
      [ns('b'), 'b', ''],
    ]);
    expect(listed.filter((r) => r.kind === 'link' && r.instanceId === '').map((r) => r.name).sort()).toEqual([underlayVethName(install, 'a', 'b'), underlayVethName(install, 'b', 'a')].sort());
    expect(listed.filter((r) => r.kind === 'link' && r.instanceId === inst && r.role === 'network')).toHaveLength(4);
  }, 60_000);

  it('ha and hb (wan1, different domains) reach each other through the VXLAN: counters and a tshark-decoded capture agree', async () => {
    const pcap = join(workDir, 'underlay.pcap');
    const veth = underlayVethName(install, 'a', 'b');
    const before = { a: await link(device('wan1', 'a', 'b')), b: await link(device('wan1', 'b', 'a')), ua: await link(veth, ns('a')) };
    const dump = spawn('ip', ['netns', 'exec', ns('a'), 'tcpdump', '-i', veth, '-n', '--immediate-mode', '-U', '-w', pcap, 'udp', 'port', '4789'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let dumpErr = '';
    dump.stderr.on('data', (c: Buffer) => (dumpErr += c.toString()));
    const dumpExit = new Promise<void>((resolve) => dump.once('exit', () => resolve()));
    try {
      for (let i = 0; i < 100 && !dumpErr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(dumpErr).toContain('listening on');
      const t0 = Date.now();
      expect(await ping('ha', '203.0.113.2')).toBe(0);
      expect(await ping('hb', '203.0.113.1')).toBe(0);
      timings.pingAcrossVxlanMs = Date.now() - t0;
      // A full 1500-byte IP packet, DF set, crosses too (underlay MTU 1550, VXLAN device MTU 1500).
      expect((await driverA.exec(hosts.ha as string, ['/usr/bin/python3', '-c', FULL_SIZE_PING, '203.0.113.2'], { allowFailure: true })).code).toBe(0);
    } finally {
      dump.kill('SIGINT');
      await dumpExit;
    }
    const after = { a: await link(device('wan1', 'a', 'b')), b: await link(device('wan1', 'b', 'a')), ua: await link(veth, ns('a')) };
    const delta = (x: LinkJson, y: LinkJson, dir: 'rx' | 'tx'): number => (y.stats64?.[dir].packets ?? 0) - (x.stats64?.[dir].packets ?? 0);
    for (const side of ['a', 'b'] as const) {
      expect(delta(before[side], after[side], 'tx')).toBeGreaterThanOrEqual(3);
      expect(delta(before[side], after[side], 'rx')).toBeGreaterThanOrEqual(3);
    }
    expect(delta(before.ua, after.ua, 'tx')).toBeGreaterThanOrEqual(3);

    const vni = (await driverA.ovs.inventory()).ports.find((p) => p.name === device('wan1', 'a', 'b'))?.externalIds['qnfv.vni'];
    const read = await runner.run(['tshark', '-n', '-r', pcap, '-Y', 'icmp', '-T', 'fields', '-E', 'separator=;', '-e', 'udp.dstport', '-e', 'vxlan.vni', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.type']);
    const rows = read.stdout.split('\n').filter((l) => l.trim() !== '');
    // Outer 198.51.100.x, inner 203.0.113.x: echo requests a→b and replies b→a, both ways, all with wan1's VNI.
    expect(rows).toEqual(expect.arrayContaining([`4789;${vni};198.51.100.1,203.0.113.1;198.51.100.2,203.0.113.2;8`, `4789;${vni};198.51.100.2,203.0.113.2;198.51.100.1,203.0.113.1;0`]));
    expect(rows.every((r) => r.startsWith(`4789;${vni};`))).toBe(true);
    // The full-size echo is in the capture as one 1550-byte outer packet (no fragments).
    const big = await runner.run(['tshark', '-n', '-r', pcap, '-Y', 'icmp && frame.len == 1564', '-T', 'fields', '-e', 'icmp.type']);
    expect(big.stdout.split('\n').filter((l) => l.trim() !== '').sort()).toEqual(['0', '8']);
  }, 60_000);

  it('hc (wan2) reaches neither; its frames enter only wan2’s VXLAN', async () => {
    const w1 = await link(device('wan1', 'b', 'a'));
    const w2 = await link(device('wan2', 'b', 'a'));
    for (const target of ['203.0.113.1', '203.0.113.2']) expect(await ping('hc', target, 1)).not.toBe(0);
    expect(await ping('ha', '203.0.113.3', 1)).not.toBe(0);
    const w2after = await link(device('wan2', 'b', 'a'));
    // hc's ARP requests were flooded into wan2's VXLAN (towards domain a, where nobody answers) …
    expect((w2after.stats64?.tx.packets ?? 0) - (w2.stats64?.tx.packets ?? 0)).toBeGreaterThan(0);
    // … and no flow of wan2's network on b's bridge outputs to wan1's VXLAN port or hb's port.
    const inv = await driverB.ovs.inventory();
    const ofport = (name: string): number => inv.ports.find((p) => p.name === name)?.ofport ?? -1;
    const reg2 = Number(inv.ports.find((p) => p.name === device('wan2', 'b', 'a'))?.externalIds['qnfv.reg']);
    const hbPort = inv.ports.find((p) => p.externalIds['qnfv.host'] === 'hb') as OvsPort;
    const flows = (await driverB.ovs.dumpFlows(driverB.bridge)).filter((f) => f.table === 1 && new RegExp(`reg0=0x${reg2.toString(16)}(,|$)`).test(f.match));
    expect(flows.length).toBeGreaterThan(0);
    for (const f of flows) expect(f.actions).not.toMatch(new RegExp(`output:(${ofport(device('wan1', 'b', 'a'))}|${hbPort.ofport})(,|$)`));
    expect(w1.ifname).toBe(device('wan1', 'b', 'a'));
  }, 60_000);

  it('scale-in of wan2 takes its VXLAN pair at both ends; wan1 keeps working', async () => {
    const report = await driverB.removeNodes({ instanceId: inst, routers: [], hosts: ['hc'], networks: ['wan2'] });
    expect(report.containers).toEqual([hosts.hc]);
    expect(report.ports).toEqual(expect.arrayContaining([device('wan2', 'a', 'b'), device('wan2', 'b', 'a')]));
    expect(report.links).toEqual(expect.arrayContaining([device('wan2', 'a', 'b'), device('wan2', 'b', 'a')]));
    const root = (await links()).map((l) => l.ifname);
    expect(root).not.toContain(device('wan2', 'a', 'b'));
    expect(root).not.toContain(device('wan2', 'b', 'a'));
    expect(root).toContain(device('wan1', 'a', 'b'));
    expect(await ping('ha', '203.0.113.2')).toBe(0);
  }, 60_000);

  it('removing domain a takes its bridge, its underlay namespace and both ends of wan1; then b’s removal leaves nothing', async () => {
    const t0 = Date.now();
    const ra = await driverA.removeInstance(inst);
    expect(ra.bridges).toEqual([driverA.bridge]);
    expect(ra.namespaces).toEqual([ns('a')]);
    expect(ra.ports?.sort()).toEqual(expect.arrayContaining([device('wan1', 'a', 'b'), device('wan1', 'b', 'a')]));
    expect((await links()).map((l) => l.ifname)).not.toContain(device('wan1', 'b', 'a'));
    // b's namespace stays while b has a bridge; the veth pair went with a's namespace.
    expect((await links(ns('b'))).map((l) => l.ifname)).toEqual(['lo']);
    const listedB = await driverB.listResources();
    expect(listedB.filter((r) => r.kind === 'namespace').map((r) => r.name)).toEqual([ns('b')]);

    const rb = await driverB.removeInstance(inst);
    timings.removeBothDomainsMs = Date.now() - t0;
    expect(rb.containers).toEqual([hosts.hb]);
    expect(rb.namespaces).toEqual([ns('b')]);
    expect(await leftovers()).toEqual(nothing);
    expect(await driverA.listResources()).toEqual([]);
    const again = await driverA.reconcile([]);
    expect(again.removed).toEqual([]);
  }, 60_000);
});
