/**
 * The single-host VXLAN underlay between domain bridges (FEASIBILITY §2
 * "VXLAN between two OVS bridges"): each domain that chose `vxlan` has an
 * underlay namespace `qnfv-<install8>-underlay-<domain>` (its `lo` alias
 * labels it); every two such domains that share a network are joined by a
 * veth pair between their namespaces (`q<6hex>u` ends, MTU raised by the
 * VXLAN overhead, each end the domain's VTEP address as a /32 with the
 * peer's as its point-to-point peer); a network shared by two domains gets
 * one Linux VXLAN device per domain (`q<6hex>x`, `local`/`remote` the VTEPs,
 * a VNI of its own, UDP 4789), created from inside the domain's underlay
 * namespace straight into the driver's namespace — its UDP socket stays in
 * the underlay namespace (link-netns) — labelled, tx checksum offload off
 * (the netdev datapath does not fill checksums in), up, and then an OVS
 * system port of the domain bridge (the driver adds it). The root namespace
 * never sees an underlay address. Deleting a domain's underlay namespace
 * takes its veth ends (and so their peers) and every VXLAN device whose
 * socket is in it.
 * What to run is planned without side effects (`underlayPlan`) and run in
 * batches (`applyUnderlayPlan`): `ip netns add` alone per namespace, one root
 * `ip -batch` for the veth pairs, one `ip -n NS -batch` per namespace, one
 * root batch for the VXLAN devices, one ethtool per device.
 */
import { DriverError } from '../../common/index.js';
import type { CommandRunner } from '../command-runner.js';
import { runIpBatch } from '../ip-batch.js';
import { LABEL_PREFIX } from '../constants.js';
import { formatLabels } from '../labels.js';
import { listLinks, listNamespaces } from '../netns/namespace-inventory.js';
import type { ResourceLabels } from '../types.js';
import { KIND_KEY, OVERLAY_MTU, PEER_DOMAIN_KEY, UNDERLAY_KIND, VXLAN_OVERHEAD, VXLAN_PORT } from './docker-constants.js';
import { underlayNamespaceName, underlayNamespacePrefix, underlayVethName } from './docker-names.js';

/** A domain taking part in the underlay: its name and VTEP address. */
export interface UnderlayDomain {
  domain: string;
  address: string;
}

/** One VXLAN device to have: on `domain`'s bridge, towards `peerDomain`. */
export interface VxlanEnd {
  device: string;
  domain: string;
  peerDomain: string;
  local: string;
  remote: string;
  vni: number;
  /** Its labels (role `network`, id the virtual link), written as its alias. */
  labels: ResourceLabels;
}

/** An underlay namespace of this installation as it exists, with its labelled veth ends. */
export interface UnderlayNamespace {
  name: string;
  domain: string;
  veths: { name: string; peerDomain: string }[];
}

/** What exists now, as far as planning looks at it. */
export interface UnderlayState {
  namespaces: readonly UnderlayNamespace[];
  /** Names of the links in the driver's (root) namespace. */
  rootLinks: ReadonlySet<string>;
}

/** What to run, in this order. */
export interface UnderlayPlan {
  /** Namespaces to add, each with its own `ip netns add` (see ip-batch.ts). */
  addNamespaces: string[];
  /** Root batch: new veth pairs, each end created straight into its namespace. */
  rootVeths: string[][];
  /** Per namespace, one batch: label `lo`, address the veth ends, create the VXLAN devices into the root namespace. */
  namespaceBatches: { namespace: string; commands: string[][] }[];
  /** Root batch: label and bring up the new VXLAN devices. */
  rootDevices: string[][];
  /** ethtool runs: tx checksum offload off on the new VXLAN devices. */
  offload: string[][];
}

/** A `qnfv.k=v,…` alias of the underlay's own (not ResourceLabels: it belongs to a domain, not an instance). */
export function underlayAlias(installationId: string, domain: string, peerDomain?: string): string {
  return [`${LABEL_PREFIX}install=${installationId}`, `${LABEL_PREFIX}domain=${domain}`, `${KIND_KEY}=${UNDERLAY_KIND}`, ...(peerDomain !== undefined ? [`${PEER_DOMAIN_KEY}=${peerDomain}`] : [])].join(',');
}

/** The key → value pairs of an alias, or {} for one that is not ours. */
export function aliasMap(alias: string | undefined): Record<string, string> {
  if (!alias?.startsWith(LABEL_PREFIX)) return {};
  return Object.fromEntries(
    alias.split(',').flatMap((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 ? [[pair.slice(0, eq), pair.slice(eq + 1)]] : [];
    }),
  );
}

/** The underlay namespaces of this installation (name prefix, then the labels on `lo`), with their veth ends. */
export async function listUnderlay(runner: CommandRunner, installationId: string): Promise<UnderlayNamespace[]> {
  const prefix = underlayNamespacePrefix(installationId);
  const names = (await listNamespaces(runner)).filter((n) => n.startsWith(prefix)).sort();
  const found = await Promise.all(
    names.map(async (name): Promise<UnderlayNamespace | undefined> => {
      const links = await listLinks(runner, name);
      const lo = aliasMap(links.find((l) => l.ifname === 'lo')?.ifalias);
      if (lo[`${LABEL_PREFIX}install`] !== installationId || lo[KIND_KEY] !== UNDERLAY_KIND || lo[`${LABEL_PREFIX}domain`] === undefined) return undefined;
      const veths = links.flatMap((l) => {
        const ids = aliasMap(l.ifalias);
        const peer = ids[PEER_DOMAIN_KEY];
        return ids[`${LABEL_PREFIX}install`] === installationId && peer !== undefined ? [{ name: l.ifname, peerDomain: peer }] : [];
      });
      return { name, domain: lo[`${LABEL_PREFIX}domain`] as string, veths };
    }),
  );
  return found.filter((n): n is UnderlayNamespace => n !== undefined);
}

/**
 * Plan the underlay for `ends` (both ends of each link): namespaces of the
 * domains involved, a veth pair per domain pair, the VXLAN devices — only
 * what `state` does not have yet. `pid` names the namespace the devices go
 * to (the driver's own).
 */
export function underlayPlan(installationId: string, domains: readonly UnderlayDomain[], ends: readonly VxlanEnd[], state: UnderlayState, pid: number): UnderlayPlan {
  const plan: UnderlayPlan = { addNamespaces: [], rootVeths: [], namespaceBatches: [], rootDevices: [], offload: [] };
  const batches = new Map<string, string[][]>();
  const batch = (ns: string): string[][] => {
    let b = batches.get(ns);
    if (!b) batches.set(ns, (b = []));
    return b;
  };
  const addressOf = new Map(domains.map((d) => [d.domain, d.address]));
  const existing = new Map(state.namespaces.map((n) => [n.name, n]));
  const involved = [...new Set(ends.flatMap((e) => [e.domain, e.peerDomain]))].sort();
  for (const d of involved) {
    const ns = underlayNamespaceName(installationId, d);
    if (existing.has(ns)) continue;
    plan.addNamespaces.push(ns);
    batch(ns).push(['link', 'set', 'dev', 'lo', 'alias', underlayAlias(installationId, d)], ['link', 'set', 'dev', 'lo', 'up']);
  }
  const pairs = new Map<string, [string, string]>();
  for (const e of ends) {
    const pair = [e.domain, e.peerDomain].sort() as [string, string];
    pairs.set(pair.join('\0'), pair);
  }
  for (const [a, b] of [...pairs.values()].sort()) {
    const [nsA, nsB] = [underlayNamespaceName(installationId, a), underlayNamespaceName(installationId, b)];
    const [vA, vB] = [underlayVethName(installationId, a, b), underlayVethName(installationId, b, a)];
    if (existing.get(nsA)?.veths.some((v) => v.name === vA)) continue;
    const mtu = String(OVERLAY_MTU + VXLAN_OVERHEAD);
    plan.rootVeths.push(['link', 'add', 'name', vA, 'netns', nsA, 'mtu', mtu, 'type', 'veth', 'peer', 'name', vB, 'netns', nsB, 'mtu', mtu]);
    for (const [ns, dev, me, peer] of [
      [nsA, vA, a, b],
      [nsB, vB, b, a],
    ] as const) {
      batch(ns).push(
        ['link', 'set', 'dev', dev, 'alias', underlayAlias(installationId, me, peer)],
        ['addr', 'replace', addressOf.get(me) as string, 'peer', addressOf.get(peer) as string, 'dev', dev],
        ['link', 'set', 'dev', dev, 'up'],
      );
    }
  }
  for (const e of ends) {
    if (state.rootLinks.has(e.device)) continue;
    const ns = underlayNamespaceName(installationId, e.domain);
    batch(ns).push(['link', 'add', 'name', e.device, 'netns', String(pid), 'mtu', String(OVERLAY_MTU), 'type', 'vxlan', 'id', String(e.vni), 'local', e.local, 'remote', e.remote, 'dstport', String(VXLAN_PORT)]);
    plan.rootDevices.push(['link', 'set', 'dev', e.device, 'alias', formatLabels(e.labels)], ['link', 'set', 'dev', e.device, 'up']);
    plan.offload.push(['ethtool', '-K', e.device, 'tx', 'off']);
  }
  plan.namespaceBatches = [...batches].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([namespace, commands]) => ({ namespace, commands }));
  return plan;
}

/** Run a plan: namespaces, root veths, namespace batches (in parallel), then the devices' labels, offload and link state. */
export async function applyUnderlayPlan(runner: CommandRunner, plan: UnderlayPlan): Promise<void> {
  for (const ns of plan.addNamespaces) await runner.run(['ip', 'netns', 'add', ns]);
  await runIpBatch(runner, plan.rootVeths);
  await Promise.all(plan.namespaceBatches.map((b) => runIpBatch(runner, b.commands, { namespace: b.namespace })));
  await Promise.all(plan.offload.map((argv) => runner.run(argv)));
  await runIpBatch(runner, plan.rootDevices);
}

/** Delete underlay namespaces (their veth ends and VXLAN devices go with them); names that are gone are skipped. */
export async function removeUnderlayNamespaces(runner: CommandRunner, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await runIpBatch(
    runner,
    names.map((n) => ['netns', 'del', n]),
    { force: true, allowFailure: true },
  );
  const left = (await listNamespaces(runner)).filter((n) => names.includes(n));
  if (left.length > 0) throw new DriverError(['ip', 'netns', 'del', ...left], null, 'underlay namespaces still present after deletion');
}
