/**
 * The `local` driver needs no root: a separate Node process — run as
 * `nobody` when this test runs as root, as this (unprivileged) user
 * otherwise — uses the compiled driver (dist/) to build two sites: links,
 * two routers (the real router program, ESP engine on UDP wires, NETCONF on
 * the driver's port) and two hosts, pings host to host through both routers,
 * checks who owns the processes, removes everything and lists what is left.
 * Its own subnets (10.71/10.72/198.18.0) keep it apart from tests running
 * as root at the same time.
 */
import { spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectRoot } from '../../../virtual-router/tun/index.js';
import { routerMainPath } from '../../../virtual-router/index.js';

const NOBODY = 65534;
const DIST = join(findProjectRoot(import.meta.url), 'dist');

/** Runs in the child: argv = [dist, workDir]; prints one JSON line. */
const SCRIPT = `
import { join } from 'node:path';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
const [dist, work] = process.argv.slice(1);
const { LocalVimDriver } = await import(join(dist, 'vim/index.js'));
const { routerMainPath } = await import(join(dist, 'virtual-router/index.js'));
const { generateKeyPair, writePrivateKey } = await import(join(dist, 'common/ssh/index.js'));
const { configureLogging } = await import(join(dist, 'common/index.js'));
configureLogging({ level: 'warn' });
const install = 'u' + Math.random().toString(16).slice(2, 12);
const inst = 'i' + Math.random().toString(16).slice(2, 12);
const stateDir = join(work, 'state');
const a = new LocalVimDriver({ installationId: install, domain: 'a', stateDir });
const b = new LocalVimDriver({ installationId: install, domain: 'b', stateDir });
const uidOf = async (pid) => Number(/^Uid:\\s+(\\d+)/m.exec(await readFile('/proc/' + pid + '/status', 'utf8'))[1]);
const out = { uid: process.getuid(), pids: [] };
async function router(d, vnf, lan, lanAddr, wanAddr, route, tunnel) {
  const dir = join(work, vnf);
  await mkdir(dir, { recursive: true });
  const cfg = join(dir, 'router.json');
  const info = await d.createRouter({ instanceId: inst, vnfId: vnf, ports: [{ name: 'lan0', network: lan, address: lanAddr }, { name: 'wan0', network: 'wan', address: wanAddr }], routes: [route],
    program: { argv: [process.execPath, routerMainPath(), '--config', cfg, '--wait-for-config'], logFile: join(dir, 'router.log') } });
  const key = generateKeyPair('k');
  await writePrivateKey(join(dir, 'hk'), key.privateKey);
  await writeFile(cfg, JSON.stringify({ name: vnf, instanceId: inst, io: info.packetIo, tunnelAddresses: [tunnel],
    netconf: { listenAddress: info.mgmt.routerAddress, port: info.netconfPort, hostKeyFile: join(dir, 'hk'), users: [{ name: 'admin', groups: ['admin'], authorizedKeys: [generateKeyPair('a').publicKey] }] },
    keyReaderGroups: ['admin'] }));
  out.pids.push(info.pid);
  return info;
}
try {
  await a.checkPrerequisites();
  await a.ensureNetwork({ instanceId: inst, id: 'lan-a', kind: 'lan' });
  await a.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
  await b.ensureNetwork({ instanceId: inst, id: 'lan-b', kind: 'lan' });
  await b.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
  const ra = await router(a, 'ra', 'lan-a', '10.71.0.1/24', '198.18.0.1/24', { prefix: '10.72.0.0/24', via: '198.18.0.2' }, '198.51.100.71');
  await router(b, 'rb', 'lan-b', '10.72.0.1/24', '198.18.0.2/24', { prefix: '10.71.0.0/24', via: '198.18.0.1' }, '198.51.100.72');
  out.netconfPort = ra.netconfPort;
  const ha = await a.createHost({ instanceId: inst, id: 'ha', port: { network: 'lan-a', address: '10.71.0.10/24' }, gateway: '10.71.0.1' });
  await b.createHost({ instanceId: inst, id: 'hb', port: { network: 'lan-b', address: '10.72.0.10/24' }, gateway: '10.72.0.1' });
  const procs = (await a.listResources({ instanceId: inst })).filter((r) => r.kind === 'process');
  out.processes = procs.length;
  let ping = { stdout: '' };
  for (let i = 0; i < 20 && !/[1-9]\\d* received/.test(ping.stdout); i++) {
    ping = await a.exec(ha.namespace, ['ping', '-c', '3', '-i', '0.1', '-W', '1', '10.72.0.10'], { allowFailure: true });
  }
  out.ping = ping.stdout;
  out.routerUid = await uidOf(out.pids[0]);
  const rec = JSON.parse(await readFile(join(stateDir, 'instances', inst, 'a.json'), 'utf8'));
  out.hostUid = await uidOf(rec.hosts[0].process.pid);
} catch (err) {
  out.error = String(err && err.stack || err);
} finally {
  out.removed = [(await a.removeInstance(inst)).pids.length, (await b.removeInstance(inst)).pids.length];
  out.left = await a.listResources();
}
process.stdout.write(JSON.stringify(out) + '\\n');
`;

interface Outcome {
  uid: number;
  processes: number;
  netconfPort: number;
  ping: string;
  routerUid: number;
  hostUid: number;
  removed: number[];
  left: unknown[];
  error?: string;
}

describe('local driver without root', () => {
  let work: string;
  beforeAll(async () => {
    routerMainPath(); // dist/ must be built
    work = await mkdtemp(join(tmpdir(), 'qnfv-local-unpriv-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('builds, pings through and removes two sites as an unprivileged user', async () => {
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      await chown(work, NOBODY, NOBODY);
      await chmod(work, 0o700);
    }
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, QNFV_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, DIST, work], { env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'], ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const last = stdout.trim().split('\n').pop() ?? '';
    if (code !== 0 || !last.startsWith('{')) throw new Error(`child failed (exit ${code}):\n${stdout}\n${stderr}`);
    const out = JSON.parse(last) as Outcome;
    expect(out.error).toBeUndefined();
    expect(out.uid).not.toBe(0);
    if (asRoot) expect(out.uid).toBe(NOBODY);
    expect(out.processes).toBe(4);
    expect(out.routerUid).toBe(out.uid);
    expect(out.hostUid).toBe(out.uid);
    expect(out.netconfPort).toBeGreaterThanOrEqual(1024);
    expect(out.ping).toMatch(/64 bytes from 10\.72\.0\.10: icmp_seq=\d+ ttl=62/);
    expect(out.ping).toMatch(/3 packets transmitted, [1-3] received/);
    expect(out.removed).toEqual([2, 2]);
    expect(out.left).toEqual([]);
  }, 60_000);
});
