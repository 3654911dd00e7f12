/**
 * Semantic checks of a VNFD deployment flavour's day-1/2 configuration (OSM IM augment of ETSI GS
 * NFV-SOL 006: `df.lcm-operations-configuration.operate-vnf-op-config.day1-2`), beyond its schema:
 * - an entry's `id` names the VNFD (VNF level), a VDU or a KDU; ids are unique;
 * - execution environments: unique ids, a juju charm or a helm chart (a choice: not both),
 *   `external-connection-point-ref` names an ext-cpd;
 * - primitives: `execution-environment-ref` resolves; config primitives unique by name,
 *   initial/terminate primitives unique by `seq` (their OSM IM list key); parameters unique;
 * - parameter values and defaults: `<name>` substitutions well formed — OSM's LCM substitutes a
 *   value only when the whole value is `<name>` (`osm_lcm/ns.py` `_map_primitive_params`), so a
 *   value wrapped in `<…>` that is not a valid name, an unterminated `<name`, or a built-in such
 *   as `<rw_mgmt_ip>` embedded in a longer value is an error — and literal values fit `data-type`.
 */
import type { ProblemList } from './problem-list.js';
import { checkUniqueKeys, keySet, listIds } from './reference-checks.js';
import { BUILTIN_SUBSTITUTIONS } from './constants.js';
import { has, listAt, numAt, objAt, strAt } from './tree.js';
import type { PathSegment } from './yaml-source.js';

/** Names the day1-2 checks resolve against. */
export interface Day12Index {
  vnfdId?: string;
  vduIds: Set<string>;
  extCpdIds: Set<string>;
  kduNames: Set<string>;
}

/** `<name>` written as a whole value: the name OSM substitutes. */
export const SUBSTITUTION = /^<([A-Za-z_][A-Za-z0-9_.-]*)>$/;

const PRIMITIVE_KINDS = ['initial-config-primitive', 'config-primitive', 'terminate-config-primitive'] as const;

/** The day1-2 list of a df (empty when absent). */
export function day12List(df: unknown): unknown[] {
  return listAt(objAt(objAt(df, 'lcm-operations-configuration'), 'operate-vnf-op-config'), 'day1-2');
}

/** Check the day1-2 configuration of one df (at path `at`). */
export function checkDay12(df: unknown, at: readonly PathSegment[], index: Day12Index, out: ProblemList): void {
  const listPath = [...at, 'lcm-operations-configuration', 'operate-vnf-op-config', 'day1-2'];
  const configs = day12List(df);
  checkUniqueKeys(configs, listPath, out);
  configs.forEach((cfg, i) => {
    const cfgAt = [...listPath, i];
    const id = strAt(cfg, 'id');
    if (id !== undefined && id !== index.vnfdId && !index.vduIds.has(id) && !index.kduNames.has(id)) {
      out.add([...cfgAt, 'id'], `day1-2 id='${id}' names neither the VNFD ('${index.vnfdId ?? '?'}') nor any vdu (vdu ids: ${listIds(index.vduIds)})`);
    }
    const ees = listAt(cfg, 'execution-environment-list');
    checkUniqueKeys(ees, [...cfgAt, 'execution-environment-list'], out);
    ees.forEach((ee, j) => checkExecutionEnvironment(ee, [...cfgAt, 'execution-environment-list', j], index, out));
    const eeIds = keySet(ees);
    for (const kind of PRIMITIVE_KINDS) {
      const primitives = listAt(cfg, kind);
      if (kind === 'config-primitive') checkUniqueKeys(primitives, [...cfgAt, kind], out, 'name');
      else checkUniqueSeq(primitives, [...cfgAt, kind], kind, out);
      primitives.forEach((p, j) => {
        const pAt = [...cfgAt, kind, j];
        const ref = strAt(p, 'execution-environment-ref');
        if (ref !== undefined && !eeIds.has(ref)) {
          out.add([...pAt, 'execution-environment-ref'], `day1-2[id='${id ?? '?'}']:${kind}[name='${strAt(p, 'name') ?? '?'}']:execution-environment-ref='${ref}' does not match any execution-environment-list id (ids: ${listIds(eeIds)})`);
        }
        checkUniqueKeys(listAt(p, 'parameter'), [...pAt, 'parameter'], out, 'name');
        listAt(p, 'parameter').forEach((param, k) => checkParameter(param, [...pAt, 'parameter', k], out));
      });
    }
  });
}

/** juju xor helm-chart; the external CP resolves. */
function checkExecutionEnvironment(ee: unknown, at: readonly PathSegment[], index: Day12Index, out: ProblemList): void {
  const id = strAt(ee, 'id') ?? '?';
  if (has(ee, 'juju') && has(ee, 'helm-chart')) {
    out.add(at, `execution-environment-list[id='${id}'] has both juju and helm-chart; the OSM IM charm-type is a choice of one`);
  } else if (!has(ee, 'juju') && !has(ee, 'helm-chart')) {
    out.add(at, `execution-environment-list[id='${id}'] names neither a juju charm nor a helm-chart: nothing could run its primitives`);
  }
  const cp = strAt(ee, 'external-connection-point-ref');
  if (cp !== undefined && !index.extCpdIds.has(cp)) {
    out.add([...at, 'external-connection-point-ref'], `external-connection-point-ref='${cp}' does not match any ext-cpd (ext-cpd ids: ${listIds(index.extCpdIds)})`);
  }
}

/** initial/terminate primitives are keyed by `seq` (numbers or digit strings). */
function checkUniqueSeq(primitives: readonly unknown[], at: readonly PathSegment[], kind: string, out: ProblemList): void {
  const seen = new Map<number, number>();
  primitives.forEach((p, i) => {
    const seq = numAt(p, 'seq');
    if (seq === undefined) return;
    const first = seen.get(seq);
    if (first === undefined) seen.set(seq, i);
    else out.add([...at, i, 'seq'], `${kind}[seq=${seq}] is already used by ${kind}[name='${strAt(primitives[first], 'name') ?? '?'}']; seq orders the primitives and must be unique`);
  });
}

/** Substitution syntax of `value` / `default-value`, and literal values against `data-type`. */
function checkParameter(param: unknown, at: readonly PathSegment[], out: ProblemList): void {
  const name = strAt(param, 'name') ?? '?';
  const dataType = strAt(param, 'data-type') ?? 'STRING';
  for (const key of ['value', 'default-value']) {
    if (!has(param, key)) continue;
    const value = (param as Record<string, unknown>)[key];
    if (typeof value === 'string') {
      const problem = substitutionProblem(value);
      if (problem) {
        out.add([...at, key], `parameter '${name}': ${problem}`);
        continue;
      }
      if (SUBSTITUTION.test(value)) continue; // the substituted value is checked when the primitive runs
    }
    const typeProblem = dataTypeProblem(value, dataType);
    if (typeProblem) out.add([...at, key], `parameter '${name}': ${key} ${typeProblem}`);
  }
}

/** Why a string is a malformed substitution, or undefined when it is fine (a literal or a whole `<name>`). */
export function substitutionProblem(value: string): string | undefined {
  if (SUBSTITUTION.test(value)) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('<') && trimmed.endsWith('>')) {
    return `'${value}' starts with < and ends with >, so OSM takes it as a substitution, but it is not a valid <name> (letters, digits, '_', '.', '-', no spaces; e.g. <rw_mgmt_ip>)`;
  }
  if (trimmed.startsWith('<') !== trimmed.endsWith('>') && /^<[A-Za-z_]|[A-Za-z0-9_]>$/.test(trimmed)) {
    return `'${value}' is an unterminated substitution: write <name> (e.g. <rw_mgmt_ip>)`;
  }
  const embedded = new RegExp(`<(${BUILTIN_SUBSTITUTIONS.join('|')})>`).exec(value);
  if (embedded) {
    return `'${value}' embeds <${embedded[1]}>: OSM substitutes only a whole value written <name>, so this would be passed literally; make the whole value <${embedded[1]}>`;
  }
  return undefined;
}

/** Why a literal value does not fit an OSM IM `data-type`, or undefined. */
export function dataTypeProblem(value: unknown, dataType: string): string | undefined {
  if (value === null || typeof value === 'object') return undefined; // the schema reports non-scalars
  if (dataType === 'INTEGER' && !(typeof value === 'number' ? Number.isInteger(value) : /^-?[0-9]+$/.test(String(value)))) {
    return `${JSON.stringify(value)} is not an INTEGER`;
  }
  if (dataType === 'BOOLEAN' && !(typeof value === 'boolean' || /^(true|false)$/i.test(String(value)))) {
    return `${JSON.stringify(value)} is not a BOOLEAN (true or false)`;
  }
  return undefined;
}
