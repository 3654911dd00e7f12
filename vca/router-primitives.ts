/**
 * The config primitives of the qnfv router VNF, run by its domain's VCA (the
 * role a VNF's charm plays in OSM): a VNFD declares the ones it offers in
 * `day1-2[].config-primitive` (day 2, OSM's NS action with
 * `member_vnf_index`) or `initial-config-primitive` (day 1, run once the NS
 * is up), by these names and parameters.
 *  - `ping`: ICMP echo from inside the router (its namespace or container)
 *    to `destination` (an IPv4 address: a peer's WAN or tunnel endpoint, a
 *    site host), `count` echoes (1–20, default 3). Fails when no reply comes.
 *  - `show-ipsec`: the router's SAs (names, SPIs, packets, bytes, replay
 *    drops) and data path counters, as read over NETCONF — never keys.
 * The NFVO checks a request against this table before it starts an
 * operation; the VCA checks again before it runs anything.
 */
import { ProtocolError, ValidationError, type Problem } from '../common/index.js';
import type { CommandResult } from '../vim/index.js';
import type { RouterIpsecState } from './protocol.js';

export type PrimitiveValue = string | number | boolean;

/** A parameter of a built-in primitive. */
export interface PrimitiveParam {
  /** OSM IM data types. */
  type: 'STRING' | 'INTEGER' | 'BOOLEAN';
  required: boolean;
  default?: PrimitiveValue;
  /** A value the primitive refuses, with the reason; undefined when fine. */
  check?: (v: PrimitiveValue) => string | undefined;
}

/** What a primitive may use of its router. */
export interface PrimitiveTarget {
  /** Run a command in the router's network namespace. */
  exec(argv: string[], timeoutMs: number): Promise<CommandResult>;
  /** The router's SA state over NETCONF (no keys). */
  ipsecState(): Promise<RouterIpsecState>;
}

interface RouterPrimitive {
  summary: string;
  params: Record<string, PrimitiveParam>;
  run(target: PrimitiveTarget, params: Record<string, PrimitiveValue>): Promise<PrimitiveOutput>;
}

/** What a primitive answered: its whole output and one line that sums it up. */
export interface PrimitiveOutput {
  output: string;
  summary: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The built-in primitives by name. */
export const ROUTER_PRIMITIVES: Readonly<Record<string, RouterPrimitive>> = {
  ping: {
    summary: 'ICMP echo from the router to destination',
    params: {
      destination: { type: 'STRING', required: true, check: (v) => (IPV4.test(String(v)) ? undefined : `'${String(v)}' is not an IPv4 address`) },
      count: { type: 'INTEGER', required: false, default: 3, check: (v) => (Number(v) >= 1 && Number(v) <= 20 ? undefined : 'must be 1 to 20') },
    },
    run: async (target, p) => {
      const count = Number(p.count);
      const r = await target.exec(['ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', String(p.destination)], (count * 0.2 + 5) * 1000);
      const out = r.stdout.trim();
      if (r.code !== 0) throw new ProtocolError(`ping ${String(p.destination)} failed: ${lastLines(out || r.stderr.trim(), 2)}`);
      return { output: out, summary: out.split('\n').find((l) => l.includes('packets transmitted')) ?? lastLines(out, 1) };
    },
  },
  'show-ipsec': {
    summary: 'SAs and data path counters of the router (no keys)',
    params: {},
    run: async (target) => {
      const s = await target.ipsecState();
      const lines = s.sas.map((sa) => `${sa.name}  spi 0x${sa.spi.toString(16).padStart(8, '0')}  packets ${sa.packets}  bytes ${sa.bytes}  replay-dropped ${sa.replayDropped}  out-of-window ${sa.outOfWindow}`);
      const drops = Object.entries(s.datapath.drops).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      const totals = `datapath: encrypted ${s.datapath.encrypted}, decrypted ${s.datapath.decrypted}, bypassed ${s.datapath.bypassed}; drops: ${drops}`;
      return { output: [...lines, totals].join('\n'), summary: `${s.sas.length} SAs; ${totals}` };
    },
  },
};

/**
 * Check `given` against primitive `name` and complete it with defaults; a
 * ValidationError lists every problem, each at `${path}.<param>`.
 */
export function checkPrimitiveParams(name: string, given: Record<string, unknown>, path: string): Record<string, PrimitiveValue> {
  const prim = ROUTER_PRIMITIVES[name];
  if (!prim) throw new ValidationError(`unknown router primitive '${name}'`, [{ path, message: `'${name}' is not a primitive of the qnfv router (${Object.keys(ROUTER_PRIMITIVES).join(', ')})` }]);
  const problems: Problem[] = [];
  const out: Record<string, PrimitiveValue> = {};
  for (const key of Object.keys(given)) {
    if (!(key in prim.params)) problems.push({ path: `${path}.${key}`, message: `'${name}' takes no parameter '${key}' (it takes ${Object.keys(prim.params).join(', ') || 'none'})` });
  }
  for (const [key, spec] of Object.entries(prim.params)) {
    const raw = given[key] ?? spec.default;
    if (raw === undefined) {
      if (spec.required) problems.push({ path: `${path}.${key}`, message: `is required by '${name}'` });
      continue;
    }
    const value = coerce(raw, spec.type);
    if (value === undefined) {
      problems.push({ path: `${path}.${key}`, message: `must be ${spec.type === 'INTEGER' ? 'an integer' : spec.type === 'BOOLEAN' ? 'true or false' : 'a string'}` });
      continue;
    }
    const bad = spec.check?.(value);
    if (bad) problems.push({ path: `${path}.${key}`, message: bad });
    else out[key] = value;
  }
  if (problems.length > 0) throw new ValidationError(`invalid parameters of '${name}'`, problems);
  return out;
}

/** Run a checked primitive on a router. */
export async function runRouterPrimitive(name: string, params: Record<string, unknown>, target: PrimitiveTarget): Promise<PrimitiveOutput> {
  const checked = checkPrimitiveParams(name, params, 'params');
  return ROUTER_PRIMITIVES[name]!.run(target, checked);
}

/** A value as its OSM data type (YAML and JSON give numbers and booleans; OSM often writes them as strings). */
function coerce(v: unknown, type: PrimitiveParam['type']): PrimitiveValue | undefined {
  if (type === 'INTEGER') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (type === 'BOOLEAN') return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join(' / ');
}
