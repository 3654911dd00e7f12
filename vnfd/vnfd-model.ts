/**
 * Typed view of a validated ETSI GS NFV-SOL 006 VNFD (YANG `etsi-nfv-vnfd`) as qnfv reads it.
 * Names follow the YANG nodes camel-cased (`ext-cpd` → `extCpd`, lists keep their singular YANG
 * name); YANG defaults are applied (vdu-profile instance counts default to 1). Only the nodes qnfv
 * uses are typed; everything else stays in `raw`, the document exactly as loaded from YAML,
 * and in `text`, the source byte for byte.
 */
import type { YamlPosition } from './yaml-source.js';

/** `sw-image-desc` entry. */
export interface SwImageDesc {
  id: string;
  name?: string;
  image?: string;
  version?: string;
}

/** `virtual-compute-desc` entry (memory size in GB, as OSM uses it). */
export interface VirtualComputeDesc {
  id: string;
  numVirtualCpu?: number;
  virtualMemorySize?: number;
}

/** `virtual-storage-desc` entry (size in GB). */
export interface VirtualStorageDesc {
  id: string;
  sizeOfStorage?: number;
}

/** `vdu.int-cpd.virtual-network-interface-requirement` entry. */
export interface VirtualNetworkInterfaceRequirement {
  name: string;
  position?: number;
  /** `virtual-interface.type` (PARAVIRT, VIRTIO, ...). */
  virtualInterfaceType?: string;
}

/** `vdu.int-cpd`: a VDU's internal connection point. */
export interface IntCpd {
  id: string;
  intVirtualLinkDesc?: string;
  virtualNetworkInterfaceRequirement: VirtualNetworkInterfaceRequirement[];
}

/** `vdu.monitoring-parameter` entry. */
export interface MonitoringParameter {
  id: string;
  name?: string;
  performanceMetric?: string;
}

/** `vdu`: a Virtualisation Deployment Unit. */
export interface Vdu {
  id: string;
  name: string;
  description?: string;
  intCpd: IntCpd[];
  swImageDesc?: string;
  alternativeSwImageDesc: string[];
  virtualComputeDesc?: string;
  virtualStorageDesc: string[];
  /** File name under the package's `cloud_init/`. */
  cloudInitFile?: string;
  monitoringParameter: MonitoringParameter[];
}

/** `ext-cpd`: an external connection point, bound to a VDU's int-cpd or to an internal VL. */
export interface ExtCpd {
  id: string;
  intCpd?: { vduId: string; cpd: string };
  intVirtualLinkDesc?: string;
}

/** `df.vdu-profile` with YANG defaults applied. */
export interface VduProfile {
  id: string;
  minNumberOfInstances: number;
  maxNumberOfInstances: number;
}

/** `df.instantiation-level`. */
export interface InstantiationLevel {
  id: string;
  vduLevel: { vduId: string; numberOfInstances: number }[];
}

/** A primitive parameter (`name`, and `value` or `default-value`). */
export interface PrimitiveParameter {
  name: string;
  /** Fixed value (initial/terminate primitives); may be a `<name>` substitution. */
  value?: string | number | boolean;
  /** OSM IM `data-type`: STRING (the default), INTEGER, BOOLEAN. */
  dataType?: string;
  /** Default when the operator gives none (config primitives); may be a `<name>` substitution. */
  defaultValue?: string | number | boolean;
  /** OSM IM `mandatory`, when written. */
  mandatory?: boolean;
}

/** A day-1/2 primitive (`initial-config-primitive`, `config-primitive`, `terminate-config-primitive`). */
export interface ConfigPrimitive {
  name: string;
  seq?: number;
  executionEnvironmentRef?: string;
  parameter: PrimitiveParameter[];
}

/** `execution-environment-list` entry (OSM IM). */
export interface ExecutionEnvironment {
  id: string;
  juju?: { charm?: string; proxy?: boolean; cloud?: string };
  helmChart?: string;
  /** `helm-version` (v2, v3) of a helm-chart environment. */
  helmVersion?: string;
  externalConnectionPointRef?: string;
}

/** `day1-2` entry of `lcm-operations-configuration.operate-vnf-op-config` (OSM IM). */
export interface Day12Config {
  /** The VNFD id (VNF-level configuration) or a VDU id (VDU-level). */
  id: string;
  sshAccess?: { required: boolean; defaultUser?: string };
  executionEnvironmentList: ExecutionEnvironment[];
  initialConfigPrimitive: ConfigPrimitive[];
  configPrimitive: ConfigPrimitive[];
  terminateConfigPrimitive: ConfigPrimitive[];
}

/** `df.scaling-aspect` (with the OSM IM's config actions). */
export interface ScalingAspect {
  id: string;
  name?: string;
  maxScaleLevel?: number;
  /** `aspect-delta-details.deltas[].vdu-delta`: VDU instances added per scaling step. */
  vduDelta: { vduId: string; numberOfInstances: number }[];
  /** `scaling-config-action`: a VNF config primitive run at a scaling trigger (`post-scale-out`, …). */
  scalingConfigAction: { trigger: string; vnfConfigPrimitiveNameRef?: string }[];
}

/** `df`: a deployment flavour. */
export interface VnfDf {
  id: string;
  vduProfile: VduProfile[];
  instantiationLevel: InstantiationLevel[];
  /** `default-instantiation-level`, when written. */
  defaultInstantiationLevel?: string;
  scalingAspect: ScalingAspect[];
  /** `lcm-operations-configuration.operate-vnf-op-config.day1-2`. */
  day12: Day12Config[];
}

/** A validated VNFD. */
export interface Vnfd {
  id: string;
  productName: string;
  provider?: string;
  /** As written: `version: 1.0` (a YAML number) is "1.0". */
  version: string;
  description?: string;
  mgmtCp?: string;
  swImageDesc: SwImageDesc[];
  virtualComputeDesc: VirtualComputeDesc[];
  virtualStorageDesc: VirtualStorageDesc[];
  vdu: Vdu[];
  extCpd: ExtCpd[];
  intVirtualLinkDesc: { id: string }[];
  df: VnfDf[];
  /** The whole document as loaded (`{vnfd: {...}}`), every field kept. */
  raw: Record<string, unknown>;
  /** Top-level key the VNFD sits under (`vnfd` or `etsi-nfv-vnfd:vnfd`). */
  rootKey: string;
  /** Source text, when parsed from text. */
  text?: string;
  /** File it came from, when known. */
  file?: string;
  /** Line index of the source (path → line), for problems found later (e.g. NSD cross-checks). */
  positions: ReadonlyMap<string, YamlPosition>;
}
