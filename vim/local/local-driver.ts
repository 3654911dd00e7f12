/**
 * The `local` VIM driver: no root, no namespaces, no TUN — the fallback that
 * runs anywhere Node runs on Linux. Per NS instance:
 *  - a virtual link is a UDP port claimed for it (wire-claims.ts); every
 *    member binds that port on its own loopback address 127.<low 24 bits of
 *    its IPv4 address> (virtual-router/wire/wire-address.ts), so a link is
 *    the set {IPv4 address → 127.x.y.z:port} recorded in the state;
 *  - a router is its program, started as a detached child process (own
 *    process group, output to the ProgramSpec's log file, this user). It
 *    gets no TUN: RouterInfo.packetIo tells it (through the VCA's day-0
 *    config) to use UDP wires — raw IPv4 on LANs, ESP-in-UDP (RFC 3948) on
 *    WANs — and RouterInfo.netconfPort where its NETCONF server listens on
 *    its loopback management address (a free port: 830 needs root);
 *  - a site host is a child process too (host-main.ts): one address on one
 *    wire, answers ICMP echo; `exec` runs its built-in commands (ping,
 *    send-udp, stats: host-commands.ts) over a control socket. Routers have
 *    no shell: `exec` in a router is NotSupportedError.
 * Every process carries its labels in QNFV_VIM_LABELS; the state record per
 * instance and domain (local-state.ts) keeps pids with start times. Removal
 * stops processes that are still ours (labels and start time checked),
 * releases link ports no other domain uses, deletes records and host files.
 * Mutations are serialised per installation within a process.
 */
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConflictError, createLogger, DriverError, NotFoundError, NotSupportedError, ValidationError, type Logger } from '../../common/index.js';
import { memberEndpointOf, parseCidrText, inSubnet } from '../../virtual-router/wire/index.js';
import { parseIpv4 } from '../../virtual-router/esp/ipv4-packet.js';
import { requireCapability } from '../capabilities.js';
import { ExecFileRunner, type CommandOptions, type CommandResult, type CommandRunner } from '../command-runner.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../constants.js';
import { checkNodeRemovalSpec, filterResources, lockWhenReady, onceUntilFailure, planScaleIn, reconcileInstances } from '../driver-common.js';
import { checkId, checkInstallationId, formatLabels, nodeNamespace } from '../labels.js';
import { namedLock, type Lock } from '../lock.js';
import { stopInRounds, stopProcesses } from '../process-stop.js';
import { checkHostSpec, checkNetworkSpec, checkRouterSpec } from '../spec-validation.js';
import { networksUsedBy, splitByDomain } from '../state-store.js';
import type {
  HostInfo,
  HostSpec,
  NetworkInfo,
  NetworkKind,
  NetworkSpec,
  NodeRemovalSpec,
  ReconcileReport,
  RemovalReport,
  ResourceFilter,
  RouterInfo,
  RouterSpec,
  VimCapability,
  VimDriver,
  VimDriverOptions,
  VimResource,
  WirePortInfo,
} from '../types.js';
import { execOverControl } from './host-control.js';
import { hostMainPath } from './host-program.js';
import { defaultLocalRoot, ensurePrivateDir, UNIX_PATH_MAX } from './local-paths.js';
import { isOurs, LABEL_ENV, labelledProcesses, processStartTime, type LabelledProcess } from './local-processes.js';
import { LocalStateStore, type LocalHostRecord, type LocalInstanceRecord, type LocalPortRecord, type LocalRouterRecord, type ProcessRef } from './local-state.js';
import { checkLocalPrerequisites } from './prerequisites.js';
import { WireClaims, type WireClaim } from './wire-claims.js';

/** The capabilities of the local driver: everything but a TUN device. */
export const LOCAL_CAPABILITIES: readonly VimCapability[] = ['networks', 'routers', 'hosts', 'programs', 'management-link', 'exec', 'reconcile'];

/** The environment variable that turns on WAN captures by default (a folder; see `captureDir`). */
export const LOCAL_CAPTURE_ENV = 'QNFV_LOCAL_WAN_CAPTURE';

/** How long a new host may take to answer on its control socket. */
const HOST_READY_MS = 10_000;
const HOST_POLL_MS = 25;

/** Options of the local driver. `runner` only starts programs; `mgmtPool` is not used (management is on loopback). */
export interface LocalVimDriverOptions extends VimDriverOptions {
  /** Claims of link UDP ports, shared by every installation of this user; default `<per-user root>/wire-ports`. */
  wirePortDir?: string;
  /**
   * Record every datagram of the routers' WAN ports into `<captureDir>/<instance>-<vnf>-<port>.pcap`
   * (the demo's "only ESP crossed the WAN" check). Default: $QNFV_LOCAL_WAN_CAPTURE; unset: no capture.
   */
  captureDir?: string;
}

/** VIM driver on child processes and loopback UDP wires. */
export class LocalVimDriver implements VimDriver {
  readonly kind = 'local' as const;
  readonly capabilities: ReadonlySet<VimCapability> = new Set(LOCAL_CAPABILITIES);
  readonly installationId: string;
  readonly domain: string;
  /** Where this installation's records and host sockets are. */
  readonly stateDir: string;
  private readonly store: LocalStateStore;
  private readonly claims: WireClaims;
  private readonly hostDir: string;
  private readonly captureDir: string | undefined;
  private readonly runner: CommandRunner;
  private readonly log: Logger;
  /** The installation's lock, taken once the prerequisites hold. */
  private readonly whenReady: Lock;
  private readonly prerequisites: () => Promise<void>;

  constructor(opts: LocalVimDriverOptions) {
    checkInstallationId(opts.installationId);
    checkId(opts.domain, 'domain');
    const root = defaultLocalRoot();
    this.installationId = opts.installationId;
    this.domain = opts.domain;
    this.stateDir = opts.stateDir ?? join(root, opts.installationId);
    this.store = new LocalStateStore(this.stateDir, opts.installationId);
    this.claims = new WireClaims(opts.wirePortDir ?? join(root, 'wire-ports'));
    this.hostDir = join(this.stateDir, 'hosts');
    if (join(this.hostDir, 'x'.repeat(12) + '.sock').length > UNIX_PATH_MAX) {
      throw new ValidationError(`stateDir ${this.stateDir} is too long for the hosts' Unix sockets (at most ${UNIX_PATH_MAX - 24} characters)`);
    }
    this.captureDir = opts.captureDir ?? (process.env[LOCAL_CAPTURE_ENV] || undefined);
    this.runner = opts.runner ?? new ExecFileRunner();
    this.log = opts.logger ?? createLogger(`vim.local.${opts.domain}`);
    this.prerequisites = onceUntilFailure(() => checkLocalPrerequisites([this.stateDir, this.claims.dir]));
    this.whenReady = lockWhenReady(this.prerequisites, namedLock(`vim.local.${opts.installationId}`));
  }

  /** Check the host program, /proc, loopback binding and the state folders once; a failed check is repeated on the next call. */
  checkPrerequisites(): Promise<void> {
    return this.prerequisites();
  }

  /** Claim the link's UDP port (or find the claim another domain made) and record the link. */
  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    checkNetworkSpec(spec);
    return this.whenReady(async () => {
      const claim = await this.claims.claim({ installationId: this.installationId, instanceId: spec.instanceId, network: spec.id, kind: spec.kind });
      await this.store.update(spec.instanceId, this.domain, (r) => {
        if (!r.networks.some((n) => n.id === spec.id)) r.networks.push({ id: spec.id, kind: spec.kind, linkPort: claim.port });
      });
      this.log.info('network ready', { instanceId: spec.instanceId, vl: spec.id, port: claim.port });
      return { id: spec.id, kind: spec.kind, namespace: '', bridge: `udp:${claim.port}` };
    });
  }

  /** Start a router's program on UDP wires (see the file comment); on failure, what was started is stopped again. */
  async createRouter(spec: RouterSpec): Promise<RouterInfo> {
    checkRouterSpec(spec);
    if (spec.tun) requireCapability(this, 'tun');
    if (!spec.program) throw new ValidationError("the local driver's router is its program: RouterSpec.program is required", [{ path: 'program', message: 'required by the local driver' }]);
    const program = spec.program;
    return this.whenReady(async () => {
      const sandbox = nodeNamespace(this.installationId, spec.instanceId, spec.vnfId);
      await this.checkNewNode(spec.instanceId, sandbox, spec.vnfId);
      const links = await this.linkClaims(spec.instanceId, spec.ports.map((p) => p.network));
      const ports = spec.ports.map((p) => portRecord(p, links.get(p.network)!));
      checkRoutes(spec, ports);
      const mgmtAddress = managementAddress(this.installationId, spec.instanceId, spec.vnfId);
      const netconfPort = await freeTcpPort(mgmtAddress);
      const record: LocalRouterRecord = { vnfId: spec.vnfId, sandbox, ports, routes: spec.routes.map((r) => ({ ...r })), mgmt: { address: mgmtAddress, netconfPort }, logFile: program.logFile };
      await this.store.update(spec.instanceId, this.domain, (r) => r.routers.push(record));
      const labels = formatLabels({ installationId: this.installationId, instanceId: spec.instanceId, domain: this.domain, role: 'router', id: spec.vnfId });
      try {
        for (const p of ports) await probeUdp(p.endpoint, `port ${p.name} of router ${spec.vnfId}`);
        const wirePorts: WirePortInfo[] = [];
        for (const p of ports) {
          const claim = links.get(p.network)!;
          const capture = this.captureDir !== undefined && claim.kind === 'wan' ? join(this.captureDir, `${spec.instanceId}-${spec.vnfId}-${p.name}.pcap`) : undefined;
          if (capture) await mkdir(this.captureDir!, { recursive: true, mode: 0o700 });
          wirePorts.push({ name: p.name, network: p.network, address: p.address, linkPort: claim.port, framing: framingOf(claim.kind), ...(capture ? { capture } : {}) });
        }
        record.process = await this.startProcess(program.argv, { env: { ...program.env, [LABEL_ENV]: labels }, cwd: program.cwd, logFile: program.logFile });
        await this.store.saveRouter(spec.instanceId, this.domain, record);
        this.log.info('router created', { instanceId: spec.instanceId, vnfId: spec.vnfId, pid: record.process.pid, netconf: `${mgmtAddress}:${netconfPort}` });
        return {
          namespace: sandbox,
          mgmt: { hostInterface: 'lo', hostAddress: '127.0.0.1', routerAddress: mgmtAddress, prefixLength: 8, routerInterface: 'lo' },
          ports: spec.ports.map((p) => ({ ...p })),
          pid: record.process.pid,
          netconfPort,
          packetIo: { kind: 'udp-wire', ports: wirePorts, routes: spec.routes.map((r) => ({ ...r })) },
        };
      } catch (err) {
        await this.rollbackNode(spec.instanceId, record.process, labels, (r) => (r.routers = r.routers.filter((x) => x.vnfId !== spec.vnfId)));
        throw err;
      }
    });
  }

  /** Start a site host process on its LAN's wire; resolves once it answers on its control socket. */
  async createHost(spec: HostSpec): Promise<HostInfo> {
    checkHostSpec(spec);
    return this.whenReady(async () => {
      const sandbox = nodeNamespace(this.installationId, spec.instanceId, spec.id);
      await this.checkNewNode(spec.instanceId, sandbox, spec.id);
      const claim = (await this.linkClaims(spec.instanceId, [spec.port.network])).get(spec.port.network)!;
      const port = portRecord({ name: 'eth0', ...spec.port }, claim);
      const cidr = parseCidrText(spec.port.address)!;
      if (!inSubnet(parseIpv4(spec.gateway, 'gateway'), cidr)) {
        throw new ValidationError('invalid host spec', [{ path: 'gateway', message: `${spec.gateway} is not on the host's link ${spec.port.address}` }]);
      }
      await ensurePrivateDir(this.hostDir);
      const record: LocalHostRecord = { id: spec.id, sandbox, port, gateway: spec.gateway, ...this.hostFiles(sandbox) };
      await this.store.update(spec.instanceId, this.domain, (r) => r.hosts.push(record));
      const labels = formatLabels({ installationId: this.installationId, instanceId: spec.instanceId, domain: this.domain, role: 'host', id: spec.id });
      try {
        await probeUdp(port.endpoint, `host ${spec.id}`);
        const argv = [process.execPath, hostMainPath(), '--address', spec.port.address, '--gateway', spec.gateway, '--network', spec.port.network, '--link-port', String(claim.port), '--framing', framingOf(claim.kind), '--control', record.control];
        record.process = await this.startProcess(argv, { env: { [LABEL_ENV]: labels }, logFile: record.logFile });
        await this.store.saveHost(spec.instanceId, this.domain, record);
        await this.waitHostReady(record);
        this.log.info('host created', { instanceId: spec.instanceId, host: spec.id, pid: record.process.pid, endpoint: port.endpoint });
        return { namespace: sandbox, address: spec.port.address };
      } catch (err) {
        await this.rollbackNode(spec.instanceId, record.process, labels, (r) => (r.hosts = r.hosts.filter((h) => h.id !== spec.id)));
        await rm(record.control, { force: true });
        throw err;
      }
    });
  }

  /**
   * Run a built-in command in a site host (ping, send-udp, stats: host-commands.ts), answered by
   * the host process over its control socket. Routers have no shell: NotSupportedError.
   */
  async exec(sandbox: string, argv: string[], opts: CommandOptions = {}): Promise<CommandResult> {
    if (!Array.isArray(argv) || argv.length === 0) throw new ValidationError('exec needs an argv naming the command');
    await this.checkPrerequisites();
    const records = (await this.store.readAll()).filter((r) => r.domain === this.domain);
    const host = records.flatMap((r) => r.hosts).find((h) => h.sandbox === sandbox);
    if (!host) {
      if (records.some((r) => r.routers.some((x) => x.sandbox === sandbox))) {
        throw new NotSupportedError(`the local VIM driver's router ${sandbox} is a single process without a shell: exec runs the built-in commands (ping, send-udp, stats) in site hosts only`);
      }
      throw new NotFoundError('sandbox of this VIM', sandbox);
    }
    const res = await execOverControl(host.control, argv, opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
    if (res.code !== 0 && !opts.allowFailure) throw new DriverError(argv, res.code, res.stderr);
    return res;
  }

  /** Stop this domain's processes of the instance, release its links no other domain uses, delete its record; idempotent. */
  async removeInstance(instanceId: string): Promise<RemovalReport> {
    checkId(instanceId, 'instanceId');
    return this.whenReady(() => this.removeResources(instanceId, this.domain));
  }

  /** Labelled processes and link claims of this installation that exist now. */
  async listResources(filter: ResourceFilter = {}): Promise<VimResource[]> {
    await this.checkPrerequisites();
    const [procs, claims] = await Promise.all([labelledProcesses(this.installationId), this.claims.list(this.installationId)]);
    const all: VimResource[] = [
      ...procs.map((p): VimResource => ({ kind: 'process', name: nodeNamespace(this.installationId, p.labels.instanceId, p.labels.id), ...p.labels })),
      ...claims.map((c): VimResource => ({ kind: 'wire', name: `udp:${c.port}`, installationId: c.installationId, instanceId: c.instanceId, role: 'network', id: c.network })),
    ];
    return filterResources(all, filter);
  }

  /** Remove every process, link claim and record of this installation whose instance is not live (all domains). */
  async reconcile(liveInstanceIds: Iterable<string>): Promise<ReconcileReport> {
    const live = new Set(liveInstanceIds);
    return this.whenReady(async () => {
      const report = await reconcileInstances(live, { resources: await this.listResources(), recorded: await this.store.instanceIds(), remove: (id) => this.removeResources(id, undefined), log: this.log });
      await this.tidyFolders(); // the prerequisite check made the installation's folder even if nothing was ever created
      return report;
    });
  }

  /** Scale-in: stop some routers and hosts of an instance in this domain, release the named links no remaining node uses. */
  async removeNodes(spec: NodeRemovalSpec): Promise<RemovalReport> {
    checkNodeRemovalSpec(spec);
    const { instanceId } = spec;
    return this.whenReady(async () => {
      const { mine, leaving, released } = planScaleIn(await this.store.readInstance(instanceId), this.domain, spec);
      const going = (p: LabelledProcess): boolean =>
        p.labels.instanceId === instanceId &&
        p.labels.domain === this.domain &&
        ((p.labels.role === 'router' && leaving.routers.has(p.labels.id)) || (p.labels.role === 'host' && leaving.hosts.has(p.labels.id)));
      const { pids, sandboxes } = await this.stopLabelled(going);
      const wires = await this.releaseLinks(instanceId, released);
      // Host files by name: the named hosts' sandboxes, whether or not a process or record was left.
      await this.removeHostFiles(spec.hosts.map((id) => nodeNamespace(this.installationId, instanceId, id)));
      const stateRecords = await this.store.dropNodes(mine, leaving);
      await this.tidyFolders();
      const report: RemovalReport = { instanceId, domains: [this.domain], namespaces: [], links: [], pids, stateRecords, sandboxes, wires };
      if (pids.length + wires.length > 0) this.log.info('instance nodes removed', { ...report });
      return report;
    });
  }

  // ---- internals ----------------------------------------------------------------

  /** Remove an instance's resources: one domain's part, or all domains' (`domain` undefined). */
  private async removeResources(instanceId: string, domain: string | undefined): Promise<RemovalReport> {
    const { mine, others } = splitByDomain(await this.store.readInstance(instanceId), domain);
    const ours = (d: string | undefined): boolean => domain === undefined || d === domain;
    // 1. Processes: those with the instance's labels (found in /proc, so also ones a lost record forgot).
    const { pids, sandboxes } = await this.stopLabelled((p) => p.labels.instanceId === instanceId && ours(p.labels.domain));
    // 2. Link ports, unless another domain's part of the instance still uses the link (the shared WAN).
    const kept = networksUsedBy(others);
    const claimed = (await this.claims.list(this.installationId)).filter((c) => c.instanceId === instanceId).map((c) => c.network);
    const wires = await this.releaseLinks(instanceId, claimed.filter((vl) => !kept.has(vl)));
    // 3. Host sockets and logs (of recorded hosts, and of hosts found only by their labels), then the records.
    await this.removeHostFiles([...mine.flatMap((r) => r.hosts.map((h) => h.sandbox)), ...sandboxes]);
    const stateRecords = await this.store.removeRecords(instanceId, mine, domain === undefined);
    await this.tidyFolders();
    const report: RemovalReport = { instanceId, domains: mine.map((r) => r.domain), namespaces: [], links: [], pids, stateRecords, sandboxes, wires };
    if (pids.length + wires.length + stateRecords > 0) this.log.info('instance resources removed', { ...report });
    return report;
  }

  /** Stop every labelled process of this installation that `select` picks, re-checking each is still ours; pids and sandboxes. */
  private async stopLabelled(select: (p: LabelledProcess) => boolean): Promise<{ pids: number[]; sandboxes: string[] }> {
    const sandboxes = new Set<string>();
    const findOurs = async (): Promise<number[]> => {
      const mine: number[] = [];
      for (const p of (await labelledProcesses(this.installationId)).filter(select)) {
        if (!(await isOurs(p, formatLabels(p.labels)))) continue;
        mine.push(p.pid);
        sandboxes.add(nodeNamespace(this.installationId, p.labels.instanceId, p.labels.id));
      }
      return mine;
    };
    const pids = await stopInRounds(findOurs, { group: true }, this.log);
    return { pids, sandboxes: [...sandboxes].sort() };
  }

  private async releaseLinks(instanceId: string, networks: readonly string[]): Promise<string[]> {
    const released: string[] = [];
    for (const vl of [...new Set(networks)].sort()) {
      const claim = await this.claims.find({ installationId: this.installationId, instanceId, network: vl });
      if (claim && (await this.claims.release(claim))) released.push(`udp:${claim.port}`);
    }
    return released;
  }

  /** A host's control socket and log, named by a hash of its sandbox (short enough for a Unix socket path). */
  private hostFiles(sandbox: string): { control: string; logFile: string } {
    const name = createHash('sha256').update(sandbox).digest('hex').slice(0, 12);
    return { control: join(this.hostDir, `${name}.sock`), logFile: join(this.hostDir, `${name}.log`) };
  }

  /** Delete the control sockets and logs of these sandboxes (a router's sandbox has none: nothing happens). */
  private async removeHostFiles(sandboxes: readonly string[]): Promise<void> {
    for (const sb of new Set(sandboxes)) {
      const f = this.hostFiles(sb);
      await rm(f.control, { force: true });
      await rm(f.logFile, { force: true });
    }
  }

  /** Remove the installation's folders once they are empty. */
  private async tidyFolders(): Promise<void> {
    for (const dir of [this.hostDir, join(this.stateDir, 'instances'), this.stateDir]) await rmdir(dir).catch(() => undefined);
  }

  /** Fail unless no domain of the installation has a node of that name in the instance. */
  private async checkNewNode(instanceId: string, sandbox: string, nodeId: string): Promise<void> {
    const records = await this.store.readInstance(instanceId);
    if (records.some((r) => r.routers.some((x) => x.sandbox === sandbox) || r.hosts.some((h) => h.sandbox === sandbox))) {
      throw new ConflictError(`'${nodeId}' of instance '${instanceId}' already exists (${sandbox})`);
    }
  }

  /** The claims of the links a node joins; NotFoundError for a link that was not ensured. */
  private async linkClaims(instanceId: string, networks: readonly string[]): Promise<Map<string, WireClaim>> {
    const out = new Map<string, WireClaim>();
    for (const vl of networks) {
      const c = await this.claims.find({ installationId: this.installationId, instanceId, network: vl });
      if (!c) throw new NotFoundError(`network of instance '${instanceId}'`, vl);
      out.set(vl, c);
    }
    return out;
  }

  private async startProcess(argv: readonly string[], opts: { env?: Record<string, string>; cwd?: string; logFile: string }): Promise<ProcessRef> {
    const { pid } = await this.runner.start(argv, opts);
    const startTime = await processStartTime(pid);
    if (startTime === undefined) throw new DriverError(argv, null, `process ${pid} ended right after it started; see ${opts.logFile}`);
    return { pid, startTime };
  }

  private async waitHostReady(h: LocalHostRecord): Promise<void> {
    const deadline = Date.now() + HOST_READY_MS;
    let last = '';
    while (Date.now() < deadline) {
      const res = await execOverControl(h.control, ['stats'], 1_000);
      if (res.code === 0) return;
      last = res.stderr.trim();
      if (h.process && (await processStartTime(h.process.pid)) === undefined) break;
      await new Promise((r) => setTimeout(r, HOST_POLL_MS));
    }
    throw new DriverError(['host', h.id], null, `did not answer on ${h.control} (${last}); see ${h.logFile}`);
  }

  /** Undo a half-made node: its process (if it is still ours) and its record entry. */
  private async rollbackNode(instanceId: string, proc: ProcessRef | undefined, labels: string, drop: (r: LocalInstanceRecord) => void): Promise<void> {
    try {
      if (proc && (await isOurs(proc, labels))) await stopProcesses([proc.pid], { group: true });
      await this.store.update(instanceId, this.domain, drop);
    } catch (err) {
      this.log.error('rollback failed; removeInstance or reconcile will finish it', { instanceId, err: String(err) });
    }
  }
}

/** `esp-in-udp` on WAN links (RFC 3948), raw IPv4 elsewhere. */
function framingOf(kind: NetworkKind): 'ip' | 'esp-in-udp' {
  return kind === 'wan' ? 'esp-in-udp' : 'ip';
}

function portRecord(p: { name: string; network: string; address: string }, claim: WireClaim): LocalPortRecord {
  const cidr = parseCidrText(p.address)!;
  if (cidr.length < 8 || cidr.length > 30) throw new ValidationError(`port ${p.name}: the local driver needs a prefix length of 8-30 (${p.address})`);
  const ep = memberEndpointOf(p.address, claim.port);
  return { name: p.name, network: p.network, address: p.address, endpoint: `${ep.host}:${ep.port}` };
}

/** Every `via` must be a member of one of the router's links (the router resolves it there). */
function checkRoutes(spec: RouterSpec, ports: readonly LocalPortRecord[]): void {
  const problems = spec.routes.flatMap((r, i) => {
    if (r.via === undefined) return [];
    const via = parseIpv4(r.via, `routes[${i}].via`);
    const on = ports.filter((p) => (r.dev === undefined || p.name === r.dev) && inSubnet(via, parseCidrText(p.address)!));
    return on.length > 0 ? [] : [{ path: `routes[${i}].via`, message: `${r.via} is not on the link of ${r.dev ?? 'any port of this router'}` }];
  });
  if (problems.length > 0) throw new ValidationError('invalid router spec', problems);
}

/** The router's management address: 127.255.x.y from a hash of its ids (its NETCONF port is probed free, so a shared address does no harm). */
function managementAddress(installationId: string, instanceId: string, vnfId: string): string {
  const h = createHash('sha256').update(`${installationId}\0${instanceId}\0${vnfId}`).digest();
  const y = h[1] === 255 && h[0] === 255 ? 254 : h[1]!;
  return `127.255.${h[0]}.${y}`;
}

/** A TCP port that is free on `host` now (the kernel picks it). */
async function freeTcpPort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new DriverError(['listen', host], null, 'no TCP port');
  return addr.port;
}

/** Fail with ConflictError when another socket holds the endpoint `host:port`. */
async function probeUdp(endpoint: string, what: string): Promise<void> {
  const [host, port] = endpoint.split(':') as [string, string];
  const sock = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: host, port: Number(port), exclusive: true }, () => resolve());
    });
  } catch (err) {
    throw new ConflictError(`the loopback endpoint ${endpoint} of ${what} is in use by another socket (${(err as Error).message})`);
  } finally {
    try {
      sock.close();
    } catch {
      // never bound
    }
  }
}

