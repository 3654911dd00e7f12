/**
 * Checks of the VIM spec types before anything is created: ids, interface
 * names, addresses, routes, programs. Every problem is reported at once as a
 * ValidationError whose problems name the field (e.g. `ports[1].address`).
 */
import { isAbsolute } from 'node:path';
import { ValidationError, type Problem } from '../common/index.js';
import { NETWORK_ROLE_PREFIX, ROUTER_MGMT_IFNAME } from './constants.js';
import { checkId } from './labels.js';
import { checkInterfaceAddress, isIpv4, parseCidr } from './ipam.js';
import type { HostSpec, NetworkSpec, RouterSpec } from './types.js';

const PORT_NAME = /^[a-z][a-z0-9]{0,7}$/;
const TUN_NAME = /^[a-z][a-z0-9]{0,14}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_IFNAMES = new Set(['lo', ROUTER_MGMT_IFNAME]);
const NETWORK_KINDS = new Set(['lan', 'wan', 'mgmt']);

/** Collects problems; `check` turns a thrown ValidationError into a problem at `path`. */
class Problems {
  readonly list: Problem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  check(path: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      this.add(path, err.message);
    }
  }
  throwIfAny(what: string): void {
    if (this.list.length > 0) throw new ValidationError(`invalid ${what}`, this.list);
  }
}

function nodeId(p: Problems, path: string, id: string): void {
  p.check(path, () => checkId(id, path));
  if (typeof id === 'string' && id.startsWith(NETWORK_ROLE_PREFIX)) p.add(path, `must not start with '${NETWORK_ROLE_PREFIX}' (reserved for networks)`);
}

/** Check a NetworkSpec. */
export function checkNetworkSpec(spec: NetworkSpec): void {
  const p = new Problems();
  p.check('instanceId', () => checkId(spec.instanceId, 'instanceId'));
  p.check('id', () => checkId(spec.id, 'id'));
  if (!NETWORK_KINDS.has(spec.kind)) p.add('kind', `'${String(spec.kind)}' is not one of lan, wan, mgmt`);
  p.throwIfAny('network spec');
}

/** Check a RouterSpec. */
export function checkRouterSpec(spec: RouterSpec): void {
  const p = new Problems();
  p.check('instanceId', () => checkId(spec.instanceId, 'instanceId'));
  nodeId(p, 'vnfId', spec.vnfId);
  if (!Array.isArray(spec.ports) || spec.ports.length === 0) p.add('ports', 'a router needs at least one port');
  const names = new Set<string>();
  (spec.ports ?? []).forEach((port, i) => {
    if (!PORT_NAME.test(port.name)) p.add(`ports[${i}].name`, `'${port.name}' must be 1-8 characters [a-z0-9] starting with a letter`);
    else if (RESERVED_IFNAMES.has(port.name)) p.add(`ports[${i}].name`, `'${port.name}' is reserved`);
    else if (names.has(port.name)) p.add(`ports[${i}].name`, `'${port.name}' is used twice`);
    names.add(port.name);
    p.check(`ports[${i}].network`, () => checkId(port.network, `ports[${i}].network`));
    p.check(`ports[${i}].address`, () => checkInterfaceAddress(port.address, `ports[${i}].address`));
  });
  if (spec.tun) {
    if (!TUN_NAME.test(spec.tun.name)) p.add('tun.name', `'${spec.tun.name}' must be 1-15 characters [a-z0-9] starting with a letter`);
    else if (names.has(spec.tun.name) || RESERVED_IFNAMES.has(spec.tun.name)) p.add('tun.name', `'${spec.tun.name}' clashes with another interface`);
    else names.add(spec.tun.name);
    if (spec.tun.address !== undefined) p.check('tun.address', () => checkInterfaceAddress(spec.tun?.address as string, 'tun.address'));
  }
  if (!Array.isArray(spec.routes)) p.add('routes', 'must be a list (possibly empty)');
  (spec.routes ?? []).forEach((r, i) => {
    if (r.prefix !== 'default') p.check(`routes[${i}].prefix`, () => parseCidr(r.prefix, `routes[${i}].prefix`));
    if (r.via === undefined && r.dev === undefined) p.add(`routes[${i}]`, 'needs via, dev or both');
    if (r.via !== undefined && !isIpv4(r.via)) p.add(`routes[${i}].via`, `'${r.via}' is not an IPv4 address`);
    if (r.dev !== undefined && !names.has(r.dev) && r.dev !== ROUTER_MGMT_IFNAME) p.add(`routes[${i}].dev`, `'${r.dev}' is not an interface of this router`);
  });
  if (spec.program) {
    const prog = spec.program;
    if (!Array.isArray(prog.argv) || prog.argv.length === 0 || prog.argv.some((a) => typeof a !== 'string') || prog.argv[0] === '') {
      p.add('program.argv', 'must be a non-empty list of strings naming the executable first');
    }
    if (typeof prog.logFile !== 'string' || !isAbsolute(prog.logFile)) p.add('program.logFile', 'must be an absolute path');
    for (const [k, v] of Object.entries(prog.env ?? {})) {
      if (!ENV_NAME.test(k) || typeof v !== 'string') p.add(`program.env.${k}`, 'must be a NAME=string pair');
    }
    if (prog.cwd !== undefined && typeof prog.cwd !== 'string') p.add('program.cwd', 'must be a path');
  }
  p.throwIfAny('router spec');
}

/** Check a HostSpec. */
export function checkHostSpec(spec: HostSpec): void {
  const p = new Problems();
  p.check('instanceId', () => checkId(spec.instanceId, 'instanceId'));
  nodeId(p, 'id', spec.id);
  p.check('port.network', () => checkId(spec.port?.network, 'port.network'));
  p.check('port.address', () => checkInterfaceAddress(spec.port?.address, 'port.address'));
  if (!isIpv4(spec.gateway)) p.add('gateway', `'${String(spec.gateway)}' is not an IPv4 address`);
  p.throwIfAny('host spec');
}
