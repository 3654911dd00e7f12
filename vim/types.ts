/**
 * The VIM driver interface (ARCHITECTURE.md §2, `vim/`): what a domain's
 * Virtual Infrastructure Manager does for its VCA — virtual links, virtual
 * routers, site hosts, and cleanup by label. Drivers: `netns` (Linux network
 * namespaces, veth pairs, Linux bridges), `docker` (containers + Open
 * vSwitch), `local` (child processes on loopback UDP wires, no root). Each declares
 * what it can do as a capability set; an operation outside it throws
 * NotSupportedError, never silently does nothing.
 * Addresses are IPv4 `a.b.c.d/len` strings; ids are the NFV ids (NS instance,
 * VNF, virtual link) exactly as the NFVO uses them.
 */
import type { Logger } from '../common/index.js';
import type { CommandOptions, CommandResult, CommandRunner } from './command-runner.js';

/** The drivers the factory knows. */
export type VimDriverKind = 'netns' | 'docker' | 'local';

/** What a driver can do; callers check with `requireCapability`. */
export type VimCapability =
  /** `ensureNetwork`: virtual links. */
  | 'networks'
  /** `createRouter`. */
  | 'routers'
  /** `createHost`: site hosts behind a router's LAN. */
  | 'hosts'
  /** `RouterSpec.program`: start the router's process inside its sandbox. */
  | 'programs'
  /** `RouterSpec.tun`: a persistent TUN device in the router (needs root). */
  | 'tun'
  /** A management link from the VIM's host to each router (`RouterInfo.mgmt`). */
  | 'management-link'
  /** `exec`: run a command inside a router's or host's sandbox. */
  | 'exec'
  /** `listResources` and `reconcile`. */
  | 'reconcile';

/** The role of a virtual link. */
export type NetworkKind = 'lan' | 'wan' | 'mgmt';

/** A virtual link of one NS instance. */
export interface NetworkSpec {
  instanceId: string;
  /** Virtual link id (VLD id) — unique within the instance, shared by all domains. */
  id: string;
  kind: NetworkKind;
}

/** What `ensureNetwork` returns. */
export interface NetworkInfo {
  id: string;
  kind: NetworkKind;
  /** netns: the namespace holding the bridge; docker: '' (the network is a segment of the domain's OVS bridge); local: ''. */
  namespace: string;
  /** netns: the bridge inside that namespace; docker: the domain's OVS bridge; local: `udp:<link port>` (the wire). */
  bridge: string;
}

/** One router interface: a veth whose other end is on the network's bridge. */
export interface PortSpec {
  /** Interface name inside the router, e.g. `lan0`, `wan0` (1–8 chars `[a-z0-9]`, starting with a letter). */
  name: string;
  /** Virtual link id the port is attached to. */
  network: string;
  /** `a.b.c.d/len`. */
  address: string;
}

/** A static route inside the router; at least one of `via` and `dev`. */
export interface RouteSpec {
  /** `a.b.c.d/len` or `default`. */
  prefix: string;
  /** Next hop. */
  via?: string;
  /** Outgoing interface: a port name or the TUN's name. */
  dev?: string;
}

/** A process to start inside the router once it is wired. */
export interface ProgramSpec {
  /** Executable and arguments (never a shell string). */
  argv: string[];
  /** Added to the driver process's environment. */
  env?: Record<string, string>;
  /** Working directory; the driver's when absent. */
  cwd?: string;
  /** Absolute path; stdout and stderr are appended to it. */
  logFile: string;
}

/**
 * A persistent TUN device created with the router, so that routes into it can
 * exist before the router process attaches (FEASIBILITY.md §3: the router's
 * public tunnel address and the remote protected subnets are routed into the
 * TUN; the underlay stays on the WAN port).
 */
export interface TunSpec {
  /** Interface name, e.g. `tun0`. */
  name: string;
  /** Optional `a.b.c.d/len` on the TUN. */
  address?: string;
}

/** A virtual router. */
export interface RouterSpec {
  instanceId: string;
  /** VNF (member-vnf-index / VNF instance) id — unique within the instance. */
  vnfId: string;
  ports: PortSpec[];
  routes: RouteSpec[];
  tun?: TunSpec;
  program?: ProgramSpec;
}

/** The management link between the VIM's host and a router. */
export interface ManagementLink {
  /** Host-side interface (netns: root-namespace end of the veth, `q<6hex>m`). */
  hostInterface: string;
  /** Host-side address, no prefix length. */
  hostAddress: string;
  /** Router-side address, no prefix length: where SSH/NETCONF reach the router. */
  routerAddress: string;
  prefixLength: number;
  /** Interface name inside the router. */
  routerInterface: string;
}

/** What `createRouter` returns. */
export interface RouterInfo {
  /** netns: the router's namespace; docker: its container's name; local: a name of the same form. The `exec` sandbox. */
  namespace: string;
  mgmt: ManagementLink;
  ports: PortSpec[];
  /** The program's pid (as seen from the host), when `spec.program` was given. */
  pid?: number;
  /**
   * The port the router's NETCONF server must listen on at `mgmt.routerAddress`, when the
   * driver chose it (local: a free unprivileged port — 830 needs root). Absent: 830.
   */
  netconfPort?: number;
  /**
   * local: the router's packet I/O — UDP wires on loopback instead of a TUN and veths. The
   * VCA copies it into the router's day-0 config as `io` (virtual-router UdpWireConfig).
   */
  packetIo?: RouterPacketIo;
}

/** A router port on a UDP wire (local driver): see virtual-router/wire/. */
export interface WirePortInfo {
  name: string;
  network: string;
  /** `a.b.c.d/len` as in the PortSpec. */
  address: string;
  /** The link's UDP port; the port's socket is 127.<low 24 bits of address>:linkPort. */
  linkPort: number;
  /** `esp-in-udp` on WAN links (RFC 3948), `ip` (raw IPv4 per datagram) on the others. */
  framing: 'ip' | 'esp-in-udp';
  /** A pcap file recording the port's datagrams (set when the driver was asked to capture WAN ports). */
  capture?: string;
}

/** What a router on UDP wires needs to know of its links (local driver). */
export interface RouterPacketIo {
  kind: 'udp-wire';
  ports: WirePortInfo[];
  routes: RouteSpec[];
}

/** A site host: one port on a LAN, default route via the site's router. */
export interface HostSpec {
  instanceId: string;
  /** Host id, unique within the instance. */
  id: string;
  port: { network: string; address: string };
  /** Default gateway, no prefix length. */
  gateway: string;
}

/** What `createHost` returns. */
export interface HostInfo {
  namespace: string;
  /** `a.b.c.d/len` as given. */
  address: string;
}

/** Labels every resource carries (CONTRACTS.md), parsed back from a resource. */
export interface ResourceLabels {
  installationId: string;
  instanceId: string;
  /** Absent for networks, which several domains share. */
  domain?: string;
  role: ResourceRole;
  /** VNF id, host id or virtual link id. */
  id: string;
}

export type ResourceRole = 'router' | 'host' | 'network' | 'management';

/**
 * One thing the driver created that still exists. `port`: an Open vSwitch
 * port (docker). A docker domain bridge serves every instance: its
 * `instanceId` is '' and its `id` the domain.
 */
export interface VimResource extends ResourceLabels {
  /** local: `process` (a router's or host's process, `name` its sandbox name) and `wire` (a link's UDP port claim, `name` `udp:<port>`). */
  kind: 'namespace' | 'link' | 'container' | 'bridge' | 'port' | 'process' | 'wire';
  name: string;
}

/** Narrows `listResources`. */
export interface ResourceFilter {
  instanceId?: string;
  domain?: string;
}

/**
 * Part of an instance to remove from this domain (scale-in: a site leaves a
 * running NS). Routers and hosts named here go (program, ports, management
 * link, sandbox, record entry); each network named here goes too unless a
 * router or host of the instance that remains (in any domain on this host)
 * is still attached to it. Names that do not exist are ignored.
 */
export interface NodeRemovalSpec {
  instanceId: string;
  routers: string[];
  hosts: string[];
  networks: string[];
}

/** What `removeInstance` removed (empty lists when there was nothing left). */
export interface RemovalReport {
  instanceId: string;
  /** Domains whose resources were removed (one, or all for `reconcile`). */
  domains: string[];
  namespaces: string[];
  links: string[];
  /** Processes that were signalled. */
  pids: number[];
  /** State records deleted. */
  stateRecords: number;
  /** docker: containers, Open vSwitch ports and bridges removed. */
  containers?: string[];
  ports?: string[];
  bridges?: string[];
  /** local: sandboxes (routers, hosts) whose processes were stopped, and wires (`udp:<port>`) released. */
  sandboxes?: string[];
  wires?: string[];
}

/** What `reconcile` did. */
export interface ReconcileReport {
  removed: RemovalReport[];
  /** Instance ids found with resources that are live and were kept. */
  kept: string[];
}

/** Options every driver constructor takes. */
export interface VimDriverOptions {
  /** Random id created once per data directory; at least 8 characters, the first 8 alphanumeric. */
  installationId: string;
  /** The domain this VIM serves. */
  domain: string;
  runner?: CommandRunner;
  /** Directory for state records; default `/run/qnfv/vim/<installationId>` (local: a per-user folder, vim/local/local-paths.ts). */
  stateDir?: string;
  logger?: Logger;
  /** IPv4 pool for management /30s; default 100.64.0.0/10. */
  mgmtPool?: string;
}

/** A domain's VIM. Operations take the identity (instance id, …) inside their spec. */
export interface VimDriver {
  readonly kind: VimDriverKind;
  readonly installationId: string;
  readonly domain: string;
  readonly capabilities: ReadonlySet<VimCapability>;

  /** Check once that the host can run this driver; PrerequisiteError says how to fix it. */
  checkPrerequisites(): Promise<void>;
  /** Create a virtual link, or return the existing one (idempotent: domains share the WAN). */
  ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo>;
  /** Create a router: ports, management link, routes, optional TUN and program. */
  createRouter(spec: RouterSpec): Promise<RouterInfo>;
  /** Create a site host on a LAN. */
  createHost(spec: HostSpec): Promise<HostInfo>;
  /** Run a command inside a sandbox (namespace/container) this driver created; local: a site host's built-in command (ping, send-udp, stats). */
  exec(sandbox: string, argv: string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Remove everything this domain created for the instance; idempotent. */
  removeInstance(instanceId: string): Promise<RemovalReport>;
  /** Remove some routers, hosts and networks of an instance, keeping the rest running; idempotent. */
  removeNodes(spec: NodeRemovalSpec): Promise<RemovalReport>;
  /** Resources of this installation that exist now, optionally narrowed. */
  listResources(filter?: ResourceFilter): Promise<VimResource[]>;
  /** Remove resources of this installation whose instance is not live; nothing of another installation. */
  reconcile(liveInstanceIds: Iterable<string>): Promise<ReconcileReport>;
}
