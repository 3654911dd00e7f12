/**
 * Two VCAs (vca/vca-service.ts), one per domain, as the NFVO sees them:
 * SSH (host key pinned, only the NFVO's key) + the `qnfv-vca` JSON-RPC
 * subsystem. Each VCA has a real QKD/Hybridization Module pair behind it and
 * a VIM that runs the real router program (dist/) in a `qtv-` namespace with
 * a management veth, so the whole path runs: deploy (day-0 files, router
 * started before its config exists, NETCONF session with a pinned key),
 * obtainKey at both ends, applyIpsec, routerState, releaseKey, teardown.
 * The keys both routers received are read back over NETCONF as admin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotSupportedError, QnfvError, configureLogging } from '../../common/index.js';
import { ipsecConfigFromXml, ipsecConfigToJson, IKELESS_NS } from '../../common/ikeless/index.js';
import { NetconfClient } from '../../common/netconf/index.js';
import { connectSsh, fingerprint, generateKeyPair, readPrivateKey, type SshClient } from '../../common/ssh/index.js';
import { ALL_CAPABILITIES, type HostInfo, type HostSpec, type NetworkInfo, type NetworkSpec, type NodeRemovalSpec, type RemovalReport, type RouterInfo, type RouterSpec, type VimDriver } from '../../vim/index.js';
import { checkRouterConfig, type RouterConfig } from '../../virtual-router/index.js';
import { JsonRpcClient, VCA_SUBSYSTEM, VcaService, type DeployResult, type DomainIntent, type KeyIds, type RouterIpsecState } from '../../vca/index.js';
import { NODE_A, NODE_B, hybridUri, startDomains, type Domains } from '../qkd/helpers.js';
import { addMgmtLink, createNs, deleteNs, type MgmtLink } from '../virtual-router/router-fixture.js';
import { SITE_A, SITE_B, tunnelConfig } from '../virtual-router/tunnel-fixtures.js';

configureLogging({ console: false });

/** A VIM that gives each router a `qtv-` namespace with a management link and runs its program there. */
class NamespaceVim implements VimDriver {
  readonly kind = 'netns' as const;
  readonly capabilities = new Set(ALL_CAPABILITIES);
  readonly calls: string[] = [];
  readonly routerSpecs: RouterSpec[] = [];
  readonly namespaces: string[] = [];
  readonly mgmt = new Map<string, MgmtLink>();
  private readonly procs: ChildProcess[] = [];

  constructor(
    readonly installationId: string,
    readonly domain: string,
  ) {}

  async checkPrerequisites(): Promise<void> {}
  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    this.calls.push(`network ${spec.id}`);
    return { id: spec.id, kind: spec.kind, namespace: 'n/a', bridge: 'n/a' };
  }
  async createRouter(spec: RouterSpec): Promise<RouterInfo> {
    this.calls.push(`router ${spec.vnfId}`);
    this.routerSpecs.push(spec);
    const ns = await createNs(`vca${this.domain}`);
    this.namespaces.push(ns);
    const link = await addMgmtLink(ns);
    this.mgmt.set(spec.vnfId, link);
    const p = spec.program!;
    const log = openSync(p.logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', ns, ...p.argv], { cwd: p.cwd, env: { ...process.env, ...p.env, QNFV_LOG: 'on' }, stdio: ['ignore', log, log] });
    closeSync(log);
    this.procs.push(child);
    return { namespace: ns, mgmt: { hostInterface: link.hostIf, hostAddress: link.hostAddress, routerAddress: link.routerAddress, prefixLength: 30, routerInterface: 'mgmt0' }, ports: spec.ports, pid: child.pid };
  }
  async createHost(spec: HostSpec): Promise<HostInfo> {
    this.calls.push(`host ${spec.id}`);
    return { namespace: `host-${spec.id}`, address: spec.port.address };
  }
  async exec(): Promise<never> {
    throw new NotSupportedError('exec');
  }
  async removeInstance(instanceId: string): Promise<RemovalReport> {
    this.calls.push(`remove ${instanceId}`);
    const pids: number[] = [];
    for (const c of this.procs.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await gone;
      }
      pids.push(c.pid!);
    }
    const namespaces = this.namespaces.splice(0);
    await deleteNs(...namespaces);
    return { instanceId, domains: [this.domain], namespaces, links: [], pids, stateRecords: 0 };
  }
  async removeNodes(spec: NodeRemovalSpec): Promise<RemovalReport> {
    this.calls.push(`remove nodes ${spec.routers.join(',')}`);
    return { instanceId: spec.instanceId, domains: [this.domain], namespaces: [], links: [], pids: [], stateRecords: 0 };
  }
  async listResources(): Promise<[]> {
    return [];
  }
  async reconcile(): Promise<{ removed: []; kept: [] }> {
    return { removed: [], kept: [] };
  }
}

interface Domain {
  name: 'a' | 'b';
  vim: NamespaceVim;
  vca: VcaService;
  dataDir: string;
  port: number;
  ssh: SshClient;
  rpc: JsonRpcClient;
}

describe('VCA service: NFVO → VCA → router, two domains', () => {
  let qkd: Domains;
  const nfvoKey = generateKeyPair('nfvo');
  const instanceId = randomUUID();
  const installationId = `qtv${randomBytes(4).toString('hex')}`;
  const doms: Domain[] = [];
  const deployed: Record<string, DeployResult> = {};
  let ids: KeyIds;

  const intent = (d: 'a' | 'b'): DomainIntent => {
    const site = d === 'a' ? SITE_A : SITE_B;
    return {
      installationId,
      instanceId,
      domain: d,
      networks: [
        { id: `lan-${d}`, kind: 'lan', subnet: site.lan },
        { id: 'wan', kind: 'wan', subnet: '10.44.0.0/30' },
      ],
      routers: [{ vnfId: `site-${d}`, vnfdId: 'qnfv-router', ports: [{ name: 'lan0', network: `lan-${d}`, address: site.lan.replace(/0\/24$/, '1/24') }], tunnelAddress: site.tunnel, routes: [] }],
      hosts: [{ id: `host-${d}`, network: `lan-${d}`, address: site.lan.replace(/0\/24$/, '10/24'), gateway: site.lan.replace(/0\/24$/, '1') }],
    };
  };
  const call = <T>(d: Domain, method: string, params: unknown) => d.rpc.call(method, params, 30_000) as Promise<T>;

  /** An admin NETCONF session with the VCA's own client key (what the day-0 config authorizes). */
  async function adminSession(d: Domain): Promise<NetconfClient> {
    const r = deployed[d.name]!.routers[0]!;
    return NetconfClient.connect({
      host: r.mgmtAddress,
      port: r.netconfPort,
      username: 'admin',
      privateKey: await readPrivateKey(join(d.dataDir, 'netconf_client_ed25519_key')),
      hostKeyFingerprint: r.hostKeyFingerprint,
    });
  }

  beforeAll(async () => {
    qkd = await startDomains({ prefill: 16 });
    for (const name of ['a', 'b'] as const) {
      const dataDir = await mkdtemp(join(tmpdir(), `qtv-vca-${name}-`));
      const vim = new NamespaceVim(installationId, name);
      const hm = name === 'a' ? qkd.hmA : qkd.hmB;
      const vca = new VcaService({ domain: name, vim, hm: { host: '127.0.0.1', port: hm.port }, dataDir, nfvoAuthorizedKeys: [nfvoKey.publicKey] });
      const bound = await vca.start(0, '127.0.0.1');
      const ssh = await connectSsh({ host: bound.host, port: bound.port, username: 'nfvo', privateKey: nfvoKey.privateKey, hostKeyFingerprint: bound.hostKeyFingerprint });
      const rpc = new JsonRpcClient(await ssh.subsystem(VCA_SUBSYSTEM), `VCA of ${name}`);
      doms.push({ name, vim, vca, dataDir, port: bound.port, ssh, rpc });
    }
  });
  afterAll(async () => {
    for (const d of doms) {
      d.rpc.close();
      await d.ssh.close().catch(() => undefined);
      await d.vca.stop().catch(() => undefined);
      await d.vim.removeInstance(instanceId).catch(() => undefined);
      await rm(d.dataDir, { recursive: true, force: true });
    }
    await qkd?.stop();
  });

  it('vca.hello names the domain; other SSH users and unknown methods are refused', async () => {
    const [a] = doms;
    expect(await call(a!, 'vca.hello', {})).toEqual({ domain: 'a', vimDriver: 'netns', version: '0.1.0' });
    expect(a!.vca.hostKeyFingerprint).toMatch(/^SHA256:/);
    const intruder = generateKeyPair('intruder');
    await expect(connectSsh({ host: '127.0.0.1', port: a!.port, username: 'nfvo', privateKey: intruder.privateKey, hostKeyFingerprint: a!.vca.hostKeyFingerprint })).rejects.toThrow(/auth/i);
    await expect(call(a!, 'vca.nope', {})).rejects.toThrow(/method not found/);
  });

  it('vca.deploy refuses an intent for another domain (VALIDATION)', async () => {
    const err = (await call(doms[0]!, 'vca.deploy', intent('b')).catch((e: unknown) => e)) as QnfvError;
    expect(err).toBeInstanceOf(QnfvError);
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toMatch(/intent for domain 'b' sent to the VCA of 'a'/);
    expect(doms[0]!.vim.calls).toEqual([]);
  });

  it('vca.deploy: networks, then the router (started before its config exists) with pinned host key, then hosts', async () => {
    for (const d of doms) {
      const res = await call<DeployResult>(d, 'vca.deploy', intent(d.name));
      deployed[d.name] = res;
      expect(d.vim.calls).toEqual([`network lan-${d.name}`, 'network wan', `router site-${d.name}`, `host host-${d.name}`]);
      const r = res.routers[0]!;
      const link = d.vim.mgmt.get(`site-${d.name}`)!;
      expect(r).toMatchObject({ vnfId: `site-${d.name}`, namespace: d.vim.namespaces[0], mgmtAddress: link.routerAddress, netconfPort: 830, hostKeyFingerprint: expect.stringMatching(/^SHA256:/) });
      expect(res.hosts).toEqual([{ id: `host-${d.name}`, namespace: `host-host-${d.name}`, address: intent(d.name).hosts[0]!.address }]);
      // Day-0 files: 0600, a valid router config, the VCA's client key as admin, the host key whose fingerprint was pinned.
      const dir = join(d.dataDir, 'instances', instanceId, `site-${d.name}`);
      const cfgText = await readFile(join(dir, 'router.json'), 'utf8');
      const cfg = JSON.parse(cfgText) as RouterConfig;
      expect(checkRouterConfig(cfg)).toEqual([]);
      expect(cfg).toMatchObject({ name: `site-${d.name}`, instanceId, tunnelAddresses: [intent(d.name).routers[0]!.tunnelAddress], keyReaderGroups: ['admin'], netconf: { listenAddress: link.routerAddress, port: 830 } });
      expect((await stat(join(dir, 'router.json'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'ssh_host_ed25519_key'))).mode & 0o777).toBe(0o600);
      expect(fingerprint(await readPrivateKey(join(dir, 'ssh_host_ed25519_key')))).toBe(r.hostKeyFingerprint);
      const clientPub = (await readFile(join(d.dataDir, 'netconf_client_ed25519_key.pub'), 'utf8')).trim();
      expect(cfg.netconf.users).toEqual([{ name: 'admin', groups: ['admin'], authorizedKeys: [clientPub] }]);
      const argv = d.vim.routerSpecs[0]!.program!.argv;
      expect(argv.slice(-3)).toEqual(['--config', join(dir, 'router.json'), '--wait-for-config']);
      expect(argv[1]).toMatch(/dist\/virtual-router\/main\.js$/);
      // The router answers NETCONF (the VCA's own session was opened by deploy).
      const state = await call<RouterIpsecState>(d, 'vca.routerState', { instanceId, vnfId: `site-${d.name}` });
      expect(state).toMatchObject({ vnfId: `site-${d.name}`, sas: [] });
    }
  });

  it('vca.obtainKey at both ends and vca.applyIpsec: both routers get the same key bytes, the NFVO only ids', async () => {
    const [a, b] = doms as [Domain, Domain];
    const tunnelId = 't1';
    const masterUri = hybridUri(tunnelId, NODE_A);
    const peerUri = hybridUri(tunnelId, NODE_B);
    ids = await call<KeyIds>(a, 'vca.obtainKey', { instanceId, tunnelId, source: masterUri, destination: peerUri, keyChunkSize: 32 });
    const peerIds = await call<KeyIds>(b, 'vca.obtainKey', { instanceId, tunnelId, source: peerUri, destination: masterUri, keyChunkSize: 32, ids });
    expect(peerIds).toEqual(ids);
    // A second request for the tunnel is a conflict, with its code across the wire.
    await expect(call(a, 'vca.obtainKey', { instanceId, tunnelId, source: masterUri, destination: peerUri, keyChunkSize: 32 })).rejects.toMatchObject({ code: 'CONFLICT' });

    const cfgA = tunnelConfig(tunnelId, SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true });
    const cfgB = tunnelConfig(tunnelId, SITE_B, SITE_A, { spiOut: 0x2002, spiIn: 0x1001, master: false });
    const bindings = (cfg: typeof cfgA, master: boolean) => cfg.sad.map((e, i) => ({ sadName: e.name, tunnelId, direction: (i === 0) === master ? 'out' : 'in', keyLengthBits: 256 }));
    const resA = await call<{ applied: number }>(a, 'vca.applyIpsec', { instanceId, vnfId: 'site-a', ikeless: ipsecConfigToJson(cfgA, { withKeys: false }), keyBindings: bindings(cfgA, true) });
    const resB = await call<{ applied: number }>(b, 'vca.applyIpsec', { instanceId, vnfId: 'site-b', ikeless: ipsecConfigToJson(cfgB, { withKeys: false }), keyBindings: bindings(cfgB, false) });
    expect([resA, resB]).toEqual([{ applied: 4 }, { applied: 4 }]);

    const sessA = await adminSession(a);
    const sessB = await adminSession(b);
    try {
      const read = async (s: NetconfClient) => ipsecConfigFromXml((await s.getConfig('running')).find((e) => e.name === 'ipsec-ikeless' && e.ns === IKELESS_NS)!);
      const [onA, onB] = [await read(sessA), await read(sessB)];
      expect(onA.sad.map((e) => e.name).sort()).toEqual(onB.sad.map((e) => e.name).sort());
      for (const sa of onA.sad) {
        const other = onB.sad.find((e) => e.name === sa.name)!;
        expect(sa.espSa.encryption.key).toHaveLength(36);
        expect(Buffer.from(other.espSa.encryption.key!).equals(Buffer.from(sa.espSa.encryption.key!))).toBe(true);
      }
      expect(Buffer.from(onA.sad[0]!.espSa.encryption.key!).equals(Buffer.from(onA.sad[1]!.espSa.encryption.key!))).toBe(false);
    } finally {
      await sessA.close();
      await sessB.close();
    }

    const st = await call<RouterIpsecState>(a, 'vca.routerState', { instanceId, vnfId: 'site-a' });
    expect(st.sas.map((s) => [s.name, s.spi, s.packets]).sort()).toEqual(cfgA.sad.map((e) => [e.name, e.spi, 0]).sort());
    expect(st.datapath).toMatchObject({ encrypted: 0, decrypted: 0 });
    // Nothing the NFVO received names key bytes: only ids and counters.
    expect(JSON.stringify([ids, peerIds, resA, resB, st])).not.toMatch(/[0-9a-f]{64}/);
  });

  it('refuses keyed entries and unknown routers with their codes', async () => {
    const [a] = doms as [Domain];
    const cfg = tunnelConfig('t1', SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true, secret: new Uint8Array(32).fill(1) });
    await expect(call(a, 'vca.applyIpsec', { instanceId, vnfId: 'site-a', ikeless: ipsecConfigToJson(cfg, { withKeys: true }), keyBindings: [] })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/arrived with key material/) });
    await expect(call(a, 'vca.routerState', { instanceId, vnfId: 'site-x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call(a, 'vca.applyIpsec', { instanceId, vnfId: 'site-x', ikeless: null, keyBindings: [], deleteSad: ['x'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('vca.releaseKey and vca.teardown: keys released, router stopped, namespaces and day-0 files removed', async () => {
    const [a, b] = doms as [Domain, Domain];
    expect(await call(a, 'vca.releaseKey', { instanceId, tunnelId: 't1' })).toEqual({ released: true });
    expect(await call(a, 'vca.releaseKey', { instanceId, tunnelId: 't1' })).toEqual({ released: false });
    for (const d of [a, b]) {
      const ns = d.vim.namespaces[0]!;
      const res = await call<{ removed: string[] }>(d, 'vca.teardown', { installationId, instanceId });
      expect(res.removed).toEqual([ns]);
      expect(d.vim.calls.at(-1)).toBe(`remove ${instanceId}`);
      await expect(stat(join(d.dataDir, 'instances', instanceId))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(call(d, 'vca.routerState', { instanceId, vnfId: `site-${d.name}` })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    // B's key went with the teardown: the tunnel can be keyed afresh at both ends.
    const fresh = await call<KeyIds>(a, 'vca.obtainKey', { instanceId, tunnelId: 't1', source: hybridUri('t1', NODE_A), destination: hybridUri('t1', NODE_B), keyChunkSize: 32 });
    const again = await call<KeyIds>(b, 'vca.obtainKey', { instanceId, tunnelId: 't1', source: hybridUri('t1', NODE_B), destination: hybridUri('t1', NODE_A), keyChunkSize: 32, ids: fresh });
    expect(again.keyStreamId).toBe(fresh.keyStreamId);
    expect(fresh.qkdKeyIds).not.toEqual(ids.qkdKeyIds);
  });
});
