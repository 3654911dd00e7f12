/**
 * bench:tunnel, variant (b): wireguard-go (the Debian package, userspace
 * WireGuard over a TUN) between the same two router namespaces, set up as in
 * design/FEASIBILITY.md §9: one wireguard-go per router in the foreground,
 * keys from `wg genkey`, `wg set` with listen port, peer, allowed IPs (the
 * remote LAN) and endpoint (the peer's WAN address), MTU 1400 like our TUN,
 * and the remote LAN routed into the interface. Interface names carry the
 * bench's pid, since the UAPI sockets under /var/run/wireguard are shared by
 * all namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAN_A, LAN_B, TUNNEL_MTU, WAN_A, WAN_B, inNs, run, runOk, type Topology } from './tunnel-topology.js';

const LISTEN_PORT = 51820;
const UAPI_DIR = '/var/run/wireguard';
const START_TIMEOUT_MS = 10_000;

/** The two wireguard-go processes of variant (b). */
export interface WireguardTunnel {
  pids: number[];
  stop(): Promise<void>;
}

/** `wg genkey` / `wg pubkey`. */
async function keyPair(): Promise<{ priv: string; pub: string }> {
  const priv = (await runOk(['wg', 'genkey'])).trim();
  const pub = await new Promise<string>((resolve, reject) => {
    const c = spawn('wg', ['pubkey'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`wg pubkey exited ${code}`))));
    c.stdin.end(`${priv}\n`);
  });
  return { priv, pub };
}

/** Start `wireguard-go -f <ifname>` in `ns` and wait until its UAPI socket answers. */
async function startDaemon(ns: string, ifname: string): Promise<ChildProcess> {
  const child = spawn('ip', inNs(ns, ['wireguard-go', '-f', ifname]).slice(1), {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wireguard-go ${ifname} exited with ${child.exitCode}`);
    if ((await run(inNs(ns, ['wg', 'show', ifname]))).code === 0) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`wireguard-go ${ifname} did not come up within ${START_TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopDaemon(child: ChildProcess, ifname: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  // A killed daemon leaves its socket behind.
  await rm(join(UAPI_DIR, `${ifname}.sock`), { force: true });
}

/** Bring up wireguard-go at both routers with the remote LAN routed into it; `stop()` removes everything. */
export async function startWireguardTunnel(t: Topology): Promise<WireguardTunnel> {
  const dir = await mkdtemp(join(tmpdir(), 'qbt-wg-'));
  const tag = process.pid.toString(36);
  const ends = [
    { ns: t.ra, ifname: `qbt${tag}wa`, wan: WAN_A, remoteLan: LAN_B },
    { ns: t.rb, ifname: `qbt${tag}wb`, wan: WAN_B, remoteLan: LAN_A },
  ] as const;
  const daemons: { child: ChildProcess; ifname: string }[] = [];
  const stop = async (): Promise<void> => {
    for (const d of daemons) await stopDaemon(d.child, d.ifname);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const keys = [await keyPair(), await keyPair()];
    for (const [i, e] of ends.entries()) {
      daemons.push({ child: await startDaemon(e.ns, e.ifname), ifname: e.ifname });
      const keyFile = join(dir, `${i}.key`);
      await writeFile(keyFile, `${keys[i]!.priv}\n`, { mode: 0o600 });
      const peer = ends[1 - i]!;
      await runOk(inNs(e.ns, ['wg', 'set', e.ifname, 'listen-port', String(LISTEN_PORT), 'private-key', keyFile,
        'peer', keys[1 - i]!.pub, 'allowed-ips', e.remoteLan, 'endpoint', `${peer.wan}:${LISTEN_PORT}`]));
      await runOk(['ip', '-n', e.ns, 'link', 'set', e.ifname, 'mtu', String(TUNNEL_MTU), 'up']);
      await runOk(['ip', '-n', e.ns, 'route', 'add', e.remoteLan, 'dev', e.ifname]);
    }
    return { pids: daemons.map((d) => d.child.pid!), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
