/**
 * What the netns and docker drivers do the same way: the prefixes the
 * management pool must avoid, the management link a router gets, the
 * reconcile loop over instance ids, and the check of a scale-in spec.
 */
import { ValidationError, type Logger } from '../common/index.js';
import type { CommandRunner } from './command-runner.js';
import { ROUTER_MGMT_IFNAME } from './constants.js';
import { parseCidr, prefixesFromAddrJson, prefixesFromRouteJson, type Allocation, type Cidr } from './ipam.js';
import { checkId, ID } from './labels.js';
import type { NodeRemovalSpec, ReconcileReport, RemovalReport, RouterInfo } from './types.js';

/** Prefixes the management pool must avoid: the host's addresses and routes, and the management subnets recorded for instances. */
export async function usedPrefixes(runner: CommandRunner, records: Promise<{ routers: { mgmt?: { subnet: string } }[] }[]>): Promise<Cidr[]> {
  const [addrs, routes, recs] = await Promise.all([runner.run(['ip', '-j', '-4', 'addr', 'show']), runner.run(['ip', '-j', '-4', 'route', 'show', 'table', 'all']), records]);
  const recorded = recs.flatMap((r) => r.routers.flatMap((x) => (x.mgmt ? [parseCidr(x.mgmt.subnet, 'recorded subnet')] : [])));
  return [...prefixesFromAddrJson(addrs.stdout), ...prefixesFromRouteJson(routes.stdout), ...recorded];
}

/** The management link of a router from its allocated /30. */
export function managementLink(hostInterface: string, a: Allocation): RouterInfo['mgmt'] {
  return { hostInterface, hostAddress: a.hostAddress, routerAddress: a.routerAddress, prefixLength: a.prefixLength, routerInterface: ROUTER_MGMT_IFNAME };
}

/** Remove every instance among `ids` that is not live (ids that could not be ours are ignored: they become paths). */
export async function reconcileInstances(ids: string[], live: Set<string>, remove: (instanceId: string) => Promise<RemovalReport>, log: Logger): Promise<ReconcileReport> {
  const instances = new Set(ids.filter((id) => ID.test(id)));
  const report: ReconcileReport = { removed: [], kept: [] };
  for (const id of [...instances].sort()) {
    if (live.has(id)) report.kept.push(id);
    else report.removed.push(await remove(id));
  }
  if (report.removed.length > 0) log.info('reconciled', { removed: report.removed.map((r) => r.instanceId), kept: report.kept });
  return report;
}

/** Check a scale-in spec: the instance id and every named id (names that do not exist are fine: removal ignores them). */
export function checkNodeRemovalSpec(spec: NodeRemovalSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new ValidationError('removeNodes needs a spec { instanceId, routers, hosts, networks }');
  checkId(spec.instanceId, 'instanceId');
  for (const field of ['routers', 'hosts', 'networks'] as const) {
    const ids: unknown = spec[field];
    if (!Array.isArray(ids)) throw new ValidationError(`${field} must be an array of ids`);
    ids.forEach((id: unknown, i) => checkId(id as string, `${field}[${i}]`));
  }
}
