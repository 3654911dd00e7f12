/**
 * The netns driver against the RecordingRunner (no root needed): the exact
 * argument arrays and `ip -batch` lines it produces, prerequisite errors with
 * their fixes, spec validation before anything runs, idempotent network
 * convergence, removal and reconciliation decisions, and the factory.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, NotFoundError, PrerequisiteError, ValidationError } from '../../common/index.js';
import {
  DockerVimDriver,
  ALL_CAPABILITIES,
  bridgeName,
  createVimDriver,
  formatLabels,
  LocalVimDriver,
  mgmtLinkName,
  NetnsDriver,
  networkNamespace,
  nodeNamespace,
  portPeerName,
  RecordingRunner,
  requireCapability,
  type HostProbe,
  type RouterSpec,
} from '../../vim/index.js';
import { siteRouterWiring } from './two-site-topology.js';

const install = 'abcdef0123';
const inst = 'inst-0001';
const okProbe: HostProbe = { uid: () => 0, exists: async () => true };
let stateDir: string;

beforeAll(() => configureLogging({ level: 'warn' }));

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'qnfv-vim-fake-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A fake host: a set of namespaces that `ip netns add/del` (also in batches) change, and canned JSON. */
function fakeHost(initial: string[]): { runner: RecordingRunner; present: Set<string> } {
  const present = new Set(initial);
  const runner: RecordingRunner = new RecordingRunner();
  runner
    .on(['ip', 'netns', 'list'], () => ({ stdout: [...present].map((n, i) => (i % 2 ? `${n} (id: ${i})` : n)).join('\n') + '\n' }))
    .on(['ip', 'netns', 'add'], (c) => (present.add(c.argv[3]), {}))
    .on(['ip', '-j', '-4', 'addr', 'show'], { stdout: JSON.stringify([{ ifname: 'eth9', addr_info: [{ family: 'inet', local: '100.64.0.1', prefixlen: 30 }] }]) })
    .on(['ip', '-j', '-4', 'route', 'show', 'table', 'all'], { stdout: '[]' })
    // Every link a batch created (`name X`) is reported operationally up, in whichever namespace is asked.
    .on(
      (argv) => argv.slice(-3).join(' ') === '-j link show',
      (): { stdout: string } => ({ stdout: JSON.stringify(createdLinks(runner).map((ifname) => ({ ifname, operstate: 'UP' }))) }),
    )
    .on(
      (argv) => argv[0] === 'ip' && argv.includes('-batch'),
      (c) => {
        for (const line of (c.input ?? '').split('\n')) {
          const [obj, verb, name] = line.split(' ');
          if (obj === 'netns' && verb === 'del') present.delete(name);
        }
        return {};
      },
    );
  return { runner, present };
}

function createdLinks(runner: RecordingRunner): string[] {
  return runner.batchCommands().flatMap((c) => c.flatMap((tok, i) => (tok === 'name' && c[i - 1] !== 'netns' ? [c[i + 1]] : [])));
}

function driver(runner: RecordingRunner, extra: Partial<ConstructorParameters<typeof NetnsDriver>[0]> = {}): NetnsDriver {
  return new NetnsDriver({ installationId: install, domain: 'a', runner, stateDir, probe: okProbe, mgmtPool: '100.64.0.0/29', ...extra });
}

const routerSpec: RouterSpec = {
  instanceId: inst,
  vnfId: 'router-a',
  ...siteRouterWiring('a'),
  program: { argv: ['/usr/bin/router', '--config', '/etc/r.json'], logFile: '/var/log/r.log' },
};

describe('createRouter argument arrays', () => {
  it('runs exactly these commands: namespace, root batch, router batch, one batch per network, program', async () => {
    const lan = networkNamespace(install, inst, 'lan-a');
    const wan = networkNamespace(install, inst, 'wan');
    const { runner } = fakeHost([lan, wan]);
    const info = await driver(runner).createRouter(routerSpec);

    const ns = nodeNamespace(install, inst, 'router-a');
    const m = mgmtLinkName(install, inst, 'router-a');
    const pl = portPeerName(install, inst, 'router-a', 'lan0');
    const pw = portPeerName(install, inst, 'router-a', 'wan0');
    const label = formatLabels({ installationId: install, instanceId: inst, domain: 'a', role: 'router', id: 'router-a' });
    const mlabel = formatLabels({ installationId: install, instanceId: inst, domain: 'a', role: 'management', id: 'router-a' });
    expect(info).toEqual({
      namespace: ns,
      mgmt: { hostInterface: m, hostAddress: '100.64.0.5', routerAddress: '100.64.0.6', prefixLength: 30, routerInterface: 'mgmt0' },
      ports: routerSpec.ports,
      pid: 40_000,
    });
    const lines = (input?: string): string[] => (input ?? '').split('\n').filter((l) => l);
    expect(runner.calls.map((c) => [c.argv, lines(c.input)])).toEqual([
      [['ip', '-V'], []],
      [['sysctl', '--version'], []],
      [['ip', 'netns', 'list'], []],
      [['ip', '-j', '-4', 'addr', 'show'], []],
      [['ip', '-j', '-4', 'route', 'show', 'table', 'all'], []],
      [['ip', 'netns', 'add', ns], []],
      [
        ['ip', '-batch', '-'],
        [
          `netns exec ${ns} sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0`,
          `link add name mgmt0 index 1000 netns ${ns} type veth peer name ${m}`,
          `link set dev ${m} alias ${mlabel}`,
          `addr add 100.64.0.5/30 dev ${m}`,
          `link set dev ${m} up`,
          `link add name lan0 index 1001 netns ${ns} type veth peer name ${pl} netns ${lan}`,
          `link add name wan0 index 1002 netns ${ns} type veth peer name ${pw} netns ${wan}`,
        ],
      ],
      [
        ['ip', '-n', ns, '-batch', '-'],
        [
          'link set dev lo up',
          `link set dev lo alias ${label}`,
          'addr add 10.1.0.1/24 dev lan0',
          'link set dev lan0 up',
          'addr add 203.0.113.1/24 dev wan0',
          'link set dev wan0 up',
          'addr add 100.64.0.6/30 dev mgmt0',
          'link set dev mgmt0 up',
          'route add 10.2.0.0/24 via 203.0.113.2',
        ],
      ],
      [['ip', '-n', lan, '-batch', '-'], [`link set dev ${pl} alias ${label}`, `link set dev ${pl} master ${bridgeName(install, inst, 'lan-a')}`, `link set dev ${pl} up`]],
      [['ip', '-n', wan, '-batch', '-'], [`link set dev ${pw} alias ${label}`, `link set dev ${pw} master ${bridgeName(install, inst, 'wan')}`, `link set dev ${pw} up`]],
      [['ip', '-j', 'link', 'show'], []],
      [['ip', '-n', ns, '-j', 'link', 'show'], []],
      [['ip', '-n', lan, '-j', 'link', 'show'], []],
      [['ip', '-n', wan, '-j', 'link', 'show'], []],
      [['ip', 'netns', 'exec', ns, '/usr/bin/router', '--config', '/etc/r.json'], []],
    ]);
    expect(runner.calls.at(-1)).toMatchObject({ type: 'start', options: { logFile: '/var/log/r.log' } });
  });

  it('adds a TUN before the routes that use it', async () => {
    const { runner } = fakeHost([networkNamespace(install, inst, 'wan')]);
    await driver(runner).createRouter({
      instanceId: inst,
      vnfId: 'r1',
      ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.1/24' }],
      tun: { name: 'tun0', address: '10.66.1.1/24' },
      routes: [{ prefix: '198.51.100.1/32', dev: 'tun0' }],
    });
    const cmds = runner.batchCommands().map((c) => c.join(' '));
    const at = (s: string): number => cmds.indexOf(s);
    expect(at('tuntap add dev tun0 mode tun')).toBeGreaterThan(-1);
    expect(at('addr add 10.66.1.1/24 dev tun0')).toBeGreaterThan(at('tuntap add dev tun0 mode tun'));
    expect(at('link set dev tun0 up')).toBeGreaterThan(at('addr add 10.66.1.1/24 dev tun0'));
    expect(at('route add 198.51.100.1/32 dev tun0')).toBeGreaterThan(at('link set dev tun0 up'));
  });

  it('refuses a router on a network that does not exist, or one that exists already', async () => {
    const { runner } = fakeHost([networkNamespace(install, inst, 'wan')]);
    await expect(driver(runner).createRouter(routerSpec)).rejects.toThrow(NotFoundError);
    const { runner: r2 } = fakeHost([networkNamespace(install, inst, 'wan'), networkNamespace(install, inst, 'lan-a'), nodeNamespace(install, inst, 'router-a')]);
    await expect(driver(r2).createRouter(routerSpec)).rejects.toThrow(/already exists/);
    expect([...runner.argvs(), ...r2.argvs()].some((a) => a.includes('add'))).toBe(false);
  });

  it('rolls back namespace, management veth and record when a step fails', async () => {
    const { runner, present } = fakeHost([networkNamespace(install, inst, 'wan'), networkNamespace(install, inst, 'lan-a')]);
    const ns = nodeNamespace(install, inst, 'router-a');
    runner.on(['ip', '-n', ns, '-batch', '-'], { code: 2, stderr: 'Error: an address is bad\nCommand failed -:3' });
    await expect(driver(runner).createRouter(routerSpec)).rejects.toThrow(/Command failed -:3 \(ip addr add 10\.1\.0\.1\/24 dev lan0\)/);
    expect(present.has(ns)).toBe(false);
    expect(runner.batchCommands().map((c) => c.join(' '))).toEqual(expect.arrayContaining([`link del dev ${mgmtLinkName(install, inst, 'router-a')}`, `netns del ${ns}`]));
    expect(runner.argvs().some((a) => a[2] === 'exec' && a[4] === '/usr/bin/router')).toBe(false);
    const record = JSON.parse(await readFile(join(stateDir, inst, 'a.json'), 'utf8')) as { routers: unknown[] };
    expect(record.routers).toEqual([]);
  });
});

describe('spec validation happens before anything runs', () => {
  it.each([
    ['port name too long', { ports: [{ name: 'wanport00', network: 'wan', address: '203.0.113.1/24' }] }, /ports\[0\]\.name/],
    ['address without length', { ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.1' }] }, /ports\[0\]\.address/],
    ['reserved port name', { ports: [{ name: 'mgmt0', network: 'wan', address: '203.0.113.1/24' }] }, /reserved/],
    ['unknown route device', { routes: [{ prefix: '10.0.0.0/8', dev: 'tun9' }] }, /routes\[0\]\.dev/],
    ['route with neither via nor dev', { routes: [{ prefix: '10.0.0.0/8' }] }, /needs via, dev or both/],
    ['vnf id in the network namespace space', { vnfId: 'net-x' }, /vnfId: must not start with 'net-'/],
    ['relative log file', { program: { argv: ['x'], logFile: 'r.log' } }, /program\.logFile/],
    ['shell metacharacters in an id', { instanceId: 'a b' }, /instanceId/],
  ])('%s', async (_name, change, message) => {
    const runner = new RecordingRunner();
    const err = await driver(runner)
      .createRouter({ ...routerSpec, ...change } as RouterSpec)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(message);
    expect(runner.calls).toHaveLength(0);
  });

  it('checks hosts and networks too', async () => {
    const d = driver(new RecordingRunner());
    await expect(d.createHost({ instanceId: inst, id: 'h1', port: { network: 'lan', address: '10.1.0.10/24' }, gateway: '10.1.0' })).rejects.toThrow(/gateway/);
    await expect(d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wlan' as never })).rejects.toThrow(/kind/);
  });
});

describe('prerequisites', () => {
  it('names every missing piece with its fix', async () => {
    const runner = new RecordingRunner().on(['ip'], { code: 127 }).on(['sysctl'], { code: 127 });
    const probe: HostProbe = { uid: () => 1000, exists: async () => false };
    const err = await driver(runner, { probe })
      .checkPrerequisites()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    const msg = (err as Error).message;
    for (const fix of ['run as root (sudo)', 'apt-get install iproute2', 'apt-get install procps', 'modprobe tun']) expect(msg).toContain(fix);
  });

  it('says only what is missing, and no operation runs without them', async () => {
    const runner = new RecordingRunner();
    const d = driver(runner, { probe: { uid: () => 1000, exists: async () => true } });
    await expect(d.checkPrerequisites()).rejects.toThrow(/^the netns VIM driver cannot run here: network namespaces need root: run as root \(sudo\), or use the 'local' VIM driver$/);
    await expect(d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' })).rejects.toThrow(PrerequisiteError);
    expect(runner.argvs().every((a) => a[1] === '-V' || a[0] === 'sysctl')).toBe(true);
  });

  it('checks once when they are met, and again after a failure', async () => {
    const runner = new RecordingRunner();
    let uid = 1000;
    const d = driver(runner, { probe: { uid: () => uid, exists: async () => true } });
    await expect(d.checkPrerequisites()).rejects.toThrow(PrerequisiteError);
    uid = 0;
    await d.checkPrerequisites();
    await d.checkPrerequisites();
    expect(runner.argvs().filter((a) => a[0] === 'ip' && a[1] === '-V')).toHaveLength(2);
  });
});

describe('ensureNetwork convergence', () => {
  it('creates what is missing, then nothing on the next call; tolerates a namespace another VIM just created', async () => {
    const ns = networkNamespace(install, inst, 'wan');
    const br = bridgeName(install, inst, 'wan');
    const label = formatLabels({ installationId: install, instanceId: inst, role: 'network', id: 'wan' });
    let links = '[]';
    const runner = new RecordingRunner().on(['ip', '-n', ns, '-j', 'link', 'show'], () => ({ stdout: links }));
    const d = driver(runner);
    const info = await d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    expect(info).toEqual({ id: 'wan', kind: 'wan', namespace: ns, bridge: br });
    expect(runner.batchCommands().map((c) => c.join(' '))).toEqual(['link set dev lo up', `link set dev lo alias ${label}`, `link add name ${br} type bridge`, `link set dev ${br} alias ${label}`, `link set dev ${br} up`]);

    links = JSON.stringify([
      { ifname: 'lo', flags: ['LOOPBACK', 'UP'], ifalias: label },
      { ifname: br, flags: ['BROADCAST', 'UP'], ifalias: label },
    ]);
    runner.on(['ip', 'netns', 'add'], { code: 1, stderr: `Cannot create namespace file "/run/netns/${ns}": File exists` });
    const before = runner.calls.length;
    expect(await d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' })).toEqual(info);
    expect(runner.calls.slice(before).some((c) => c.argv.includes('-batch'))).toBe(false);
    await expect(d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'lan' })).rejects.toThrow(/exists as kind 'wan'/);
  });
});

describe('removal and reconciliation decisions', () => {
  it('removeInstance deletes the recorded veth and namespaces, then the record; a second call does nothing', async () => {
    const lan = networkNamespace(install, inst, 'lan-a');
    const wan = networkNamespace(install, inst, 'wan');
    const { runner, present } = fakeHost([lan, wan]);
    const d = driver(runner);
    await d.ensureNetwork({ instanceId: inst, id: 'lan-a', kind: 'lan' });
    await d.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    await d.createRouter(routerSpec);
    const m = mgmtLinkName(install, inst, 'router-a');
    const ns = nodeNamespace(install, inst, 'router-a');
    runner.on(['ip', '-j', 'link', 'show'], {
      stdout: JSON.stringify([{ ifname: m, ifalias: formatLabels({ installationId: install, instanceId: inst, domain: 'a', role: 'management', id: 'router-a' }) }]),
    });
    const report = await d.removeInstance(inst);
    expect(report).toEqual({ instanceId: inst, domains: ['a'], namespaces: [lan, ns, wan].sort(), links: [m], pids: [], stateRecords: 1 });
    expect(runner.batchCommands().map((c) => c.join(' '))).toEqual(expect.arrayContaining([`netns pids ${ns}`, `link del dev ${m}`, `netns del ${ns}`, `netns del ${wan}`]));
    expect(present.size).toBe(0);
    runner.on(['ip', '-j', 'link', 'show'], { stdout: '[]' });
    expect(await d.removeInstance(inst)).toEqual({ instanceId: inst, domains: [], namespaces: [], links: [], pids: [], stateRecords: 0 });
  });

  it('reconcile leaves alone what carries another installation’s label, even with the same 8-character prefix', async () => {
    const lookalike = `qnfv-${install.slice(0, 8)}-deadbeef-r1`;
    const foreign = { installationId: `${install.slice(0, 8)}zz`, instanceId: 'deadbeef-1', domain: 'a', role: 'router' as const, id: 'r1' };
    const { runner } = fakeHost([lookalike, 'qtt-someone-else']);
    runner.on(['ip', '-n', lookalike, '-j', 'link', 'show', 'dev', 'lo'], { stdout: JSON.stringify([{ ifname: 'lo', ifalias: formatLabels(foreign) }]) });
    runner.on(['ip', '-j', 'link', 'show'], { stdout: JSON.stringify([{ ifname: 'q000000m', ifalias: formatLabels({ ...foreign, role: 'management' }) }]) });
    const report = await driver(runner).reconcile([]);
    expect(report).toEqual({ removed: [], kept: [] });
    expect(runner.argvs().some((a) => a.includes('qtt-someone-else'))).toBe(false);
    expect(runner.batchCommands().some((c) => c.includes('del'))).toBe(false);
  });
});

describe('exec, factory and capabilities', () => {
  it('exec refuses a namespace this domain did not create', async () => {
    const runner = new RecordingRunner();
    await expect(driver(runner).exec('qtt-other', ['true'])).rejects.toThrow(NotFoundError);
    expect(runner.argvs().some((a) => a.includes('exec'))).toBe(false);
  });

  it('createVimDriver builds netns, docker and local', () => {
    const opts = { installationId: install, domain: 'a', stateDir, runner: new RecordingRunner() };
    const d = createVimDriver('netns', opts);
    expect(d).toBeInstanceOf(NetnsDriver);
    expect([...d.capabilities].sort()).toEqual([...ALL_CAPABILITIES].sort());
    expect(createVimDriver('docker', opts)).toBeInstanceOf(DockerVimDriver);
    expect(createVimDriver('local', opts)).toBeInstanceOf(LocalVimDriver);
    expect(() => createVimDriver('vmware' as never, opts)).toThrow(ValidationError);
    expect(() => createVimDriver('netns', { ...opts, installationId: 'short' })).toThrow(/installationId/);
  });

  it('requireCapability throws NotSupportedError for an undeclared capability', () => {
    const limited = { kind: 'local' as const, capabilities: new Set(['networks', 'routers'] as const) };
    expect(() => requireCapability(limited, 'routers')).not.toThrow();
    expect(() => requireCapability(limited, 'tun')).toThrow(/the 'local' VIM driver does not support 'tun'/);
  });
});
