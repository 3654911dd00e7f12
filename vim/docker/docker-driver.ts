/**
 * The `docker` VIM driver: routers and site hosts are containers (dockerd
 * through dockerode), virtual links are OpenFlow-isolated segments of the
 * domain's Open vSwitch bridge (userspace datapath). Per domain and
 * installation:
 *  - one OVS bridge `q<6hex>ovs` (`datapath_type=netdev`, `fail_mode=secure`);
 *    a virtual link is a network number on it (ovs.ts); a link that another
 *    domain on this host also ensured (the WAN) is joined to that domain's
 *    bridge with a pair of patch ports, or — when both domains chose
 *    `interDomain: { kind: 'vxlan', … }` (inter-domain.ts) — a pair of Linux
 *    VXLAN devices over a per-domain underlay namespace (vxlan-underlay.ts);
 *    either way the ends are OVS ports labelled with both domains and get
 *    the network's number, so only that network crosses;
 *  - a router is a container of the locally built router image
 *    (router-image.ts) with `NetworkMode: none`, `Init: true`, NET_ADMIN,
 *    /dev/net/tun and forwarding sysctls, labelled with installation,
 *    instance, domain, role and VNF id; each port is a veth created straight
 *    into the container's network namespace at a fixed index, with a stable
 *    MAC, tx checksum offload off on both ends (required by the netdev
 *    datapath), its host end an OVS port labelled in external_ids; a
 *    management veth (`q<6hex>m`, a /30 from the IPAM pool) reaches it from
 *    the host; routes and the optional persistent TUN are set with `ip`
 *    inside its namespace (nsenter); the program is the container's command,
 *    held at a start gate until the wiring is done, its output appended to
 *    its log file (busybox redirection; cwd and the log folder are bind-mounted
 *    at their host paths);
 *  - a host is a container with one port and a default route.
 * `exec` runs a host program inside a container's network namespace
 * (`nsenter -n`, like `ip netns exec`). A JSON state record per instance and
 * domain (state-store.ts) is written before anything is created; removal and
 * reconciliation find resources by their labels (containers, OVS ports,
 * labelled host links) as well as by the records (removal-plan.ts), and
 * delete a domain bridge (and its underlay namespace) once no port and no
 * record of its domain is left.
 * Scale-in (`removeNodes`) takes the same path for some routers, hosts and
 * networks; the flows of what stays are recomputed from the same numbers, so
 * they stay as they were.
 * Mutations are serialised per installation within a process.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { ConflictError, createLogger, DriverError, NotFoundError, ValidationError, type Logger } from '../../common/index.js';
import { ALL_CAPABILITIES } from '../capabilities.js';
import { ExecFileRunner, type CommandOptions, type CommandResult, type CommandRunner } from '../command-runner.js';
import { DEFAULT_STATE_ROOT, HOST_IFNAME, MGMT_POOL, MGMT_PREFIX_LENGTH, NODE_IFINDEX_BASE, ROUTER_MGMT_IFNAME, TUN_DEVICE } from '../constants.js';
import { checkBatchToken, explainBatchFailure, runIpBatch } from '../ip-batch.js';
import { allocateSubnet, parseCidr, withIpamLock } from '../ipam.js';
import { checkId, checkInstallationId, formatLabels, mgmtLinkName, nodeNamespace, portPeerName } from '../labels.js';
import { namedLock, type Lock } from '../lock.js';
import { checkNodeRemovalSpec, filterResources, managementLink, onceUntilFailure, reconcileInstances, usedPrefixes } from '../driver-common.js';
import { listLabelledRootLinks, listLinks, waitLinksUp } from '../netns/namespace-inventory.js';
import { hostCommands, nodeBaseCommands, ROUTER_SYSCTLS, routerCommands } from '../netns/netns-commands.js';
import { realHostProbe, type HostProbe } from '../netns/prerequisites.js';
import { checkHostSpec, checkNetworkSpec, checkRouterSpec } from '../spec-validation.js';
import { StateStore, type InstanceRecord, type PortRecord, type RouterRecord } from '../state-store.js';
import type {
  HostInfo,
  HostSpec,
  NetworkInfo,
  NetworkSpec,
  NodeRemovalSpec,
  ProgramSpec,
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
import {
  ATTACHED_MAC_KEY,
  BUSYBOX,
  CONTAINER_SETTLE_MS,
  DOCKER_SOCKET,
  KIND_KEY,
  NETWORK_KEY,
  PEER_DOMAIN_KEY,
  PROGRAM_PID_WAIT_MS,
  START_FLAG_PATH,
  START_GATE_POLL_S,
  STOP_TIMEOUT_S,
  UNDERLAY_ADDRESS_KEY,
  VNI_KEY,
  VXLAN_KIND,
} from './docker-constants.js';
import { domainBridgeName, labelMap, labelsFromMap, patchPortName, portMac, vxlanDeviceName } from './docker-names.js';
import { checkInterDomain, checkPeering, interDomainIds, interDomainOfBridge, vxlanVni, type InterDomainOptions, type VxlanInterDomain } from './inter-domain.js';
import { externalIdArgs, networkNumber, Ovs, REGISTER_KEY, type OvsInventory, type OvsPort } from './ovs.js';
import { checkDockerPrerequisites } from './prerequisites.js';
import { domainSelector, networksInUse, nodeSelector, planRemoval, type LiveResources, type RemovalPlan } from './removal-plan.js';
import { CONTAINER_PATH, ensureRouterImage, findBinary, type RouterImage } from './router-image.js';
import { applyUnderlayPlan, listUnderlay, removeUnderlayNamespaces, underlayPlan, type VxlanEnd } from './vxlan-underlay.js';

/** Where the docker driver keeps its records by default (`<installationId>` is appended). */
export const DOCKER_STATE_ROOT = join(dirname(DEFAULT_STATE_ROOT), 'vim-docker');

/** `qnfv.kind` of a domain bridge. */
const BRIDGE_KIND = 'domain-bridge';

/** Options of the docker driver: the common ones plus how to reach dockerd and what to put in the image. */
export interface DockerVimDriverOptions extends VimDriverOptions {
  /** A dockerode client; default: one on `socketPath`. */
  docker?: Docker;
  /** dockerd's socket; default /var/run/docker.sock. */
  socketPath?: string;
  /** Project whose compiled router goes into the image; default: the one this file belongs to. */
  projectRoot?: string;
  /** Use this image instead of building one (it must hold node, busybox, ip and the programs). */
  image?: string;
  /** Root and file checks (tests fake them). */
  probe?: HostProbe;
  /** dockerd liveness check; default: dockerode's ping. */
  pingDocker?: () => Promise<void>;
  /**
   * How this domain's bridge joins other domains' bridges on this host for a
   * network they share: `{ kind: 'patch' }` (default) or `{ kind: 'vxlan',
   * underlayAddress: '198.51.100.1' }` (inter-domain.ts). Domains joined
   * must choose the same kind.
   */
  interDomain?: InterDomainOptions;
}

/** The nearest folder at or above this module that holds a package.json. */
function defaultProjectRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  return process.cwd();
}

/** `ip` commands as one `ip -batch -` inside the network namespace of `pid`. */
async function nsBatch(runner: CommandRunner, pid: number, commands: readonly (readonly string[])[]): Promise<void> {
  if (commands.length === 0) return;
  commands.forEach((c) => c.forEach(checkBatchToken));
  const argv = ['nsenter', '-t', String(pid), '-n', '--', 'ip', '-batch', '-'];
  const res = await runner.run(argv, { input: commands.map((c) => c.join(' ')).join('\n') + '\n', allowFailure: true });
  if (res.code !== 0) throw new DriverError(argv, res.code, explainBatchFailure(res.stderr, commands));
}

/** The last lines of a log file, for error messages. */
async function logTail(file: string | undefined): Promise<string> {
  if (!file) return 'no log';
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join(' | ') || 'empty';
}

/** Folders to bind-mount for a program: its cwd and its log folder (one when nested). */
export function programBinds(program: ProgramSpec): string[] {
  const dirs = [...new Set([program.cwd, dirname(program.logFile)].filter((d): d is string => d !== undefined).map((d) => resolve(d)))].sort();
  return dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(o + sep))).map((d) => `${d}:${d}`);
}

/** The container command of a router: wait at the start gate, then exec the program with output appended to its log. */
export function programCommand(busybox: string, program: ProgramSpec): string[] {
  const gate = `until [ -e ${START_FLAG_PATH} ]; do ${busybox} sleep ${START_GATE_POLL_S}; done; exec "$@" >>"$0" 2>&1`;
  return [busybox, 'sh', '-c', gate, program.logFile, ...program.argv];
}

/** VIM driver on Docker containers and Open vSwitch. */
export class DockerVimDriver implements VimDriver {
  readonly kind = 'docker' as const;
  readonly capabilities: ReadonlySet<VimCapability> = new Set(ALL_CAPABILITIES);
  readonly installationId: string;
  readonly domain: string;
  /** The domain's OVS bridge. */
  readonly bridge: string;
  /** How the bridge joins other domains' bridges. */
  readonly interDomain: InterDomainOptions;
  readonly docker: Docker;
  readonly ovs: Ovs;
  private readonly runner: CommandRunner;
  private readonly store: StateStore;
  private readonly log: Logger;
  private readonly pool: string;
  private readonly probe: HostProbe;
  private readonly socketPath: string;
  private readonly projectRoot: string;
  private readonly pingDocker: () => Promise<void>;
  private readonly lock: Lock;
  private readonly fixedImage?: string;
  private readonly prerequisites: () => Promise<void>;
  private readonly image: () => Promise<RouterImage>;
  private busyboxPath?: string;

  constructor(opts: DockerVimDriverOptions) {
    checkInstallationId(opts.installationId);
    checkId(opts.domain, 'domain');
    if (opts.mgmtPool !== undefined) parseCidr(opts.mgmtPool, 'mgmtPool');
    this.interDomain = checkInterDomain(opts.interDomain);
    this.installationId = opts.installationId;
    this.domain = opts.domain;
    this.bridge = domainBridgeName(opts.installationId, opts.domain);
    this.runner = opts.runner ?? new ExecFileRunner();
    this.ovs = new Ovs(this.runner);
    this.socketPath = opts.socketPath ?? DOCKER_SOCKET;
    this.docker = opts.docker ?? new Docker({ socketPath: this.socketPath });
    this.store = new StateStore(opts.stateDir ?? join(DOCKER_STATE_ROOT, opts.installationId), opts.installationId);
    this.log = opts.logger ?? createLogger(`vim.docker.${opts.domain}`);
    this.pool = opts.mgmtPool ?? MGMT_POOL;
    this.probe = opts.probe ?? realHostProbe;
    this.projectRoot = opts.projectRoot ?? defaultProjectRoot();
    this.pingDocker = opts.pingDocker ?? (async () => void (await this.docker.ping()));
    this.fixedImage = opts.image;
    this.lock = namedLock(`vim.docker.install.${opts.installationId}`);
    this.prerequisites = onceUntilFailure(() => checkDockerPrerequisites(this.runner, { ...this.probe, pingDocker: this.pingDocker }, this.socketPath));
    this.image = onceUntilFailure(() => ensureRouterImage({ docker: this.docker, runner: this.runner, projectRoot: this.projectRoot, logger: this.log }));
  }

  /** Check root, dockerd, OVS and the tools once; a failed check is repeated on the next call. */
  checkPrerequisites(): Promise<void> {
    return this.prerequisites();
  }

  /** The router image for the current project (built once per driver, reused by tag across processes). */
  routerImage(): Promise<RouterImage> {
    if (this.fixedImage) {
      const tag = this.fixedImage;
      return Promise.resolve({ tag, hash: '', cached: true, entries: 0, bytes: 0, hashMs: 0, buildMs: 0 });
    }
    return this.image();
  }

  /** Record the network, make sure the domain bridge exists, and join it to other domains' bridges that carry the same network. */
  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    checkNetworkSpec(spec);
    await this.checkPrerequisites();
    return this.lock(async () => {
      const info: NetworkInfo = { id: spec.id, kind: spec.kind, namespace: '', bridge: this.bridge };
      await this.store.update(spec.instanceId, this.domain, (r) => {
        const known = r.networks.find((n) => n.id === spec.id);
        if (known && known.kind !== spec.kind) throw new ConflictError(`network '${spec.id}' of instance '${spec.instanceId}' exists as kind '${known.kind}'`);
        if (!known) r.networks.push({ ...info });
      });
      await this.ovs.vsctl(this.bridgeCommands(this.domain));
      const others = (await this.store.readInstance(spec.instanceId)).filter((r) => r.domain !== this.domain && r.networks.some((n) => n.id === spec.id));
      if (others.length > 0) await this.linkDomains(spec.instanceId, spec.id, others.map((r) => r.domain));
      this.log.info('network ready', { instanceId: spec.instanceId, vl: spec.id, bridge: this.bridge, peers: others.map((r) => r.domain) });
      return info;
    });
  }

  /** Create a router (see the file comment); on failure, what was created is removed again. */
  async createRouter(spec: RouterSpec): Promise<RouterInfo> {
    checkRouterSpec(spec);
    await this.checkPrerequisites();
    const image = await this.routerImage();
    return this.lock(async () => {
      const t0 = Date.now();
      const name = nodeNamespace(this.installationId, spec.instanceId, spec.vnfId);
      await this.checkNewNode(name, spec.instanceId, spec.vnfId, spec.ports.map((p) => p.network));
      const hostInterface = mgmtLinkName(this.installationId, spec.instanceId, spec.vnfId);
      const record: RouterRecord = { vnfId: spec.vnfId, namespace: name, ports: spec.ports.map((p) => this.portRecord(spec.instanceId, spec.vnfId, p)) };
      await this.store.update(spec.instanceId, this.domain, (r) => {
        if (r.routers.some((x) => x.vnfId === spec.vnfId)) throw new ConflictError(`router '${spec.vnfId}' of instance '${spec.instanceId}' is already recorded`);
        r.routers.push(record);
      });
      const labels: ResourceLabels = { installationId: this.installationId, instanceId: spec.instanceId, domain: this.domain, role: 'router', id: spec.vnfId };
      try {
        // 1. The container, held at its start gate (or idle when there is no program).
        const sysctls = Object.fromEntries(ROUTER_SYSCTLS.map((s) => s.split('=') as [string, string]));
        const busybox = this.busybox();
        if (spec.program) await mkdir(dirname(spec.program.logFile), { recursive: true });
        const pid = await this.startContainer(name, image.tag, labels, {
          Cmd: spec.program ? programCommand(busybox, spec.program) : [busybox, 'sleep', 'inf'],
          Env: [`PATH=${CONTAINER_PATH}`, ...Object.entries(spec.program?.env ?? {}).map(([k, v]) => `${k}=${v}`)],
          ...(spec.program?.cwd ? { WorkingDir: resolve(spec.program.cwd) } : {}),
          HostConfig: {
            NetworkMode: 'none',
            Init: true,
            CapAdd: ['NET_ADMIN'],
            Devices: [{ PathOnHost: TUN_DEVICE, PathInContainer: TUN_DEVICE, CgroupPermissions: 'rwm' }],
            Sysctls: sysctls,
            Binds: spec.program ? programBinds(spec.program) : [],
          },
        });
        const tContainer = Date.now();
        // 2. Management veth (under the IPAM lock: pick and assign must not interleave) and port veths.
        const mgmt = await withIpamLock(async () => {
          const alloc = allocateSubnet(this.pool, await usedPrefixes(this.runner, this.store.readAll()), { prefixLength: MGMT_PREFIX_LENGTH });
          record.mgmt = { hostInterface, ...alloc };
          await this.store.saveRouter(spec.instanceId, this.domain, record);
          await runIpBatch(this.runner, [
            ['link', 'add', 'name', ROUTER_MGMT_IFNAME, 'index', String(NODE_IFINDEX_BASE), 'netns', String(pid), 'type', 'veth', 'peer', 'name', hostInterface],
            ['link', 'set', 'dev', hostInterface, 'alias', formatLabels({ ...labels, role: 'management' })],
            ['addr', 'add', `${alloc.hostAddress}/${alloc.prefixLength}`, 'dev', hostInterface],
            ['link', 'set', 'dev', hostInterface, 'up'],
            ...this.portVethCommands(pid, spec.instanceId, spec.vnfId, record.ports, formatLabels(labels)),
          ]);
          return alloc;
        });
        // 3. Inside: lo, addresses, offload off, management address, TUN, routes. 4. Ports onto the bridge.
        await this.configureInside(pid, record.ports, [
          ...nodeBaseCommands(formatLabels(labels), spec.ports),
          ...routerCommands(`${mgmt.routerAddress}/${mgmt.prefixLength}`, spec.tun, spec.routes),
        ]);
        await this.attachPorts(spec.instanceId, spec.vnfId, record.ports, labels);
        await waitLinksUp(this.runner, [{ names: [hostInterface, ...record.ports.map((p) => p.peer)] }]);
        const tWired = Date.now();
        // 5. Open the start gate.
        let programPid: number | undefined;
        if (spec.program) {
          programPid = await this.releaseProgram(name, pid, spec.program);
          record.pid = programPid;
          record.logFile = spec.program.logFile;
          await this.store.saveRouter(spec.instanceId, this.domain, record);
        }
        this.log.info('router created', {
          instanceId: spec.instanceId,
          vnfId: spec.vnfId,
          container: name,
          mgmt: mgmt.routerAddress,
          pid: programPid,
          containerMs: tContainer - t0,
          wireMs: tWired - tContainer,
          totalMs: Date.now() - t0,
        });
        return { namespace: name, mgmt: managementLink(hostInterface, mgmt), ports: spec.ports.map((p) => ({ ...p })), ...(programPid !== undefined ? { pid: programPid } : {}) };
      } catch (err) {
        await this.rollbackNode(spec.instanceId, name, [hostInterface, ...record.ports.map((p) => p.peer)], (r) => (r.routers = r.routers.filter((x) => x.vnfId !== spec.vnfId)));
        throw err;
      }
    });
  }

  /** Create a site host: a container with one port on a LAN and a default route via the gateway. */
  async createHost(spec: HostSpec): Promise<HostInfo> {
    checkHostSpec(spec);
    await this.checkPrerequisites();
    const image = await this.routerImage();
    return this.lock(async () => {
      const name = nodeNamespace(this.installationId, spec.instanceId, spec.id);
      await this.checkNewNode(name, spec.instanceId, spec.id, [spec.port.network]);
      const port = this.portRecord(spec.instanceId, spec.id, { name: HOST_IFNAME, ...spec.port });
      await this.store.update(spec.instanceId, this.domain, (r) => {
        if (r.hosts.some((h) => h.id === spec.id)) throw new ConflictError(`host '${spec.id}' of instance '${spec.instanceId}' is already recorded`);
        r.hosts.push({ id: spec.id, namespace: name, port });
      });
      const labels: ResourceLabels = { installationId: this.installationId, instanceId: spec.instanceId, domain: this.domain, role: 'host', id: spec.id };
      try {
        const pid = await this.startContainer(name, image.tag, labels, {
          Cmd: [this.busybox(), 'sleep', 'inf'],
          Env: [`PATH=${CONTAINER_PATH}`],
          HostConfig: { NetworkMode: 'none', Init: true },
        });
        await runIpBatch(this.runner, this.portVethCommands(pid, spec.instanceId, spec.id, [port], formatLabels(labels)));
        await this.configureInside(pid, [port], [...nodeBaseCommands(formatLabels(labels), [port]), ...hostCommands(spec.gateway)]);
        await this.attachPorts(spec.instanceId, spec.id, [port], labels);
        await waitLinksUp(this.runner, [{ names: [port.peer] }]);
        this.log.info('host created', { instanceId: spec.instanceId, host: spec.id, container: name });
        return { namespace: name, address: spec.port.address };
      } catch (err) {
        await this.rollbackNode(spec.instanceId, name, [port.peer], (r) => (r.hosts = r.hosts.filter((h) => h.id !== spec.id)));
        throw err;
      }
    });
  }

  /** Run a host program inside the network namespace of a container this domain created (`nsenter -n`). */
  async exec(container: string, argv: string[], opts: CommandOptions = {}): Promise<CommandResult> {
    if (!Array.isArray(argv) || argv.length === 0) throw new ValidationError('exec needs an argv naming the program');
    await this.checkPrerequisites();
    const records = (await this.store.readAll()).filter((r) => r.domain === this.domain);
    if (!records.some((r) => [...r.routers.map((x) => x.namespace), ...r.hosts.map((h) => h.namespace)].includes(container))) {
      throw new NotFoundError('container of this VIM', container);
    }
    const pid = await this.containerPid(container);
    if (pid === undefined) throw new NotFoundError('running container', container);
    return this.runner.run(['nsenter', '-t', String(pid), '-n', '--', ...argv], opts);
  }

  /** Remove this domain's part of the instance (containers, ports, links, record); idempotent. */
  async removeInstance(instanceId: string): Promise<RemovalReport> {
    checkId(instanceId, 'instanceId');
    await this.checkPrerequisites();
    return this.lock(() => this.removeResources(instanceId, this.domain));
  }

  /**
   * Scale-in: remove the named routers and hosts of this domain (containers,
   * OVS ports and their flows, port and management veths, record entries; the
   * management /30 is free again once its record entry is gone), then each
   * named network that no remaining router or host of the instance, in any
   * domain's record, sits on (its ports and the patch ports at both ends).
   * Names that do not exist are ignored; idempotent.
   */
  async removeNodes(spec: NodeRemovalSpec): Promise<RemovalReport> {
    checkNodeRemovalSpec(spec);
    await this.checkPrerequisites();
    const { instanceId } = spec;
    return this.lock(async () => {
      const routers = new Set(spec.routers);
      const hosts = new Set(spec.hosts);
      const records = await this.store.readInstance(instanceId);
      const mineBefore = records.find((r) => r.domain === this.domain);
      // The last router and host of the instance in this domain go: the domain leaves the instance
      // entirely (its share of the WAN and its record too), as removeInstance would do it.
      if (mineBefore && mineBefore.routers.length + mineBefore.hosts.length > 0 && mineBefore.routers.every((x) => routers.has(x.vnfId)) && mineBefore.hosts.every((h) => hosts.has(h.id))) {
        return this.removeResources(instanceId, this.domain);
      }
      const inUse = networksInUse(records, this.domain, routers, hosts);
      const networks = new Set(spec.networks.filter((vl) => !inUse.has(vl)));
      const mine = records.find((r) => r.domain === this.domain);
      const recorded = { routers: mine?.routers.filter((x) => routers.has(x.vnfId)) ?? [], hosts: mine?.hosts.filter((h) => hosts.has(h.id)) ?? [] };
      const plan = planRemoval(this.installationId, instanceId, await this.liveResources(instanceId), recorded, nodeSelector(this.domain, { routers, hosts, networks }));
      const dropEntries = async (): Promise<number> => {
        const recordedNetworks = mine?.networks.filter((n) => networks.has(n.id)) ?? [];
        if (recorded.routers.length + recorded.hosts.length + recordedNetworks.length === 0) return 0;
        await this.store.update(instanceId, this.domain, (r) => {
          r.routers = r.routers.filter((x) => !routers.has(x.vnfId));
          r.hosts = r.hosts.filter((h) => !hosts.has(h.id));
          r.networks = r.networks.filter((n) => !networks.has(n.id));
        });
        return 1;
      };
      return this.teardown(instanceId, [this.domain], plan, dropEntries, 'instance nodes removed');
    });
  }

  /** Containers, OVS ports and bridges, and labelled host links of this installation that exist now. */
  async listResources(filter: ResourceFilter = {}): Promise<VimResource[]> {
    await this.checkPrerequisites();
    return this.inventoryResources(filter);
  }

  /** Remove every instance's resources that is not live (all domains), then empty bridges. */
  async reconcile(liveInstanceIds: Iterable<string>): Promise<ReconcileReport> {
    await this.checkPrerequisites();
    const live = new Set(liveInstanceIds);
    return this.lock(async () => {
      const report = await reconcileInstances(live, { resources: await this.inventoryResources(), recorded: await this.store.instanceIds(), remove: (id) => this.removeResources(id, undefined), log: this.log });
      await this.removeEmptyBridges(await this.ovs.inventory());
      return report;
    });
  }

  // ---- Internals ----

  private busybox(): string {
    this.busyboxPath ??= findBinary(BUSYBOX, 'busybox');
    return this.busyboxPath;
  }

  /** ovs-vsctl commands that create or complete this domain's bridge, its inter-domain choice in its external_ids. */
  private bridgeCommands(domain: string): string[][] {
    const br = domainBridgeName(this.installationId, domain);
    const ids = { 'qnfv.install': this.installationId, 'qnfv.domain': domain, [KIND_KEY]: BRIDGE_KIND, ...interDomainIds(this.interDomain) };
    return [
      ['--may-exist', 'add-br', br],
      ['set', 'bridge', br, 'datapath_type=netdev', 'fail_mode=secure', ...externalIdArgs(ids)],
      ...(this.interDomain.kind === 'patch' ? [['remove', 'bridge', br, 'external_ids', UNDERLAY_ADDRESS_KEY]] : []),
    ];
  }

  /**
   * Join this domain's bridge to each other domain's bridge for one network
   * (patch ports or VXLAN, as both domains chose); reload the flows of all of them.
   */
  private async linkDomains(instanceId: string, vl: string, domains: string[]): Promise<void> {
    const inv = await this.ovs.inventory();
    const peers: { domain: string; bridge: string; choice: InterDomainOptions }[] = [];
    for (const other of domains) {
      const bridge = inv.bridges.find((b) => b.name === domainBridgeName(this.installationId, other));
      if (!bridge) continue;
      const choice = interDomainOfBridge(bridge.externalIds);
      checkPeering(this.domain, this.interDomain, other, choice);
      peers.push({ domain: other, bridge: bridge.name, choice });
    }
    if (peers.length === 0) return;
    const cmds = this.interDomain.kind === 'vxlan' ? await this.vxlanLinks(instanceId, vl, this.interDomain, peers, inv) : this.patchLinks(instanceId, vl, peers, inv);
    await this.ovs.vsctl(cmds);
    const after = await this.ovs.inventory();
    for (const b of [this.bridge, ...peers.map((p) => p.bridge)]) await this.ovs.syncFlows(b, after);
  }

  /** ovs-vsctl commands for a patch-port pair between this domain's bridge and each peer's, for one network. */
  private patchLinks(instanceId: string, vl: string, peers: readonly { domain: string; bridge: string }[], inv: OvsInventory): string[][] {
    const ports = [...inv.ports];
    const cmds: string[][] = [];
    for (const { domain: other, bridge: otherBridge } of peers) {
      for (const [mine, peer, bridge] of [
        [this.domain, other, this.bridge],
        [other, this.domain, otherBridge],
      ] as const) {
        const name = patchPortName(this.installationId, instanceId, vl, mine, peer);
        const peerName = patchPortName(this.installationId, instanceId, vl, peer, mine);
        const reg = this.allocateNumber(ports, bridge, instanceId, vl, name);
        const ids = { ...labelMap({ installationId: this.installationId, instanceId, domain: mine, role: 'network', id: vl }), [PEER_DOMAIN_KEY]: peer, [REGISTER_KEY]: String(reg) };
        cmds.push(['--may-exist', 'add-port', bridge, name], ['set', 'interface', name, 'type=patch', `options:peer=${peerName}`, ...externalIdArgs(ids)]);
      }
    }
    return cmds;
  }

  /**
   * A VXLAN device pair between this domain's bridge and each peer's, for one
   * network: the underlay (namespaces, veths, devices) is made here; the
   * ovs-vsctl commands that add the devices as ports are returned. A pair
   * that exists keeps its VNI (read from its port).
   */
  private async vxlanLinks(instanceId: string, vl: string, mine: VxlanInterDomain, peers: readonly { domain: string; bridge: string; choice: InterDomainOptions }[], inv: OvsInventory): Promise<string[][]> {
    const ports = [...inv.ports];
    // VNIs are unique per underlay namespace, i.e. among the VXLAN ports of one domain's bridge.
    const vnis = new Map<string, Set<number>>();
    const vnisOn = (bridge: string): Set<number> => {
      let set = vnis.get(bridge);
      if (!set) vnis.set(bridge, (set = new Set(inv.ports.filter((p) => p.bridge === bridge && p.externalIds[VNI_KEY] !== undefined).map((p) => Number(p.externalIds[VNI_KEY])))));
      return set;
    };
    const cmds: string[][] = [];
    const ends: VxlanEnd[] = [];
    const domains = [{ domain: this.domain, address: mine.underlayAddress }];
    for (const { domain: other, bridge: otherBridge, choice } of peers) {
      if (choice.kind !== 'vxlan') continue; // checkPeering made sure it is
      domains.push({ domain: other, address: choice.underlayAddress });
      const sides = [
        { me: this.domain, peer: other, bridge: this.bridge, local: mine.underlayAddress, remote: choice.underlayAddress },
        { me: other, peer: this.domain, bridge: otherBridge, local: choice.underlayAddress, remote: mine.underlayAddress },
      ];
      const devices = sides.map((s) => vxlanDeviceName(this.installationId, instanceId, vl, s.me, s.peer));
      const known = ports.find((p) => devices.includes(p.name) && p.externalIds[VNI_KEY] !== undefined);
      const vni = known ? Number(known.externalIds[VNI_KEY]) : vxlanVni(this.installationId, instanceId, vl, this.domain, other, new Set([...vnisOn(this.bridge), ...vnisOn(otherBridge)]));
      vnisOn(this.bridge).add(vni);
      vnisOn(otherBridge).add(vni);
      sides.forEach((s, i) => {
        const device = devices[i] as string;
        const labels: ResourceLabels = { installationId: this.installationId, instanceId, domain: s.me, role: 'network', id: vl };
        const reg = this.allocateNumber(ports, s.bridge, instanceId, vl, device);
        const ids = { ...labelMap(labels), [PEER_DOMAIN_KEY]: s.peer, [REGISTER_KEY]: String(reg), [VNI_KEY]: String(vni), [KIND_KEY]: VXLAN_KIND };
        ends.push({ device, domain: s.me, peerDomain: s.peer, local: s.local, remote: s.remote, vni, labels });
        cmds.push(['--may-exist', 'add-port', s.bridge, device], ['set', 'interface', device, ...externalIdArgs(ids)]);
      });
    }
    const [namespaces, rootLinks] = await Promise.all([listUnderlay(this.runner, this.installationId), listLinks(this.runner)]);
    await applyUnderlayPlan(this.runner, underlayPlan(this.installationId, domains, ends, { namespaces, rootLinks: new Set(rootLinks.map((l) => l.ifname)) }, process.pid));
    return cmds;
  }

  /** The network number of (instance, vl) on a bridge, recording the new port in `ports` so later picks see it. */
  private allocateNumber(ports: OvsPort[], bridge: string, instanceId: string, vl: string, portName: string): number {
    const n = networkNumber(ports, bridge, (p) => p.externalIds['qnfv.instance'] === instanceId && p.externalIds[NETWORK_KEY] === vl);
    ports.push({ name: portName, bridge, type: '', ofport: 0, externalIds: { 'qnfv.instance': instanceId, [NETWORK_KEY]: vl, [REGISTER_KEY]: String(n) }, options: {} });
    return n;
  }

  /** Add host-side veth ends to the domain bridge with their labels, network numbers and MACs; reload the flows. */
  private async attachPorts(instanceId: string, nodeId: string, ports: readonly PortRecord[], labels: ResourceLabels): Promise<void> {
    const inv = await this.ovs.inventory();
    const all = [...inv.ports];
    const cmds: string[][] = [...this.bridgeCommands(this.domain)];
    for (const p of ports) {
      const reg = this.allocateNumber(all, this.bridge, instanceId, p.network, p.peer);
      const ids = { ...labelMap(labels), [NETWORK_KEY]: p.network, [REGISTER_KEY]: String(reg), [ATTACHED_MAC_KEY]: portMac(this.installationId, instanceId, nodeId, p.name) };
      cmds.push(['--may-exist', 'add-port', this.bridge, p.peer], ['set', 'interface', p.peer, ...externalIdArgs(ids)]);
    }
    await this.ovs.vsctl(cmds);
    await this.ovs.syncFlows(this.bridge);
  }

  /** Root batch lines: each port a veth whose node end goes into the container (fixed index, stable MAC), host end labelled and up. */
  private portVethCommands(pid: number, instanceId: string, nodeId: string, ports: readonly PortRecord[], label: string): string[][] {
    return ports.flatMap((p, i) => [
      ['link', 'add', 'name', p.name, 'index', String(NODE_IFINDEX_BASE + 1 + i), 'address', portMac(this.installationId, instanceId, nodeId, p.name), 'netns', String(pid), 'type', 'veth', 'peer', 'name', p.peer],
      ['link', 'set', 'dev', p.peer, 'alias', label],
      ['link', 'set', 'dev', p.peer, 'up'],
    ]);
  }

  /** tx checksum offload off on both ends of every port (the netdev datapath does not fill in checksums), then the node's `ip` batch. */
  private async configureInside(pid: number, ports: readonly PortRecord[], commands: string[][]): Promise<void> {
    await Promise.all([
      ...ports.map((p) => this.runner.run(['ethtool', '-K', p.peer, 'tx', 'off'])),
      ...ports.map((p) => this.runner.run(['nsenter', '-t', String(pid), '-n', '--', 'ethtool', '-K', p.name, 'tx', 'off'])),
    ]);
    await nsBatch(this.runner, pid, commands);
  }

  /** Create and start a labelled container; resolves with its init's pid. */
  private async startContainer(name: string, image: string, labels: ResourceLabels, options: Omit<Docker.ContainerCreateOptions, 'name' | 'Image' | 'Labels'>): Promise<number> {
    const container = await this.docker.createContainer({
      name,
      Image: image,
      Labels: { ...labelMap(labels), [KIND_KEY]: labels.role },
      StopTimeout: STOP_TIMEOUT_S,
      ...options,
    });
    await container.start();
    const pid = (await container.inspect()).State.Pid;
    if (!pid) throw new DriverError(['docker', 'start', name], null, 'the container is not running after start');
    return pid;
  }

  /** The pid of a running container's init, or undefined. */
  private async containerPid(name: string): Promise<number | undefined> {
    try {
      const info = await this.docker.getContainer(name).inspect();
      return info.State.Running && info.State.Pid > 0 ? info.State.Pid : undefined;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Open the start gate; the program must still run after the settle time. Resolves with its host pid. */
  private async releaseProgram(name: string, initPid: number, program: ProgramSpec): Promise<number> {
    await writeFile(`/proc/${initPid}/root${START_FLAG_PATH}`, '');
    await new Promise((r) => setTimeout(r, CONTAINER_SETTLE_MS));
    const info = await this.docker.getContainer(name).inspect();
    if (!info.State.Running) {
      throw new DriverError(program.argv, info.State.ExitCode ?? null, `exited during start-up (container ${name}); log ${program.logFile}: ${await logTail(program.logFile)}`);
    }
    const deadline = Date.now() + PROGRAM_PID_WAIT_MS;
    for (;;) {
      const children = await readFile(`/proc/${initPid}/task/${initPid}/children`, 'utf8').catch(() => '');
      const pid = Number(children.trim().split(/\s+/)[0]);
      if (pid > 0) return pid;
      if (Date.now() > deadline) throw new DriverError(program.argv, null, `no program process under the container's init (${name})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Fail unless the node's container is new and every network it joins was ensured by this domain. */
  private async checkNewNode(name: string, instanceId: string, nodeId: string, networks: string[]): Promise<void> {
    const exists = await this.docker
      .getContainer(name)
      .inspect()
      .then(
        () => true,
        (err: { statusCode?: number }) => {
          if (err.statusCode === 404) return false;
          throw err;
        },
      );
    if (exists) throw new ConflictError(`'${nodeId}' of instance '${instanceId}' already exists (container ${name})`);
    const record = await this.store.read(instanceId, this.domain);
    for (const vl of networks) {
      if (!record?.networks.some((n) => n.id === vl)) throw new NotFoundError(`network of instance '${instanceId}' in domain '${this.domain}'`, vl);
    }
  }

  private portRecord(instanceId: string, nodeId: string, p: { name: string; network: string; address: string }): PortRecord {
    return { name: p.name, network: p.network, address: p.address, peer: portPeerName(this.installationId, instanceId, nodeId, p.name) };
  }

  /** Undo a half-built router or host: OVS ports, host links, container, record entry. */
  private async rollbackNode(instanceId: string, container: string, links: string[], drop: (r: InstanceRecord) => void): Promise<void> {
    try {
      await this.destroy([container], links, (await this.ovs.inventory()).ports.filter((p) => links.includes(p.name)));
      await this.ovs.syncFlows(this.bridge);
      await this.store.update(instanceId, this.domain, drop);
    } catch (err) {
      this.log.error('rollback failed; removeInstance or reconcile will finish it', { instanceId, container, err: String(err) });
    }
  }

  /** Delete OVS ports, then host links (a veth goes with its peer), then containers. */
  private async destroy(containers: readonly string[], links: readonly string[], ports: readonly OvsPort[]): Promise<{ links: string[] }> {
    await this.ovs.vsctl(ports.map((p) => ['--if-exists', 'del-port', p.bridge, p.name]));
    const existing = new Set((await listLinks(this.runner)).map((l) => l.ifname));
    const doomed = [...new Set(links)].filter((l) => existing.has(l)).sort();
    await runIpBatch(this.runner, doomed.map((l) => ['link', 'del', 'dev', l]), { force: true, allowFailure: true });
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c)
          .remove({ force: true })
          .catch((err: { statusCode?: number }) => {
            if (err.statusCode !== 404) throw err;
          }),
      ),
    );
    return { links: doomed };
  }

  /** Remove an instance's resources: one domain's part, or all domains' (`domain` undefined). */
  private async removeResources(instanceId: string, domain: string | undefined): Promise<RemovalReport> {
    const mine = (await this.store.readInstance(instanceId)).filter((r) => domain === undefined || r.domain === domain);
    const recorded = { routers: mine.flatMap((r) => r.routers), hosts: mine.flatMap((r) => r.hosts) };
    const plan = planRemoval(this.installationId, instanceId, await this.liveResources(instanceId), recorded, domainSelector(domain));
    const dropRecords = (): Promise<number> => this.store.removeRecords(instanceId, mine, domain === undefined);
    return this.teardown(instanceId, mine.map((r) => r.domain), plan, dropRecords, 'instance resources removed');
  }

  /** The instance's labelled containers, all OVS ports and the labelled host links, read at once. */
  private async liveResources(instanceId: string): Promise<LiveResources> {
    const [containers, inv, rootLinks] = await Promise.all([
      this.docker.listContainers({ all: true, filters: { label: [`qnfv.install=${this.installationId}`, `qnfv.instance=${instanceId}`] } }),
      this.ovs.inventory(),
      listLabelledRootLinks(this.runner),
    ]);
    return { containers, ports: inv.ports, rootLinks };
  }

  /**
   * Carry out a removal plan: 1. delete ports, links and containers; 2. update
   * the records (`updateRecords` returns how many it changed or deleted);
   * 3. reload the flows of the bridges that lost ports (the flows of the ports
   * that stay come out the same); 4. delete bridges left empty.
   */
  private async teardown(instanceId: string, domains: string[], plan: RemovalPlan, updateRecords: () => Promise<number>, event: string): Promise<RemovalReport> {
    const { links } = await this.destroy(plan.containers, plan.links, plan.ports);
    const stateRecords = await updateRecords();
    const after = await this.ovs.inventory();
    for (const b of new Set(plan.ports.map((p) => p.bridge))) await this.ovs.syncFlows(b, after);
    const { bridges, namespaces } = await this.removeEmptyBridges(after);
    const report: RemovalReport = {
      instanceId,
      domains,
      namespaces,
      links,
      pids: plan.pids,
      stateRecords,
      containers: plan.containers,
      ports: plan.ports.map((p) => p.name),
      bridges,
    };
    if (plan.containers.length || plan.ports.length || links.length || stateRecords) this.log.info(event, { ...report });
    return report;
  }

  /**
   * Delete this installation's bridges that have no port left and whose
   * domain has no record left, then the underlay namespaces of domains
   * without a bridge (their veths and VXLAN devices go with them).
   */
  private async removeEmptyBridges(inv: OvsInventory): Promise<{ bridges: string[]; namespaces: string[] }> {
    const records = await this.store.readAll();
    const busy = new Set(records.map((r) => domainBridgeName(this.installationId, r.domain)));
    const empty = inv.bridges.filter(
      (b) => b.externalIds['qnfv.install'] === this.installationId && b.externalIds[KIND_KEY] === BRIDGE_KIND && !busy.has(b.name) && b.ports.every((p) => p === b.name),
    );
    await this.ovs.vsctl(empty.map((b) => ['--if-exists', 'del-br', b.name]));
    const staying = new Set(inv.bridges.filter((b) => !empty.includes(b)).map((b) => b.name));
    const doomed = (await listUnderlay(this.runner, this.installationId)).filter((n) => !staying.has(domainBridgeName(this.installationId, n.domain))).map((n) => n.name);
    await removeUnderlayNamespaces(this.runner, doomed);
    return { bridges: empty.map((b) => b.name).sort(), namespaces: doomed };
  }

  /** Everything of this installation, read from dockerd, OVSDB, the host's links and the underlay namespaces. */
  private async inventoryResources(filter: ResourceFilter = {}): Promise<VimResource[]> {
    const [containers, inv, links, underlay] = await Promise.all([
      this.docker.listContainers({ all: true, filters: { label: [`qnfv.install=${this.installationId}`] } }),
      this.ovs.inventory(),
      listLabelledRootLinks(this.runner),
      listUnderlay(this.runner, this.installationId),
    ]);
    const mine = (l: ResourceLabels | undefined): l is ResourceLabels => l !== undefined && l.installationId === this.installationId;
    const all: VimResource[] = [];
    for (const c of containers) {
      const l = labelsFromMap(c.Labels);
      if (mine(l)) all.push({ kind: 'container', name: (c.Names[0] ?? '').replace(/^\//, ''), ...l });
    }
    for (const p of inv.ports) {
      const l = labelsFromMap(p.externalIds);
      if (mine(l)) all.push({ kind: 'port', name: p.name, ...l });
    }
    for (const l of links) if (mine(l.labels)) all.push({ kind: 'link', name: l.name, ...l.labels });
    for (const b of inv.bridges) {
      const domain = b.externalIds['qnfv.domain'];
      if (b.externalIds['qnfv.install'] === this.installationId && b.externalIds[KIND_KEY] === BRIDGE_KIND && domain !== undefined) {
        all.push({ kind: 'bridge', name: b.name, installationId: this.installationId, instanceId: '', domain, role: 'network', id: domain });
      }
    }
    // A domain's underlay serves every instance, like its bridge: instanceId '', a veth end's id is the peer domain.
    for (const n of underlay) {
      const base = { installationId: this.installationId, instanceId: '', domain: n.domain, role: 'network' as const };
      all.push({ kind: 'namespace', name: n.name, ...base, id: n.domain });
      for (const v of n.veths) all.push({ kind: 'link', name: v.name, ...base, id: v.peerDomain });
    }
    return filterResources(all, filter);
  }

}
