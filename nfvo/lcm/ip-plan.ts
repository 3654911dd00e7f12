/**
 * The address plan of one NS instance: which subnet each virtual link gets,
 * which addresses each router's ports get, the routers' ESP tunnel endpoint
 * addresses, the site hosts, and the static routes between tunnel endpoints.
 * Defaults (overridable per instantiate request, OSM-style `vld[].ip-profile`
 * and `additionalParamsForNs.tunnelSubnet`): LAN links 10.<k>.0.0/24 in NSD order with
 * the router at .1 and a site host at .10; the WAN underlay 203.0.113.0/24
 * and tunnel endpoints in 198.51.100.0/24 (documentation ranges; the host's
 * own interface uses 192.0.2.0/24). Pure function: no I/O.
 */
import { ValidationError, errorMessage, type Problem } from '../../common/index.js';
import { formatPrefix, hostAddress, maskOf, overlaps, parseIpv4, parsePrefix, contains, type Ipv4Prefix } from './ipv4.js';

/** What the plan needs to know about the NS (derived from the NSD). */
export interface NsTopology {
  virtualLinks: { id: string; mgmt: boolean }[];
  /** Virtual links protected by a security profile (the WAN). */
  wanLinks: string[];
  /** `minInstances` 0: an optional site (placed at instantiation or added by scaling); default 1. */
  vnfProfiles: { id: string; vnfdId: string; links: string[]; minInstances?: number }[];
}

/** Per-instance overrides, from the instantiate request. */
export interface AddressOverrides {
  /** Subnet (and optional router address) per virtual link id. */
  links?: Record<string, { subnet: string; gateway?: string }>;
  /** Subnet from which routers' tunnel endpoint addresses are taken. */
  tunnelSubnet?: string;
}

export interface PlannedRouter {
  vnfId: string;
  vnfdId: string;
  ports: { name: string; network: string; address: string }[];
  tunnelAddress: string;
  /** Underlay address on the WAN link (next hop for peers). */
  wanAddress: string;
  lanSubnets: string[];
  routes: { prefix: string; via: string }[];
}

export interface IpPlan {
  networks: { id: string; kind: 'lan' | 'wan'; subnet: string }[];
  routers: PlannedRouter[];
  hosts: { id: string; network: string; address: string; gateway: string; vnfId: string }[];
}

const DEFAULT_WAN = '203.0.113.0/24';
const DEFAULT_TUNNELS = '198.51.100.0/24';
/** Host number of the router and of the site host on a LAN. */
const LAN_ROUTER_HOST = 1;
const LAN_SITE_HOST = 10;
/** Longest prefix a LAN may have (it must hold .1 and .10) and a WAN link. */
const LAN_MAX_LENGTH = 28;
const WAN_MAX_LENGTH = 29;
/** Where the tunnel endpoint subnet comes from in the instantiate request. */
const TUNNEL_PATH = 'additionalParamsForNs.tunnelSubnet';
/** Addresses that must never be planned: the host machine's own network. */
const RESERVED = [parsePrefix('192.0.2.0/24')];

/** Compute the address plan, or throw a ValidationError listing every problem. */
export function planAddresses(topo: NsTopology, overrides: AddressOverrides = {}): IpPlan {
  const problems: Problem[] = [];
  const wan = new Set(topo.wanLinks);
  const dataLinks = topo.virtualLinks.filter((l) => !l.mgmt);
  if (wan.size === 0) problems.push({ path: 'nsd.security-profile', message: 'no virtual link is protected by a security profile' });

  // 1. One subnet per data link.
  const subnets = new Map<string, { prefix: Ipv4Prefix; gateway?: string }>();
  let lanIndex = 0;
  for (const link of dataLinks) {
    const o = overrides.links?.[link.id];
    // k counts every LAN in NSD order, so overriding one LAN does not renumber the others.
    const dflt = wan.has(link.id) ? DEFAULT_WAN : `10.${++lanIndex}.0.0/24`;
    const text = o?.subnet ?? dflt;
    try {
      const prefix = parsePrefix(text, `vld[${link.id}].ip-profile.subnet-address`);
      const maxLength = wan.has(link.id) ? WAN_MAX_LENGTH : LAN_MAX_LENGTH;
      if (prefix.length > maxLength) throw new ValidationError(`vld[${link.id}]: ${text} is too small (at most /${maxLength})`);
      if (o?.gateway && !contains(prefix, o.gateway)) {
        throw new ValidationError(`vld[${link.id}].ip-profile.gateway-address ${o.gateway} is not in ${text}`);
      }
      if (o?.gateway && [prefix.network, (prefix.network | ~maskOf(prefix.length)) >>> 0].includes(parseIpv4(o.gateway))) {
        throw new ValidationError(`vld[${link.id}].ip-profile.gateway-address ${o.gateway} is the network or broadcast address of ${text}`);
      }
      subnets.set(link.id, { prefix, gateway: o?.gateway });
    } catch (err) {
      problems.push({ path: `vld[${link.id}]`, message: (err as Error).message });
    }
  }
  const tunnelPrefix = safePrefix(overrides.tunnelSubnet ?? DEFAULT_TUNNELS, TUNNEL_PATH, problems);
  checkOverlaps(
    [...subnets.entries()].map(([id, s]) => ({ id, path: `vld[${id}]`, p: s.prefix })).concat(tunnelPrefix ? [{ id: 'tunnel endpoints', path: TUNNEL_PATH, p: tunnelPrefix }] : []),
    problems,
  );
  if (problems.length > 0) throw new ValidationError('address plan', problems);

  // 2. Routers: ports on each data link, a tunnel address if on a WAN link.
  const routers: PlannedRouter[] = [];
  const wanHostCount = new Map<string, number>();
  let tunnelHost = 0;
  const hosts: IpPlan['hosts'] = [];
  // A subnet too small for all routers is reported once, at the field that sets it.
  const host = (prefix: Ipv4Prefix, n: number, path: string): string => {
    try {
      return hostAddress(prefix, n);
    } catch (err) {
      if (!problems.some((p) => p.path === path)) problems.push({ path, message: `${errorMessage(err)}: too small for the ${topo.vnfProfiles.length} routers of this NS` });
      return '';
    }
  };
  for (const vp of topo.vnfProfiles) {
    const ports: PlannedRouter['ports'] = [];
    const lanSubnets: string[] = [];
    let wanAddress = '';
    let lanCount = 0;
    for (const linkId of vp.links) {
      const s = subnets.get(linkId);
      if (!s) continue; // management link: provided by the VIM
      if (wan.has(linkId)) {
        const n = (wanHostCount.get(linkId) ?? 0) + 1;
        wanHostCount.set(linkId, n);
        wanAddress = host(s.prefix, n, `vld[${linkId}]`);
        ports.push({ name: 'wan0', network: linkId, address: `${wanAddress}/${s.prefix.length}` });
      } else {
        const gw = s.gateway ?? hostAddress(s.prefix, LAN_ROUTER_HOST);
        ports.push({ name: `lan${lanCount++}`, network: linkId, address: `${gw}/${s.prefix.length}` });
        lanSubnets.push(formatPrefix(s.prefix));
        const hostN = parseIpv4(gw) === (s.prefix.network + LAN_SITE_HOST) >>> 0 ? LAN_SITE_HOST + 1 : LAN_SITE_HOST;
        hosts.push({ id: `host-${linkId}`, network: linkId, address: `${hostAddress(s.prefix, hostN)}/${s.prefix.length}`, gateway: gw, vnfId: vp.id });
      }
    }
    if (!ports.some((p) => wan.has(p.network))) {
      problems.push({ path: `df.vnf-profile[${vp.id}]`, message: 'is not connected to any protected (WAN) virtual link' });
      continue;
    }
    if (lanSubnets.length !== 1) {
      problems.push({ path: `df.vnf-profile[${vp.id}]`, message: `must connect to exactly one site LAN virtual link (found ${lanSubnets.length})` });
      continue;
    }
    const tunnelAddress = tunnelPrefix ? host(tunnelPrefix, ++tunnelHost, TUNNEL_PATH) : '';
    routers.push({ vnfId: vp.id, vnfdId: vp.vnfdId, ports, tunnelAddress, wanAddress, lanSubnets, routes: [] });
  }
  if (problems.length > 0) throw new ValidationError('address plan', problems);

  // 3. Routes: each router reaches every peer's tunnel endpoint via the peer's WAN address.
  for (const r of routers) {
    for (const peer of routers) {
      if (peer !== r) r.routes.push({ prefix: `${peer.tunnelAddress}/32`, via: peer.wanAddress });
    }
  }
  const networks = dataLinks
    .filter((l) => subnets.has(l.id))
    .map((l) => ({ id: l.id, kind: wan.has(l.id) ? ('wan' as const) : ('lan' as const), subnet: formatPrefix(subnets.get(l.id)!.prefix) }));
  return { networks, routers, hosts };
}

/**
 * The part of a plan for the sites actually deployed. The full plan gives
 * every VNF profile of the NSD its addresses, deployed or not, so a site
 * added later by scaling gets the same addresses it would have had, and the
 * routes of every router already lead to every possible peer.
 */
export function restrictPlan(plan: IpPlan, vnfIds: ReadonlySet<string>): IpPlan {
  const routers = plan.routers.filter((r) => vnfIds.has(r.vnfId));
  const used = new Set(routers.flatMap((r) => r.ports.map((p) => p.network)));
  return { networks: plan.networks.filter((n) => used.has(n.id)), routers, hosts: plan.hosts.filter((h) => vnfIds.has(h.vnfId)) };
}

function safePrefix(text: string, path: string, problems: Problem[]): Ipv4Prefix | undefined {
  try {
    return parsePrefix(text, path);
  } catch (err) {
    problems.push({ path, message: (err as Error).message });
    return undefined;
  }
}

function checkOverlaps(list: { id: string; path: string; p: Ipv4Prefix }[], problems: Problem[]): void {
  for (let i = 0; i < list.length; i++) {
    for (const r of RESERVED) {
      if (overlaps(list[i]!.p, r)) {
        problems.push({ path: list[i]!.path, message: `${formatPrefix(list[i]!.p)} overlaps ${formatPrefix(r)}, the host machine's own network` });
      }
    }
    for (let j = i + 1; j < list.length; j++) {
      if (overlaps(list[i]!.p, list[j]!.p)) {
        problems.push({ path: list[j]!.path, message: `${formatPrefix(list[j]!.p)} overlaps ${formatPrefix(list[i]!.p)} of ${list[i]!.id}` });
      }
    }
  }
}
