/**
 * Two real router processes (dist/virtual-router/main.js) in `qtv-`
 * namespaces, joined by a WAN veth, each with a LAN namespace holding one
 * host. SAs are installed over NETCONF with keys derived from one secret,
 * so both ends hold the same bytes for the same SA (as the Proxy Agents
 * make it). Ping and UDP from host A reach host B through the tunnel; the
 * WAN carries ESP only, which tshark decrypts with those keys; SA counters
 * move; and a short soft lifetime brings an `sadb-expire` notification to
 * a NETCONF subscriber (checked with yanglint -t nc-notif).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../../common/index.js';
import { ipsecStateFromXml, notificationFromXml, IKELESS_NS } from '../../common/ikeless/index.js';
import { serializeXml, type NetconfClient, type NetconfNotification } from '../../common/netconf/index.js';
import { yanglint } from '../common/ikeless/yanglint.js';
import {
  addMgmtLink,
  addVeth,
  connectAs,
  createNs,
  deleteNs,
  nsOk,
  run,
  runOk,
  startRouter,
  waitFor,
  writeRouterFiles,
  type MgmtLink,
  type RouterFiles,
  type RouterProcess,
} from './router-fixture.js';
import { SITE_A, SITE_B, findKey, sadEntry, tunnelConfig, uat, xmlOf } from './tunnel-fixtures.js';

configureLogging({ console: false });

const HOST_A = '10.1.0.10';
const HOST_B = '10.2.0.10';
const WAN_A = '10.44.0.1';
const WAN_B = '10.44.0.2';

interface Side {
  routerNs: string;
  hostNs: string;
  mgmt: MgmtLink;
  files: RouterFiles;
  router: RouterProcess;
  nc: NetconfClient;
}

async function stateOf(nc: NetconfClient, name: string) {
  const data = await nc.get();
  const root = data.find((e) => e.name === 'ipsec-ikeless' && e.ns === IKELESS_NS)!;
  return ipsecStateFromXml(root).find((s) => s.name === name);
}

describe('two routers, one tunnel', () => {
  const namespaces: string[] = [];
  const sides: Partial<Side>[] = [{}, {}];
  let a: Side;
  let b: Side;
  let dir: string;
  const secret = new Uint8Array(randomBytes(32));
  const cfgA = tunnelConfig('t1', SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true, secret });
  const cfgB = tunnelConfig('t1', SITE_B, SITE_A, { spiOut: 0x2002, spiIn: 0x1001, master: false, secret });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qtv-two-'));
    for (const [i, site, wan, peerWan, peer, host] of [
      [0, SITE_A, WAN_A, WAN_B, SITE_B, HOST_A],
      [1, SITE_B, WAN_B, WAN_A, SITE_A, HOST_B],
    ] as const) {
      const s = sides[i]!;
      s.routerNs = await createNs(`r${site.name}`);
      namespaces.push(s.routerNs);
      s.hostNs = await createNs(`h${site.name}`);
      namespaces.push(s.hostNs);
      s.mgmt = await addMgmtLink(s.routerNs);
      const gw = site.lan.replace(/0\/24$/, '1');
      await addVeth({ ns: s.routerNs, ifname: 'lan0', address: `${gw}/24` }, { ns: s.hostNs, ifname: 'eth0', address: `${host}/24` });
      await runOk(['ip', '-n', s.hostNs, 'route', 'add', 'default', 'via', gw]);
      await nsOk(s.routerNs, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
      void wan;
      void peerWan;
      void peer;
    }
    await addVeth({ ns: sides[0]!.routerNs!, ifname: 'wan0', address: `${WAN_A}/30` }, { ns: sides[1]!.routerNs!, ifname: 'wan0', address: `${WAN_B}/30` });
    await runOk(['ip', '-n', sides[0]!.routerNs!, 'route', 'add', `${SITE_B.tunnel}/32`, 'via', WAN_B]);
    await runOk(['ip', '-n', sides[1]!.routerNs!, 'route', 'add', `${SITE_A.tunnel}/32`, 'via', WAN_A]);
    await Promise.all(
      sides.map(async (s, i) => {
        const site = i === 0 ? SITE_A : SITE_B;
        s.files = await writeRouterFiles({ name: `site-${site.name}`, listenAddress: s.mgmt!.routerAddress, tunnelAddresses: [site.tunnel] });
        s.router = await startRouter(s.routerNs!, s.files.configFile);
        s.nc = await connectAs(s.files, s.mgmt!.routerAddress, 'admin');
      }),
    );
    [a, b] = sides as Side[];
  });
  afterAll(async () => {
    for (const s of sides) {
      await s.nc?.close().catch(() => undefined);
      await s.router?.stop(2000);
      await s.files?.cleanup();
    }
    await deleteNs(...namespaces);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('both ends get the same key bytes for the same SA, different per direction', () => {
    for (const sa of cfgA.sad) {
      const peer = cfgB.sad.find((e) => e.name === sa.name)!;
      expect(Buffer.from(peer.espSa.encryption.key!).toString('hex')).toBe(Buffer.from(sa.espSa.encryption.key!).toString('hex'));
    }
    expect(Buffer.from(cfgA.sad[0]!.espSa.encryption.key!).equals(Buffer.from(cfgA.sad[1]!.espSa.encryption.key!))).toBe(false);
  });

  it('without SAs, host A cannot reach host B (no route through the tunnel)', async () => {
    const r = await run(['ip', 'netns', 'exec', a.hostNs, 'ping', '-n', '-q', '-c', '1', '-W', '1', HOST_B]);
    expect(r.code).not.toBe(0);
  });

  it('with SAs installed over NETCONF, ping and UDP reach host B; the WAN carries only ESP, which tshark decrypts', async () => {
    // Inbound first at both ends, then outbound (the controller's order).
    await b.nc.editConfig('running', xmlOf({ sad: [cfgB.sad[1]!], spd: [cfgB.spd[1]!] }));
    await a.nc.editConfig('running', xmlOf({ sad: [cfgA.sad[1]!], spd: [cfgA.spd[1]!] }));
    await a.nc.editConfig('running', xmlOf({ sad: [cfgA.sad[0]!], spd: [cfgA.spd[0]!] }));
    await b.nc.editConfig('running', xmlOf({ sad: [cfgB.sad[0]!], spd: [cfgB.spd[0]!] }));

    const pcap = join(dir, 'wan.pcap');
    const dump = spawn('ip', ['netns', 'exec', a.routerNs, 'tcpdump', '-i', 'wan0', '-n', '--immediate-mode', '-U', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
    let dumpErr = '';
    dump.stderr!.on('data', (c: Buffer) => (dumpErr += c.toString()));
    const dumpExit = new Promise<void>((resolve) => dump.once('exit', () => resolve()));
    try {
      await waitFor('tcpdump to listen', () => (dumpErr.includes('listening on') ? true : undefined), 10_000, 50);
      const ping = await run(['ip', 'netns', 'exec', a.hostNs, 'ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', HOST_B], 20_000);
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
      // UDP, host A → host B, received by a socket on host B.
      const server = spawn('ip', ['netns', 'exec', b.hostNs, '/usr/bin/python3', '-c', [
        'import socket,sys',
        's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)',
        `s.bind(("${HOST_B}",7000))`,
        'print("ready",flush=True)',
        's.settimeout(10)',
        'd,a=s.recvfrom(2048)',
        'print(a[0],d.decode(),flush=True)',
      ].join('\n')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      server.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const serverExit = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      await waitFor('the UDP server', () => (out.includes('ready') ? true : undefined), 10_000, 50);
      await nsOk(a.hostNs, ['/usr/bin/python3', '-c', `import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello through the tunnel", ("${HOST_B}", 7000))`]);
      expect(await serverExit).toBe(0);
      expect(out).toContain(`${HOST_A} hello through the tunnel`);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      dump.kill('SIGINT');
      await dumpExit;
    }
    // Everything on the WAN between the tunnel endpoints is ESP; nothing of the site traffic is in clear.
    const summary = await runOk(['tcpdump', '-n', '-r', pcap]);
    const lines = summary.trim().split('\n').filter((l) => l !== '' && !/ARP/.test(l));
    // 3 echo requests, 3 replies, 1 datagram.
    expect(lines).toHaveLength(7);
    for (const l of lines) expect(l).toMatch(/IP (198\.51\.100\.1 > 198\.51\.100\.2|198\.51\.100\.2 > 198\.51\.100\.1): ESP\(spi=0x0000(1001|2002),seq=0x[0-9a-f]+\)/);
    expect(summary).not.toMatch(/ICMP|UDP/);
    expect(lines.some((l) => l.includes('spi=0x00001001'))).toBe(true);
    expect(lines.some((l) => l.includes('spi=0x00002002'))).toBe(true);
    // tshark, with the keys both ends derived, authenticates and decrypts every packet.
    const args = ['-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE'];
    for (const sa of cfgA.sad) args.push('-o', uat(sa));
    args.push('-Y', 'esp', '-T', 'fields', '-E', 'separator=|', '-e', 'esp.spi', '-e', 'esp.icv_good', '-e', 'ip.src', '-e', 'ip.dst', '-e', '_ws.col.Protocol', '-e', 'udp.dstport');
    const rows = (await runOk(['tshark', ...args])).trim().split('\n').map((l) => l.split('|'));
    expect(rows.length).toBe(lines.length);
    for (const r of rows) {
      expect(r[1]).toBe('1');
      // ip.src/ip.dst list outer then inner addresses.
      expect([`198.51.100.1,${HOST_A}`, `198.51.100.2,${HOST_B}`]).toContain(r[2]);
    }
    expect(rows.filter((r) => r[0] === '0x00001001' && r[4] === 'ICMP')).toHaveLength(3);
    expect(rows.filter((r) => r[0] === '0x00002002' && r[4] === 'ICMP')).toHaveLength(3);
    expect(rows.filter((r) => r[0] === '0x00001001' && r[5] === '7000')).toHaveLength(1);
  });

  it('the SA counters over NETCONF show the traffic at both ends', async () => {
    const outA = await stateOf(a.nc, cfgA.sad[0]!.name);
    const inB = await stateOf(b.nc, cfgA.sad[0]!.name);
    expect(outA!.lifetimeCurrent.packets).toBe(4);
    expect(inB!.lifetimeCurrent.packets).toBe(4);
    expect(outA!.replayStats.seqNumberCounter).toBe(4n);
    expect(inB!.replayStats.seqNumberCounter).toBe(4n);
    const back = await stateOf(a.nc, cfgA.sad[1]!.name);
    expect(back!.lifetimeCurrent.packets).toBe(3);
  });

  it('a short soft lifetime brings sadb-expire to a NETCONF subscriber (yanglint -t nc-notif); a hard one removes the SA', async () => {
    const got: NetconfNotification[] = [];
    await a.nc.createSubscription((n) => got.push(n));
    // A second outbound SA for the same flow (a rekey's new SA) with short lifetimes.
    const short = sadEntry('t1', SITE_A, SITE_B, 0x1003, { secret, dir: 'out', reqid: 0x1001n, lifetimeSoft: { time: 2, action: 'replace' }, lifetimeHard: { time: 4 } });
    const t0 = Date.now();
    await a.nc.editConfig('running', xmlOf({ sad: [short] }));
    const soft = await waitFor('sadb-expire (soft)', () => got.find((n) => n.content[0]?.name === 'sadb-expire'), 8000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    const text = serializeXml(soft.xml);
    yanglint('nc-notif', text, 'xml');
    expect(notificationFromXml(soft.xml)).toMatchObject({ type: 'sadb-expire', ipsecSaName: short.name, softLifetimeExpire: true });
    expect(findKey(text, [short.espSa.encryption.key!])).toBeUndefined();
    const hard = await waitFor('sadb-expire (hard)', () => got.find((n) => n.content[0]?.name === 'sadb-expire' && notificationFromXml(n.xml).type === 'sadb-expire' && !(notificationFromXml(n.xml) as { softLifetimeExpire: boolean }).softLifetimeExpire), 8000);
    yanglint('nc-notif', serializeXml(hard.xml), 'xml');
    expect(notificationFromXml(hard.xml)).toMatchObject({ ipsecSaName: short.name, softLifetimeExpire: false });
    // The hard-expired SA is gone from the data path (no more state), the others still carry traffic.
    await waitFor('the expired SA to leave the data path', async () => ((await stateOf(a.nc, short.name)) === undefined ? true : undefined), 3000);
    const ping = await run(['ip', 'netns', 'exec', a.hostNs, 'ping', '-n', '-q', '-c', '1', '-W', '2', HOST_B]);
    expect(ping.code).toBe(0);
  });

  it('carries full-size packets (inner MTU 1400, DF set) without fragmenting the ESP packets', async () => {
    // 1372 bytes of ICMP payload + 28 bytes of headers = a 1400-byte inner packet; its ESP packet
    // is ~1460 bytes and must reach the peer's data path whole.
    const ping = await run(['ip', 'netns', 'exec', a.hostNs, 'ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '2', '-s', '1372', '-M', 'do', HOST_B], 20_000);
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
  });

  it('neither router logs key bytes', () => {
    const keys = [...cfgA.sad, ...cfgB.sad].map((e) => e.espSa.encryption.key!);
    for (const s of [a, b]) expect(findKey(s.router.stderr(), keys)).toBeUndefined();
  });
});
