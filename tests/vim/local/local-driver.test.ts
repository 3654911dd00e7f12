/**
 * The `local` VIM driver with real child processes (the compiled router and
 * host programs: `npm run build` first): two domains sharing one WAN, two
 * routers and two site hosts, pings between the hosts through the routers
 * by plain forwarding (static routes, no SA), NETCONF on the port the driver
 * chose, listing by label, removal per domain (the shared WAN stays until
 * the last domain leaves), scale-in, reconciliation of a dead instance whose
 * record is gone, a reused pid left alone, and nothing left at the end: no
 * labelled process, no state file, no link claim.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, DriverError, NotFoundError, NotSupportedError, PrerequisiteError, ValidationError } from '../../../common/index.js';
import { createVimDriver, LocalVimDriver, type VimResource } from '../../../vim/index.js';
import { siteHost, siteRouterWiring } from '../two-site-topology.js';
import { createTestRouter, labelledPids, routerNetconf, type TestRouter } from './local-fixture.js';

const install = `t${randomBytes(6).toString('hex')}`;
let dir: string;
let stateDir: string;
let driverA: LocalVimDriver;
let driverB: LocalVimDriver;

/** Pids of live processes carrying this installation's labels. */
const labelled = (): Promise<number[]> => labelledPids(install);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const names = (rs: VimResource[]): string[] => rs.map((r) => `${r.kind}:${r.role}:${r.id}:${r.domain ?? '-'}`).sort();

beforeAll(async () => {
  configureLogging({ level: 'warn' });
  dir = await mkdtemp(join(tmpdir(), 'qnfv-local-'));
  stateDir = join(dir, 'state');
  driverA = new LocalVimDriver({ installationId: install, domain: 'a', stateDir });
  driverB = new LocalVimDriver({ installationId: install, domain: 'b', stateDir });
  await driverA.checkPrerequisites();
});

afterAll(async () => {
  await driverA?.reconcile([]).catch(() => undefined);
  for (const pid of await labelled()) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('local driver: capabilities and refusals', () => {
  it('checks its prerequisites, saying how to fix what is missing, and refuses a state folder too long for Unix sockets', async () => {
    const link = join(dir, 'planted');
    await symlink(dir, link);
    const d = new LocalVimDriver({ installationId: install, domain: 'x', stateDir: link });
    await expect(d.checkPrerequisites()).rejects.toThrow(PrerequisiteError);
    await expect(d.checkPrerequisites()).rejects.toThrow(/^the local VIM driver cannot run here: .*planted is not a directory \(a symbolic link\?\): remove it or set the local VIM driver's stateDir elsewhere$/);
    expect(() => new LocalVimDriver({ installationId: install, domain: 'x', stateDir: join(dir, 'x'.repeat(90)) })).toThrow(/too long for the hosts' Unix sockets/);
    await rm(link);
    // The check makes the state folder; a reconcile with nothing to do takes it away again.
    const fresh = new LocalVimDriver({ installationId: install, domain: 'x', stateDir: join(dir, 'fresh') });
    await fresh.checkPrerequisites();
    expect(existsSync(join(dir, 'fresh'))).toBe(true);
    expect(await fresh.reconcile([])).toEqual({ removed: [], kept: [] });
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
  });

  it('declares everything but a TUN, is what createVimDriver builds for local, and refuses a TUN', async () => {
    expect([...driverA.capabilities].sort()).toEqual(['exec', 'hosts', 'management-link', 'networks', 'programs', 'reconcile', 'routers']);
    expect(createVimDriver('local', { installationId: install, domain: 'a', stateDir })).toBeInstanceOf(LocalVimDriver);
    const inst = randomUUID();
    await driverA.ensureNetwork({ instanceId: inst, id: 'lan', kind: 'lan' });
    const program = { argv: ['/bin/true'], logFile: join(dir, 'x.log') };
    await expect(driverA.createRouter({ instanceId: inst, vnfId: 'r', ports: [{ name: 'lan0', network: 'lan', address: '10.9.0.1/24' }], routes: [], tun: { name: 'tun0' }, program })).rejects.toThrow(NotSupportedError);
    await expect(driverA.createRouter({ instanceId: inst, vnfId: 'r', ports: [{ name: 'lan0', network: 'lan', address: '10.9.0.1/24' }], routes: [] })).rejects.toThrow(/RouterSpec.program is required/);
    await expect(driverA.createRouter({ instanceId: inst, vnfId: 'r', ports: [{ name: 'lan0', network: 'nope', address: '10.9.0.1/24' }], routes: [], program })).rejects.toThrow(NotFoundError);
    await expect(driverA.createRouter({ instanceId: inst, vnfId: 'r', ports: [{ name: 'lan0', network: 'lan', address: '10.9.0.1/24' }], routes: [{ prefix: '10.8.0.0/16', via: '10.7.0.1' }], program })).rejects.toThrow(ValidationError);
    await expect(driverA.createHost({ instanceId: inst, id: 'h', port: { network: 'lan', address: '10.9.0.10/24' }, gateway: '10.9.1.1' })).rejects.toThrow(/not on the host's link/);
    await expect(driverA.exec('qnfv-nobody-here', ['ping', '10.9.0.1'])).rejects.toThrow(NotFoundError);
    const report = await driverA.removeInstance(inst);
    expect(report.wires).toHaveLength(1);
    expect(await driverA.listResources({ instanceId: inst })).toEqual([]);
  });
});

describe('local driver: two sites in two domains sharing one WAN', () => {
  const inst = randomUUID();
  let ra: TestRouter;
  let rb: TestRouter;
  let hostA: string;
  let hostB: string;

  it('gives both domains the same WAN wire and each LAN its own', async () => {
    const lanA = await driverA.ensureNetwork({ instanceId: inst, id: 'lan-a', kind: 'lan' });
    const wanA = await driverA.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    const lanB = await driverB.ensureNetwork({ instanceId: inst, id: 'lan-b', kind: 'lan' });
    const wanB = await driverB.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    expect(wanB).toEqual(wanA);
    expect(wanA.bridge).toMatch(/^udp:\d+$/);
    expect(new Set([lanA.bridge, lanB.bridge, wanA.bridge]).size).toBe(3);
    expect(await driverA.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' })).toEqual(wanA); // idempotent
    await expect(driverB.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'lan' })).rejects.toThrow(/exists as kind 'wan'/);
  });

  it('starts routers as child processes on UDP wires, NETCONF on a loopback address and a port the driver chose', async () => {
    ra = await createTestRouter(driverA, dir, { instanceId: inst, vnfId: 'site-a', ...siteRouterWiring('a'), tunnelAddress: '198.51.100.1' });
    rb = await createTestRouter(driverB, dir, { instanceId: inst, vnfId: 'site-b', ...siteRouterWiring('b'), tunnelAddress: '198.51.100.2' });
    expect(ra.info.mgmt).toMatchObject({ hostAddress: '127.0.0.1', hostInterface: 'lo', routerInterface: 'lo' });
    expect(ra.info.mgmt.routerAddress).toMatch(/^127\./);
    expect(ra.info.netconfPort).toBeGreaterThanOrEqual(1024);
    const wan = ra.info.packetIo!.ports.find((p) => p.name === 'wan0')!;
    expect(wan.framing).toBe('esp-in-udp');
    expect(ra.info.packetIo!.ports.find((p) => p.name === 'lan0')!.framing).toBe('ip');
    expect(rb.info.packetIo!.ports.find((p) => p.name === 'wan0')!.linkPort).toBe(wan.linkPort);
    // The record maps each port's address to its loopback endpoint.
    const rec = JSON.parse(await readFile(join(stateDir, 'instances', inst, 'a.json'), 'utf8')) as { routers: { ports: { address: string; endpoint: string }[]; process: { pid: number } }[] };
    expect(rec.routers[0]!.ports).toEqual([
      expect.objectContaining({ address: '10.1.0.1/24', endpoint: `127.1.0.1:${ra.info.packetIo!.ports[0]!.linkPort}` }),
      expect.objectContaining({ address: '203.0.113.1/24', endpoint: `127.0.113.1:${wan.linkPort}` }),
    ]);
    expect(rec.routers[0]!.process.pid).toBe(ra.info.pid);
    // NETCONF answers there, with the data path's counters.
    const nc = await routerNetconf(ra);
    try {
      expect((await nc.get()).some((e) => e.name === 'datapath')).toBe(true);
    } finally {
      await nc.close();
    }
  }, 30_000);

  it('starts site hosts; they ping each other through both routers by plain forwarding', async () => {
    hostA = (await driverA.createHost(siteHost(inst, 'a'))).namespace;
    hostB = (await driverB.createHost(siteHost(inst, 'b'))).namespace;
    await routerNetconf(rb).then((c) => c.close()); // router B is up
    const gw = await driverA.exec(hostA, ['ping', '-c', '2', '-i', '0.1', '-W', '2', '10.1.0.1']);
    expect(gw.stdout).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
    const far = await driverA.exec(hostA, ['ping', '-c', '3', '-i', '0.1', '-W', '2', '10.2.0.10']);
    expect(far.code).toBe(0);
    expect(far.stdout).toMatch(/^PING 10\.2\.0\.10 \(10\.2\.0\.10\) 56\(84\) bytes of data\./);
    expect(far.stdout).toMatch(/64 bytes from 10\.2\.0\.10: icmp_seq=1 ttl=62 time=/);
    expect(far.stdout).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    // UDP the other way, counted by the receiving host.
    expect((await driverB.exec(hostB, ['send-udp', '-c', '20', '-s', '100', '10.1.0.10', '9000'])).stdout).toMatch(/^20 UDP datagrams of 100 bytes sent to 10\.1\.0\.10:9000/);
    let stats: { udpReceived: Record<string, number> } = { udpReceived: {} };
    for (let i = 0; i < 40 && (stats.udpReceived['9000'] ?? 0) < 20; i++) {
      stats = JSON.parse((await driverA.exec(hostA, ['stats'])).stdout) as typeof stats;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(stats.udpReceived['9000']).toBe(20);
    // An address nobody has: no reply, exit status 1 as iputils gives.
    const none = await driverA.exec(hostA, ['ping', '-c', '1', '-W', '0.3', '10.2.0.99'], { allowFailure: true });
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/1 packets transmitted, 0 received, 100% packet loss/);
  }, 30_000);

  it('exec runs only the hosts\' built-in commands; routers have no shell', async () => {
    const sh = await driverA.exec(hostA, ['sh', '-c', 'id'], { allowFailure: true });
    expect(sh.code).toBe(127);
    expect(sh.stderr).toMatch(/built-ins: ping, send-udp, stats/);
    await expect(driverA.exec(hostA, ['sh', '-c', 'id'])).rejects.toThrow(DriverError);
    await expect(driverA.exec(ra.info.namespace, ['ping', '10.1.0.10'])).rejects.toThrow(NotSupportedError);
    await expect(driverA.exec(hostB, ['stats'])).rejects.toThrow(NotFoundError); // another domain's host
    expect((await driverA.exec(hostA, ['ping', '-x', '10.2.0.10'], { allowFailure: true })).code).toBe(2);
  });

  it('lists its processes and wires by label, per instance and domain', async () => {
    expect(names(await driverA.listResources({ instanceId: inst }))).toEqual([
      'process:host:host-a:a',
      'process:host:host-b:b',
      'process:router:site-a:a',
      'process:router:site-b:b',
      'wire:network:lan-a:-',
      'wire:network:lan-b:-',
      'wire:network:wan:-',
    ]);
    expect(names(await driverB.listResources({ instanceId: inst, domain: 'b' }))).toEqual(['process:host:host-b:b', 'process:router:site-b:b', 'wire:network:lan-a:-', 'wire:network:lan-b:-', 'wire:network:wan:-']);
    const procs = (await driverA.listResources({ instanceId: inst })).filter((r) => r.kind === 'process');
    expect(procs.find((r) => r.id === 'site-a')!.name).toBe(ra.info.namespace);
    expect((await labelled()).sort()).toContain(ra.info.pid);
  });

  it('removes one domain\'s part, keeping the WAN the other domain still uses, then the rest', async () => {
    const a = await driverA.removeInstance(inst);
    expect(a.pids.sort()).toHaveLength(2);
    expect(a.pids).toContain(ra.info.pid);
    expect(a.sandboxes).toEqual([hostA, ra.info.namespace].sort());
    expect(a.wires).toHaveLength(1); // lan-a only
    expect(a.stateRecords).toBe(1);
    expect(alive(ra.info.pid!)).toBe(false);
    expect(alive(rb.info.pid!)).toBe(true);
    expect(names(await driverB.listResources({ instanceId: inst }))).toEqual(['process:host:host-b:b', 'process:router:site-b:b', 'wire:network:lan-b:-', 'wire:network:wan:-']);
    expect(await driverA.removeInstance(inst)).toMatchObject({ pids: [], wires: [], stateRecords: 0 }); // idempotent
    const b = await driverB.removeInstance(inst);
    expect(b.wires).toHaveLength(2);
    expect(await driverB.listResources({ instanceId: inst })).toEqual([]);
    expect(await labelled()).toEqual([]);
    expect(existsSync(join(stateDir, 'instances', inst))).toBe(false);
    expect(existsSync(join(stateDir, 'hosts'))).toBe(false);
  }, 30_000);
});

describe('local driver: scale-in, reconciliation and pid reuse', () => {
  it('removeNodes stops the named hosts and releases a link once no remaining node uses it', async () => {
    const inst = randomUUID();
    await driverA.ensureNetwork({ instanceId: inst, id: 'lan', kind: 'lan' });
    const h1 = await driverA.createHost({ instanceId: inst, id: 'h1', port: { network: 'lan', address: '10.5.0.10/24' }, gateway: '10.5.0.1' });
    await driverA.createHost({ instanceId: inst, id: 'h2', port: { network: 'lan', address: '10.5.0.11/24' }, gateway: '10.5.0.1' });
    // On-link traffic needs no router.
    expect((await driverA.exec(h1.namespace, ['ping', '-c', '1', '-W', '2', '10.5.0.11'])).stdout).toMatch(/1 received/);
    const first = await driverA.removeNodes({ instanceId: inst, routers: [], hosts: ['h1'], networks: ['lan'] });
    expect(first.pids).toHaveLength(1);
    expect(first.wires).toEqual([]);
    expect(names(await driverA.listResources({ instanceId: inst }))).toEqual(['process:host:h2:a', 'wire:network:lan:-']);
    const second = await driverA.removeNodes({ instanceId: inst, routers: [], hosts: ['h2'], networks: ['lan'] });
    expect(second.wires).toHaveLength(1);
    expect(await driverA.listResources({ instanceId: inst })).toEqual([]);
    expect(existsSync(join(stateDir, 'instances', inst))).toBe(false);
  }, 30_000);

  it('reconcile removes processes, wires and state of a dead instance — record lost or not — and keeps the live one', async () => {
    const live = randomUUID();
    const dead = randomUUID();
    const orphan = randomUUID();
    for (const id of [live, dead, orphan]) {
      await driverA.ensureNetwork({ instanceId: id, id: 'lan', kind: 'lan' });
      await driverA.createHost({ instanceId: id, id: 'h', port: { network: 'lan', address: '10.6.0.10/24' }, gateway: '10.6.0.1' });
    }
    // The orphan's record is gone (a crash): only its labelled process and its wire claim remain.
    await rm(join(stateDir, 'instances', orphan), { recursive: true });
    const before = await driverB.listResources();
    expect(new Set(before.map((r) => r.instanceId))).toEqual(new Set([live, dead, orphan]));
    const report = await driverB.reconcile([live]);
    expect(report.kept).toEqual([live]);
    expect(report.removed.map((r) => r.instanceId).sort()).toEqual([dead, orphan].sort());
    for (const r of report.removed) {
      expect(r.pids).toHaveLength(1);
      expect(r.wires).toHaveLength(1);
    }
    expect(names(await driverA.listResources())).toEqual(['process:host:h:a', 'wire:network:lan:-']);
    expect((await driverA.listResources())[0]!.instanceId).toBe(live);
    expect(existsSync(join(stateDir, 'instances', dead))).toBe(false);
    expect(existsSync(join(stateDir, 'instances', live))).toBe(true);
    await driverA.removeInstance(live);
  }, 30_000);

  it('never signals a recorded pid that now belongs to another process', async () => {
    const inst = randomUUID();
    await driverA.ensureNetwork({ instanceId: inst, id: 'lan', kind: 'lan' });
    const host = await driverA.createHost({ instanceId: inst, id: 'h', port: { network: 'lan', address: '10.7.0.10/24' }, gateway: '10.7.0.1' });
    // Stand-in for pid reuse: the record now names an unrelated process (no labels, another start time).
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const file = join(stateDir, 'instances', inst, 'a.json');
    const rec = JSON.parse(await readFile(file, 'utf8')) as { hosts: { process: { pid: number; startTime: string } }[] };
    const hostPid = rec.hosts[0]!.process.pid;
    rec.hosts[0]!.process = { pid: stranger.pid!, startTime: rec.hosts[0]!.process.startTime };
    await writeFile(file, JSON.stringify(rec));
    try {
      const report = await driverA.removeInstance(inst);
      expect(report.pids).toEqual([hostPid]); // found by its labels
      expect(report.sandboxes).toEqual([host.namespace]);
      expect(alive(stranger.pid!)).toBe(true);
      expect(alive(hostPid)).toBe(false);
    } finally {
      stranger.kill('SIGKILL');
    }
  }, 30_000);

  it('leaves nothing of the installation behind', async () => {
    expect(await driverA.listResources()).toEqual([]);
    expect(await labelled()).toEqual([]);
    const left = existsSync(stateDir) ? await readdir(stateDir, { recursive: true }) : [];
    expect(left).toEqual([]);
  });
});
