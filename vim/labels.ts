/**
 * Names and labels of what the VIM creates (CONTRACTS.md "Names and labels of
 * what the VIM creates"): namespaces `qnfv-<install8>-<instance8>-<role>`,
 * Linux interfaces `q<6-hex hash><role>` (15-character limit) whose alias
 * carries the full ids as `qnfv.key=value` pairs — the same keys as the
 * Docker labels and OVS external_ids. Namespaces cannot be labelled, so the
 * netns driver labels each namespace's `lo` instead.
 * Ids are checked here because they end up in names, file names and
 * `ip -batch` lines.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../common/index.js';
import {
  BRIDGE_ROLE,
  ID_PREFIX_CHARS,
  IFALIAS_MAX,
  IFNAME_MAX,
  LABEL_PREFIX,
  LINK_HASH_HEX,
  LINK_PREFIX,
  MGMT_ROLE,
  NAMESPACE_PREFIX,
  NETWORK_ROLE_PREFIX,
} from './constants.js';
import type { ResourceLabels, ResourceRole } from './types.js';

/** What an id looks like (see checkId). */
export const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const INSTALLATION_ID = /^[A-Za-z0-9]{8}[A-Za-z0-9_.-]{0,56}$/;

/** Check an id (instance, VNF, host, virtual link, domain): 1–64 of `[A-Za-z0-9_.-]`, starting alphanumeric. */
export function checkId(id: string, field: string): void {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new ValidationError(`${field} '${String(id)}' must be 1-64 characters [A-Za-z0-9_.-] starting with a letter or digit`);
  }
}

/** Check an installation id: 8–64 characters, the first 8 alphanumeric (they go into every name). */
export function checkInstallationId(id: string): void {
  if (typeof id !== 'string' || !INSTALLATION_ID.test(id)) {
    throw new ValidationError(`installationId '${String(id)}' must be 8-64 characters [A-Za-z0-9_.-], the first 8 letters or digits`);
  }
}

/** `qnfv-<install8>-` — every namespace of the installation starts with it. */
export function installationPrefix(installationId: string): string {
  return `${NAMESPACE_PREFIX}-${installationId.slice(0, ID_PREFIX_CHARS)}-`;
}

/** `qnfv-<install8>-<instance8>-` — every namespace of the instance starts with it. */
export function instancePrefix(installationId: string, instanceId: string): string {
  return `${installationPrefix(installationId)}${instanceId.slice(0, ID_PREFIX_CHARS)}-`;
}

/** Namespace of a router or host: `qnfv-<install8>-<instance8>-<vnf-or-host-id>`. */
export function nodeNamespace(installationId: string, instanceId: string, nodeId: string): string {
  return instancePrefix(installationId, instanceId) + nodeId;
}

/** Namespace of a virtual link: `qnfv-<install8>-<instance8>-net-<vl-id>`. */
export function networkNamespace(installationId: string, instanceId: string, vlId: string): string {
  return instancePrefix(installationId, instanceId) + NETWORK_ROLE_PREFIX + vlId;
}

/** Six hex digits of SHA-256 over the parts (NUL-separated). */
export function linkHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, LINK_HASH_HEX);
}

/** `q<6hex><role>`, checked against the 15-character limit. */
export function linkName(hash: string, role: string): string {
  const name = `${LINK_PREFIX}${hash}${role}`;
  if (name.length > IFNAME_MAX) throw new ValidationError(`interface name '${name}' is longer than ${IFNAME_MAX} characters`);
  return name;
}

/** Root-side end of a router's management veth: `q<6hex>m`, hash of install + instance + VNF. */
export function mgmtLinkName(installationId: string, instanceId: string, vnfId: string): string {
  return linkName(linkHash(installationId, instanceId, vnfId), MGMT_ROLE);
}

/** Bridge-side end of a router's or host's port: `q<6hex><port>`, hash of install + instance + node. */
export function portPeerName(installationId: string, instanceId: string, nodeId: string, port: string): string {
  return linkName(linkHash(installationId, instanceId, nodeId), port);
}

/** A virtual link's bridge: `q<6hex>b`, hash of install + instance + `net` + VL id. */
export function bridgeName(installationId: string, instanceId: string, vlId: string): string {
  return linkName(linkHash(installationId, instanceId, 'net', vlId), BRIDGE_ROLE);
}

const ROLE_ID_KEY: Record<ResourceRole, string> = { router: 'vnf', management: 'vnf', host: 'host', network: 'vl' };
const ROLES = Object.keys(ROLE_ID_KEY) as ResourceRole[];

/** The alias text: `qnfv.install=…,qnfv.instance=…[,qnfv.domain=…],qnfv.role=…,qnfv.<vnf|host|vl>=…`. */
export function formatLabels(l: ResourceLabels): string {
  const pairs: [string, string][] = [
    ['install', l.installationId],
    ['instance', l.instanceId],
    ...(l.domain !== undefined ? ([['domain', l.domain]] as [string, string][]) : []),
    ['role', l.role],
    [ROLE_ID_KEY[l.role], l.id],
  ];
  const text = pairs.map(([k, v]) => `${LABEL_PREFIX}${k}=${v}`).join(',');
  if (text.length > IFALIAS_MAX) throw new ValidationError(`labels '${text}' are longer than ${IFALIAS_MAX} characters`);
  return text;
}

/** Parse an alias written by `formatLabels`; undefined for anything else. */
export function parseLabels(alias: string | undefined): ResourceLabels | undefined {
  if (!alias || !alias.startsWith(LABEL_PREFIX)) return undefined;
  const kv = new Map<string, string>();
  for (const pair of alias.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || !pair.startsWith(LABEL_PREFIX)) return undefined;
    kv.set(pair.slice(LABEL_PREFIX.length, eq), pair.slice(eq + 1));
  }
  const role = kv.get('role') as ResourceRole | undefined;
  const installationId = kv.get('install');
  const instanceId = kv.get('instance');
  if (!role || !ROLES.includes(role) || !installationId || !instanceId) return undefined;
  const id = kv.get(ROLE_ID_KEY[role]);
  if (!id) return undefined;
  const domain = kv.get('domain');
  return { installationId, instanceId, role, id, ...(domain !== undefined ? { domain } : {}) };
}
