/**
 * The multi-domain lab, everything real on one host: a QKD network (one node
 * per domain, a QKD link between every pair of nodes, each node's KME serving
 * ETSI 014 over all its links), per domain a Hybridization Module (ETSI 004
 * northbound; ML-KEM with every other domain's HM, its peers), a VIM (`netns`
 * driver, or `docker`: routers and hosts in containers on per-domain Open
 * vSwitch bridges) and a VCA (SSH, JSON-RPC), and the NFVO (REST) that knows
 * the domains as VIM accounts. Two domains by default (the demo's); the
 * ten-site mesh benchmark starts ten. The demo and the end-to-end tests start
 * it; each component talks to the others over its real protocol.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { QkdNetwork, describeLinkStats, fullMesh, HybridizationModule, createEtsi014Pki, etsi014ClientTls, loadOrCreateHmIdentity, startHmThread, type HmHandle, type HybridizationModuleOptions } from '../../qkd/index.js';
import { createVimDriver, type VimDriver, type VimDriverKind } from '../../vim/index.js';
import { VcaService } from '../../vca/index.js';
import { NfvoApiError, NfvoClient, NfvoServer, SshDomainConnector, type DomainConnector, type NfvoOptions, type NsInstance, type VimAccount, type VnfInstance } from '../../nfvo/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { loadOrCreateKeyPair, readPrivateKey } from '../../common/ssh/index.js';
import { NetconfClient } from '../../common/netconf/index.js';
import { ipsecConfigFromXml } from '../../common/ikeless/index.js';
import { IKELESS_NS, type SadEntry } from '../../common/ikeless/types.js';
import { ProtocolError, ValidationError, zeroize } from '../../common/index.js';

export interface LabDomain {
  name: string;
  nodeUuid: string;
  hm: HmHandle;
  vim: VimDriver;
  vca: VcaService;
  account?: VimAccount;
}

export interface LabOptions {
  dataDir: string;
  installationId: string;
  /**
   * Domain names (default domain-a, domain-b; at least two, distinct). Every pair of domains
   * gets a QKD link, and their Hybridization Modules are peers.
   */
  domains?: readonly string[];
  /** QKD keys per second of each CSPRNG stand-in link (default 20) and keys ready at start. */
  qkdKeyRate?: number;
  qkdPrefill?: number;
  /**
   * Run each Hybridization Module in a worker thread, with its own event loop, as it runs in
   * its own process on its node (benchmarks; needs the compiled code). Default: in this thread.
   */
  hmThreads?: boolean;
  /** What feeds the QKD link: the CSPRNG stand-in (default) or the BB84 decoy-state simulator. */
  qkdFeed?: 'csprng' | 'bb84';
  /** Fibre length of the simulated BB84 link (default 25 km). */
  qkdFibreKm?: number;
  /** Wrap the NFVO's domain connector (tests record what the NFVO sends and receives). */
  wrapConnector?: (c: DomainConnector) => DomainConnector;
  /** Tunables of the NFVO's rekey service. */
  tunnelMaintenance?: NfvoOptions['tunnelMaintenance'];
  /**
   * The VIM driver of both domains (default `netns`). With `docker` both
   * drivers keep their records in the same state folder (the driver's
   * default, per installation), so the WAN that both domains ensure is
   * joined between their bridges.
   */
  vimDriver?: VimDriverKind;
  /**
   * docker only: how the domains' OVS bridges share the WAN — OVS patch ports (default) or
   * Linux VXLAN devices over per-domain underlay namespaces, domain i's VTEP at 198.51.100.(i+1).
   */
  interDomain?: 'patch' | 'vxlan';
}

/** The lab's domains: at least two. */
export type LabDomains = readonly [LabDomain, LabDomain, ...LabDomain[]];

/** A running lab. */
export class DomainLab {
  private constructor(
    /** The QKD network between the domains' nodes (node i belongs to domain i). */
    readonly qkd: QkdNetwork,
    readonly domains: LabDomains,
    readonly nfvo: NfvoServer,
    readonly nfvoUrl: string,
    /** A client of the NFVO's REST API, logged in as the lab's admin. */
    readonly client: NfvoClient,
    /** The NFVO's connector to the domains' VCAs (benchmarks drive the keying steps directly). */
    readonly connector: DomainConnector,
    private readonly dataDir: string,
  ) {}

  /**
   * A NETCONF session to a router as its VCA's `admin` (the NACM group that
   * may read key leaves; tests and benchmarks read SA keys back with it), with
   * the router's host key pinned as recorded on the NS instance.
   */
  async routerNetconf(v: VnfInstance): Promise<NetconfClient> {
    const domain = this.domains.find((d) => d.account!.id === v.vimId);
    if (!domain) throw new ProtocolError(`VNF ${v.vnfProfileId} runs in no domain of this lab`);
    return NetconfClient.connect({
      host: v.metadata.mgmtAddress,
      port: v.metadata.netconfPort,
      username: 'admin',
      privateKey: await readPrivateKey(join(this.dataDir, domain.name, 'netconf_client_ed25519_key')),
      hostKeyFingerprint: v.metadata.netconfHostKeyFingerprint,
    });
  }

  /** A router's running SAD, keys included (as `admin`). */
  async routerSad(v: VnfInstance): Promise<SadEntry[]> {
    const client = await this.routerNetconf(v);
    try {
      const root = (await client.getConfig()).find((e) => e.name === 'ipsec-ikeless' && e.ns === IKELESS_NS);
      return root ? ipsecConfigFromXml(root).sad : [];
    } finally {
      await client.close();
    }
  }

  /** The QKD links' figures as lines (rate, QBER, pools), each prefixed with its link. */
  describeQkd(): string[] {
    const stats = this.qkd.stats();
    return this.qkd.links.flatMap((l, i) => describeLinkStats(stats[i]!).map((line) => (stats.length > 1 ? `${l.name}: ${line}` : line)));
  }

  /** Start every component and register every domain with the NFVO. */
  static async start(opts: LabOptions): Promise<DomainLab> {
    const names = opts.domains ?? ['domain-a', 'domain-b'];
    if (opts.interDomain !== undefined && opts.vimDriver !== 'docker') throw new ValidationError(`interDomain applies to the docker VIM driver, not to '${opts.vimDriver ?? 'netns'}'`);
    if (names.length < 2 || new Set(names).size !== names.length) throw new ValidationError(`domains must name at least two distinct domains, got [${names.join(', ')}]`);
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const stops: (() => Promise<unknown>)[] = [];
    const each = names.map((_, i) => i);
    try {
      // 1. The QKD network: a node per domain, a link between every pair.
      const sae = names.map((n) => `sae-hm-${n}`);
      // ETSI GS QKD 014 over HTTPS with client certificates: a CA, one certificate per KME and per SAE.
      const kmeIds = names.map((n) => `kme-${n}`);
      const pki = await createEtsi014Pki({ dir: join(opts.dataDir, 'qkd-pki'), kmeIds, saeIds: sae });
      const link = await QkdNetwork.start({
        nodes: each.map((i) => ({ kmeId: kmeIds[i]!, saeIds: [sae[i]!] })),
        links: fullMesh(names.length),
        tls: pki,
        ...(opts.qkdFeed === 'bb84'
          ? { feed: { kind: 'bb84-simulator' as const, simulator: { channel: { kind: 'fibre' as const, lengthKm: opts.qkdFibreKm ?? 25 } } } }
          : { keyRate: opts.qkdKeyRate ?? 20 }),
        prefill: opts.qkdPrefill ?? (opts.qkdFeed === 'bb84' ? 8 : 64),
      });
      stops.push(() => link.stop());

      // 2. The Hybridization Modules, introduced to each other: each signs the HM-to-HM channel
      //    with its ML-DSA-65 key (seed file 0600 under the data dir) and pins its peers' keys.
      const uuids = names.map(() => randomUUID());
      await mkdir(join(opts.dataDir, 'hm'), { recursive: true, mode: 0o700 });
      const ids = await Promise.all(names.map((n) => loadOrCreateHmIdentity(join(opts.dataDir, 'hm', `${n}.ml-dsa-65`))));
      const hms: HmHandle[] = [];
      const startHm = async (o: HybridizationModuleOptions): Promise<HmHandle> => {
        if (opts.hmThreads) return startHmThread(o);
        const hm = await HybridizationModule.start(o);
        return { port: hm.port, peerEndpointUrl: hm.peerEndpointUrl, setPeerUrl: async (url, peer) => hm.setPeerUrl(url, peer), stats: async () => hm.peerExchangeStats, stop: () => hm.stop() };
      };
      try {
        for (const i of each) {
          const hm = await startHm({
            nodeUuid: uuids[i]!,
            saeId: sae[i]!,
            peers: each.filter((j) => j !== i).map((j) => ({ nodeUuid: uuids[j]!, saeId: sae[j]!, verificationKey: ids[j]!.publicKey })),
            kme014Url: link.nodes[i]!.kme014Url,
            name: names[i],
            kme014Tls: etsi014ClientTls(pki, sae[i]!),
            signingKey: ids[i]!.secretKey,
          });
          stops.push(() => hm.stop());
          hms.push(hm);
        }
      } finally {
        zeroize(...ids.map((id) => id.secretKey)); // the modules keep their own copies
      }
      for (const i of each) for (const j of each) if (i !== j) await hms[i]!.setPeerUrl(hms[j]!.peerEndpointUrl, uuids[j]);

      // 3. The NFVO's SSH identity, then each domain's VIM and VCA.
      await mkdir(join(opts.dataDir, 'nfvo'), { recursive: true, mode: 0o700 });
      const nfvoKey = await loadOrCreateKeyPair(join(opts.dataDir, 'nfvo', 'ssh_client_ed25519_key'), 'qnfv-nfvo');
      const domains: LabDomain[] = [];
      const vimKind = opts.vimDriver ?? 'netns';
      for (const i of each) {
        const interDomain = opts.interDomain === 'vxlan' ? { kind: 'vxlan' as const, underlayAddress: `198.51.100.${i + 1}` } : undefined;
        const vim = createVimDriver(vimKind, { installationId: opts.installationId, domain: names[i]!, interDomain });
        await vim.checkPrerequisites();
        const vca = new VcaService({
          domain: names[i]!,
          vim,
          hm: { host: '127.0.0.1', port: hms[i]!.port },
          dataDir: join(opts.dataDir, names[i]!),
          nfvoAuthorizedKeys: [nfvoKey.publicKey],
        });
        const bound = await vca.start();
        stops.push(() => vca.stop());
        domains.push({ name: names[i]!, nodeUuid: uuids[i]!, hm: hms[i]!, vim, vca, account: { id: '', name: names[i]!, vimType: vim.kind, vca: { host: bound.host, port: bound.port, username: 'nfvo', hostKeyFingerprint: bound.hostKeyFingerprint }, hybridNodeUuid: uuids[i]! } });
      }

      // 4. The NFVO, and the domains registered over its REST API.
      const ssh: DomainConnector = new SshDomainConnector({ privateKey: nfvoKey.privateKey });
      const connector = opts.wrapConnector ? opts.wrapConnector(ssh) : ssh;
      // A throwaway admin: the lab's NFVO lives as long as the lab.
      const admin = { username: 'admin', password: randomBytes(18).toString('base64url') };
      const nfvo = new NfvoServer({ dataDir: join(opts.dataDir, 'nfvo'), installationId: opts.installationId, connector, tunnelMaintenance: opts.tunnelMaintenance, bootstrapAdmin: admin });
      const url = await nfvo.start();
      stops.push(() => nfvo.stop());
      const client = new NfvoClient(url);
      await client.login(admin.username, admin.password);
      for (const d of domains) {
        const { id: _omit, ...body } = d.account!;
        d.account = (await client.request<VimAccount>('POST', '/admin/v1/vim_accounts', body)).body;
      }
      return new DomainLab(link, domains as [LabDomain, LabDomain, ...LabDomain[]], nfvo, url, client, connector, opts.dataDir);
    } catch (err) {
      for (const s of stops.reverse()) await s().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Over the REST API: onboard the bundled packages (the NSD text optionally
   * edited, e.g. shorter lifetimes; packages onboarded before are kept as
   * they are), create an NS instance and instantiate it with one site per
   * domain; resolves to the instance once COMPLETED.
   */
  async deployBundledVpn(name: string, editNsd: (text: string) => string = (t) => t): Promise<NsInstance> {
    const paths = bundledPackagePaths();
    const api = this.client;
    // A second deployment finds the packages onboarded already (409): they are reused as they are.
    const onboard = (path: string, body: string): Promise<unknown> =>
      api.request('POST', path, body, { contentType: 'application/yaml' }).catch((err: unknown) => {
        if (!(err instanceof NfvoApiError && err.status === 409)) throw err;
      });
    await onboard('/vnfpkgm/v1/vnf_packages_content', await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'));
    await onboard('/nsd/v1/ns_descriptors_content', editNsd(await readFile(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8')));
    const ns = (await api.request<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: name })).body;
    const placement = { vnf: this.domains.map((d, i) => ({ 'member-vnf-index': i === 0 ? 'site-a' : 'site-b', vimAccountId: d.name })) };
    const op = await api.waitOp(await api.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/instantiate`, placement), { intervalMs: 50 });
    if (op.operationState !== 'COMPLETED') throw new ProtocolError(`instantiate ${op.operationState}: ${op.error?.detail ?? ''}`);
    return api.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
  }

  /**
   * Stop everything. NS instances still instantiated are terminated first, over the NFVO (best
   * effort: a failed or unfinished one is removed by the VIMs' reconcile after).
   */
  async stop(): Promise<void> {
    for (const ns of await this.nfvo.lcm.instances.list().catch(() => [])) {
      if (ns.nsState === 'INSTANTIATED') await this.nfvo.lcm.terminate(ns.id, {}).then(() => this.nfvo.lcm.settle(ns.id)).catch(() => undefined);
    }
    await this.nfvo.stop().catch(() => undefined);
    for (const d of this.domains) {
      await d.vca.stop().catch(() => undefined);
      await d.vim.reconcile([]).catch(() => undefined);
      await d.hm.stop().catch(() => undefined);
    }
    await this.qkd.stop();
  }
}
