/**
 * The `netns` VIM driver: Linux network namespaces, veth pairs and Linux
 * bridges, all through `ip` (execFile, argument arrays, `ip -batch -` where
 * many commands go to one namespace). Per NS instance:
 *  - a virtual link is a bridge inside its own namespace
 *    `qnfv-<install8>-<instance8>-net-<vl-id>` (shared by the domains that
 *    ensure it, e.g. the WAN);
 *  - a router is a namespace `qnfv-<install8>-<instance8>-<vnf-id>` with one
 *    veth per port onto the port's bridge, a management veth to the root
 *    namespace (`q<6hex>m`, a /30 from the IPAM pool), forwarding on,
 *    rp_filter off, static routes, an optional persistent TUN, and an
 *    optional program started inside it;
 *  - a host is a namespace with one port and a default route.
 * Every namespace's `lo` and every interface carry the full ids as an alias
 * label; a JSON state record per instance and domain keeps them too, written
 * before anything is created. Removal kills the namespaces' processes, then
 * deletes management veths and namespaces; a network shared with another
 * domain of the same installation stays until that domain removes its part.
 * Mutations are serialised per installation within a process.
 */
import { join } from 'node:path';
import { ConflictError, createLogger, DriverError, NotFoundError, ValidationError, type Logger } from '../../common/index.js';
import { ALL_CAPABILITIES } from '../capabilities.js';
import { ExecFileRunner, type CommandOptions, type CommandResult, type CommandRunner } from '../command-runner.js';
import { DEFAULT_STATE_ROOT, HOST_IFNAME, MGMT_POOL, MGMT_PREFIX_LENGTH, ROUTER_MGMT_IFNAME } from '../constants.js';
import { runIpBatch } from '../ip-batch.js';
import { allocateSubnet, parseCidr, withIpamLock } from '../ipam.js';
import { checkId, checkInstallationId, formatLabels, bridgeName, installationPrefix, mgmtLinkName, networkNamespace, nodeNamespace, portPeerName } from '../labels.js';
import { namedLock, type Lock } from '../lock.js';
import { checkNodeRemovalSpec, filterResources, lockWhenReady, managementLink, onceUntilFailure, planScaleIn, reconcileInstances, usedPrefixes } from '../driver-common.js';
import { stopInRounds, stopProcesses } from '../process-stop.js';
import { checkHostSpec, checkNetworkSpec, checkRouterSpec } from '../spec-validation.js';
import { networksUsedBy, recordNamespaces, splitByDomain, StateStore, type InstanceRecord, type PortRecord, type RouterRecord } from '../state-store.js';
import type {
  HostInfo,
  HostSpec,
  NetworkInfo,
  NetworkSpec,
  NodeRemovalSpec,
  ReconcileReport,
  RemovalReport,
  ResourceFilter,
  ResourceLabels,
  RouterInfo,
  RouterSpec,
  VimCapability,
  VimDriver,
  VimDriverOptions,
  VimResource,
} from '../types.js';
import { attachCommands, hostCommands, mgmtVethCommands, networkCommands, nodeBaseCommands, portVethCommands, ROUTER_SYSCTLS, routerCommands, sysctlCommand } from './netns-commands.js';
import { listLabelledRootLinks, listLinks, listNamespaces, readNamespaceLabels, waitLinksUp, type LinkGroup } from './namespace-inventory.js';
import { namespacePids } from './namespace-processes.js';
import { checkNetnsPrerequisites, realHostProbe, type HostProbe } from './prerequisites.js';

/** Options of the netns driver: the common ones plus a host probe for prerequisite tests. */
export interface NetnsDriverOptions extends VimDriverOptions {
  probe?: HostProbe;
}

/** VIM driver on Linux network namespaces. */
export class NetnsDriver implements VimDriver {
  readonly kind = 'netns' as const;
  readonly capabilities: ReadonlySet<VimCapability> = new Set(ALL_CAPABILITIES);
  readonly installationId: string;
  readonly domain: string;
  private readonly runner: CommandRunner;
  private readonly store: StateStore;
  private readonly log: Logger;
  private readonly pool: string;
  private readonly probe: HostProbe;
  /** The installation's lock, taken once the prerequisites hold. */
  private readonly whenReady: Lock;
  private readonly prerequisites: () => Promise<void>;

  constructor(opts: NetnsDriverOptions) {
    checkInstallationId(opts.installationId);
    checkId(opts.domain, 'domain');
    if (opts.mgmtPool !== undefined) parseCidr(opts.mgmtPool, 'mgmtPool');
    this.installationId = opts.installationId;
    this.domain = opts.domain;
    this.runner = opts.runner ?? new ExecFileRunner();
    this.store = new StateStore(opts.stateDir ?? join(DEFAULT_STATE_ROOT, opts.installationId), opts.installationId);
    this.log = opts.logger ?? createLogger(`vim.netns.${opts.domain}`);
    this.pool = opts.mgmtPool ?? MGMT_POOL;
    this.probe = opts.probe ?? realHostProbe;
    this.prerequisites = onceUntilFailure(() => checkNetnsPrerequisites(this.runner, this.probe));
    this.whenReady = lockWhenReady(this.prerequisites, namedLock(`vim.install.${opts.installationId}`));
  }

  /** Check root, ip, sysctl and /dev/net/tun once; a failed check is repeated on the next call. */
  checkPrerequisites(): Promise<void> {
    return this.prerequisites();
  }

  /** Create the network's namespace and bridge, or complete/return the existing ones. */
  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    checkNetworkSpec(spec);
    return this.whenReady(async () => {
      const info: NetworkInfo = {
        id: spec.id,
        kind: spec.kind,
        namespace: networkNamespace(this.installationId, spec.instanceId, spec.id),
        bridge: bridgeName(this.installationId, spec.instanceId, spec.id),
      };
      await this.store.update(spec.instanceId, this.domain, (r) => {
        const known = r.networks.find((n) => n.id === spec.id);
        if (known && known.kind !== spec.kind) throw new ConflictError(`network '${spec.id}' of instance '${spec.instanceId}' exists as kind '${known.kind}'`);
        if (!known) r.networks.push({ ...info });
      });
      const label = formatLabels({ installationId: this.installationId, instanceId: spec.instanceId, role: 'network', id: spec.id });
      // A second VIM (another domain, maybe another process) may be creating the same network right now: retry once.
      try {
        await this.convergeNetwork(info, label);
      } catch (err) {
        this.log.debug('network converge raced, retrying', { namespace: info.namespace, err: String(err) });
        await this.convergeNetwork(info, label);
      }
      this.log.info('network ready', { instanceId: spec.instanceId, vl: spec.id, namespace: info.namespace });
      return info;
    });
  }

  private async convergeNetwork(info: NetworkInfo, label: string): Promise<void> {
    const add = await this.runner.run(['ip', 'netns', 'add', info.namespace], { allowFailure: true });
    if (add.code !== 0 && !/File exists/i.test(add.stderr)) throw new DriverError(['ip', 'netns', 'add', info.namespace], add.code, add.stderr);
    const links = await listLinks(this.runner, info.namespace);
    await runIpBatch(this.runner, networkCommands(links, info.bridge, label), { namespace: info.namespace });
  }

  /** Create a router (see the file comment); on failure, what was created is removed again. */
  async createRouter(spec: RouterSpec): Promise<RouterInfo> {
    checkRouterSpec(spec);
    return this.whenReady(async () => {
      const ns = nodeNamespace(this.installationId, spec.instanceId, spec.vnfId);
      await this.checkNewNode(ns, spec.instanceId, spec.vnfId, spec.ports.map((p) => p.network));
      const hostInterface = mgmtLinkName(this.installationId, spec.instanceId, spec.vnfId);
      const record: RouterRecord = { vnfId: spec.vnfId, namespace: ns, ports: spec.ports.map((p) => this.portRecord(spec.instanceId, spec.vnfId, p)) };
      await this.store.update(spec.instanceId, this.domain, (r) => {
        if (r.routers.some((x) => x.vnfId === spec.vnfId)) throw new ConflictError(`router '${spec.vnfId}' of instance '${spec.instanceId}' is already recorded`);
        r.routers.push(record);
      });
      const labels: ResourceLabels = { installationId: this.installationId, instanceId: spec.instanceId, domain: this.domain, role: 'router', id: spec.vnfId };
      try {
        // 1. Namespace, sysctls, management veth (under the IPAM lock: pick and assign must not interleave), port veths.
        const mgmt = await withIpamLock(async () => {
          const alloc = allocateSubnet(this.pool, await usedPrefixes(this.runner, this.store.readAll()), { prefixLength: MGMT_PREFIX_LENGTH });
          record.mgmt = { hostInterface, ...alloc };
          await this.store.saveRouter(spec.instanceId, this.domain, record);
          await this.runner.run(['ip', 'netns', 'add', ns]);
          await runIpBatch(this.runner, [
            sysctlCommand(ns, ROUTER_SYSCTLS),
            ...mgmtVethCommands(ns, hostInterface, `${alloc.hostAddress}/${alloc.prefixLength}`, formatLabels({ ...labels, role: 'management' })),
            ...portVethCommands(ns, record.ports, (vl) => networkNamespace(this.installationId, spec.instanceId, vl)),
          ]);
          return alloc;
        });
        // 2. Inside the router: lo, addresses, management address, TUN, routes.
        await runIpBatch(
          this.runner,
          [...nodeBaseCommands(formatLabels(labels), spec.ports), ...routerCommands(`${mgmt.routerAddress}/${mgmt.prefixLength}`, spec.tun, spec.routes)],
          { namespace: ns },
        );
        // 3. Bridge-side ends onto their bridges; return only once every end carries traffic.
        await this.attachPorts(spec.instanceId, record.ports, formatLabels(labels));
        await waitLinksUp(this.runner, [
          { names: [hostInterface] },
          { namespace: ns, names: [ROUTER_MGMT_IFNAME, ...spec.ports.map((p) => p.name)] },
          ...this.peerGroups(spec.instanceId, record.ports),
        ]);
        // 4. The program, detached, inside the namespace.
        let pid: number | undefined;
        if (spec.program) {
          const { argv, env, cwd, logFile } = spec.program;
          pid = (await this.runner.start(['ip', 'netns', 'exec', ns, ...argv], { env, cwd, logFile })).pid;
          record.pid = pid;
          record.logFile = logFile;
          await this.store.saveRouter(spec.instanceId, this.domain, record);
        }
        this.log.info('router created', { instanceId: spec.instanceId, vnfId: spec.vnfId, namespace: ns, mgmt: mgmt.routerAddress, pid });
        return { namespace: ns, mgmt: managementLink(hostInterface, mgmt), ports: spec.ports.map((p) => ({ ...p })), ...(pid !== undefined ? { pid } : {}) };
      } catch (err) {
        await this.rollbackNode(spec.instanceId, ns, [hostInterface], (r) => (r.routers = r.routers.filter((x) => x.vnfId !== spec.vnfId)));
        throw err;
      }
    });
  }

  /** Create a site host: one port on a LAN, default route via the gateway. */
  async createHost(spec: HostSpec): Promise<HostInfo> {
    checkHostSpec(spec);
    return this.whenReady(async () => {
      const ns = nodeNamespace(this.installationId, spec.instanceId, spec.id);
      await this.checkNewNode(ns, spec.instanceId, spec.id, [spec.port.network]);
      const port = this.portRecord(spec.instanceId, spec.id, { name: HOST_IFNAME, ...spec.port });
      await this.store.update(spec.instanceId, this.domain, (r) => {
        if (r.hosts.some((h) => h.id === spec.id)) throw new ConflictError(`host '${spec.id}' of instance '${spec.instanceId}' is already recorded`);
        r.hosts.push({ id: spec.id, namespace: ns, port });
      });
      const label = formatLabels({ installationId: this.installationId, instanceId: spec.instanceId, domain: this.domain, role: 'host', id: spec.id });
      try {
        await this.runner.run(['ip', 'netns', 'add', ns]);
        await runIpBatch(this.runner, portVethCommands(ns, [port], (vl) => networkNamespace(this.installationId, spec.instanceId, vl)));
        await runIpBatch(this.runner, [...nodeBaseCommands(label, [port]), ...hostCommands(spec.gateway)], { namespace: ns });
        await this.attachPorts(spec.instanceId, [port], label);
        await waitLinksUp(this.runner, [{ namespace: ns, names: [HOST_IFNAME] }, ...this.peerGroups(spec.instanceId, [port])]);
        this.log.info('host created', { instanceId: spec.instanceId, host: spec.id, namespace: ns });
        return { namespace: ns, address: spec.port.address };
      } catch (err) {
        await this.rollbackNode(spec.instanceId, ns, [], (r) => (r.hosts = r.hosts.filter((h) => h.id !== spec.id)));
        throw err;
      }
    });
  }

  /** Run a command inside a namespace this domain's driver created (`ip netns exec`). */
  async exec(namespace: string, argv: string[], opts: CommandOptions = {}): Promise<CommandResult> {
    if (!Array.isArray(argv) || argv.length === 0) throw new ValidationError('exec needs an argv naming the program');
    await this.checkPrerequisites();
    const records = (await this.store.readAll()).filter((r) => r.domain === this.domain);
    if (!records.some((r) => recordNamespaces(r).includes(namespace))) throw new NotFoundError('namespace of this VIM', namespace);
    return this.runner.run(['ip', 'netns', 'exec', namespace, ...argv], opts);
  }

  /** Remove this domain's part of the instance (processes, namespaces, management veths, record); idempotent. */
  async removeInstance(instanceId: string): Promise<RemovalReport> {
    checkId(instanceId, 'instanceId');
    return this.whenReady(() => this.removeResources(instanceId, this.domain));
  }

  /** Namespaces and root-side links of this installation that exist now. */
  async listResources(filter: ResourceFilter = {}): Promise<VimResource[]> {
    await this.checkPrerequisites();
    const [names, links, records] = await Promise.all([listNamespaces(this.runner), listLabelledRootLinks(this.runner), this.store.readAll()]);
    const recorded = new Map<string, ResourceLabels>();
    for (const r of records) {
      const base = { installationId: this.installationId, instanceId: r.instanceId };
      r.networks.forEach((n) => recorded.set(n.namespace, { ...base, role: 'network', id: n.id }));
      r.routers.forEach((x) => recorded.set(x.namespace, { ...base, domain: r.domain, role: 'router', id: x.vnfId }));
      r.hosts.forEach((h) => recorded.set(h.namespace, { ...base, domain: r.domain, role: 'host', id: h.id }));
    }
    const prefix = installationPrefix(this.installationId);
    const namespaces = await Promise.all(
      names
        .filter((n) => n.startsWith(prefix))
        .map(async (name): Promise<VimResource | undefined> => {
          const labels = recorded.get(name) ?? (await readNamespaceLabels(this.runner, name));
          return labels && labels.installationId === this.installationId ? { kind: 'namespace', name, ...labels } : undefined;
        }),
    );
    const all: VimResource[] = [
      ...namespaces.filter((r): r is VimResource => r !== undefined),
      ...links.filter((l) => l.labels.installationId === this.installationId).map((l): VimResource => ({ kind: 'link', name: l.name, ...l.labels })),
    ];
    return filterResources(all, filter);
  }

  /** Remove every resource and record of this installation whose instance is not live (all domains). */
  async reconcile(liveInstanceIds: Iterable<string>): Promise<ReconcileReport> {
    const live = new Set(liveInstanceIds);
    return this.whenReady(async () =>
      reconcileInstances(live, { resources: await this.listResources(), recorded: await this.store.instanceIds(), remove: (id) => this.removeResources(id, undefined), log: this.log }),
    );
  }

  /** Remove an instance's resources: one domain's part, or all domains' (`domain` undefined). */
  private async removeResources(instanceId: string, domain: string | undefined): Promise<RemovalReport> {
    const { mine, others } = splitByDomain(await this.store.readInstance(instanceId), domain);
    const kept = new Set([...networksUsedBy(others)].map((vl) => networkNamespace(this.installationId, instanceId, vl)));
    const ours = (d: string | undefined): boolean => domain === undefined || d === domain;
    const existing = await this.listResources({ instanceId });
    const existingNames = new Set(existing.map((r) => r.name));

    const namespaces = new Set<string>();
    const links = new Set<string>();
    for (const r of mine) recordNamespaces(r).forEach((n) => namespaces.add(n));
    mine.flatMap((r) => r.routers).forEach((x) => x.mgmt && links.add(x.mgmt.hostInterface));
    for (const res of existing) {
      if (res.kind === 'namespace' && (res.role === 'network' || ours(res.domain))) namespaces.add(res.name);
      if (res.kind === 'link' && ours(res.domain)) links.add(res.name);
    }
    kept.forEach((n) => namespaces.delete(n));
    const doomedNs = [...namespaces].filter((n) => existingNames.has(n)).sort();
    const doomedLinks = [...links].filter((n) => existingNames.has(n)).sort();

    const pids = await this.destroy(instanceId, doomedNs, doomedLinks);
    // 3. Records (all domains': also unreadable leftovers).
    const stateRecords = await this.store.removeRecords(instanceId, mine, domain === undefined);
    const report: RemovalReport = { instanceId, domains: mine.map((r) => r.domain), namespaces: doomedNs, links: doomedLinks, pids, stateRecords };
    if (doomedNs.length + doomedLinks.length + stateRecords > 0) this.log.info('instance resources removed', { ...report });
    return report;
  }

  /**
   * Scale-in: remove some routers and hosts of an instance in this domain, and
   * the named networks no remaining node of the instance (any domain) uses.
   */
  async removeNodes(spec: NodeRemovalSpec): Promise<RemovalReport> {
    checkNodeRemovalSpec(spec);
    const { instanceId } = spec;
    return this.whenReady(async () => {
      // A named network leaves this domain's record unless its remaining nodes use it, and its
      // namespace goes too unless another domain's record still holds it (the shared WAN).
      const { mine, leaving, released: goingNetworks } = planScaleIn(await this.store.readInstance(instanceId), this.domain, spec);
      const goingRouters = mine?.routers.filter((x) => leaving.routers.has(x.vnfId)) ?? [];
      const goingHosts = mine?.hosts.filter((h) => leaving.hosts.has(h.id)) ?? [];
      const existingNames = new Set(await listNamespaces(this.runner));
      const doomedNs = [
        ...goingRouters.map((x) => x.namespace),
        ...goingHosts.map((h) => h.namespace),
        // Routers' and hosts' namespaces by name too: a crash may have left one unrecorded.
        ...spec.routers.map((id) => nodeNamespace(this.installationId, instanceId, id)),
        ...spec.hosts.map((id) => nodeNamespace(this.installationId, instanceId, id)),
        ...goingNetworks.map((vl) => networkNamespace(this.installationId, instanceId, vl)),
      ].filter((n, i, all) => existingNames.has(n) && all.indexOf(n) === i);
      const rootLinks = new Set((await listLabelledRootLinks(this.runner)).map((l) => l.name));
      const doomedLinks = goingRouters.flatMap((x) => (x.mgmt && rootLinks.has(x.mgmt.hostInterface) ? [x.mgmt.hostInterface] : []));
      const pids = await this.destroy(instanceId, doomedNs, doomedLinks);
      const stateRecords = await this.store.dropNodes(mine, leaving);
      const report: RemovalReport = { instanceId, domains: [this.domain], namespaces: doomedNs.sort(), links: doomedLinks.sort(), pids, stateRecords };
      if (doomedNs.length + doomedLinks.length > 0) this.log.info('instance nodes removed', { ...report });
      return report;
    });
  }

  /** Kill the namespaces' processes, then delete the management veths and the namespaces; the pids signalled. */
  private async destroy(instanceId: string, doomedNs: string[], doomedLinks: string[]): Promise<number[]> {
    // 1. Processes first: a namespace with a live process survives `netns del`. Repeat, in case a dying process forked.
    const pids = await stopInRounds(() => namespacePids(this.runner, doomedNs), {}, this.log, { instanceId });
    // 2. Management veths (deleting one end deletes the pair), then the namespaces.
    await runIpBatch(this.runner, [...doomedLinks.map((l) => ['link', 'del', 'dev', l]), ...doomedNs.map((n) => ['netns', 'del', n])], { force: true, allowFailure: true });
    const left = (await listNamespaces(this.runner)).filter((n) => doomedNs.includes(n));
    if (left.length > 0) throw new DriverError(['ip', 'netns', 'del', ...left], null, 'namespaces still present after deletion');
    return pids;
  }

  /** Fail unless the node's namespace is new and every network it joins exists. */
  private async checkNewNode(ns: string, instanceId: string, nodeId: string, networks: string[]): Promise<void> {
    const names = new Set(await listNamespaces(this.runner));
    if (names.has(ns)) throw new ConflictError(`'${nodeId}' of instance '${instanceId}' already exists (namespace ${ns})`);
    for (const vl of networks) {
      if (!names.has(networkNamespace(this.installationId, instanceId, vl))) throw new NotFoundError(`network of instance '${instanceId}'`, vl);
    }
  }

  private portRecord(instanceId: string, nodeId: string, p: { name: string; network: string; address: string }): PortRecord {
    return { name: p.name, network: p.network, address: p.address, peer: portPeerName(this.installationId, instanceId, nodeId, p.name) };
  }

  /** One batch per network namespace: label the bridge-side ends, enslave them, raise them. */
  private async attachPorts(instanceId: string, ports: readonly PortRecord[], label: string): Promise<void> {
    const byNetwork = new Map<string, string[]>();
    ports.forEach((p) => byNetwork.set(p.network, [...(byNetwork.get(p.network) ?? []), p.peer]));
    for (const [vl, peers] of byNetwork) {
      await runIpBatch(this.runner, attachCommands(bridgeName(this.installationId, instanceId, vl), peers, label), {
        namespace: networkNamespace(this.installationId, instanceId, vl),
      });
    }
  }

  /** The bridge-side ends of ports, grouped by network namespace. */
  private peerGroups(instanceId: string, ports: readonly PortRecord[]): LinkGroup[] {
    const byNs = new Map<string, string[]>();
    for (const p of ports) {
      const ns = networkNamespace(this.installationId, instanceId, p.network);
      byNs.set(ns, [...(byNs.get(ns) ?? []), p.peer]);
    }
    return [...byNs].map(([namespace, names]) => ({ namespace, names }));
  }

  /** Undo a half-built router or host: its processes, root-side links, namespace and record entry. */
  private async rollbackNode(instanceId: string, ns: string, rootLinks: string[], drop: (r: InstanceRecord) => void): Promise<void> {
    try {
      await stopProcesses(await namespacePids(this.runner, [ns]));
      await runIpBatch(this.runner, [...rootLinks.map((l) => ['link', 'del', 'dev', l]), ['netns', 'del', ns]], { force: true, allowFailure: true });
      await this.store.update(instanceId, this.domain, drop);
    } catch (err) {
      this.log.error('rollback failed; removeInstance or reconcile will finish it', { instanceId, namespace: ns, err: String(err) });
    }
  }

}
