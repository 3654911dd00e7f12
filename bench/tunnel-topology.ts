/**
 * The bench:tunnel topology, built with plain `ip` commands (argument arrays,
 * no shell): four namespaces `qbt-<pid>-{snd,ra,rb,rcv}` in a line
 *
 *   snd 10.1.0.10 ─lan (MTU 1400)─ 10.1.0.1 ra 10.44.0.1 ─wan─ 10.44.0.2 rb 10.2.0.1 ─lan (MTU 1400)─ 10.2.0.10 rcv
 *
 * plus a management veth from the root namespace to each router for NETCONF.
 * Both LAN links have MTU 1400, so the sender's TCP MSS is the same whatever
 * carries the traffic between the routers (plain forwarding, our ESP tunnel
 * with a 1400-byte TUN, wireguard-go with MTU 1400). Everything is removed by
 * `destroy()`; namespaces left by a killed bench (dead pid in the name) are
 * removed by the next run.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createLogger, DriverError } from '../common/index.js';

const log = createLogger('bench.topology');

/** Prefix of every namespace and root-namespace interface the bench creates. */
export const PREFIX = 'qbt-';
/** Inner MTU of both LANs, the TUN and the wireguard interface. */
export const TUNNEL_MTU = 1400;
/** MTU of the WAN veth between the routers. */
export const WAN_MTU = 1500;

/** iperf3 client and server addresses, one in each LAN. */
export const SENDER = '10.1.0.10';
export const RECEIVER = '10.2.0.10';
/** The LANs behind router A and router B. */
export const LAN_A = '10.1.0.0/24';
export const LAN_B = '10.2.0.0/24';
/** The routers' WAN addresses (one /30). */
export const WAN_A = '10.44.0.1';
export const WAN_B = '10.44.0.2';

/** What a finished command did. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run argv without a shell; never rejects. */
export function run(argv: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown }) | null;
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, stdout, stderr });
    });
  });
}

/** Run argv; throws a DriverError unless it exits 0. */
export async function runOk(argv: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await run(argv, timeoutMs);
  if (r.code !== 0) throw new DriverError(argv, r.code, r.stderr);
  return r.stdout;
}

/** The four namespaces and the management addresses of the two routers. */
export interface Topology {
  snd: string;
  ra: string;
  rb: string;
  rcv: string;
  /** Management address of each router (reachable from the root namespace). */
  mgmtA: string;
  mgmtB: string;
  /** Root-namespace ends of the management veths. */
  hostIfs: string[];
}

/** Remove `qbt-<pid>-*` namespaces whose bench process is gone. */
export async function removeStale(): Promise<void> {
  const list = await run(['ip', 'netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = /^(qbt-(\d+)-[a-z]+)\b/.exec(line);
    if (m !== null && !isAlive(Number(m[2]))) {
      log.info('removing stale namespace', { ns: m[1] });
      await run(['ip', 'netns', 'del', m[1]!]);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pick two /30s of 10.254.0.0/16 that no route in the root namespace touches. */
async function freeSlash30s(n: number): Promise<[string, string][]> {
  const routes = await runOk(['ip', '-4', 'route', 'show', 'table', 'all']);
  const picked: [string, string][] = [];
  for (let attempt = 0; attempt < 200 && picked.length < n; attempt++) {
    const v = randomBytes(2).readUInt16BE(0) & 0xfffc;
    const [hi, lo] = [v >> 8, v & 0xff];
    const net = `10.254.${hi}.${lo}`;
    if ((hi === 0 && lo === 0) || routes.includes(`${net}/30`) || picked.some(([h]) => h === `10.254.${hi}.${lo + 1}`)) continue;
    if (routes.includes(`10.254.${hi}.${lo + 1} `) || routes.includes(`10.254.${hi}.${lo + 2} `)) continue;
    picked.push([`10.254.${hi}.${lo + 1}`, `10.254.${hi}.${lo + 2}`]);
  }
  if (picked.length < n) throw new Error('no free /30 in 10.254.0.0/16 for the management links');
  return picked;
}

/** Run argv inside namespace `ns`. */
export function inNs(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

async function addNs(name: string, created: string[]): Promise<void> {
  await runOk(['ip', 'netns', 'add', name]);
  created.push(name);
  await runOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  // No IPv6: the TUN and the measurements see only the bench's own packets.
  await runOk(inNs(name, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
}

/** A veth `aIf`@a ⇄ `bIf`@b with addresses, MTU and link up. */
async function addVeth(a: { ns: string; ifname: string; cidr: string }, b: { ns: string; ifname: string; cidr: string }, mtu: number): Promise<void> {
  const tmp = `${PREFIX}${randomBytes(4).toString('hex')}`;
  await runOk(['ip', '-n', a.ns, 'link', 'add', a.ifname, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', tmp, 'mtu', String(mtu), 'netns', b.ns]);
  await runOk(['ip', '-n', b.ns, 'link', 'set', tmp, 'name', b.ifname]);
  for (const end of [a, b]) {
    await runOk(['ip', '-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.ifname]);
    await runOk(['ip', '-n', end.ns, 'link', 'set', end.ifname, 'up']);
  }
}

/** Build the topology; on failure removes what it created and rethrows. */
export async function createTopology(): Promise<Topology> {
  await removeStale();
  const base = `${PREFIX}${process.pid}`;
  const t: Topology = { snd: `${base}-snd`, ra: `${base}-ra`, rb: `${base}-rb`, rcv: `${base}-rcv`, mgmtA: '', mgmtB: '', hostIfs: [] };
  const created: string[] = [];
  try {
    for (const ns of [t.snd, t.ra, t.rb, t.rcv]) await addNs(ns, created);
    await addVeth({ ns: t.snd, ifname: 'eth0', cidr: `${SENDER}/24` }, { ns: t.ra, ifname: 'lan0', cidr: '10.1.0.1/24' }, TUNNEL_MTU);
    await addVeth({ ns: t.ra, ifname: 'wan0', cidr: `${WAN_A}/30` }, { ns: t.rb, ifname: 'wan0', cidr: `${WAN_B}/30` }, WAN_MTU);
    await addVeth({ ns: t.rb, ifname: 'lan0', cidr: '10.2.0.1/24' }, { ns: t.rcv, ifname: 'eth0', cidr: `${RECEIVER}/24` }, TUNNEL_MTU);
    await runOk(['ip', '-n', t.snd, 'route', 'add', 'default', 'via', '10.1.0.1']);
    await runOk(['ip', '-n', t.rcv, 'route', 'add', 'default', 'via', '10.2.0.1']);
    for (const r of [t.ra, t.rb]) {
      await runOk(inNs(r, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']));
    }
    const [[hostA, routerA], [hostB, routerB]] = (await freeSlash30s(2)) as [[string, string], [string, string]];
    for (const [ns, host, router] of [[t.ra, hostA, routerA], [t.rb, hostB, routerB]] as const) {
      const hostIf = `${PREFIX}${randomBytes(3).toString('hex')}m`;
      await runOk(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', ns]);
      t.hostIfs.push(hostIf);
      await runOk(['ip', 'addr', 'add', `${host}/30`, 'dev', hostIf]);
      await runOk(['ip', 'link', 'set', hostIf, 'up']);
      await runOk(['ip', '-n', ns, 'addr', 'add', `${router}/30`, 'dev', 'mgmt0']);
      await runOk(['ip', '-n', ns, 'link', 'set', 'mgmt0', 'up']);
    }
    t.mgmtA = routerA;
    t.mgmtB = routerB;
    return t;
  } catch (err) {
    for (const ns of created) await run(['ip', 'netns', 'del', ns]);
    for (const i of t.hostIfs) await run(['ip', 'link', 'del', i]);
    throw err;
  }
}

/** Delete the namespaces (veths go with them) and any management veth left. Never throws. */
export async function destroyTopology(t: Topology): Promise<void> {
  for (const ns of [t.snd, t.ra, t.rb, t.rcv]) await run(['ip', 'netns', 'del', ns]);
  for (const i of t.hostIfs) await run(['ip', 'link', 'del', i]);
}

/** Route each LAN to the other router over the WAN: plain forwarding, no tunnel. */
export async function addPlainRoutes(t: Topology): Promise<void> {
  await runOk(['ip', '-n', t.ra, 'route', 'add', LAN_B, 'via', WAN_B]);
  await runOk(['ip', '-n', t.rb, 'route', 'add', LAN_A, 'via', WAN_A]);
}

/** Undo `addPlainRoutes`. Never throws. */
export async function deletePlainRoutes(t: Topology): Promise<void> {
  await run(['ip', '-n', t.ra, 'route', 'del', LAN_B]);
  await run(['ip', '-n', t.rb, 'route', 'del', LAN_A]);
}

/** Received packets on the receiver's LAN interface so far. */
export async function receiverRxPackets(t: Topology): Promise<number> {
  const out = await runOk(['ip', '-n', t.rcv, '-j', '-s', 'link', 'show', 'dev', 'eth0']);
  const parsed = JSON.parse(out) as { stats64: { rx: { packets: number } } }[];
  return parsed[0]!.stats64.rx.packets;
}
