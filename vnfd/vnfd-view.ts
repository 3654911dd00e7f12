/**
 * Builds the typed `Vnfd` view (vnfd-model.ts) from a VNFD document that passed validation:
 * ETSI GS NFV-SOL 006 node names camel-cased, YANG defaults applied, numbers written as digit
 * strings (`seq: '1'`) read as numbers, and `version` kept as written in the source.
 */
import { boolAt, isObj, listAt, numAt, objAt, strAt, strListAt, type Obj } from './tree.js';
import type { ConfigPrimitive, Day12Config, PrimitiveParameter, ScalingAspect, Vdu, Vnfd, VnfDf } from './vnfd-model.js';
import { positionAt, type PathSegment, type YamlPosition } from './yaml-source.js';

/** Where the document came from. */
export interface DescriptorOrigin {
  text?: string;
  file?: string;
  positions: ReadonlyMap<string, YamlPosition>;
}

/** A version leaf as written: the plain-scalar source of a YAML number (`1.0`), else its string form. */
export function versionText(value: unknown, path: readonly PathSegment[], positions: ReadonlyMap<string, YamlPosition>): string {
  if (typeof value === 'number') return positionAt(positions, path)?.plain ?? String(value);
  return String(value ?? '');
}

/** Copy only the keys whose value is defined (keeps optional fields absent rather than `undefined`). */
export function defined<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const value = (obj as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** The typed view of a validated VNFD document. */
export function toVnfd(raw: Obj, rootKey: string, origin: DescriptorOrigin): Vnfd {
  const v = raw[rootKey];
  return defined<Vnfd>({
    id: strAt(v, 'id') ?? '',
    productName: strAt(v, 'product-name') ?? '',
    provider: strAt(v, 'provider'),
    version: versionText(isObj(v) ? v.version : undefined, [rootKey, 'version'], origin.positions),
    description: strAt(v, 'description'),
    mgmtCp: strAt(v, 'mgmt-cp'),
    swImageDesc: listAt(v, 'sw-image-desc').map((s) =>
      defined({ id: strAt(s, 'id') ?? '', name: strAt(s, 'name'), image: strAt(s, 'image'), version: isObj(s) && s.version !== undefined ? String(s.version) : undefined }),
    ),
    virtualComputeDesc: listAt(v, 'virtual-compute-desc').map((c) =>
      defined({ id: strAt(c, 'id') ?? '', numVirtualCpu: numAt(objAt(c, 'virtual-cpu'), 'num-virtual-cpu'), virtualMemorySize: numAt(objAt(c, 'virtual-memory'), 'size') }),
    ),
    virtualStorageDesc: listAt(v, 'virtual-storage-desc').map((s) => defined({ id: strAt(s, 'id') ?? '', sizeOfStorage: numAt(s, 'size-of-storage') })),
    vdu: listAt(v, 'vdu').map(toVdu),
    extCpd: listAt(v, 'ext-cpd').map((cp) => {
      const intCpd = objAt(cp, 'int-cpd');
      return defined({
        id: strAt(cp, 'id') ?? '',
        intCpd: intCpd ? { vduId: strAt(intCpd, 'vdu-id') ?? '', cpd: strAt(intCpd, 'cpd') ?? '' } : undefined,
        intVirtualLinkDesc: strAt(cp, 'int-virtual-link-desc'),
      });
    }),
    intVirtualLinkDesc: listAt(v, 'int-virtual-link-desc').map((l) => ({ id: strAt(l, 'id') ?? '' })),
    df: listAt(v, 'df').map(toDf),
    raw,
    rootKey,
    text: origin.text,
    file: origin.file,
    positions: origin.positions,
  });
}

function toVdu(vdu: unknown): Vdu {
  return defined<Vdu>({
    id: strAt(vdu, 'id') ?? '',
    name: strAt(vdu, 'name') ?? '',
    description: strAt(vdu, 'description'),
    intCpd: listAt(vdu, 'int-cpd').map((c) =>
      defined({
        id: strAt(c, 'id') ?? '',
        intVirtualLinkDesc: strAt(c, 'int-virtual-link-desc'),
        virtualNetworkInterfaceRequirement: listAt(c, 'virtual-network-interface-requirement').map((r) =>
          defined({ name: strAt(r, 'name') ?? '', position: numAt(r, 'position'), virtualInterfaceType: strAt(objAt(r, 'virtual-interface'), 'type') }),
        ),
      }),
    ),
    swImageDesc: strAt(vdu, 'sw-image-desc'),
    alternativeSwImageDesc: strListAt(vdu, 'alternative-sw-image-desc'),
    virtualComputeDesc: strAt(vdu, 'virtual-compute-desc'),
    virtualStorageDesc: strListAt(vdu, 'virtual-storage-desc'),
    cloudInitFile: strAt(vdu, 'cloud-init-file'),
    monitoringParameter: listAt(vdu, 'monitoring-parameter').map((m) =>
      defined({ id: strAt(m, 'id') ?? '', name: strAt(m, 'name'), performanceMetric: strAt(m, 'performance-metric') }),
    ),
  });
}

function toDf(df: unknown): VnfDf {
  const configs = listAt(objAt(objAt(df, 'lcm-operations-configuration'), 'operate-vnf-op-config'), 'day1-2');
  return defined<VnfDf>({
    id: strAt(df, 'id') ?? '',
    vduProfile: listAt(df, 'vdu-profile').map((p) => ({
      id: strAt(p, 'id') ?? '',
      minNumberOfInstances: numAt(p, 'min-number-of-instances') ?? 1,
      maxNumberOfInstances: numAt(p, 'max-number-of-instances') ?? 1,
    })),
    instantiationLevel: listAt(df, 'instantiation-level').map((l) => ({
      id: strAt(l, 'id') ?? '',
      vduLevel: listAt(l, 'vdu-level').map((x) => ({ vduId: strAt(x, 'vdu-id') ?? '', numberOfInstances: numAt(x, 'number-of-instances') ?? 1 })),
    })),
    defaultInstantiationLevel: strAt(df, 'default-instantiation-level'),
    scalingAspect: listAt(df, 'scaling-aspect').map(toScalingAspect),
    day12: configs.map(toDay12),
  });
}

function toScalingAspect(sa: unknown): ScalingAspect {
  return defined<ScalingAspect>({
    id: strAt(sa, 'id') ?? '',
    name: strAt(sa, 'name'),
    maxScaleLevel: numAt(sa, 'max-scale-level'),
    vduDelta: listAt(objAt(sa, 'aspect-delta-details'), 'deltas').flatMap((d) =>
      listAt(d, 'vdu-delta').map((v) => ({ vduId: strAt(v, 'id') ?? '', numberOfInstances: numAt(v, 'number-of-instances') ?? 1 })),
    ),
    scalingConfigAction: listAt(sa, 'scaling-config-action').map((a) => defined({ trigger: strAt(a, 'trigger') ?? '', vnfConfigPrimitiveNameRef: strAt(a, 'vnf-config-primitive-name-ref') })),
  });
}

function toDay12(cfg: unknown): Day12Config {
  const ssh = objAt(objAt(cfg, 'config-access'), 'ssh-access');
  return defined<Day12Config>({
    id: strAt(cfg, 'id') ?? '',
    sshAccess: ssh ? defined({ required: boolAt(ssh, 'required') ?? false, defaultUser: strAt(ssh, 'default-user') }) : undefined,
    executionEnvironmentList: listAt(cfg, 'execution-environment-list').map((ee) => {
      const juju = objAt(ee, 'juju');
      return defined({
        id: strAt(ee, 'id') ?? '',
        juju: juju ? defined({ charm: strAt(juju, 'charm'), proxy: boolAt(juju, 'proxy'), cloud: strAt(juju, 'cloud') }) : undefined,
        helmChart: strAt(ee, 'helm-chart'),
        helmVersion: strAt(ee, 'helm-version'),
        externalConnectionPointRef: strAt(ee, 'external-connection-point-ref'),
      });
    }),
    initialConfigPrimitive: listAt(cfg, 'initial-config-primitive').map(toPrimitive),
    configPrimitive: listAt(cfg, 'config-primitive').map(toPrimitive),
    terminateConfigPrimitive: listAt(cfg, 'terminate-config-primitive').map(toPrimitive),
  });
}

function toPrimitive(p: unknown): ConfigPrimitive {
  return defined<ConfigPrimitive>({
    name: strAt(p, 'name') ?? '',
    seq: numAt(p, 'seq'),
    executionEnvironmentRef: strAt(p, 'execution-environment-ref'),
    parameter: listAt(p, 'parameter').map((x) =>
      defined<PrimitiveParameter>({
        name: strAt(x, 'name') ?? '',
        value: scalarAt(x, 'value'),
        dataType: strAt(x, 'data-type'),
        defaultValue: scalarAt(x, 'default-value'),
        mandatory: boolAt(x, 'mandatory'),
      }),
    ),
  });
}

function scalarAt(value: unknown, key: string): string | number | boolean | undefined {
  const v = isObj(value) ? value[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}
