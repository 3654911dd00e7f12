/**
 * The VXLAN inter-domain option without dockerd, OVS or the kernel: the
 * option's validation (through the driver's constructor, naming the field),
 * the peering rule, the VNI, the underlay plan for a fresh and for an
 * existing underlay, the exact commands a second domain's ensureNetwork
 * runs (RecordingRunner with a small OVSDB model that answers the driver's
 * `ovs-vsctl` reads from its own writes), the flows that make a VXLAN port an
 * inter-domain port, and what a removal takes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, ValidationError } from '../../../common/index.js';
import { DockerVimDriver, RecordingRunner } from '../../../vim/index.js';
import { labelMap, underlayNamespaceName, underlayVethName, vxlanDeviceName } from '../../../vim/docker/docker-names.js';
import { checkInterDomain, checkPeering, interDomainIds, interDomainOfBridge, vxlanVni } from '../../../vim/docker/inter-domain.js';
import type { OvsPort } from '../../../vim/docker/ovs.js';
import { domainSelector, planRemoval, type LiveResources } from '../../../vim/docker/removal-plan.js';
import { applyUnderlayPlan, underlayAlias, underlayPlan, type VxlanEnd } from '../../../vim/docker/vxlan-underlay.js';

const install = 'tunitvx01';
const inst = 'i1';

/**
 * Just enough of OVSDB for the driver: `ovs-vsctl` writes (add-br, add-port,
 * set bridge/interface external_ids, remove, del-port) change it, its
 * three-table `--format=json list` read prints it.
 */
class FakeOvsdb {
  readonly bridges = new Map<string, Record<string, string>>();
  readonly ports = new Map<string, { bridge: string; type: string; ofport: number; ids: Record<string, string>; options: Record<string, string> }>();
  private nextOfport = 1;

  apply(argv: readonly string[]): string {
    const cmds: string[][] = [[]];
    for (const t of argv.slice(1).filter((t) => !t.startsWith('--timeout') && t !== '--may-exist' && t !== '--if-exists' && t !== '--format=json')) {
      if (t === '--') cmds.push([]);
      else (cmds[cmds.length - 1] as string[]).push(t);
    }
    if (cmds.some((c) => c.includes('list'))) return this.json();
    for (const [verb, ...rest] of cmds) {
      if (verb === 'add-br' && !this.bridges.has(rest[0] as string)) this.bridges.set(rest[0] as string, {});
      if (verb === 'add-port' && !this.ports.has(rest[1] as string)) this.ports.set(rest[1] as string, { bridge: rest[0] as string, type: '', ofport: this.nextOfport++, ids: {}, options: {} });
      if (verb === 'del-port') this.ports.delete(rest[rest.length - 1] as string);
      if (verb === 'del-br') this.bridges.delete(rest[0] as string);
      if (verb === 'remove' && rest[0] === 'bridge') delete this.bridges.get(rest[1] as string)?.[rest[3] as string];
      if (verb === 'set') {
        const [table, name, ...sets] = rest;
        const ids = table === 'bridge' ? this.bridges.get(name as string) : this.ports.get(name as string)?.ids;
        const port = this.ports.get(name as string);
        for (const s of sets) {
          const m = /^external_ids:([^=]+)=(.*)$/.exec(s);
          if (m && ids) ids[m[1] as string] = JSON.parse(m[2] as string) as string;
          else if (s.startsWith('type=') && port) port.type = s.slice(5);
          else if (s.startsWith('options:') && port) port.options[s.slice(8, s.indexOf('='))] = s.slice(s.indexOf('=') + 1);
        }
      }
    }
    return '';
  }

  private json(): string {
    const map = (m: Record<string, string>) => ['map', Object.entries(m)];
    const bridges = [...this.bridges].map(([name, ids]) => [['uuid', `b-${name}`], name, map(ids), ['set', [...this.ports].filter(([, p]) => p.bridge === name).map(([n]) => ['uuid', `p-${n}`])]]);
    const ports = [...this.ports.keys()].map((n) => [['uuid', `p-${n}`], n, ['uuid', `i-${n}`]]);
    const ifaces = [...this.ports].map(([n, p]) => [['uuid', `i-${n}`], n, p.type, p.ofport, map(p.ids), map(p.options)]);
    return [
      { data: bridges, headings: ['_uuid', 'name', 'external_ids', 'ports'] },
      { data: ports, headings: ['_uuid', 'name', 'interfaces'] },
      { data: ifaces, headings: ['_uuid', 'name', 'type', 'ofport', 'external_ids', 'options'] },
    ]
      .map((t) => JSON.stringify(t))
      .join('\n');
  }
}

beforeAll(() => configureLogging({ level: 'warn' }));

const probe = { uid: () => 0, exists: async () => true };
const pingDocker = async (): Promise<void> => undefined;

describe('interDomain option', () => {
  const make = (interDomain: unknown) => () => new DockerVimDriver({ installationId: install, domain: 'a', interDomain: interDomain as never });

  it('defaults to patch ports and accepts the two kinds', () => {
    expect(new DockerVimDriver({ installationId: install, domain: 'a' }).interDomain).toEqual({ kind: 'patch' });
    expect(make({ kind: 'patch' })().interDomain).toEqual({ kind: 'patch' });
    expect(make({ kind: 'vxlan', underlayAddress: '198.51.100.1' })().interDomain).toEqual({ kind: 'vxlan', underlayAddress: '198.51.100.1' });
  });

  it.each([
    ['vxlan', /interDomain must be an object/],
    [null, /interDomain must be an object/],
    [{}, /interDomain\.kind undefined must be 'patch' or 'vxlan'/],
    [{ kind: 'gre' }, /interDomain\.kind "gre" must be 'patch' or 'vxlan'/],
    [{ kind: 'vxlan' }, /interDomain\.underlayAddress undefined must be a unicast IPv4 address/],
    [{ kind: 'vxlan', underlayAddress: '198.51.100.1/24' }, /interDomain\.underlayAddress "198\.51\.100\.1\/24" must be a unicast IPv4 address such as 198\.51\.100\.1/],
    [{ kind: 'vxlan', underlayAddress: '300.1.1.1' }, /interDomain\.underlayAddress/],
    [{ kind: 'vxlan', underlayAddress: '127.0.0.1' }, /interDomain\.underlayAddress/],
    [{ kind: 'vxlan', underlayAddress: '239.1.1.1' }, /interDomain\.underlayAddress/],
    [{ kind: 'vxlan', underlayAddress: '0.0.0.0' }, /interDomain\.underlayAddress/],
    [{ kind: 'vxlan', underlayAddress: '198.51.100.1', remoteIp: '198.51.100.2' }, /interDomain\.remoteIp is not an option of kind 'vxlan' \(its options: kind, underlayAddress\)/],
    [{ kind: 'patch', underlayAddress: '198.51.100.1' }, /interDomain\.underlayAddress is not an option of kind 'patch'/],
  ])('rejects %j naming the field', (value, message) => {
    expect(make(value)).toThrow(ValidationError);
    expect(make(value)).toThrow(message);
  });

  it('is written on the bridge and read back from it; a bridge without it is patch', () => {
    const vx = checkInterDomain({ kind: 'vxlan', underlayAddress: '198.51.100.7' });
    expect(interDomainIds(vx)).toEqual({ 'qnfv.inter-domain': 'vxlan', 'qnfv.underlay-address': '198.51.100.7' });
    expect(interDomainOfBridge(interDomainIds(vx))).toEqual(vx);
    expect(interDomainOfBridge({ 'qnfv.install': install })).toEqual({ kind: 'patch' });
    expect(() => interDomainOfBridge({ 'qnfv.inter-domain': 'vxlan' })).toThrow(/qnfv\.underlay-address/);
  });

  it('joins only domains of the same kind, with different VTEP addresses', () => {
    const vx = (a: string) => ({ kind: 'vxlan' as const, underlayAddress: a });
    expect(() => checkPeering('a', vx('198.51.100.1'), 'b', vx('198.51.100.2'))).not.toThrow();
    expect(() => checkPeering('a', { kind: 'patch' }, 'b', { kind: 'patch' })).not.toThrow();
    expect(() => checkPeering('a', vx('198.51.100.1'), 'b', { kind: 'patch' })).toThrow(/interDomain\.kind of domain 'a' is 'vxlan' but domain 'b' .* uses 'patch'/);
    expect(() => checkPeering('a', vx('198.51.100.1'), 'b', vx('198.51.100.1'))).toThrow(/interDomain\.underlayAddress 198\.51\.100\.1 of domain 'a' is also domain 'b''s/);
  });

  it('derives a 24-bit VNI per instance, network and unordered domain pair, skipping used ones', () => {
    const v = vxlanVni(install, inst, 'wan', 'a', 'b', new Set());
    expect(v).toBeGreaterThanOrEqual(1);
    expect(v).toBeLessThanOrEqual(0xffffff);
    expect(vxlanVni(install, inst, 'wan', 'b', 'a', new Set())).toBe(v);
    expect(vxlanVni(install, inst, 'wan2', 'a', 'b', new Set())).not.toBe(v);
    expect(vxlanVni(install, inst, 'wan', 'a', 'b', new Set([v]))).toBe((v % 0xffffff) + 1);
  });
});

describe('underlay plan', () => {
  const pid = 4242;
  const domains = [
    { domain: 'a', address: '198.51.100.1' },
    { domain: 'b', address: '198.51.100.2' },
  ];
  const end = (d: string, p: string, vni: number): VxlanEnd => ({
    device: vxlanDeviceName(install, inst, 'wan', d, p),
    domain: d,
    peerDomain: p,
    local: d === 'a' ? '198.51.100.1' : '198.51.100.2',
    remote: d === 'a' ? '198.51.100.2' : '198.51.100.1',
    vni,
    labels: { installationId: install, instanceId: inst, domain: d, role: 'network', id: 'wan' },
  });
  const ends = [end('a', 'b', 77), end('b', 'a', 77)];
  const [nsA, nsB] = [underlayNamespaceName(install, 'a'), underlayNamespaceName(install, 'b')];
  const [uA, uB] = [underlayVethName(install, 'a', 'b'), underlayVethName(install, 'b', 'a')];
  const [xA, xB] = ends.map((e) => e.device) as [string, string];

  it('on a fresh host: namespaces, a veth pair with the VTEPs, a VXLAN device per domain', () => {
    const plan = underlayPlan(install, domains, ends, { namespaces: [], rootLinks: new Set() }, pid);
    expect(nsA).toBe('qnfv-tunitvx0-underlay-a');
    expect(plan.addNamespaces).toEqual([nsA, nsB]);
    expect(plan.rootVeths).toEqual([['link', 'add', 'name', uA, 'netns', nsA, 'mtu', '1550', 'type', 'veth', 'peer', 'name', uB, 'netns', nsB, 'mtu', '1550']]);
    expect(plan.namespaceBatches).toEqual([
      {
        namespace: nsA,
        commands: [
          ['link', 'set', 'dev', 'lo', 'alias', `qnfv.install=${install},qnfv.domain=a,qnfv.kind=underlay`],
          ['link', 'set', 'dev', 'lo', 'up'],
          ['link', 'set', 'dev', uA, 'alias', `qnfv.install=${install},qnfv.domain=a,qnfv.kind=underlay,qnfv.peer-domain=b`],
          ['addr', 'replace', '198.51.100.1', 'peer', '198.51.100.2', 'dev', uA],
          ['link', 'set', 'dev', uA, 'up'],
          ['link', 'add', 'name', xA, 'netns', '4242', 'mtu', '1500', 'type', 'vxlan', 'id', '77', 'local', '198.51.100.1', 'remote', '198.51.100.2', 'dstport', '4789'],
        ],
      },
      {
        namespace: nsB,
        commands: [
          ['link', 'set', 'dev', 'lo', 'alias', `qnfv.install=${install},qnfv.domain=b,qnfv.kind=underlay`],
          ['link', 'set', 'dev', 'lo', 'up'],
          ['link', 'set', 'dev', uB, 'alias', `qnfv.install=${install},qnfv.domain=b,qnfv.kind=underlay,qnfv.peer-domain=a`],
          ['addr', 'replace', '198.51.100.2', 'peer', '198.51.100.1', 'dev', uB],
          ['link', 'set', 'dev', uB, 'up'],
          ['link', 'add', 'name', xB, 'netns', '4242', 'mtu', '1500', 'type', 'vxlan', 'id', '77', 'local', '198.51.100.2', 'remote', '198.51.100.1', 'dstport', '4789'],
        ],
      },
    ]);
    expect(plan.rootDevices).toEqual([
      ['link', 'set', 'dev', xA, 'alias', `qnfv.install=${install},qnfv.instance=${inst},qnfv.domain=a,qnfv.role=network,qnfv.vl=wan`],
      ['link', 'set', 'dev', xA, 'up'],
      ['link', 'set', 'dev', xB, 'alias', `qnfv.install=${install},qnfv.instance=${inst},qnfv.domain=b,qnfv.role=network,qnfv.vl=wan`],
      ['link', 'set', 'dev', xB, 'up'],
    ]);
    expect(plan.offload).toEqual([
      ['ethtool', '-K', xA, 'tx', 'off'],
      ['ethtool', '-K', xB, 'tx', 'off'],
    ]);
  });

  it('with the underlay in place: only the missing device', () => {
    const namespaces = [
      { name: nsA, domain: 'a', veths: [{ name: uA, peerDomain: 'b' }] },
      { name: nsB, domain: 'b', veths: [{ name: uB, peerDomain: 'a' }] },
    ];
    const plan = underlayPlan(install, domains, ends, { namespaces, rootLinks: new Set([xA]) }, pid);
    expect(plan.addNamespaces).toEqual([]);
    expect(plan.rootVeths).toEqual([]);
    expect(plan.namespaceBatches).toEqual([{ namespace: nsB, commands: [expect.arrayContaining(['link', 'add', 'name', xB, 'type', 'vxlan'])] }]);
    expect(plan.offload).toEqual([['ethtool', '-K', xB, 'tx', 'off']]);
  });

  it('runs netns add alone, then the root veth batch, the namespace batches, offload and the device batch', async () => {
    const runner = new RecordingRunner();
    await applyUnderlayPlan(runner, underlayPlan(install, domains, ends, { namespaces: [], rootLinks: new Set() }, pid));
    expect(runner.argvs()).toEqual([
      ['ip', 'netns', 'add', nsA],
      ['ip', 'netns', 'add', nsB],
      ['ip', '-batch', '-'],
      ['ip', '-n', nsA, '-batch', '-'],
      ['ip', '-n', nsB, '-batch', '-'],
      ['ethtool', '-K', xA, 'tx', 'off'],
      ['ethtool', '-K', xB, 'tx', 'off'],
      ['ip', '-batch', '-'],
    ]);
    expect(runner.calls[3]?.input).toContain(`link add name ${xA} netns 4242 mtu 1500 type vxlan id 77 local 198.51.100.1 remote 198.51.100.2 dstport 4789\n`);
    expect(underlayAlias(install, 'a', 'b')).toBe(`qnfv.install=${install},qnfv.domain=a,qnfv.kind=underlay,qnfv.peer-domain=b`);
  });
});

describe('driver: the second domain ensuring a shared network joins both bridges by VXLAN', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'qnfv-vxlan-units-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  const setup = (choiceB: unknown = { kind: 'vxlan', underlayAddress: '198.51.100.2' }) => {
    const ovsdb = new FakeOvsdb();
    const runner = new RecordingRunner().on(['ovs-vsctl'], (call) => ({ stdout: ovsdb.apply(call.argv) }));
    const common = { installationId: install, stateDir, runner, probe, pingDocker };
    const a = new DockerVimDriver({ ...common, domain: 'a', interDomain: { kind: 'vxlan', underlayAddress: '198.51.100.1' } });
    const b = new DockerVimDriver({ ...common, domain: 'b', interDomain: choiceB as never });
    return { ovsdb, runner, a, b };
  };

  it('creates the underlay and a VXLAN port on each bridge, labelled with both domains and numbered like the network; flows treat them as inter-domain ports', async () => {
    const { ovsdb, runner, a, b } = setup();
    await a.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    expect(ovsdb.bridges.get(a.bridge)).toMatchObject({ 'qnfv.inter-domain': 'vxlan', 'qnfv.underlay-address': '198.51.100.1', 'qnfv.domain': 'a' });
    const wiring = (): string[][] => runner.argvs().filter((c) => (c[0] === 'ip' || c[0] === 'ethtool') && c[1] !== '-V' && c[1] !== '--version');
    expect(wiring()).toEqual([]); // alone on the network: nothing to join
    runner.calls.length = 0;

    await b.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    const [xA, xB] = [vxlanDeviceName(install, inst, 'wan', 'a', 'b'), vxlanDeviceName(install, inst, 'wan', 'b', 'a')];
    const vni = String(vxlanVni(install, inst, 'wan', 'a', 'b', new Set()));
    expect(wiring()).toEqual([
      ['ip', 'netns', 'list'],
      ['ip', '-j', 'link', 'show'],
      ['ip', 'netns', 'add', underlayNamespaceName(install, 'a')],
      ['ip', 'netns', 'add', underlayNamespaceName(install, 'b')],
      ['ip', '-batch', '-'],
      ['ip', '-n', underlayNamespaceName(install, 'a'), '-batch', '-'],
      ['ip', '-n', underlayNamespaceName(install, 'b'), '-batch', '-'],
      ['ethtool', '-K', xB, 'tx', 'off'],
      ['ethtool', '-K', xA, 'tx', 'off'],
      ['ip', '-batch', '-'],
    ]);
    expect(runner.batchCommands()).toEqual(
      expect.arrayContaining([
        ['link', 'add', 'name', xB, 'netns', String(process.pid), 'mtu', '1500', 'type', 'vxlan', 'id', vni, 'local', '198.51.100.2', 'remote', '198.51.100.1', 'dstport', '4789'],
        ['link', 'add', 'name', xA, 'netns', String(process.pid), 'mtu', '1500', 'type', 'vxlan', 'id', vni, 'local', '198.51.100.1', 'remote', '198.51.100.2', 'dstport', '4789'],
      ]),
    );
    // One ovs-vsctl transaction adds both ports with their labels.
    const add = runner.argvs().find((c) => c[0] === 'ovs-vsctl' && c.includes('add-port'));
    expect(add).toEqual(expect.arrayContaining(['add-port', b.bridge, xB, 'add-port', a.bridge, xA]));
    expect(ovsdb.ports.get(xA)).toMatchObject({ bridge: a.bridge, type: '', ids: { ...labelMap({ installationId: install, instanceId: inst, domain: 'a', role: 'network', id: 'wan' }), 'qnfv.peer-domain': 'b', 'qnfv.reg': '1', 'qnfv.vni': vni, 'qnfv.kind': 'vxlan' } });
    expect(ovsdb.ports.get(xB)?.ids).toMatchObject({ 'qnfv.domain': 'b', 'qnfv.peer-domain': 'a', 'qnfv.vni': vni });
    // Both bridges' tables: the VXLAN port sets REG1 (split horizon) like a patch port.
    const flows = runner.calls.filter((c) => c.argv.includes('replace-flows'));
    expect(flows.map((c) => c.argv[c.argv.length - 2])).toEqual(expect.arrayContaining([a.bridge, b.bridge]));
    const ofA = ovsdb.ports.get(xA)?.ofport;
    expect(flows.find((c) => c.argv.includes(a.bridge))?.input).toContain(`in_port=${ofA},actions=load:1->NXM_NX_REG0[],load:1->NXM_NX_REG1[],resubmit(,1)`);
  });

  it('a second network gets its own VNI; ensuring again adds no second VNI', async () => {
    const { ovsdb, a, b } = setup();
    for (const vl of ['wan', 'wan2']) for (const d of [a, b]) await d.ensureNetwork({ instanceId: inst, id: vl, kind: 'wan' });
    const vniOf = (vl: string, d: string, p: string) => ovsdb.ports.get(vxlanDeviceName(install, inst, vl, d, p))?.ids['qnfv.vni'];
    expect(vniOf('wan', 'a', 'b')).toBeDefined();
    expect(vniOf('wan2', 'a', 'b')).toBeDefined();
    expect(vniOf('wan2', 'a', 'b')).not.toBe(vniOf('wan', 'a', 'b'));
    const before = vniOf('wan', 'a', 'b');
    await b.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    expect(vniOf('wan', 'a', 'b')).toBe(before);
  });

  it('refuses to join a domain of the other kind, naming the option', async () => {
    const { a, b } = setup({ kind: 'patch' });
    await a.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    await expect(b.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' })).rejects.toThrow(/interDomain\.kind of domain 'b' is 'patch' but domain 'a' .* uses 'vxlan'/);
  });

  it('refuses two domains with the same VTEP address', async () => {
    const { a, b } = setup({ kind: 'vxlan', underlayAddress: '198.51.100.1' });
    await a.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' });
    await expect(b.ensureNetwork({ instanceId: inst, id: 'wan', kind: 'wan' })).rejects.toThrow(ValidationError);
  });
});

describe('removal plan with VXLAN ports', () => {
  it("takes both ends' ports and both devices when either domain's part goes", () => {
    const ids = (domain: string, peer: string) => ({ ...labelMap({ installationId: install, instanceId: inst, domain, role: 'network', id: 'wan' }), 'qnfv.peer-domain': peer, 'qnfv.kind': 'vxlan' });
    const port = (name: string, bridge: string, externalIds: Record<string, string>): OvsPort => ({ name, bridge, type: '', ofport: 1, externalIds, options: {} });
    const live: LiveResources = {
      containers: [],
      ports: [port('xa', 'bra', ids('a', 'b')), port('xb', 'brb', ids('b', 'a'))],
      rootLinks: [
        { name: 'xa', labels: { installationId: install, instanceId: inst, domain: 'a', role: 'network', id: 'wan' } },
        { name: 'xb', labels: { installationId: install, instanceId: inst, domain: 'b', role: 'network', id: 'wan' } },
      ],
    };
    const plan = planRemoval(install, inst, live, { routers: [], hosts: [] }, domainSelector('a'));
    expect(plan.ports.map((p) => p.name)).toEqual(['xa', 'xb']);
    expect(plan.links).toEqual(['xa', 'xb']);
  });
});
