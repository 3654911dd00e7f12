/**
 * What the drivers do the same way: the prefixes the management pool must
 * avoid and the management link a router gets (netns, docker); the
 * prerequisite check made once, the lock taken after it, the listing
 * filter, the reconcile loop over instance ids, and scale-in's spec check
 * and plan (all drivers, or those whose records say enough).
 */
import { ValidationError, type Logger } from '../common/index.js';
import type { CommandRunner } from './command-runner.js';
import { ROUTER_MGMT_IFNAME } from './constants.js';
import { parseCidr, prefixesFromAddrJson, prefixesFromRouteJson, type Allocation, type Cidr } from './ipam.js';
import { checkId, ID } from './labels.js';
import type { Lock } from './lock.js';
import { networksUsedBy, referencedNetworks, type LeavingNodes, type RecordBase } from './state-store.js';
import type { NodeRemovalSpec, ReconcileReport, RemovalReport, ResourceFilter, RouterInfo, VimResource } from './types.js';

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

/** `make()` once, its promise shared by every call; after a rejection the next call makes it again. */
export function onceUntilFailure<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** A lock taken only once the prerequisites hold: each driver operation that changes something checks them, then runs serialised. */
export function lockWhenReady(prerequisites: () => Promise<void>, lock: Lock): Lock {
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    await prerequisites();
    return lock(fn);
  };
}

/** The resources `filter` asks for (a resource without a domain, shared by the domains, matches any domain). */
export function filterResources(all: readonly VimResource[], filter: ResourceFilter): VimResource[] {
  return all.filter(
    (r) =>
      (filter.instanceId === undefined || r.instanceId === filter.instanceId) &&
      (filter.domain === undefined || r.domain === undefined || r.domain === filter.domain),
  );
}

/** What reconcile works on: what exists, what is recorded, and how the driver removes an instance. */
export interface ReconcileSources {
  /** The installation's resources that exist now. */
  resources: readonly VimResource[];
  /** Instance ids with a record folder. */
  recorded: readonly string[];
  /** Remove every domain's part of an instance. */
  remove: (instanceId: string) => Promise<RemovalReport>;
  log: Logger;
}

/**
 * Remove every instance that has resources or records but is not live (ids
 * that could not be ours are ignored: they become paths).
 */
export async function reconcileInstances(live: ReadonlySet<string>, src: ReconcileSources): Promise<ReconcileReport> {
  const instances = new Set([...src.resources.map((r) => r.instanceId), ...src.recorded].filter((id) => ID.test(id)));
  const report: ReconcileReport = { removed: [], kept: [] };
  for (const id of [...instances].sort()) {
    if (live.has(id)) report.kept.push(id);
    else report.removed.push(await src.remove(id));
  }
  if (report.removed.length > 0) src.log.info('reconciled', { removed: report.removed.map((r) => r.instanceId), kept: report.kept });
  return report;
}

/** What scale-in takes from an instance's records: this domain's record, what leaves it, and the networks released. */
export interface ScaleIn<R extends RecordBase> {
  /** This domain's record, if any. */
  mine: R | undefined;
  /**
   * The named routers and hosts, and the named networks that leave this
   * domain's record (no remaining router or host of the domain sits on them).
   */
  leaving: LeavingNodes;
  /** Of the networks leaving, those no other domain's record uses either (the shared WAN stays while one does). */
  released: string[];
}

/** Plan a scale-in of `domain` from the instance's records (every domain's). */
export function planScaleIn<R extends RecordBase>(records: readonly R[], domain: string, spec: NodeRemovalSpec): ScaleIn<R> {
  const mine = records.find((r) => r.domain === domain);
  const routers = new Set(spec.routers);
  const hosts = new Set(spec.hosts);
  const myUsed = mine ? referencedNetworks({ ...mine, routers: mine.routers.filter((x) => !routers.has(x.vnfId)), hosts: mine.hosts.filter((h) => !hosts.has(h.id)), networks: [] }) : new Set<string>();
  const othersUsed = networksUsedBy(records.filter((r) => r !== mine));
  const networks = spec.networks.filter((vl) => !myUsed.has(vl));
  return { mine, leaving: { routers, hosts, networks }, released: networks.filter((vl) => !othersUsed.has(vl)) };
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
