/**
 * The router's UDP-wire packet I/O, as its day-0 config names it (`io` in
 * RouterConfig): what the `local` VIM driver gives a router instead of a TUN
 * and veths. Each port is a UDP socket on a loopback address; a virtual link
 * is every socket that uses the link's UDP port (see wire-address.ts). The
 * router forwards between its ports itself (the routes here, the connected
 * subnets of its ports, and the prefixes its SPD routes into the tunnel).
 */
import type { Problem } from '../../common/index.js';
import { parseCidrText } from './wire-address.js';

/**
 * How datagrams on a port carry packets.
 *  - `ip`: one raw IPv4 packet per datagram (a LAN).
 *  - `esp-in-udp`: RFC 3948 on the link — an ESP packet (SPI first) per datagram; any other
 *    IPv4 packet follows the 4-byte non-ESP marker (§2.2; the routers are IKE-less, so the
 *    marker's usual IKE payload never occurs); a single 0xFF byte is a NAT-keepalive (§2.3).
 */
export type WireFraming = 'ip' | 'esp-in-udp';

/** One port of a router (or of a site host) on a UDP wire. */
export interface UdpWirePortConfig {
  /** Port name, e.g. `lan0`, `wan0`. */
  name: string;
  /** Virtual link id. */
  network: string;
  /** The port's IPv4 address on the link, `a.b.c.d/len` (len 8–30). */
  address: string;
  /** UDP port every member of the link binds (on its own loopback address). */
  linkPort: number;
  framing: WireFraming;
  /** Absolute path of a pcap file that records every datagram of this port (the demo's WAN check). */
  capture?: string;
}

/** A static route: `via` a member of a port's link, or straight out of port `dev`. */
export interface UdpWireRoute {
  /** `a.b.c.d/len` or `default`. */
  prefix: string;
  via?: string;
  dev?: string;
}

/** The `io` of a router config on UDP wires. */
export interface UdpWireConfig {
  kind: 'udp-wire';
  ports: UdpWirePortConfig[];
  routes: UdpWireRoute[];
}

const PORT_NAME = /^[a-z][a-z0-9]{0,14}$/;
const FRAMINGS: readonly string[] = ['ip', 'esp-in-udp'];

/** Problems of a UDP-wire config at `path` (empty when usable). */
export function checkUdpWireConfig(raw: unknown, path: string): Problem[] {
  const c = raw as Partial<UdpWireConfig> | null;
  if (typeof c !== 'object' || c === null) return [{ path, message: 'must be an object' }];
  const p: Problem[] = [];
  if (c.kind !== 'udp-wire') p.push({ path: `${path}.kind`, message: "must be 'udp-wire'" });
  if (!Array.isArray(c.ports) || c.ports.length === 0) p.push({ path: `${path}.ports`, message: 'must list at least one port' });
  const names = new Set<string>();
  (Array.isArray(c.ports) ? c.ports : []).forEach((port: Partial<UdpWirePortConfig>, i) => {
    const at = `${path}.ports[${i}]`;
    if (typeof port?.name !== 'string' || !PORT_NAME.test(port.name)) p.push({ path: `${at}.name`, message: 'must be 1-15 characters [a-z0-9] starting with a letter' });
    else if (names.has(port.name)) p.push({ path: `${at}.name`, message: `'${port.name}' is used twice` });
    else names.add(port.name);
    if (typeof port?.network !== 'string' || port.network === '') p.push({ path: `${at}.network`, message: 'must be a virtual link id' });
    const cidr = typeof port?.address === 'string' ? parseCidrText(port.address) : undefined;
    if (!cidr || cidr.length < 8 || cidr.length > 30) p.push({ path: `${at}.address`, message: 'must be an IPv4 address a.b.c.d/len with len 8-30' });
    if (!Number.isInteger(port?.linkPort) || port.linkPort! < 1024 || port.linkPort! > 65535) p.push({ path: `${at}.linkPort`, message: 'must be a UDP port 1024-65535' });
    if (!FRAMINGS.includes(String(port?.framing))) p.push({ path: `${at}.framing`, message: `must be one of ${FRAMINGS.join(', ')}` });
    if (port?.capture !== undefined && (typeof port.capture !== 'string' || !port.capture.startsWith('/'))) p.push({ path: `${at}.capture`, message: 'must be an absolute path' });
  });
  if (!Array.isArray(c.routes)) p.push({ path: `${path}.routes`, message: 'must be a list (possibly empty)' });
  (Array.isArray(c.routes) ? c.routes : []).forEach((r: Partial<UdpWireRoute>, i) => {
    const at = `${path}.routes[${i}]`;
    if (r?.prefix !== 'default' && (typeof r?.prefix !== 'string' || !parseCidrText(r.prefix))) p.push({ path: `${at}.prefix`, message: "must be a.b.c.d/len or 'default'" });
    if (r?.via === undefined && r?.dev === undefined) p.push({ path: at, message: 'needs via, dev or both' });
    if (r?.via !== undefined && (typeof r.via !== 'string' || !parseCidrText(`${r.via}/32`))) p.push({ path: `${at}.via`, message: 'must be an IPv4 address' });
    if (r?.dev !== undefined && !names.has(String(r.dev))) p.push({ path: `${at}.dev`, message: `'${String(r.dev)}' is not a port of this config` });
  });
  return p;
}
