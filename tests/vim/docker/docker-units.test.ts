/**
 * The docker driver's pure parts, without dockerd or OVS: the OpenFlow table
 * a bridge gets (isolation, split horizon at patch ports), dump-flows
 * parsing, network numbering, names, labels, the router's container command
 * and bind mounts, the image's module closure, the tar writer (read back
 * with GNU tar), the prerequisite message when nothing is installed, and
 * what a removal or a scale-in takes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrerequisiteError } from '../../../common/index.js';
import { RecordingRunner } from '../../../vim/index.js';
import { domainBridgeName, labelMap, labelsFromMap, patchPortName, portMac } from '../../../vim/docker/docker-names.js';
import { programBinds, programCommand } from '../../../vim/docker/docker-driver.js';
import { computeFlows, externalIdArgs, networkNumber, parseFlowStats, vsctlArgv, type OvsPort } from '../../../vim/docker/ovs.js';
import { checkDockerPrerequisites } from '../../../vim/docker/prerequisites.js';
import { domainSelector, networksInUse, nodeSelector, planRemoval, type LiveResources } from '../../../vim/docker/removal-plan.js';
import { emptyRecord, type InstanceRecord } from '../../../vim/state-store.js';
import type { ResourceLabels } from '../../../vim/types.js';
import { moduleSpecifiers, packageName, routerProjectFiles } from '../../../vim/docker/router-image.js';
import { tarStream } from '../../../vim/docker/tar-writer.js';

describe('OpenFlow table', () => {
  const ports = [
    { ofport: 1, network: 1, mac: '02:00:00:00:00:01', trunk: false },
    { ofport: 2, network: 1, mac: '02:00:00:00:00:02', trunk: false },
    { ofport: 3, network: 2, mac: '02:00:00:00:00:03', trunk: false },
    { ofport: 4, network: 1, trunk: true },
    { ofport: 5, network: 1, trunk: true },
    { ofport: -1, network: 2, mac: '02:00:00:00:00:09', trunk: false },
  ];
  const flows = computeFlows(ports);

  it('drops by default and classifies each port into its network register', () => {
    expect(flows).toContain('table=0,priority=0,actions=drop');
    expect(flows).toContain('table=1,priority=0,actions=drop');
    expect(flows).toContain('table=0,cookie=0x1,priority=100,in_port=1,actions=load:1->NXM_NX_REG0[],load:0->NXM_NX_REG1[],resubmit(,1)');
    expect(flows).toContain('table=0,cookie=0x2,priority=100,in_port=3,actions=load:2->NXM_NX_REG0[],load:0->NXM_NX_REG1[],resubmit(,1)');
    expect(flows).toContain('table=0,cookie=0x1,priority=100,in_port=4,actions=load:1->NXM_NX_REG0[],load:1->NXM_NX_REG1[],resubmit(,1)');
    expect(flows.some((f) => f.includes('02:00:00:00:00:09') || f.includes('in_port=-1'))).toBe(false);
  });

  it('unicasts known MACs and floods only within the network; frames from a patch port never go to another', () => {
    expect(flows).toContain('table=1,cookie=0x1,priority=100,reg0=1,dl_dst=02:00:00:00:00:01,actions=output:1');
    expect(flows).toContain('table=1,cookie=0x1,priority=50,reg0=1,reg1=0,actions=output:1,output:2,output:4,output:5');
    expect(flows).toContain('table=1,cookie=0x1,priority=50,reg0=1,reg1=1,actions=output:1,output:2');
    expect(flows).toContain('table=1,cookie=0x2,priority=50,reg0=2,reg1=0,actions=output:3');
    // Network 2's frames can reach no port of network 1.
    const net2 = flows.filter((f) => f.includes('reg0=2'));
    expect(net2.every((f) => !/output:(1|2|4|5)\b/.test(f))).toBe(true);
  });

  it('a network behind patch ports only drops what comes back in', () => {
    expect(computeFlows([{ ofport: 7, network: 3, trunk: true }])).toContain('table=1,cookie=0x3,priority=50,reg0=3,reg1=1,actions=drop');
  });

  it('parses dump-flows lines with their counters', () => {
    const text = [
      'OFPST_FLOW reply (OF1.3) (xid=0x2):',
      ' cookie=0x2, duration=0.067s, table=0, n_packets=7, n_bytes=420, priority=100,in_port=1 actions=load:0x2->NXM_NX_REG0[],resubmit(,1)',
      ' cookie=0x0, duration=0.067s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop',
      ' cookie=0x1, duration=1.5s, table=1, n_packets=3, n_bytes=294, priority=100,reg0=0x1,dl_dst=02:00:00:00:00:01 actions=output:1',
    ].join('\n');
    expect(parseFlowStats(text)).toEqual([
      { cookie: 2, table: 0, packets: 7, bytes: 420, priority: 100, match: 'in_port=1', actions: 'load:0x2->NXM_NX_REG0[],resubmit(,1)' },
      { cookie: 0, table: 0, packets: 0, bytes: 0, priority: 0, match: '', actions: 'drop' },
      { cookie: 1, table: 1, packets: 3, bytes: 294, priority: 100, match: 'reg0=0x1,dl_dst=02:00:00:00:00:01', actions: 'output:1' },
    ]);
  });

  it('numbers networks per bridge: reuse for the same network, smallest free one otherwise', () => {
    const port = (bridge: string, vl: string, reg: number): OvsPort => ({
      name: `p${reg}${vl}`,
      bridge,
      type: '',
      ofport: 1,
      externalIds: { 'qnfv.instance': 'i', 'qnfv.vl': vl, 'qnfv.reg': String(reg) },
      options: {},
    });
    const ports = [port('b1', 'wan', 1), port('b1', 'lan', 3), port('b2', 'x', 2)];
    const same = (vl: string) => (p: OvsPort) => p.externalIds['qnfv.vl'] === vl;
    expect(networkNumber(ports, 'b1', same('wan'))).toBe(1);
    expect(networkNumber(ports, 'b1', same('new'))).toBe(2);
    expect(networkNumber(ports, 'b2', same('new'))).toBe(1);
  });

  it('batches ovs-vsctl commands and quotes external ids', () => {
    expect(vsctlArgv([['add-br', 'b'], ['set', 'bridge', 'b', 'fail_mode=secure']])).toEqual(['ovs-vsctl', '--timeout=10', 'add-br', 'b', '--', 'set', 'bridge', 'b', 'fail_mode=secure']);
    expect(externalIdArgs({ 'attached-mac': '02:00:00:00:00:01' })).toEqual(['external_ids:attached-mac="02:00:00:00:00:01"']);
  });
});

describe('names, labels and the router command', () => {
  it('derives short stable names and locally administered unicast MACs', () => {
    expect(domainBridgeName('tabcdefgh', 'a')).toMatch(/^q[0-9a-f]{6}ovs$/);
    expect(domainBridgeName('tabcdefgh', 'a')).not.toBe(domainBridgeName('tabcdefgh', 'b'));
    expect(patchPortName('tabcdefgh', 'i', 'wan', 'a', 'b')).not.toBe(patchPortName('tabcdefgh', 'i', 'wan', 'b', 'a'));
    const mac = portMac('tabcdefgh', 'i', 'r1', 'wan0');
    expect(mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(portMac('tabcdefgh', 'i', 'r1', 'wan0')).toBe(mac);
  });

  it('round-trips labels through a Docker label / external_ids map, ignoring other keys', () => {
    const l = { installationId: 'tabcdefgh', instanceId: 'inst-1', domain: 'a', role: 'router' as const, id: 'r1' };
    const map = labelMap(l);
    expect(map).toEqual({ 'qnfv.install': 'tabcdefgh', 'qnfv.instance': 'inst-1', 'qnfv.domain': 'a', 'qnfv.role': 'router', 'qnfv.vnf': 'r1' });
    expect(labelsFromMap({ ...map, 'qnfv.kind': 'router', 'qnfv.vl': 'wan', 'attached-mac': '02:00:00:00:00:01', other: 'x' })).toEqual(l);
    expect(labelsFromMap({ 'com.example': 'x' })).toBeUndefined();
  });

  it('gates the program until the wiring is done and appends its output to the log', () => {
    const cmd = programCommand('/usr/bin/busybox', { argv: ['/usr/bin/node', '/p/main.js', '--config', '/w/r.json'], logFile: '/w/router.log' });
    expect(cmd.slice(0, 3)).toEqual(['/usr/bin/busybox', 'sh', '-c']);
    expect(cmd[3]).toContain('until [ -e /tmp/.qnfv-wired ]');
    expect(cmd[3]).toContain('exec "$@" >>"$0" 2>&1');
    expect(cmd.slice(4)).toEqual(['/w/router.log', '/usr/bin/node', '/p/main.js', '--config', '/w/r.json']);
    expect(programBinds({ argv: ['x'], cwd: '/w/r1', logFile: '/w/r1/log/router.log' })).toEqual(['/w/r1:/w/r1']);
    expect(programBinds({ argv: ['x'], cwd: '/w/a', logFile: '/logs/a.log' })).toEqual(['/logs:/logs', '/w/a:/w/a']);
  });
});

describe('router image inputs', () => {
  it('finds relative imports, dynamic imports and worker URLs; package names of bare specifiers', () => {
    const src = [
      "import { a } from './a.js';",
      "export * from '../b/index.js';",
      "const m = await import('./lazy.js');",
      "import 'node:fs';",
      "import { Client } from 'ssh2';",
      "new Worker(new URL('./worker.js', import.meta.url));",
    ].join('\n');
    expect(moduleSpecifiers(src)).toEqual(['./a.js', '../b/index.js', './lazy.js', 'node:fs', 'ssh2', './worker.js']);
    expect(packageName('@noble/hashes/sha2')).toBe('@noble/hashes');
    expect(packageName('ssh2/lib/x.js')).toBe('ssh2');
  });

  it('collects the compiled router: its modules, the packages it imports with their dependencies, the addons', async () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const files = await routerProjectFiles(root);
    const rel = files.map((f) => f.slice(root.length + 1));
    expect(rel).toContain('dist/virtual-router/main.js');
    expect(rel).toContain('dist/virtual-router/datapath/datapath-worker.js'); // reached through new URL(…, import.meta.url)
    expect(rel).toContain('build/Release/qnfv_tun.node');
    expect(rel).toContain('node_modules/ssh2/package.json');
    expect(rel).toContain('node_modules/asn1/package.json'); // a dependency of ssh2
    expect(rel.some((f) => f.startsWith('dist/nfvo/') || f.startsWith('node_modules/jest/') || f.endsWith('.map'))).toBe(false);
  });

  it('writes a tar archive that GNU tar reads back, long names included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qnfv-tar-'));
    try {
      const long = `/a/${'n'.repeat(120)}/file.txt`;
      await writeFile(join(dir, 'src'), 'from disk\n');
      const chunks: Buffer[] = [];
      for await (const c of tarStream([
        { type: 'dir', path: '/a', mode: 0o755 },
        { type: 'file', path: long, mode: 0o644, size: 6, content: Buffer.from('hello\n') },
        { type: 'file', path: '/a/disk', mode: 0o755, size: 10, source: join(dir, 'src') },
        { type: 'symlink', path: '/a/link', target: '/a/disk' },
      ])) {
        chunks.push(c as Buffer);
      }
      await writeFile(join(dir, 'x.tar'), Buffer.concat(chunks));
      const list = spawnSync('tar', ['-tvf', join(dir, 'x.tar')], { encoding: 'utf8' });
      expect(list.status).toBe(0);
      expect(list.stdout).toContain(long.slice(1));
      expect(list.stdout).toMatch(/-rwxr-xr-x root\/root\s+10 .* a\/disk/);
      expect(list.stdout).toContain('a/link -> /a/disk');
      const cat = spawnSync('tar', ['-xOf', join(dir, 'x.tar'), long.slice(1)], { encoding: 'utf8' });
      expect(cat.stdout).toBe('hello\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('prerequisites', () => {
  it('reports every missing piece with how to fix it', async () => {
    const runner = new RecordingRunner().on(['ovs-vsctl'], { code: 127 }).on(['ovs-ofctl'], { code: 127 }).on(['busybox'], { code: 127 });
    const probe = { uid: () => 1000, exists: async () => false, pingDocker: async () => Promise.reject(new Error('connect ENOENT')) };
    const err = await checkDockerPrerequisites(runner, probe, '/var/run/docker.sock').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PrerequisiteError);
    const msg = (err as Error).message;
    expect(msg).toContain('needs root');
    expect(msg).toContain('dockerd is not running (no /var/run/docker.sock): run scripts/setup.sh --test');
    expect(msg).toContain('Open vSwitch is not installed: run scripts/setup.sh --test');
    expect(msg).toContain("'busybox' not found: apt-get install busybox");
    expect(msg).toContain('/dev/net/tun is missing');
  });

  it('tells a dead ovs-vswitchd from a dead ovsdb-server', async () => {
    const runner = new RecordingRunner().on(['ovs-appctl'], { code: 1, stderr: 'cannot connect to /var/run/openvswitch/ovs-vswitchd.pid' });
    const probe = { uid: () => 0, exists: async () => true, pingDocker: async () => undefined };
    await expect(checkDockerPrerequisites(runner, probe, '/var/run/docker.sock')).rejects.toThrow(/ovs-vswitchd is not running .*scripts\/setup.sh --test/);
  });
});

describe('removal plan', () => {
  const install = 'tunit0001';
  const inst = 'i1';
  const labels = (domain: string, role: ResourceLabels['role'], id: string): Record<string, string> => labelMap({ installationId: install, instanceId: inst, domain, role, id });
  const port = (name: string, bridge: string, ids: Record<string, string>): OvsPort => ({ name, bridge, type: '', ofport: 1, externalIds: ids, options: {} });
  const live: LiveResources = {
    containers: [
      { Names: ['/c-r1'], Labels: labels('a', 'router', 'r1') },
      { Names: ['/c-r2'], Labels: labels('a', 'router', 'r2') },
      { Names: ['/c-h2'], Labels: labels('a', 'host', 'h2') },
      { Names: ['/c-r3'], Labels: labels('b', 'router', 'r2') },
      { Names: ['/c-other'], Labels: { ...labels('a', 'router', 'r2'), 'qnfv.instance': 'i2' } },
    ],
    ports: [
      port('pr1', 'bra', { ...labels('a', 'router', 'r1'), 'qnfv.vl': 'wan' }),
      port('pr2', 'bra', { ...labels('a', 'router', 'r2'), 'qnfv.vl': 'lan2' }),
      port('ph2', 'bra', { ...labels('a', 'host', 'h2'), 'qnfv.vl': 'lan2' }),
      port('patch-ab', 'bra', { ...labels('a', 'network', 'wan'), 'qnfv.peer-domain': 'b' }),
      port('patch-ba', 'brb', { ...labels('b', 'network', 'wan'), 'qnfv.peer-domain': 'a' }),
      port('patch-bc', 'brb', { ...labels('b', 'network', 'wan'), 'qnfv.peer-domain': 'c' }),
    ],
    rootLinks: [
      { name: 'm-r2', labels: { installationId: install, instanceId: inst, domain: 'a', role: 'management', id: 'r2' } },
      { name: 'm-r1', labels: { installationId: install, instanceId: inst, domain: 'a', role: 'management', id: 'r1' } },
    ],
  };
  const noRecords = { routers: [], hosts: [] };

  it("takes the named nodes of its own domain (not another domain's namesake, not another instance's) and the named networks' patch ports at both ends", () => {
    const plan = planRemoval(install, inst, live, noRecords, nodeSelector('a', { routers: new Set(['r2']), hosts: new Set(['h2']), networks: new Set(['lan2', 'wan']) }));
    expect(plan.containers).toEqual(['c-h2', 'c-r2']);
    expect(plan.ports.map((p) => p.name)).toEqual(['patch-ab', 'patch-ba', 'ph2', 'pr2']);
    expect(plan.links).toEqual(['m-r2']);
    const keepWan = planRemoval(install, inst, live, noRecords, nodeSelector('a', { routers: new Set(['r2']), hosts: new Set(), networks: new Set() }));
    expect(keepWan.ports.map((p) => p.name)).toEqual(['pr2']);
  });

  it("takes a whole domain's part with the far ends of its patch ports, and records' names and pids", () => {
    const recorded = { routers: [{ vnfId: 'r9', namespace: 'c-r9', ports: [{ name: 'wan0', network: 'wan', address: '203.0.113.9/24', peer: 'p-r9' }], pid: 42 }], hosts: [] };
    const plan = planRemoval(install, inst, live, recorded, domainSelector('b'));
    expect(plan).toMatchObject({ containers: ['c-r3', 'c-r9'], links: ['p-r9'], pids: [42] });
    expect(plan.ports.map((p) => p.name)).toEqual(['patch-ab', 'patch-ba', 'patch-bc']);
    expect(planRemoval(install, inst, live, noRecords, domainSelector(undefined)).containers).toEqual(['c-h2', 'c-r1', 'c-r2', 'c-r3']);
  });

  it('keeps a network that a remaining router or host of any domain sits on', () => {
    const a: InstanceRecord = { ...emptyRecord(install, inst, 'a'), routers: [{ vnfId: 'r2', namespace: 'c-r2', ports: [{ name: 'wan0', network: 'wan', address: '', peer: '' }, { name: 'lan0', network: 'lan2', address: '', peer: '' }] }], hosts: [{ id: 'h2', namespace: 'c-h2', port: { name: 'eth0', network: 'lan2', address: '', peer: '' } }] };
    const b: InstanceRecord = { ...emptyRecord(install, inst, 'b'), routers: [{ vnfId: 'r2', namespace: 'c-r3', ports: [{ name: 'wan0', network: 'wan', address: '', peer: '' }] }] };
    expect([...networksInUse([a, b], 'a', new Set(['r2']), new Set(['h2']))]).toEqual(['wan']);
    expect([...networksInUse([a], 'a', new Set(['r2']), new Set(['h2']))]).toEqual([]);
    expect([...networksInUse([a, b], 'a', new Set(['r2']), new Set())].sort()).toEqual(['lan2', 'wan']);
  });
});
