/**
 * Names and labels of what the docker driver creates, on top of
 * ../labels.ts (CONTRACTS.md "Names and labels of what the VIM creates"):
 * containers are named like the netns driver's namespaces
 * (`qnfv-<install8>-<instance8>-<node>`), host-side veth ends like its
 * bridge-side ends (`q<6hex><port>`), the management veth `q<6hex>m`; a
 * domain's OVS bridge is `q<6hex>ovs` and an inter-domain patch port
 * `q<6hex>p`. Docker labels and OVS external_ids carry the same
 * `qnfv.key=value` pairs as the interface aliases.
 */
import { createHash } from 'node:crypto';
import { LABEL_PREFIX } from '../constants.js';
import { formatLabels, linkHash, linkName, parseLabels } from '../labels.js';
import type { ResourceLabels } from '../types.js';
import { KIND_KEY, OVS_BRIDGE_ROLE, PATCH_ROLE } from './docker-constants.js';

/** The OVS bridge of one domain of an installation. */
export function domainBridgeName(installationId: string, domain: string): string {
  return linkName(linkHash(installationId, 'ovs', domain), OVS_BRIDGE_ROLE);
}

/** The patch port on `domain`'s bridge towards `peerDomain`'s bridge, for one network of one instance. */
export function patchPortName(installationId: string, instanceId: string, vlId: string, domain: string, peerDomain: string): string {
  return linkName(linkHash(installationId, instanceId, 'patch', vlId, domain, peerDomain), PATCH_ROLE);
}

/** A stable, locally administered unicast MAC for a container port (IEEE 802: first octet x2). */
export function portMac(installationId: string, instanceId: string, nodeId: string, port: string): string {
  const h = createHash('sha256').update([installationId, instanceId, nodeId, port].join('\0')).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** The labels as a key → value map (Docker labels, OVS external_ids). */
export function labelMap(l: ResourceLabels): Record<string, string> {
  return Object.fromEntries(
    formatLabels(l)
      .split(',')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      }),
  );
}

/** Labels read back from a key → value map; undefined when they are not ours. */
export function labelsFromMap(map: Record<string, string> | undefined): ResourceLabels | undefined {
  if (!map) return undefined;
  const pairs = Object.entries(map).filter(([k]) => k.startsWith(LABEL_PREFIX) && k !== KIND_KEY && !k.includes(',') && !map[k]?.includes(','));
  return parseLabels(pairs.map(([k, v]) => `${k}=${v}`).join(','));
}
