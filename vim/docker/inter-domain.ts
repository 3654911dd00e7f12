/**
 * How a domain's OVS bridge joins other domains' bridges for a virtual link
 * they share (the WAN): the operator's choice per domain, its validation, how
 * the choice is written on the domain bridge (external_ids, so that the
 * domain at the other end of a link reads it from OVSDB), the rule that two
 * joined domains must have chosen the same, and the VNI of a VXLAN link.
 *  - `patch`: a pair of OVS patch ports per network and domain pair (the
 *    default; one host, nothing outside OVS);
 *  - `vxlan`: a pair of Linux VXLAN devices per network and domain pair, the
 *    domain's VTEP at `underlayAddress` in its own underlay namespace
 *    (vxlan-underlay.ts); the frames cross a real UDP/4789 underlay.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../common/index.js';
import { ipv4ToInt, isIpv4 } from '../ipam.js';
import { INTER_DOMAIN_KEY, UNDERLAY_ADDRESS_KEY, VNI_MAX } from './docker-constants.js';

/** Patch ports between the bridges (default). */
export interface PatchInterDomain {
  kind: 'patch';
}

/** Linux VXLAN devices whose sockets sit in per-domain underlay namespaces joined by veth pairs (all domains on one host). */
export interface VxlanInterDomain {
  kind: 'vxlan';
  /** This domain's VTEP address on the underlay, a unicast IPv4 address such as 198.51.100.1; unique among the domains it joins. */
  underlayAddress: string;
}

/** How this domain joins other domains' bridges (DockerVimDriverOptions.interDomain). */
export type InterDomainOptions = PatchInterDomain | VxlanInterDomain;

/** The default: patch ports. */
export const PATCH_INTER_DOMAIN: PatchInterDomain = { kind: 'patch' };

const FIELDS: Record<InterDomainOptions['kind'], readonly string[]> = { patch: ['kind'], vxlan: ['kind', 'underlayAddress'] };

/** Check `interDomain` (undefined means patch); ValidationError naming the field otherwise. */
export function checkInterDomain(value: unknown): InterDomainOptions {
  if (value === undefined) return PATCH_INTER_DOMAIN;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`interDomain must be an object { kind: 'patch' } or { kind: 'vxlan', underlayAddress }, not ${JSON.stringify(value)}`);
  }
  const o = value as Record<string, unknown>;
  if (o.kind !== 'patch' && o.kind !== 'vxlan') throw new ValidationError(`interDomain.kind ${JSON.stringify(o.kind)} must be 'patch' or 'vxlan'`);
  const known = FIELDS[o.kind];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new ValidationError(`interDomain.${unknown[0]} is not an option of kind '${o.kind}' (its options: ${known.join(', ')})`);
  if (o.kind === 'patch') return PATCH_INTER_DOMAIN;
  checkUnderlayAddress(o.underlayAddress);
  return { kind: 'vxlan', underlayAddress: o.underlayAddress as string };
}

/** A unicast IPv4 address: not 0/8, loopback, multicast, reserved or broadcast. */
function checkUnderlayAddress(a: unknown): void {
  const why = `interDomain.underlayAddress ${JSON.stringify(a)} must be a unicast IPv4 address such as 198.51.100.1 (this domain's VTEP on the underlay)`;
  if (typeof a !== 'string' || !isIpv4(a)) throw new ValidationError(why);
  const first = ipv4ToInt(a) >>> 24;
  if (first === 0 || first === 127 || first >= 224) throw new ValidationError(why);
}

/** The external_ids a domain bridge carries for its choice. */
export function interDomainIds(o: InterDomainOptions): Record<string, string> {
  return o.kind === 'vxlan' ? { [INTER_DOMAIN_KEY]: 'vxlan', [UNDERLAY_ADDRESS_KEY]: o.underlayAddress } : { [INTER_DOMAIN_KEY]: 'patch' };
}

/** A domain's choice read back from its bridge's external_ids (a bridge without the key predates the option: patch). */
export function interDomainOfBridge(ids: Readonly<Record<string, string>>): InterDomainOptions {
  if (ids[INTER_DOMAIN_KEY] === 'vxlan') {
    const address = ids[UNDERLAY_ADDRESS_KEY];
    if (address === undefined || !isIpv4(address)) throw new ValidationError(`bridge external_ids ${UNDERLAY_ADDRESS_KEY} ${JSON.stringify(address)} is not an IPv4 address`);
    return { kind: 'vxlan', underlayAddress: address };
  }
  return PATCH_INTER_DOMAIN;
}

/** Throw unless two domains to be joined chose the same kind (and, for VXLAN, different VTEP addresses). */
export function checkPeering(domain: string, mine: InterDomainOptions, peerDomain: string, peer: InterDomainOptions): void {
  if (mine.kind !== peer.kind) {
    throw new ValidationError(
      `interDomain.kind of domain '${domain}' is '${mine.kind}' but domain '${peerDomain}' (sharing a network with it) uses '${peer.kind}': configure both domains the same`,
    );
  }
  if (mine.kind === 'vxlan' && peer.kind === 'vxlan' && mine.underlayAddress === peer.underlayAddress) {
    throw new ValidationError(`interDomain.underlayAddress ${mine.underlayAddress} of domain '${domain}' is also domain '${peerDomain}''s: every domain needs its own`);
  }
}

/**
 * The VNI of one network's link between two domains: 24 bits of SHA-256 over
 * the installation, instance, network and the unordered domain pair (both
 * ends compute the same), moved on to the next free one while `used` has it
 * (VNIs are unique per underlay namespace and UDP port).
 */
export function vxlanVni(installationId: string, instanceId: string, vlId: string, domainA: string, domainB: string, used: ReadonlySet<number>): number {
  if (used.size >= VNI_MAX) throw new ValidationError(`no free VNI left for network '${vlId}' of instance '${instanceId}'`);
  const pair = [domainA, domainB].sort();
  const h = createHash('sha256').update([installationId, instanceId, 'vxlan', vlId, ...pair].join('\0')).digest().readUIntBE(0, 3);
  let vni = (h % VNI_MAX) + 1;
  while (used.has(vni)) vni = (vni % VNI_MAX) + 1;
  return vni;
}
