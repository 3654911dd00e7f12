/**
 * Names and labels of what the docker driver creates, on top of
 * ../labels.ts (CONTRACTS.md "Names and labels of what the VIM creates"):
 * containers are named like the netns driver's namespaces
 * (`qnfv-<install8>-<instance8>-<node>`), host-side veth ends like its
 * bridge-side ends (`q<6hex><port>`), the management veth `q<6hex>m`; a
 * domain's OVS bridge is `q<6hex>ovs`, an inter-domain patch port
 * `q<6hex>p`, an inter-domain VXLAN device `q<6hex>x`; a domain's VXLAN
 * underlay namespace is `qnfv-<install8>-underlay-<domain>` and the veth
 * ends between two of them `q<6hex>u`. Docker labels and OVS external_ids
 * carry the same `qnfv.key=value` pairs as the interface aliases.
 */
import { createHash } from 'node:crypto';
import { LABEL_PREFIX } from '../constants.js';
import { formatLabels, installationPrefix, linkHash, linkName, parseLabels } from '../labels.js';
import type { ResourceLabels } from '../types.js';
import { KIND_KEY, OVS_BRIDGE_ROLE, PATCH_ROLE, UNDERLAY_NAMESPACE_ROLE, UNDERLAY_ROLE, VXLAN_ROLE } from './docker-constants.js';

/** The OVS bridge of one domain of an installation. */
export function domainBridgeName(installationId: string, domain: string): string {
  return linkName(linkHash(installationId, 'ovs', domain), OVS_BRIDGE_ROLE);
}

/** The patch port on `domain`'s bridge towards `peerDomain`'s bridge, for one network of one instance. */
export function patchPortName(installationId: string, instanceId: string, vlId: string, domain: string, peerDomain: string): string {
  return linkName(linkHash(installationId, instanceId, 'patch', vlId, domain, peerDomain), PATCH_ROLE);
}

/** The VXLAN device on `domain`'s bridge towards `peerDomain`'s bridge, for one network of one instance. */
export function vxlanDeviceName(installationId: string, instanceId: string, vlId: string, domain: string, peerDomain: string): string {
  return linkName(linkHash(installationId, instanceId, 'vxlan', vlId, domain, peerDomain), VXLAN_ROLE);
}

/** `qnfv-<install8>-underlay-` — every underlay namespace of the installation starts with it. */
export function underlayNamespacePrefix(installationId: string): string {
  return `${installationPrefix(installationId)}${UNDERLAY_NAMESPACE_ROLE}-`;
}

/** The namespace holding `domain`'s VXLAN sockets and its underlay veths. */
export function underlayNamespaceName(installationId: string, domain: string): string {
  return underlayNamespacePrefix(installationId) + domain;
}

/** The underlay veth end in `domain`'s underlay namespace whose peer sits in `peerDomain`'s. */
export function underlayVethName(installationId: string, domain: string, peerDomain: string): string {
  return linkName(linkHash(installationId, 'underlay', domain, peerDomain), UNDERLAY_ROLE);
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
