/**
 * The `ip` commands (argument arrays, without the leading `ip`) that build a
 * network, router or host, grouped by the namespace whose batch runs them:
 *  1. root batch: sysctls (via `netns exec`), the management veth with its
 *     host end labelled and addressed, and every port veth created straight
 *     into the node's and the network's namespaces (node ends at fixed
 *     indexes: see NODE_IFINDEX_BASE);
 *  2. node batch (`ip -n <node>`): lo up and labelled, addresses, links up,
 *     the optional TUN, routes;
 *  3. one batch per network namespace: label each bridge-side end, enslave
 *     it to the bridge, set it up.
 * Pure functions, so the exact commands are unit-tested.
 */
import { HOST_IFNAME, NODE_IFINDEX_BASE, ROUTER_MGMT_IFNAME } from '../constants.js';
import type { IpLinkJson } from './namespace-inventory.js';
import type { PortRecord } from '../state-store.js';
import type { RouteSpec, TunSpec } from '../types.js';

type Cmd = string[];

/** Router sysctls (FEASIBILITY.md §3): forward, and no reverse-path filter (traffic leaves via the TUN). */
export const ROUTER_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'];

/** Root batch line: set sysctls inside the node's namespace (`netns exec` forks; the batch process stays put). */
export function sysctlCommand(namespace: string, sysctls: readonly string[]): Cmd {
  return ['netns', 'exec', namespace, 'sysctl', '-q', '-w', ...sysctls];
}

/** Root batch lines: create the node's port veths (node end → node namespace at a fixed index, peer → network namespace). */
export function portVethCommands(namespace: string, ports: readonly PortRecord[], networkNamespaceOf: (vl: string) => string): Cmd[] {
  const index = (i: number): string => String(NODE_IFINDEX_BASE + 1 + i);
  return ports.map((p, i) => ['link', 'add', 'name', p.name, 'index', index(i), 'netns', namespace, 'type', 'veth', 'peer', 'name', p.peer, 'netns', networkNamespaceOf(p.network)]);
}

/** Root batch lines: the management veth (router end → router ns), host end labelled, addressed, up. */
export function mgmtVethCommands(namespace: string, hostInterface: string, hostAddressCidr: string, label: string): Cmd[] {
  return [
    ['link', 'add', 'name', ROUTER_MGMT_IFNAME, 'index', String(NODE_IFINDEX_BASE), 'netns', namespace, 'type', 'veth', 'peer', 'name', hostInterface],
    ['link', 'set', 'dev', hostInterface, 'alias', label],
    ['addr', 'add', hostAddressCidr, 'dev', hostInterface],
    ['link', 'set', 'dev', hostInterface, 'up'],
  ];
}

/** The `route add` line of a static route. */
export function routeCommand(r: RouteSpec): Cmd {
  return ['route', 'add', r.prefix, ...(r.via ? ['via', r.via] : []), ...(r.dev ? ['dev', r.dev] : [])];
}

/** Node batch lines: lo up + label, then every port addressed and up. */
export function nodeBaseCommands(label: string, ports: readonly { name: string; address: string }[]): Cmd[] {
  return [['link', 'set', 'dev', 'lo', 'up'], ['link', 'set', 'dev', 'lo', 'alias', label], ...ports.flatMap((p) => [['addr', 'add', p.address, 'dev', p.name], ['link', 'set', 'dev', p.name, 'up']])];
}

/** Router batch lines after the base: management address, TUN, routes. */
export function routerCommands(routerAddressCidr: string, tun: TunSpec | undefined, routes: readonly RouteSpec[]): Cmd[] {
  return [
    ['addr', 'add', routerAddressCidr, 'dev', ROUTER_MGMT_IFNAME],
    ['link', 'set', 'dev', ROUTER_MGMT_IFNAME, 'up'],
    ...(tun
      ? [['tuntap', 'add', 'dev', tun.name, 'mode', 'tun'], ...(tun.address ? [['addr', 'add', tun.address, 'dev', tun.name]] : []), ['link', 'set', 'dev', tun.name, 'up']]
      : []),
    ...routes.map(routeCommand),
  ];
}

/** Host batch lines after the base: default route via the gateway. */
export function hostCommands(gateway: string): Cmd[] {
  return [['route', 'add', 'default', 'via', gateway, 'dev', HOST_IFNAME]];
}

/** Network batch lines: label, enslave and raise each bridge-side veth end. */
export function attachCommands(bridge: string, peers: readonly string[], label: string): Cmd[] {
  return peers.flatMap((peer) => [
    ['link', 'set', 'dev', peer, 'alias', label],
    ['link', 'set', 'dev', peer, 'master', bridge],
    ['link', 'set', 'dev', peer, 'up'],
  ]);
}

/** Network batch lines that bring an existing namespace to the wanted state (idempotent: only what is missing). */
export function networkCommands(existing: readonly IpLinkJson[], bridge: string, label: string): Cmd[] {
  const lo = existing.find((l) => l.ifname === 'lo');
  const br = existing.find((l) => l.ifname === bridge);
  const isUp = (l: IpLinkJson | undefined): boolean => !!l?.flags?.includes('UP');
  return [
    ...(isUp(lo) ? [] : [['link', 'set', 'dev', 'lo', 'up']]),
    ...(lo?.ifalias === label ? [] : [['link', 'set', 'dev', 'lo', 'alias', label]]),
    ...(br ? [] : [['link', 'add', 'name', bridge, 'type', 'bridge']]),
    ...(br?.ifalias === label ? [] : [['link', 'set', 'dev', bridge, 'alias', label]]),
    ...(isUp(br) ? [] : [['link', 'set', 'dev', bridge, 'up']]),
  ];
}
