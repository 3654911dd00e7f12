/**
 * The forwarding table of a router on UDP wires: what the kernel's routing
 * table does for a router on a TUN. Longest prefix wins; at equal length a
 * local address beats the tunnel, which beats a port. Entries:
 *  - local: each port's own address (/32): delivered to the router itself;
 *  - tunnel: the router's tunnel endpoint addresses (/32) and the remote
 *    prefixes its outbound protect policies route into the tunnel (kept in
 *    step with the SPD by the CCIPS agent, as RouteTable does with `ip route`);
 *  - connected: each port's subnet, next hop the destination itself;
 *  - static: the VIM's routes, `via` a member of a port's link and/or `dev` a port.
 * IPv4 only: the wires carry IPv4.
 */
import { ValidationError } from '../../common/index.js';
import { parseIpv4 } from '../esp/ipv4-packet.js';
import { inSubnet, parseCidrText } from './wire-address.js';
import type { UdpWireRoute } from './wire-config.js';
import type { WirePort } from './udp-wire.js';

/** Where a destination goes. */
export type RouteTarget = { kind: 'local' } | { kind: 'tunnel' } | { kind: 'port'; port: WirePort; via?: number };

interface Entry {
  network: number;
  mask: number;
  length: number;
  /** Tie-break at equal length: lower wins. */
  rank: number;
  target: RouteTarget;
}

const LOCAL: RouteTarget = { kind: 'local' };
const TUNNEL: RouteTarget = { kind: 'tunnel' };
const RANK = { local: 0, tunnel: 1, port: 2 } as const;

function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** The routes of one router. */
export class WireRouteTable {
  private fixed: Entry[] = [];
  private tunnelPrefixes: Entry[] = [];
  private entries: Entry[] = [];

  /** Build from the ports, the VIM's static routes and the router's IPv4 tunnel addresses. */
  constructor(ports: readonly WirePort[], routes: readonly UdpWireRoute[], tunnelAddresses: readonly number[]) {
    for (const p of ports) {
      this.fixed.push({ network: p.cidr.address, mask: 0xffffffff, length: 32, rank: RANK.local, target: LOCAL });
      this.fixed.push({ network: p.cidr.network, mask: p.cidr.mask, length: p.cidr.length, rank: RANK.port, target: { kind: 'port', port: p } });
    }
    for (const a of tunnelAddresses) this.fixed.push({ network: a, mask: 0xffffffff, length: 32, rank: RANK.tunnel, target: TUNNEL });
    routes.forEach((r, i) => this.fixed.push(staticEntry(r, i, ports)));
    this.rebuild();
  }

  /** Replace the prefixes routed into the tunnel (IPv4 `a.b.c.d/len`; other families are not on the wires and are skipped). */
  setTunnelPrefixes(prefixes: readonly string[]): void {
    const next: Entry[] = [];
    for (const text of prefixes) {
      const c = parseCidrText(text);
      if (c) next.push({ network: c.network, mask: c.mask, length: c.length, rank: RANK.tunnel, target: TUNNEL });
    }
    this.tunnelPrefixes = next;
    this.rebuild();
  }

  /** Prefixes routed into the tunnel now (from the SPD), as `a.b.c.d/len`. */
  tunnelRoutes(): string[] {
    return this.tunnelPrefixes.map((e) => `${[24, 16, 8, 0].map((s) => (e.network >>> s) & 0xff).join('.')}/${e.length}`);
  }

  /** The route for `dst`; with `skipTunnel`, tunnel routes are ignored (packets the ESP engine already handled). */
  lookup(dst: number, skipTunnel = false): RouteTarget | undefined {
    for (const e of this.entries) {
      if (skipTunnel && e.target.kind === 'tunnel') continue;
      if (((dst & e.mask) >>> 0) === e.network) return e.target;
    }
    return undefined;
  }

  private rebuild(): void {
    this.entries = [...this.fixed, ...this.tunnelPrefixes].sort((a, b) => b.length - a.length || a.rank - b.rank);
  }
}

function staticEntry(r: UdpWireRoute, i: number, ports: readonly WirePort[]): Entry {
  const at = `routes[${i}]`;
  const c = r.prefix === 'default' ? { network: 0, length: 0 } : parseCidrText(r.prefix);
  if (!c) throw new ValidationError(`${at}: '${r.prefix}' is not a.b.c.d/len or 'default'`);
  const via = r.via === undefined ? undefined : parseIpv4(r.via, `${at}.via`);
  let port = r.dev === undefined ? undefined : ports.find((p) => p.name === r.dev);
  if (r.dev !== undefined && !port) throw new ValidationError(`${at}: dev '${r.dev}' is not a port of this router`);
  if (via !== undefined) {
    const onLink = ports.find((p) => inSubnet(via, p.cidr) && (port === undefined || p === port));
    if (!onLink) throw new ValidationError(`${at}: gateway ${r.via} is not on the link of ${port ? `port ${port.name}` : 'any port'}`);
    port = onLink;
  }
  const mask = maskOf(c.length);
  return { network: (c.network & mask) >>> 0, mask, length: c.length, rank: RANK.port, target: { kind: 'port', port: port!, ...(via !== undefined ? { via } : {}) } };
}
