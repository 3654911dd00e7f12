/**
 * The NFVO's records, in ETSI GS NFV-SOL 005 shapes (v3.x field names):
 * NsdInfo (clause 5.5.2.2), VnfPkgInfo (SOL005 9.5.2.5), NsInstance
 * (6.5.2.10), NsLcmOpOcc (6.5.2.3), ProblemDetails (4.3.5.3). qnfv adds a
 * `qkdVpn` attribute to NsInstance with what the deployment produced (where
 * each VNF runs, tunnels and their key ids) and a `progress` attribute to
 * NsLcmOpOcc, as OSM's `detailed-status` stages do. Neither ever holds key bytes.
 */
import type { KeyIds } from '../vca/index.js';

export type OnboardingState = 'CREATED' | 'UPLOADING' | 'PROCESSING' | 'ONBOARDED' | 'ERROR';
export type OperationalState = 'ENABLED' | 'DISABLED';
export type UsageState = 'IN_USE' | 'NOT_IN_USE';

/** SOL005 ProblemDetails. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  instance?: string;
  /** qnfv: every problem found, with its path (descriptor validation). */
  problems?: { path: string; message: string; file?: string; line?: number }[];
}

export interface Link {
  href: string;
}

/** VNF package record. */
export interface VnfPkgInfo {
  id: string;
  vnfdId?: string;
  vnfProvider?: string;
  vnfProductName?: string;
  vnfSoftwareVersion?: string;
  vnfdVersion?: string;
  onboardingState: OnboardingState;
  operationalState: OperationalState;
  usageState: UsageState;
  onboardingFailureDetails?: ProblemDetails;
  userDefinedData?: Record<string, unknown>;
  _links: { self: Link; vnfd: Link; packageContent: Link };
}

/** NS descriptor record. */
export interface NsdInfo {
  id: string;
  nsdId?: string;
  nsdName?: string;
  nsdVersion?: string;
  nsdDesigner?: string;
  nsdInvariantId?: string;
  vnfPkgIds: string[];
  nsdOnboardingState: OnboardingState;
  nsdOperationalState: OperationalState;
  nsdUsageState: UsageState;
  onboardingFailureDetails?: ProblemDetails;
  userDefinedData?: Record<string, unknown>;
  _links: { self: Link; nsd_content: Link };
}

export type NsState = 'NOT_INSTANTIATED' | 'INSTANTIATED';

/** One VNF of an instantiated NS (SOL005 VnfInstance, abridged). */
export interface VnfInstance {
  id: string;
  vnfdId: string;
  vnfProfileId: string;
  vimId: string;
  instantiationState: 'NOT_INSTANTIATED' | 'INSTANTIATED';
  /** qnfv: where it runs and how it is managed. */
  metadata: { namespace: string; mgmtAddress: string; netconfPort: number; netconfHostKeyFingerprint: string; tunnelAddress: string; lanSubnets: string[] };
}

/** One protected tunnel between two routers and its current SAs (ids only). */
export interface TunnelRecord {
  id: string;
  securityProfileId: string;
  /** VNF profile ids of the key-master end (first in key-id sync) and the peer. */
  master: string;
  peer: string;
  combiner: string;
  keySources: string[];
  /** NSD `single-source-policy`: require-all, or allow-degraded (keys then flagged `degraded`). */
  singleSourcePolicy?: string;
  encryption: string;
  keyIds: KeyIds;
  /** SPI of the SA master → peer and peer → master. */
  spiOut: number;
  spiIn: number;
  /** reqid of the master → peer SA and policy (the other direction uses reqidBase + 1), uint64 as text. */
  reqidBase: string;
  /** 1 at instantiation, +1 at each rekey. */
  generation: number;
  establishedAt: string;
  /** Lifetimes set by an operator (`set-lifetimes` action) instead of the security profile's; every rekey uses them. */
  lifetimes?: { soft: SaLifetime; hard: SaLifetime };
}

/** SA lifetime limits (RFC 9061 `sa-lifetime-soft`/`-hard`): seconds, bytes, packets; absent = no limit of that kind. */
export interface SaLifetime {
  time?: number;
  bytes?: number;
  packets?: number;
}

/** SOL005 NsInstance plus qnfv's deployment record. */
export interface NsInstance {
  id: string;
  nsInstanceName: string;
  nsInstanceDescription: string;
  nsdId: string;
  nsdInfoId: string;
  flavourId?: string;
  /** The address overrides of the instantiate request (`vld[].ip-profile`, tunnel subnet): sites added by scaling are planned with them. */
  addressing?: { links?: Record<string, { subnet: string; gateway?: string }>; tunnelSubnet?: string };
  nsState: NsState;
  vnfInstance: VnfInstance[];
  qkdVpn?: {
    domains: string[];
    tunnels: TunnelRecord[];
    hosts: { id: string; domain: string; namespace: string; address: string }[];
    history: { time: string; event: string; detail: string }[];
    /** RFC 9061 events seen from the routers that needed no action (e.g. `sadb-bad-spi`). */
    eventCounts?: Record<string, number>;
  };
  _links: { self: Link; instantiate: Link; terminate: Link; scale?: Link; heal?: Link; action?: Link };
}

/** SOL005's types plus OSM's `ACTION` (a primitive run on an instantiated NS). */
export type LcmOperationType = 'INSTANTIATE' | 'SCALE' | 'UPDATE' | 'TERMINATE' | 'HEAL' | 'ACTION';
export type OperationState =
  | 'PROCESSING'
  | 'COMPLETED'
  | 'PARTIALLY_COMPLETED'
  | 'FAILED_TEMP'
  | 'FAILED'
  | 'ROLLING_BACK'
  | 'ROLLED_BACK';

/** SOL005 NsLcmOpOcc plus a progress stage. */
export interface NsLcmOpOcc {
  id: string;
  operationState: OperationState;
  statusEnteredTime: string;
  nsInstanceId: string;
  lcmOperationType: LcmOperationType;
  startTime: string;
  isAutomaticInvocation: boolean;
  operationParams: unknown;
  isCancelPending: boolean;
  error?: ProblemDetails;
  /** qnfv: `k/n` and a sentence, updated at every step. */
  progress: { stage: string; detail: string };
  /** qnfv (OSM's `detailed-status` of an action): what a VNF config primitive answered. */
  actionResult?: { vnfId: string; primitive: string; output: string };
  _links: { self: Link; nsInstance: Link };
}

/** A domain: a VIM account with its VCA endpoint and key infrastructure. */
export interface VimAccount {
  id: string;
  name: string;
  vimType: 'netns' | 'docker' | 'local';
  description?: string;
  vca: {
    host: string;
    port: number;
    username: string;
    /** OpenSSH SHA256 fingerprint of the VCA's host key (pinned). */
    hostKeyFingerprint: string;
  };
  /** The domain's Hybridization Module identity, used in hybrid:// URIs. */
  hybridNodeUuid: string;
  /** The domain's QKD node endpoints (informational: the HM is the one that talks to them). */
  qkdNode?: { kme014Url?: string; etsi004Url?: string; saeId?: string };
}
