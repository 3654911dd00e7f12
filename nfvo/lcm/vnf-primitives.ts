/**
 * VNF config primitives as the LCM runs them (OSM IM `day1-2` of a VNFD's
 * deployment flavour, VNF level): day-2 `config-primitive`s run by the NS
 * action with `member_vnf_index`, day-1 `initial-config-primitive`s run in
 * `seq` order once the NS (or a site added by scaling) is up, their `<name>`
 * values taken from the request's `additionalParamsForVnf`. The qnfv router's
 * VCA runs its own primitives (vca/router-primitives.ts), so a primitive that
 * needs a juju charm or a helm chart is refused with the reason. Everything
 * is checked before the operation starts; every problem is listed with the
 * request field it comes from.
 */
import { errorMessage, QnfvError, ValidationError, type Problem } from '../../common/index.js';
import type { DomainClient } from './domain-client.js';
import type { OperationContext } from './operation-runner.js';
import { paramsForVnf, type ParamsForVnf } from './instantiate-request.js';
import type { ResolvedNs } from './resolved-ns.js';
import { checkPrimitiveParams, ROUTER_PRIMITIVES, type PrimitiveValue } from '../../vca/index.js';
import type { ConfigPrimitive, ExecutionEnvironment } from '../../vnfd/index.js';

/** What a VNFD declares at VNF level (its first deployment flavour). */
export interface VnfPrimitives {
  initial: ConfigPrimitive[];
  config: ConfigPrimitive[];
  environments: ExecutionEnvironment[];
}

/** A primitive ready to run; `<rw_mgmt_ip>` values are filled in by `fillBuiltins` when the router is known. */
export interface PlannedPrimitive {
  vnfId: string;
  name: string;
  seq?: number;
  params: Record<string, PrimitiveValue>;
}

/** `<name>` as a whole value (OSM substitutes only those). */
const SUBSTITUTION = /^<([A-Za-z_][A-Za-z0-9_.-]*)>$/;
/** OSM's built-in substitutions that qnfv fills in: the router's management address. */
const MGMT_IP = 'rw_mgmt_ip';

/** A day-2 action on one VNF: the VNFD declares `primitive`; parameters from the VNFD's defaults, then the request. */
export function planAction(vnfId: string, vnfdId: string, decl: VnfPrimitives, primitive: string, given: Record<string, unknown>): PlannedPrimitive {
  const prim = decl.config.find((p) => p.name === primitive);
  if (!prim) {
    const names = decl.config.map((p) => p.name);
    throw new ValidationError('invalid action', [{ path: 'primitive', message: `VNF ${vnfdId} (${vnfId}) defines no config primitive '${primitive}' (${names.join(', ') || 'it defines none'})` }]);
  }
  const problems = environmentProblems(prim, decl, 'primitive');
  const declared = new Map(prim.parameter.map((p) => [p.name, p]));
  const merged: Record<string, unknown> = {};
  for (const p of prim.parameter) if (p.defaultValue !== undefined) merged[p.name] = p.defaultValue;
  for (const [k, v] of Object.entries(given)) {
    if (!declared.has(k)) problems.push({ path: `primitive_params.${k}`, message: `config primitive '${primitive}' of ${vnfdId} declares no parameter '${k}' (${[...declared.keys()].join(', ') || 'none'})` });
    else merged[k] = v;
  }
  if (problems.length > 0) throw new ValidationError('invalid action', problems);
  return { vnfId, name: primitive, params: checkDeferred(primitive, merged, 'primitive_params') };
}

/**
 * The day-1 primitives of a VNF in `seq` order, their `<name>` values taken
 * from `additional` (the VNF's `additionalParams`); every missing value and
 * bad parameter is one problem at `path`.
 */
export function planDay1(vnfId: string, decl: VnfPrimitives, additional: Record<string, unknown>, path: string): PlannedPrimitive[] {
  const problems: Problem[] = [];
  const out: PlannedPrimitive[] = [];
  for (const prim of [...decl.initial].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))) {
    const where = `initial-config-primitive '${prim.name}'${prim.seq !== undefined ? ` (seq ${prim.seq})` : ''} of ${vnfId}`;
    problems.push(...environmentProblems(prim, decl, path));
    const values: Record<string, unknown> = {};
    const before = problems.length;
    for (const p of prim.parameter) {
      const raw = p.value ?? p.defaultValue;
      const m = typeof raw === 'string' ? SUBSTITUTION.exec(raw) : null;
      if (!m || m[1] === MGMT_IP) {
        if (raw !== undefined) values[p.name] = raw;
      } else if (additional[m[1]!] !== undefined) {
        values[p.name] = additional[m[1]!];
      } else {
        problems.push({ path: `${path}.${m[1]}`, message: `is needed by ${where} (parameter ${p.name})` });
      }
    }
    if (problems.length > before) continue; // a value is missing: its problem says so, no second one about the parameter
    try {
      out.push({ vnfId, name: prim.name, seq: prim.seq, params: checkDeferred(prim.name, values, `${path}[${prim.name}]`) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...(err.problems.length > 0 ? err.problems : [{ path, message: err.message }]));
    }
  }
  if (problems.length > 0) throw new ValidationError('invalid additionalParamsForVnf', problems);
  return out;
}

/**
 * The day-1 primitives of the sites about to be deployed (the `profiles` in
 * `deployed`, in NSD order), their values from the request's `field`
 * (`additionalParamsForVnf`); every problem goes to `problems`.
 */
export async function planSitesDay1(
  profiles: readonly { id: string; vnfdId: string }[],
  deployed: ReadonlyMap<string, unknown>,
  list: ParamsForVnf[] | undefined,
  field: string,
  resolved: Pick<ResolvedNs, 'vnfPrimitives'>,
  problems: Problem[],
): Promise<PlannedPrimitive[]> {
  const given = paramsForVnf(list, profiles.map((p) => p.id), field, problems);
  const out: PlannedPrimitive[] = [];
  for (const s of profiles.filter((p) => deployed.has(p.id))) {
    const decl = await resolved.vnfPrimitives(s.vnfdId);
    if (decl.initial.length === 0) continue;
    const g = given.get(s.id);
    try {
      out.push(...planDay1(s.id, decl, g?.params ?? {}, g?.path ?? `${field}[vnfProfileId=${s.id}].additionalParams`));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...err.problems);
    }
  }
  return out;
}

/**
 * Run day-1 primitives in order on their routers (management addresses from
 * `vnfs`); the NS history entries of what they answered. A failure stops
 * there and fails the operation.
 */
export async function runDay1(
  ctx: OperationContext,
  stage: number,
  nsId: string,
  planned: PlannedPrimitive[],
  vnfs: { vnfProfileId: string; metadata: { mgmtAddress: string } }[],
  clientOf: (vnfId: string) => DomainClient,
): Promise<{ time: string; event: string; detail: string }[]> {
  const events: { time: string; event: string; detail: string }[] = [];
  for (const p of planned) {
    const label = `${p.name}${p.seq !== undefined ? ` (seq ${p.seq})` : ''} on ${p.vnfId}`;
    await ctx.stage(stage, `day-1 primitive ${label}`);
    const mgmt = vnfs.find((v) => v.vnfProfileId === p.vnfId)?.metadata.mgmtAddress ?? '';
    const { summary } = await callPrimitive(clientOf(p.vnfId), nsId, p, mgmt).catch((err: unknown) => {
      throw new QnfvError('DAY1', `day-1 primitive ${label}: ${errorMessage(err)}`);
    });
    events.push({ time: new Date().toISOString(), event: 'day1-primitive', detail: `${label}: ${summary}` });
  }
  return events;
}

/** Run a planned primitive on its router through the VCA, `<rw_mgmt_ip>` filled in first. */
export async function callPrimitive(client: DomainClient, nsId: string, p: PlannedPrimitive, mgmtAddress: string): Promise<{ output: string; summary: string }> {
  const filled = fillBuiltins(p, mgmtAddress);
  return client.call('vca.runPrimitive', { instanceId: nsId, vnfId: p.vnfId, primitive: filled.name, params: filled.params }, 60_000);
}

/** Fill `<rw_mgmt_ip>` with the router's management address and check the parameters again. */
export function fillBuiltins(p: PlannedPrimitive, mgmtAddress: string): PlannedPrimitive {
  const params = Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, v === `<${MGMT_IP}>` ? mgmtAddress : v]));
  return { ...p, params: checkPrimitiveParams(p.name, params, 'params') };
}

/** Parameters checked now, except those whose value is only known on the router (`<rw_mgmt_ip>`). */
function checkDeferred(name: string, values: Record<string, unknown>, path: string): Record<string, PrimitiveValue> {
  const deferred = Object.entries(values).filter(([, v]) => v === `<${MGMT_IP}>`);
  const known = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== `<${MGMT_IP}>`));
  // A deferred value stands in for a valid one while the others are checked.
  const probe = Object.fromEntries(deferred.map(([k]) => [k, '127.0.0.1']));
  const checked = checkPrimitiveParams(name, { ...known, ...probe }, path);
  for (const [k] of deferred) checked[k] = `<${MGMT_IP}>`;
  return checked;
}

/** A primitive tied to a juju charm or helm chart cannot run here. */
function environmentProblems(prim: ConfigPrimitive, decl: VnfPrimitives, path: string): Problem[] {
  if (!(prim.name in ROUTER_PRIMITIVES)) {
    return [{ path, message: `'${prim.name}' is not a primitive qnfv's VCA can run (the qnfv router's are ${Object.keys(ROUTER_PRIMITIVES).join(', ')})` }];
  }
  const ee = prim.executionEnvironmentRef ? decl.environments.find((e) => e.id === prim.executionEnvironmentRef) : undefined;
  if (ee?.juju || ee?.helmChart) {
    const what = ee.juju ? `juju charm '${ee.juju.charm ?? '?'}'` : `helm chart '${ee.helmChart ?? '?'}'`;
    return [{ path, message: `'${prim.name}' runs in execution environment '${ee.id}' (${what}), which qnfv does not run: the qnfv router's own primitives need no execution-environment-ref` }];
  }
  return [];
}
