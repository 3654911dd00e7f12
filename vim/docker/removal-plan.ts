/**
 * What a removal by the docker driver takes, computed without touching
 * anything from what exists now (dockerd's containers, OVSDB's ports, the
 * host's labelled links) and from the state records: one domain's part of an
 * instance, every domain's part (reconcile), or some of its routers, hosts
 * and networks (scale-in, `removeNodes`). Resources are found by their labels
 * as well as by the records, so that a crash between recording and creating
 * leaves nothing behind. An inter-domain port (patch or VXLAN) is labelled
 * with its own domain and with its peer's (`qnfv.peer-domain`), so both ends
 * of a pair go with either domain's part of the network; a host link that is
 * a port taken (a VXLAN device) goes with it.
 */
import type { HostRecord, InstanceRecord, RouterRecord } from '../state-store.js';
import type { ResourceLabels } from '../types.js';
import { PEER_DOMAIN_KEY } from './docker-constants.js';
import { labelsFromMap } from './docker-names.js';
import type { OvsPort } from './ovs.js';

/** What exists now, as far as a removal looks at it. */
export interface LiveResources {
  /** dockerd's containers with their labels (dockerode's `ContainerInfo` fits). */
  containers: readonly { Names: string[]; Labels: Record<string, string> }[];
  ports: readonly OvsPort[];
  /** Host links whose alias carries our labels. */
  rootLinks: readonly { name: string; labels: ResourceLabels }[];
}

/** Chooses a labelled resource of the instance; `ids` are its raw labels or external ids (empty for host links). */
export type LabelSelector = (labels: ResourceLabels, ids: Readonly<Record<string, string>>) => boolean;

/** The routers and hosts a removal takes from the records. */
export interface RecordedNodes {
  routers: readonly RouterRecord[];
  hosts: readonly HostRecord[];
}

/** What a removal deletes, names sorted. */
export interface RemovalPlan {
  containers: string[];
  /** Host-side links: management veths and the host ends of port veths. */
  links: string[];
  ports: OvsPort[];
  /** Program pids recorded for the routers taken (their containers' removal ends them). */
  pids: number[];
}

/** The resources of `instanceId` that the records name or `select` chooses by their labels. */
export function planRemoval(installationId: string, instanceId: string, live: LiveResources, recorded: RecordedNodes, select: LabelSelector): RemovalPlan {
  const chosen = (labels: ResourceLabels | undefined, ids: Readonly<Record<string, string>>): boolean =>
    labels !== undefined && labels.installationId === installationId && labels.instanceId === instanceId && select(labels, ids);
  const containers = new Set([...recorded.routers.map((x) => x.namespace), ...recorded.hosts.map((h) => h.namespace)]);
  for (const c of live.containers) if (chosen(labelsFromMap(c.Labels), c.Labels)) containers.add((c.Names[0] ?? '').replace(/^\//, ''));
  const links = new Set<string>();
  for (const x of recorded.routers) {
    if (x.mgmt) links.add(x.mgmt.hostInterface);
    x.ports.forEach((p) => links.add(p.peer));
  }
  recorded.hosts.forEach((h) => links.add(h.port.peer));
  for (const l of live.rootLinks) if (chosen(l.labels, {})) links.add(l.name);
  const ports = live.ports.filter((p) => chosen(labelsFromMap(p.externalIds), p.externalIds)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const p of ports) if (live.rootLinks.some((l) => l.name === p.name)) links.add(p.name);
  return {
    containers: [...containers].filter((c) => c !== '').sort(),
    links: [...links].sort(),
    ports,
    pids: recorded.routers.flatMap((x) => (x.pid !== undefined ? [x.pid] : [])),
  };
}

/** Chooses an instance's part in one domain (with the far ends of its inter-domain ports), or in every domain when `domain` is undefined. */
export function domainSelector(domain: string | undefined): LabelSelector {
  return (l, ids) => domain === undefined || l.domain === domain || ids[PEER_DOMAIN_KEY] === domain;
}

/** The ids a scale-in removes from one domain. */
export interface NodeSelection {
  routers: ReadonlySet<string>;
  hosts: ReadonlySet<string>;
  /** Networks to remove: only those no remaining node sits on (see `networksInUse`). */
  networks: ReadonlySet<string>;
}

/** Chooses the named routers (with their management links) and hosts of `domain`, and the named networks' inter-domain ports at both ends. */
export function nodeSelector(domain: string, sel: NodeSelection): LabelSelector {
  return (l, ids) => {
    if (l.role === 'network') return sel.networks.has(l.id) && (l.domain === domain || ids[PEER_DOMAIN_KEY] === domain);
    if (l.domain !== domain) return false;
    return l.role === 'host' ? sel.hosts.has(l.id) : sel.routers.has(l.id);
  };
}

/** Virtual links that routers or hosts of the instance still sit on (every domain's record) once `domain` has lost the named ones. */
export function networksInUse(records: readonly InstanceRecord[], domain: string, routers: ReadonlySet<string>, hosts: ReadonlySet<string>): Set<string> {
  const used = new Set<string>();
  for (const r of records) {
    const here = r.domain === domain;
    for (const x of r.routers) if (!(here && routers.has(x.vnfId))) x.ports.forEach((p) => used.add(p.network));
    for (const h of r.hosts) if (!(here && hosts.has(h.id))) used.add(h.port.network);
  }
  return used;
}
