/**
 * IPv6 end to end through two real router processes (dist/virtual-router/main.js)
 * in `qtv-` namespaces: IPv6 sites behind IPv6 tunnel endpoints (2001:db8::/32),
 * SAs installed over NETCONF, ping6 and UDP over IPv6 from host A reach host B,
 * and the WAN carries only ESP over IPv6, which tshark authenticates and
 * decrypts with the keys both ends derived.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../../common/index.js';
import type { NetconfClient } from '../../common/netconf/index.js';
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
  type RouterFiles,
  type RouterProcess,
} from './router-fixture.js';
import { tunnelConfig, uat, xmlOf, type Site } from './tunnel-fixtures.js';

configureLogging({ console: false });

const SITE6_A: Site = { name: 'a6', tunnel: '2001:db8:100::1', lan: '2001:db8:1::/64' };
const SITE6_B: Site = { name: 'b6', tunnel: '2001:db8:100::2', lan: '2001:db8:2::/64' };
const HOST_A = '2001:db8:1::10';
const HOST_B = '2001:db8:2::10';
const WAN_A = '2001:db8:44::1';
const WAN_B = '2001:db8:44::2';

describe('two routers, one IPv6 tunnel between IPv6 sites', () => {
  const namespaces: string[] = [];
  const routerNs: string[] = [];
  const hostNs: string[] = [];
  const files: RouterFiles[] = [];
  const routers: RouterProcess[] = [];
  const nc: NetconfClient[] = [];
  let dir: string;
  const secret = new Uint8Array(randomBytes(32));
  const cfgA = tunnelConfig('t6', SITE6_A, SITE6_B, { spiOut: 0x6001, spiIn: 0x6002, master: true, secret });
  const cfgB = tunnelConfig('t6', SITE6_B, SITE6_A, { spiOut: 0x6002, spiIn: 0x6001, master: false, secret });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qtv-two6-'));
    for (const [i, site, host] of [
      [0, SITE6_A, HOST_A],
      [1, SITE6_B, HOST_B],
    ] as const) {
      routerNs[i] = await createNs(`r${site.name}`);
      hostNs[i] = await createNs(`h${site.name}`);
      namespaces.push(routerNs[i], hostNs[i]);
      const gw = site.lan.replace(/::\/64$/, '::1');
      await nsOk(routerNs[i], ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0', 'net.ipv6.conf.default.disable_ipv6=0', 'net.ipv6.conf.all.forwarding=1']);
      await nsOk(hostNs[i], ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0', 'net.ipv6.conf.default.disable_ipv6=0']);
      await addVeth({ ns: routerNs[i], ifname: 'lan0', address: `${gw}/64` }, { ns: hostNs[i], ifname: 'eth0', address: `${host}/64` });
      await runOk(['ip', '-n', hostNs[i], '-6', 'route', 'add', 'default', 'via', gw]);
    }
    await addVeth({ ns: routerNs[0], ifname: 'wan0', address: `${WAN_A}/64` }, { ns: routerNs[1], ifname: 'wan0', address: `${WAN_B}/64` });
    await runOk(['ip', '-n', routerNs[0], '-6', 'route', 'add', `${SITE6_B.tunnel}/128`, 'via', WAN_B]);
    await runOk(['ip', '-n', routerNs[1], '-6', 'route', 'add', `${SITE6_A.tunnel}/128`, 'via', WAN_A]);
    for (const [i, site] of [SITE6_A, SITE6_B].entries()) {
      const mgmt = await addMgmtLink(routerNs[i]);
      files[i] = await writeRouterFiles({ name: `site-${site.name}`, listenAddress: mgmt.routerAddress, tunnelAddresses: [site.tunnel] });
      routers[i] = await startRouter(routerNs[i], files[i].configFile);
      nc[i] = await connectAs(files[i], mgmt.routerAddress, 'admin');
    }
  });
  afterAll(async () => {
    for (const c of nc) await c?.close().catch(() => undefined);
    for (const r of routers) await r?.stop(2000);
    for (const f of files) await f?.cleanup();
    await deleteNs(...namespaces);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('without SAs, host A cannot reach host B', async () => {
    const r = await run(['ip', 'netns', 'exec', hostNs[0], 'ping', '-6', '-n', '-q', '-c', '1', '-W', '1', HOST_B]);
    expect(r.code).not.toBe(0);
  });

  it('with SAs over NETCONF, ping6 and UDP reach host B; the WAN carries only ESP over IPv6, which tshark decrypts', async () => {
    // Inbound first at both ends, then outbound (the controller's order).
    await nc[1].editConfig('running', xmlOf({ sad: [cfgB.sad[1]!], spd: [cfgB.spd[1]!] }));
    await nc[0].editConfig('running', xmlOf({ sad: [cfgA.sad[1]!], spd: [cfgA.spd[1]!] }));
    await nc[0].editConfig('running', xmlOf({ sad: [cfgA.sad[0]!], spd: [cfgA.spd[0]!] }));
    await nc[1].editConfig('running', xmlOf({ sad: [cfgB.sad[0]!], spd: [cfgB.spd[0]!] }));

    const pcap = join(dir, 'wan6.pcap');
    const dump = spawn('ip', ['netns', 'exec', routerNs[0], 'tcpdump', '-i', 'wan0', '-n', '--immediate-mode', '-U', '-w', pcap, 'ip6', 'and', 'not', 'icmp6'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let dumpErr = '';
    dump.stderr!.on('data', (c: Buffer) => (dumpErr += c.toString()));
    const dumpExit = new Promise<void>((resolve) => dump.once('exit', () => resolve()));
    try {
      await waitFor('tcpdump to listen', () => (dumpErr.includes('listening on') ? true : undefined), 10_000, 50);
      const ping = await run(['ip', 'netns', 'exec', hostNs[0], 'ping', '-6', '-n', '-c', '3', '-i', '0.2', '-W', '2', HOST_B], 20_000);
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
      const server = spawn('ip', ['netns', 'exec', hostNs[1], '/usr/bin/python3', '-c', [
        'import socket',
        's=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)',
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
      await nsOk(hostNs[0], ['/usr/bin/python3', '-c', `import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"hello over IPv6", ("${HOST_B}", 7000))`]);
      expect(await serverExit).toBe(0);
      expect(out).toContain(`${HOST_A} hello over IPv6`);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      dump.kill('SIGINT');
      await dumpExit;
    }
    // Everything on the WAN but the kernel's link-local control traffic (neighbour discovery, MLD
    // reports from fe80:: addresses, or from :: while an address is still tentative) is ESP
    // between the tunnel endpoints.
    const summary = await runOk(['tcpdump', '-n', '-r', pcap]);
    const lines = summary.trim().split('\n').filter((l) => l !== '' && !/ IP6 (fe80::\S*|::) > /.test(l));
    expect(lines).toHaveLength(7);
    for (const l of lines) expect(l).toMatch(/IP6 (2001:db8:100::1 > 2001:db8:100::2|2001:db8:100::2 > 2001:db8:100::1): ESP\(spi=0x0000600[12],seq=0x[0-9a-f]+\)/);
    expect(lines.join('\n')).not.toMatch(/UDP|ICMP6/);
    // tshark authenticates and decrypts every packet with the keys both ends derived.
    const args = ['-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE'];
    for (const sa of cfgA.sad) args.push('-o', uat(sa));
    args.push('-Y', 'esp', '-T', 'fields', '-E', 'separator=|', '-e', 'esp.spi', '-e', 'esp.icv_good', '-e', 'ipv6.src', '-e', '_ws.col.Protocol');
    const rows = (await runOk(['tshark', ...args])).trim().split('\n').map((l) => l.split('|'));
    expect(rows.length).toBe(7);
    for (const r of rows) {
      expect(r[1]).toBe('1');
      expect([`${SITE6_A.tunnel},${HOST_A}`, `${SITE6_B.tunnel},${HOST_B}`]).toContain(r[2]);
    }
    expect(rows.filter((r) => r[0] === '0x00006001' && r[3] === 'ICMPv6')).toHaveLength(3);
    expect(rows.filter((r) => r[0] === '0x00006002' && r[3] === 'ICMPv6')).toHaveLength(3);
    expect(rows.filter((r) => r[0] === '0x00006001' && r[3] === 'UDP')).toHaveLength(1);
  });
});
