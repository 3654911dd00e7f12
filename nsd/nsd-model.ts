/**
 * Typed view of a validated ETSI GS NFV-SOL 006 NSD (YANG `etsi-nfv-nsd`, the one element of
 * `nsd.nsd`) and of qnfv's `qnfv:security-profile` extension. Names follow the YANG nodes
 * camel-cased; defaults applied. Untyped fields stay in `raw` (the document as loaded) and `text`.
 */
import type { YamlPosition } from '../vnfd/index.js';
import type { COMBINERS, ESP_ENCRYPTIONS, KEY_SOURCES, QKD_INTERFACES, SINGLE_SOURCE_POLICIES } from './constants.js';

/** `virtual-link-desc` entry (`mgmt-network` defaults to false). */
export interface VirtualLinkDesc {
  id: string;
  mgmtNetwork: boolean;
  /** OSM: attach to this existing VIM network instead of creating one. */
  vimNetworkName?: string;
  /** The link's flavours (`df[].id`), when written. */
  df?: { id: string }[];
}

/** `df.virtual-link-profile`: a virtual link as used in one NS flavour. */
export interface NsVirtualLinkProfile {
  id: string;
  virtualLinkDescId: string;
  /** A `df` of that virtual link. */
  flavourId?: string;
}

/** `constituent-cpd-id` entry: an external CP of a constituent VNF. */
export interface ConstituentCpd {
  /** The vnf-profile (of the same df) whose VNF the CP belongs to. */
  constituentBaseElementId: string;
  /** An `ext-cpd` id of that VNF's VNFD. */
  constituentCpdId: string;
  ipAddress?: string;
}

/** `virtual-link-connectivity` entry. */
export interface VirtualLinkConnectivity {
  /** A df `virtual-link-profile` id or, as OSM writes it, a `virtual-link-desc` id. */
  virtualLinkProfileId: string;
  constituentCpdId: ConstituentCpd[];
}

/** `df.vnf-profile` entry. */
export interface VnfProfile {
  id: string;
  vnfdId: string;
  flavourId?: string;
  /** SOL006 `min-number-of-instances` (default 1): 0 makes the VNF optional, e.g. a site added later by scaling. */
  minNumberOfInstances: number;
  /** SOL006 `max-number-of-instances` (default 1). */
  maxNumberOfInstances: number;
  virtualLinkConnectivity: VirtualLinkConnectivity[];
}

/** `df` entry. */
export interface NsDf {
  id: string;
  vnfProfile: VnfProfile[];
  virtualLinkProfile: NsVirtualLinkProfile[];
}

/** `sapd` entry: a service access point on a virtual link, or on an external CP of a VNF. */
export interface Sapd {
  id: string;
  virtualLinkDesc?: string;
  vnf?: { vnfdId: string; extCpdId: string };
}

/** A validated NSD. */
export interface Nsd {
  id: string;
  name: string;
  /** As written: `version: 1.0` (a YAML number) is "1.0". */
  version: string;
  designer?: string;
  description?: string;
  vnfdId: string[];
  virtualLinkDesc: VirtualLinkDesc[];
  df: NsDf[];
  sapd: Sapd[];
  /** The whole document as loaded (`{nsd: {nsd: [...]}}`), every field kept. */
  raw: Record<string, unknown>;
  /** Top-level key (`nsd` or `etsi-nfv-nsd:nsd`). */
  rootKey: string;
  /** The NSD element as loaded (`raw[rootKey].nsd[0]`). */
  element: Record<string, unknown>;
  text?: string;
  file?: string;
  /** Line index of the source (path → line). */
  positions: ReadonlyMap<string, YamlPosition>;
}

/** `key-sources` item. */
export type KeySource = (typeof KEY_SOURCES)[number];
/** `combiner`. */
export type Combiner = (typeof COMBINERS)[number];
/** `single-source-policy`. */
export type SingleSourcePolicy = (typeof SINGLE_SOURCE_POLICIES)[number];
/** `qkd-interface`. */
export type QkdInterface = (typeof QKD_INTERFACES)[number];
/** `esp.encryption`. */
export type EspEncryption = (typeof ESP_ENCRYPTIONS)[number];

/** SA lifetime limits (RFC 9061 `lifetime`); an absent limit means none. */
export interface LifetimeLimits {
  /** Seconds. */
  time?: number;
  bytes?: number;
  packets?: number;
}

/** A `qnfv:security-profile` entry with defaults applied. */
export interface SecurityProfile {
  id: string;
  description?: string;
  /** The protected virtual link (a `virtual-link-desc` id). */
  virtualLinkDesc: string;
  keySources: KeySource[];
  combiner: Combiner;
  singleSourcePolicy: SingleSourcePolicy;
  qkdInterface: QkdInterface;
  esp: { encryption: EspEncryption; esn: boolean; replayWindow: number };
  lifetime: { soft: LifetimeLimits; hard: LifetimeLimits };
}
