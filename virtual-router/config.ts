/**
 * The router's day-0 configuration (what cloud-init user data is to a VM):
 * a JSON file the VCA writes before the VIM starts the router process. It
 * names the TUN device, the router's own ESP tunnel addresses, where the
 * NETCONF server listens and who may log in. Interfaces, addresses and static
 * routes are the VIM's job; SAs and policies arrive later over NETCONF.
 * Under the `local` VIM driver there is no TUN: `io` (from the VIM's
 * RouterInfo.packetIo) names the router's UDP wires instead, and the router
 * does its own forwarding between them (virtual-router/wire/).
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { ValidationError, type Problem } from '../common/index.js';
import { checkUdpWireConfig, type UdpWireConfig } from './wire/wire-config.js';

export interface RouterConfig {
  /** VNF name (the NS's VNF profile id, e.g. `site-a`). */
  name: string;
  instanceId: string;
  /** The TUN the data path reads (netns, docker); exactly one of `tun` and `io`. */
  tun?: {
    name: string;
    /** Inner MTU; outer ESP packets add up to ~60 bytes (default 1400). */
    mtu: number;
  };
  /** Packet I/O on UDP wires instead of a TUN (the `local` VIM driver). */
  io?: UdpWireConfig;
  /** ESP tunnel endpoint addresses of this router (routed into its TUN). */
  tunnelAddresses: string[];
  netconf: {
    listenAddress: string;
    port: number;
    /** Path of the SSH host private key (the VCA generated it and pinned its fingerprint). */
    hostKeyFile: string;
    users: { name: string; groups: string[]; authorizedKeys: string[] }[];
  };
  /**
   * NACM (RFC 8341) for `nacm:default-deny-all` key leaves: groups allowed to
   * read them. Ships with `admin`; remove it to hide keys from everyone.
   */
  keyReaderGroups: string[];
}

/** Read and check a router config file. */
export async function loadRouterConfig(path: string): Promise<RouterConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ValidationError(`router config ${path}: ${(err as Error).message}`);
  }
  const problems = checkRouterConfig(raw);
  if (problems.length > 0) throw new ValidationError(`router config ${path}`, problems);
  return raw as RouterConfig;
}

/** Problems of a router config object (empty when it is usable). */
export function checkRouterConfig(raw: unknown): Problem[] {
  const p: Problem[] = [];
  const c = raw as Partial<RouterConfig> | null;
  if (typeof c !== 'object' || c === null) return [{ path: '', message: 'must be a JSON object' }];
  if (typeof c.name !== 'string' || c.name === '') p.push({ path: 'name', message: 'must be a non-empty string' });
  if (typeof c.instanceId !== 'string') p.push({ path: 'instanceId', message: 'must be a string' });
  if (c.io === undefined) {
    if (typeof c.tun?.name !== 'string' || !/^[A-Za-z0-9_.-]{1,15}$/.test(c.tun.name)) p.push({ path: 'tun.name', message: 'must be an interface name of 1-15 characters' });
    if (!Number.isInteger(c.tun?.mtu) || c.tun!.mtu < 576 || c.tun!.mtu > 9000) p.push({ path: 'tun.mtu', message: 'must be an integer 576-9000' });
  } else if (c.tun !== undefined) p.push({ path: 'io', message: 'give either tun (a TUN device) or io (UDP wires), not both' });
  else p.push(...checkUdpWireConfig(c.io, 'io'));
  if (!Array.isArray(c.tunnelAddresses) || c.tunnelAddresses.length === 0) p.push({ path: 'tunnelAddresses', message: 'must list at least one address' });
  else c.tunnelAddresses.forEach((a, i) => isIpAddress(a) || p.push({ path: `tunnelAddresses[${i}]`, message: 'must be an IPv4 or IPv6 address' }));
  if (typeof c.netconf?.listenAddress !== 'string') p.push({ path: 'netconf.listenAddress', message: 'must be an address' });
  const port = c.netconf?.port;
  if (!Number.isInteger(port) || port! < 1 || port! > 65535) p.push({ path: 'netconf.port', message: 'must be a port number 1-65535' });
  if (typeof c.netconf?.hostKeyFile !== 'string') p.push({ path: 'netconf.hostKeyFile', message: 'must be a file path' });
  if (!Array.isArray(c.netconf?.users) || c.netconf!.users.length === 0) p.push({ path: 'netconf.users', message: 'must list at least one user' });
  else c.netconf!.users.forEach((u, i) => p.push(...checkUser(u, `netconf.users[${i}]`)));
  if (!isStringList(c.keyReaderGroups)) p.push({ path: 'keyReaderGroups', message: 'must be a list of group names' });
  return p;
}

function checkUser(u: unknown, path: string): Problem[] {
  const user = u as Partial<RouterConfig['netconf']['users'][number]> | null;
  if (typeof user !== 'object' || user === null) return [{ path, message: 'must be an object with name, groups and authorizedKeys' }];
  const p: Problem[] = [];
  if (typeof user.name !== 'string' || user.name === '') p.push({ path: `${path}.name`, message: 'must be a non-empty string' });
  if (!isStringList(user.groups)) p.push({ path: `${path}.groups`, message: 'must be a list of group names' });
  if (!isStringList(user.authorizedKeys)) p.push({ path: `${path}.authorizedKeys`, message: 'must be a list of OpenSSH public key lines' });
  return p;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isIpAddress(v: unknown): boolean {
  return typeof v === 'string' && isIP(v) !== 0 && !v.includes('%');
}
