/**
 * Day-1/2 primitives of a validated VNFD, arranged the way an NFVO/VCA runs them (OSM IM
 * `df.lcm-operations-configuration.operate-vnf-op-config.day1-2`, on top of ETSI GS NFV-SOL 006):
 * per target (the whole VNF, one VDU or one KDU), with its SSH access, execution environments,
 * day-1 `initial-config-primitive`s in `seq` order, day-2 `config-primitive`s, and
 * `terminate-config-primitive`s in `seq` order; each primitive with its execution environment
 * resolved (the referenced one, else the entry's first, as OSM's LCM does) and its parameters
 * with data type, value/default and the `<name>` they ask to substitute.
 * `resolvePrimitiveParameters` computes the values to send, as OSM's LCM `_map_primitive_params`
 * does (`osm_lcm/ns.py`): operator-given values first, else the descriptor's value/default with
 * a whole-value `<name>` substituted from the instantiation parameters (`rw_mgmt_ip`, and the
 * `additionalParamsForVnf`), INTEGER parameters as numbers, everything else as strings.
 */
import type { Problem } from '../common/index.js';
import { SUBSTITUTION } from './day12-checks.js';
import type { ConfigPrimitive, Day12Config, ExecutionEnvironment, Vnfd } from './vnfd-model.js';

/** Which primitive list. */
export type PrimitiveKind = 'initial' | 'config' | 'terminate';

/** A primitive parameter as a runner needs it. */
export interface PrimitiveParameterSpec {
  name: string;
  /** OSM IM data type, STRING when not written. */
  dataType: string;
  /** Fixed value (initial/terminate primitives). */
  value?: string | number | boolean;
  /** Default when not given (config primitives). */
  defaultValue?: string | number | boolean;
  /** Must the operator give it? True when it has no value and no default, unless written `mandatory: false`. */
  mandatory: boolean;
  /** The name in a `<name>` value (or default), to substitute from the instantiation parameters. */
  substitution?: string;
}

/** A day-1/2 primitive. */
export interface Day12Primitive {
  kind: PrimitiveKind;
  name: string;
  seq?: number;
  /** Where it runs: the referenced execution environment, else the target's first. */
  executionEnvironment?: ExecutionEnvironment;
  parameters: PrimitiveParameterSpec[];
}

/** The day-1/2 configuration of one target of a VNF. */
export interface Day12Target {
  /** `vnf`: the day1-2 id is the VNFD's; `vdu`: a VDU's; `kdu`: a KDU's. */
  level: 'vnf' | 'vdu' | 'kdu';
  /** The VNFD id, VDU id or KDU name. */
  id: string;
  sshAccess?: { required: boolean; defaultUser?: string };
  executionEnvironments: ExecutionEnvironment[];
  /** Day 1, in `seq` order. */
  initial: Day12Primitive[];
  /** Day 2, as listed. */
  config: Day12Primitive[];
  /** At termination, in `seq` order. */
  terminate: Day12Primitive[];
}

/** Every day-1/2 target of the VNFD's flavour `dfId` (default: its first df). */
export function day12Targets(vnfd: Vnfd, dfId?: string): Day12Target[] {
  const df = dfId === undefined ? vnfd.df[0] : vnfd.df.find((d) => d.id === dfId);
  if (!df) return [];
  const vduIds = new Set(vnfd.vdu.map((v) => v.id));
  return df.day12.map((cfg) => toTarget(cfg, cfg.id === vnfd.id ? 'vnf' : vduIds.has(cfg.id) ? 'vdu' : 'kdu'));
}

/** The day-1/2 target of the whole VNF, or of VDU `vduId`; undefined when the VNFD configures none. */
export function day12Target(vnfd: Vnfd, scope: { vduId?: string; dfId?: string } = {}): Day12Target | undefined {
  return day12Targets(vnfd, scope.dfId).find((t) => (scope.vduId === undefined ? t.level === 'vnf' : t.level === 'vdu' && t.id === scope.vduId));
}

/** A primitive by name (default: a day-2 config primitive) of the VNF, or of VDU `vduId`. */
export function findPrimitive(vnfd: Vnfd, name: string, scope: { vduId?: string; dfId?: string; kind?: PrimitiveKind } = {}): Day12Primitive | undefined {
  const target = day12Target(vnfd, scope);
  return target?.[scope.kind ?? 'config'].find((p) => p.name === name);
}

/**
 * The parameter values to send for `primitive`: `params` are the operator's (an NS action's
 * `primitive_params`), `instantiationParams` what `<name>` values are substituted from
 * (`rw_mgmt_ip`, `additionalParamsForVnf`). Problems name the missing or bad parameter.
 */
export function resolvePrimitiveParameters(
  primitive: Day12Primitive,
  input: { params?: Readonly<Record<string, unknown>>; instantiationParams?: Readonly<Record<string, unknown>> } = {},
): { values: Record<string, string | number>; problems: Problem[] } {
  const params = input.params ?? {};
  const inst = input.instantiationParams ?? {};
  const values: Record<string, string | number> = {};
  const problems: Problem[] = [];
  const own = (o: Readonly<Record<string, unknown>>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  for (const spec of primitive.parameters) {
    let value: unknown;
    if (own(params, spec.name)) {
      value = params[spec.name];
    } else if (spec.substitution !== undefined) {
      if (!own(inst, spec.substitution)) {
        problems.push({ path: `additionalParamsForVnf.${spec.substitution}`, message: `Parameter ${spec.substitution} needed to execute primitive ${primitive.name} not provided` });
        continue;
      }
      value = inst[spec.substitution];
    } else if (spec.value !== undefined || spec.defaultValue !== undefined) {
      value = spec.value ?? spec.defaultValue;
    } else {
      if (spec.mandatory) problems.push({ path: `primitive_params.${spec.name}`, message: `Parameter ${spec.name} needed to execute primitive ${primitive.name} not provided` });
      continue;
    }
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    if (spec.dataType === 'INTEGER') {
      if (typeof value === 'number' ? Number.isInteger(value) : /^-?[0-9]+$/.test(text)) values[spec.name] = Number(text);
      else problems.push({ path: `primitive_params.${spec.name}`, message: `Parameter ${spec.name} of primitive ${primitive.name} must be integer (found ${JSON.stringify(value)})` });
    } else if (spec.dataType === 'BOOLEAN' && !/^(true|false)$/i.test(text)) {
      problems.push({ path: `primitive_params.${spec.name}`, message: `Parameter ${spec.name} of primitive ${primitive.name} must be true or false (found ${JSON.stringify(value)})` });
    } else {
      values[spec.name] = spec.dataType === 'BOOLEAN' ? text.toLowerCase() : text;
    }
  }
  const declared = new Set(primitive.parameters.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (!declared.has(name)) {
      const list = [...declared].join(', ') || 'none';
      problems.push({ path: `primitive_params.${name}`, message: `'${name}' is not a parameter of primitive ${primitive.name} (its parameters: ${list})` });
    }
  }
  return { values, problems };
}

function toTarget(cfg: Day12Config, level: Day12Target['level']): Day12Target {
  const primitives = (kind: PrimitiveKind, list: ConfigPrimitive[]): Day12Primitive[] => {
    const out = list.map((p) => toPrimitive(kind, p, cfg.executionEnvironmentList));
    return kind === 'config' ? out : out.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  };
  return {
    level,
    id: cfg.id,
    ...(cfg.sshAccess ? { sshAccess: cfg.sshAccess } : {}),
    executionEnvironments: cfg.executionEnvironmentList,
    initial: primitives('initial', cfg.initialConfigPrimitive),
    config: primitives('config', cfg.configPrimitive),
    terminate: primitives('terminate', cfg.terminateConfigPrimitive),
  };
}

function toPrimitive(kind: PrimitiveKind, p: ConfigPrimitive, ees: ExecutionEnvironment[]): Day12Primitive {
  const ee = p.executionEnvironmentRef === undefined ? ees[0] : ees.find((e) => e.id === p.executionEnvironmentRef);
  return {
    kind,
    name: p.name,
    ...(p.seq !== undefined ? { seq: p.seq } : {}),
    ...(ee ? { executionEnvironment: ee } : {}),
    parameters: p.parameter.map((x) => {
      const written = x.value ?? x.defaultValue;
      const substitution = typeof written === 'string' ? SUBSTITUTION.exec(written)?.[1] : undefined;
      return {
        name: x.name,
        dataType: x.dataType ?? 'STRING',
        ...(x.value !== undefined ? { value: x.value } : {}),
        ...(x.defaultValue !== undefined ? { defaultValue: x.defaultValue } : {}),
        mandatory: x.mandatory !== false && x.value === undefined && x.defaultValue === undefined,
        ...(substitution !== undefined ? { substitution } : {}),
      };
    }),
  };
}
