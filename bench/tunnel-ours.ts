/**
 * bench:tunnel, variant (a): our ESP tunnel. The real router program
 * (dist/virtual-router/main.js) runs in each router namespace with a day-0
 * config as the VCA writes it; the bench then installs one AES-256-GCM SA
 * pair (RFC 4106, fresh random key ‖ salt per direction) and the outbound and
 * inbound protect policies over NETCONF (RFC 9061 IKE-less, RFC 6241
 * edit-config), the way the CCIPS controller does. The router routes the
 * remote LAN into its TUN itself; traffic then takes the product's data path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH, ENCR, ikelessEditToXml, type SadEntry, type SpdEntry } from '../common/ikeless/index.js';
import { NetconfClient, serializeXml } from '../common/netconf/index.js';
import { fingerprint, generateKeyPair, writePrivateKey } from '../common/ssh/index.js';
import { routerMainPath, type RouterConfig } from '../virtual-router/index.js';
import { LAN_A, LAN_B, TUNNEL_MTU, WAN_A, WAN_MTU, WAN_B, inNs, runOk, type Topology } from './tunnel-topology.js';

/** ESP tunnel endpoint addresses of the two routers (routed over the WAN). */
const TUNNEL_A = '198.51.100.1';
const TUNNEL_B = '198.51.100.2';
const READY_TIMEOUT_MS = 20_000;

/** One started router. */
interface Router {
  child: ChildProcess;
  pid: number;
  nc: NetconfClient;
  exited: Promise<void>;
}

/** The two routers of variant (a), running with SAs installed. */
export interface OurTunnel {
  /** Pids whose CPU time is the tunnel's cost. */
  pids: number[];
  stop(): Promise<void>;
}

async function startRouter(ns: string, name: string, mgmt: string, tunnelAddress: string, dir: string): Promise<Router> {
  const hostKey = generateKeyPair(`qbt-${name}`);
  const user = generateKeyPair('qbt-admin');
  const hostKeyFile = join(dir, `${name}_host_key`);
  await writePrivateKey(hostKeyFile, hostKey.privateKey);
  const config: RouterConfig = {
    name,
    instanceId: 'qbt',
    tun: { name: 'tun0', mtu: TUNNEL_MTU },
    tunnelAddresses: [tunnelAddress],
    netconf: { listenAddress: mgmt, port: 830, hostKeyFile, users: [{ name: 'admin', groups: ['admin'], authorizedKeys: [user.publicKey] }] },
    keyReaderGroups: ['admin'],
  };
  const configFile = join(dir, `${name}.json`);
  await writeFile(configFile, JSON.stringify(config), { mode: 0o600 });
  const child = spawn('ip', inNs(ns, [process.execPath, routerMainPath(), '--config', configFile]).slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, QNFV_LOG: 'on', QNFV_LOG_LEVEL: 'info' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`router ${name} not ready within ${READY_TIMEOUT_MS} ms:\n${stderr}`)), READY_TIMEOUT_MS);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => {
      // Keep only the start-up output; afterwards the router logs only SA changes.
      if (stderr.length < 1 << 16) stderr += c;
      if (stderr.includes('"router ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`router ${name} exited during start-up:\n${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const nc = await NetconfClient.connect({
    host: mgmt,
    port: 830,
    username: 'admin',
    privateKey: user.privateKey,
    hostKeyFingerprint: fingerprint(hostKey.publicKey),
    readyTimeout: 10_000,
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { child, pid: child.pid!, nc, exited };
}

async function stopRouter(r: Router): Promise<void> {
  await r.nc.close().catch(() => undefined);
  if (r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 5000);
    await r.exited;
    clearTimeout(timer);
  }
}

/** The AES-256-GCM SA for traffic from `src` (LAN, tunnel address) to `dst`, with `key` (32-byte key ‖ 4-byte salt). */
function sadEntry(name: string, spi: number, src: [string, string], dst: [string, string], key: Uint8Array): SadEntry {
  return {
    name,
    reqid: BigInt(spi),
    spi,
    extSeqNum: true,
    seqOverflow: false,
    antiReplayWindowSize: 1024,
    trafficSelector: { localPrefix: src[0], remotePrefix: dst[0], innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: { encryption: { algorithm: ENCR.AES_GCM_16, key }, integrity: { algorithm: AUTH.NONE } },
    tunnel: { local: src[1], remote: dst[1], dfBit: 'clear', bypassDscp: true },
  };
}

/** The protect policy for `src` → `dst` as seen by the router it is installed on. */
function spdEntry(name: string, direction: 'inbound' | 'outbound', reqid: number, src: [string, string], dst: [string, string]): SpdEntry {
  return {
    name,
    direction,
    reqid: BigInt(reqid),
    antiReplayWindowSize: 1024,
    trafficSelector: { localPrefix: src[0], remotePrefix: dst[0], innerProtocol: 'any' },
    action: 'protect',
    saCfg: {
      pfpFlag: false,
      extSeqNum: true,
      seqOverflow: false,
      statefulFragCheck: false,
      mode: 'tunnel',
      protocolParameters: 'esp',
      integrity: [AUTH.NONE],
      encryption: [{ id: 1, algorithmType: ENCR.AES_GCM_16, keyLength: 256 }],
      tfcPad: false,
      tunnel: { local: src[1], remote: dst[1], dfBit: 'clear', bypassDscp: true },
    },
  };
}

function editXml(sad: SadEntry[], spd: SpdEntry[]): string {
  return serializeXml(ikelessEditToXml({ sad, spd, deleteSad: [], deleteSpd: [] }, { withKeys: true }));
}

/** Start both routers and install the SA pair and policies; `stop()` removes everything again. */
export async function startOurTunnel(t: Topology): Promise<OurTunnel> {
  const dir = await mkdtemp(join(tmpdir(), 'qbt-routers-'));
  const routers: Router[] = [];
  const stop = async (): Promise<void> => {
    for (const r of routers) await stopRouter(r);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await runOk(['ip', '-n', t.ra, 'route', 'replace', `${TUNNEL_B}/32`, 'via', WAN_B]);
    await runOk(['ip', '-n', t.rb, 'route', 'replace', `${TUNNEL_A}/32`, 'via', WAN_A]);
    routers.push(await startRouter(t.ra, 'bench-a', t.mgmtA, TUNNEL_A, dir));
    routers.push(await startRouter(t.rb, 'bench-b', t.mgmtB, TUNNEL_B, dir));
    const [a, b] = routers as [Router, Router];
    // The router routes its tunnel address into the TUN with the TUN's (inner) MTU, so the kernel
    // would fragment every full-size ESP packet on its way in and the engine drops outer fragments.
    // Until virtual-router/route-table.ts sets it (see the issue 8 report), the route carries the WAN MTU.
    await runOk(['ip', '-n', t.ra, 'route', 'replace', `${TUNNEL_A}/32`, 'dev', 'tun0', 'mtu', String(WAN_MTU)]);
    await runOk(['ip', '-n', t.rb, 'route', 'replace', `${TUNNEL_B}/32`, 'dev', 'tun0', 'mtu', String(WAN_MTU)]);
    const siteA: [string, string] = [LAN_A, TUNNEL_A];
    const siteB: [string, string] = [LAN_B, TUNNEL_B];
    const keyAb = new Uint8Array(randomBytes(36));
    const keyBa = new Uint8Array(randomBytes(36));
    const ab = (k: Uint8Array): SadEntry => sadEntry('bench/a-b', 0x1001, siteA, siteB, k);
    const ba = (k: Uint8Array): SadEntry => sadEntry('bench/b-a', 0x2002, siteB, siteA, k);
    // Inbound first at both ends, then outbound (the controller's order: nothing is sent before it can be received).
    await b.nc.editConfig('running', editXml([ab(keyAb)], [spdEntry('bench/a-b/in', 'inbound', 0x1001, siteA, siteB)]));
    await a.nc.editConfig('running', editXml([ba(keyBa)], [spdEntry('bench/b-a/in', 'inbound', 0x2002, siteB, siteA)]));
    await a.nc.editConfig('running', editXml([ab(keyAb)], [spdEntry('bench/a-b/out', 'outbound', 0x1001, siteA, siteB)]));
    await b.nc.editConfig('running', editXml([ba(keyBa)], [spdEntry('bench/b-a/out', 'outbound', 0x2002, siteB, siteA)]));
    keyAb.fill(0);
    keyBa.fill(0);
    return { pids: routers.map((r) => r.pid), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
