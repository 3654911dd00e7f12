/**
 * The NFVO → VCA protocol: JSON-RPC 2.0 requests over an SSH subsystem
 * (`qnfv-vca`), one JSON object per line. The NFVO builds one complete
 * intent per domain (HOUSE-STYLE rule 4); the VCA applies it with its VIM,
 * configures its routers and runs the Proxy Agent. Messages carry ids and
 * public values only — never key bytes (CONTRACTS "Who may see key bytes").
 */

/** SSH subsystem name of the VCA service. */
export const VCA_SUBSYSTEM = 'qnfv-vca';

/** A virtual link this domain must provide (a LAN, or its side of the shared WAN). */
export interface IntentNetwork {
  id: string;
  kind: 'lan' | 'wan';
  /** CIDR of the link, e.g. `10.1.0.0/24`. */
  subnet: string;
}

/** A router VNF this domain must create and configure. */
export interface IntentRouter {
  /** VNF profile id in the NSD (`site-a`), unique within the NS. */
  vnfId: string;
  vnfdId: string;
  /** Interfaces: name, network id, address with prefix length. */
  ports: { name: string; network: string; address: string }[];
  /** The router's own ESP tunnel endpoint address (routed into its TUN). */
  tunnelAddress: string;
  /** Static routes (peer tunnel endpoints via the WAN underlay). */
  routes: { prefix: string; via?: string; dev?: string }[];
}

/** A site host on a LAN (the traffic source/sink of the site). */
export interface IntentHost {
  id: string;
  network: string;
  address: string;
  gateway: string;
}

/** Everything one domain must deploy for one NS instance. */
export interface DomainIntent {
  installationId: string;
  instanceId: string;
  domain: string;
  networks: IntentNetwork[];
  routers: IntentRouter[];
  hosts: IntentHost[];
}

/**
 * Part of an instance this domain must remove while the rest keeps running
 * (a site leaving the NS): routers, site hosts, and networks (each removed
 * only when no remaining node of the instance uses it, e.g. the shared WAN).
 */
export interface UndeployRequest {
  installationId: string;
  instanceId: string;
  domain: string;
  routers: string[];
  hosts: string[];
  networks: string[];
}

/** Run a config primitive of the qnfv router (vca/router-primitives.ts) on one router; its output comes back. */
export interface RunPrimitiveRequest {
  instanceId: string;
  vnfId: string;
  primitive: string;
  params: Record<string, string | number | boolean>;
}

/** What the VCA reports back after deploying. */
export interface DeployResult {
  routers: {
    vnfId: string;
    namespace: string;
    mgmtAddress: string;
    netconfPort: number;
    hostKeyFingerprint: string;
    pid?: number;
  }[];
  hosts: { id: string; namespace: string; address: string }[];
}

/**
 * Ask the domain's Proxy Agent to obtain the hybrid key for one tunnel from
 * its Hybridization Module (ETSI GS QKD 004). Without `ids` (first domain) a
 * new key stream is opened; with `ids` (second domain) the same key is
 * fetched by those ids. The key stays in the Proxy Agent.
 */
export interface ObtainKeyRequest {
  instanceId: string;
  tunnelId: string;
  /** hybrid:// URIs of this end and the peer end (ARCHITECTURE §4). */
  source: string;
  destination: string;
  keyChunkSize: number;
  ids?: KeyIds;
}

/**
 * Several tunnels' keys in one call (an instantiation, a scale, rekeys that fall due together):
 * each item is an `ObtainKeyRequest` of `instanceId`, obtained side by side and settled on its
 * own.
 */
export interface ObtainKeysRequest {
  instanceId: string;
  keys: Omit<ObtainKeyRequest, 'instanceId'>[];
}

/** One item of `vca.obtainKeys`: its ids, or why it failed (the error's code and message). */
export type ObtainKeyOutcome = { ids: KeyIds } | { error: { code: string; message: string } };

/** Key identifiers — the only thing about a key the NFVO ever sees. */
export interface KeyIds {
  keyStreamId: string;
  index: number;
  qkdKeyIds: string[];
  kem: string | null;
  combiner: string;
  degraded: boolean;
}

/**
 * Install or remove SAD/SPD entries on one router. `ikeless` is RFC 7951
 * JSON of `ietf-i2nsf-ikeless` without key leaves; `keyBindings` tells the
 * Proxy Agent which tunnel key and direction fills each SAD entry.
 */
export interface ApplyIpsecRequest {
  instanceId: string;
  vnfId: string;
  ikeless: unknown;
  keyBindings: KeyBinding[];
  deleteSad?: string[];
  deleteSpd?: string[];
  /**
   * NETCONF operation for the deletions: `delete` (default; a missing entry is
   * an error) or `remove` (RFC 6241 §7.2: a missing entry is fine — a rekey
   * removing an SA that hard-expired meanwhile).
   */
  deleteOperation?: 'delete' | 'remove';
}

/**
 * Which tunnel key fills a SAD entry: the direction label and the cipher key
 * size (the SAD entry names the algorithm; its key length is the policy's).
 */
export interface KeyBinding {
  sadName: string;
  tunnelId: string;
  direction: KeyDirection;
  keyLengthBits: number;
}

/**
 * Direction of an SA relative to the tunnel's first (key-master) end:
 * `out` = master → peer, `in` = peer → master. Both ends derive the same
 * bytes for the same SA because they use the same label.
 */
export type KeyDirection = 'in' | 'out';

/** Operational state of one router's SAs as read over NETCONF (no keys). */
export interface RouterIpsecState {
  vnfId: string;
  /** Data path totals and drops by reason (module qnfv-router). */
  datapath: { encrypted: number; decrypted: number; bypassed: number; drops: Record<string, number> };
  sas: {
    name: string;
    spi: number;
    /** Packets and bytes through the SA (RFC 9061 `sa-lifetime-current`). */
    packets: number;
    bytes: string;
    /** RFC 9061 `replay-stats`: replayed packets dropped, packets outside the window. */
    replayDropped: number;
    outOfWindow: number;
  }[];
}

/** JSON-RPC notification method carrying router events to a subscribed NFVO. */
export const VCA_EVENT = 'vca.event';

/**
 * An RFC 9061 notification from one of the domain's routers, forwarded by the
 * VCA: `notification` is its RFC 7951 JSON (e.g.
 * `{"ietf-i2nsf-ikeless:sadb-expire": {"ipsec-sa-name": …}}`), never with keys.
 */
export interface VcaEvent {
  domain: string;
  instanceId: string;
  vnfId: string;
  eventTime: string;
  notification: unknown;
}

/** The VCA's RPC methods and their parameter/result types. */
export interface VcaMethods {
  'vca.hello': { params: Record<string, never>; result: { domain: string; vimDriver: string; version: string } };
  'vca.deploy': { params: DomainIntent; result: DeployResult };
  'vca.obtainKey': { params: ObtainKeyRequest; result: KeyIds };
  'vca.applyIpsec': { params: ApplyIpsecRequest; result: { applied: number } };
  'vca.obtainKeys': { params: ObtainKeysRequest; result: { results: ObtainKeyOutcome[] } };
  'vca.releaseKey': { params: { instanceId: string; tunnelId: string }; result: { released: boolean } };
  /** Zero the keys of several tunnels; `released` counts those that were held. */
  'vca.releaseKeys': { params: { instanceId: string; tunnelIds: string[] }; result: { released: number } };
  'vca.routerState': { params: { instanceId: string; vnfId: string }; result: RouterIpsecState };
  /** Turn this channel into an event stream: the VCA then pushes `vca.event` notifications on it. */
  'vca.subscribe': { params: Record<string, never>; result: { subscribed: true } };
  'vca.teardown': { params: { installationId: string; instanceId: string }; result: { removed: string[] } };
  'vca.undeploy': { params: UndeployRequest; result: { removed: string[] } };
  'vca.runPrimitive': { params: RunPrimitiveRequest; result: { output: string; summary: string } };
}

export type VcaMethod = keyof VcaMethods;
