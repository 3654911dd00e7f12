/**
 * Traffic selectors (RFC 4301 §4.4.1.1, RFC 9061 `traffic-selector` grouping)
 * compiled for matching against an inner packet's FlowKey. Direction follows
 * the qnfv convention (common/ikeless/types.ts): `localPrefix`/`localPorts`
 * match the flow's source, `remotePrefix`/`remotePorts` its destination, for
 * SPD and SAD entries alike.
 * Caveats: IPv4 prefixes only. A selector with port ranges matches a packet
 * without ports (OPAQUE: ICMP, non-first fragments) only if every range is
 * 0–65535 (ANY).
 */
import { ValidationError, type Problem } from '../../common/index.js';
import type { PortRange, TrafficSelector } from '../../common/ikeless/types.js';
import { parseIpv4, type FlowKey } from './ipv4-packet.js';

/** A prefix as network and mask. */
interface Prefix {
  net: number;
  mask: number;
}

/** A traffic selector ready for per-packet matching. */
export interface CompiledSelector {
  src: Prefix;
  dst: Prefix;
  /** -1 = any protocol. */
  protocol: number;
  /** Flat [start0, end0, start1, end1, …] or null for any port. */
  srcPorts: Uint16Array | null;
  dstPorts: Uint16Array | null;
}

function parsePrefix(text: string, path: string, problems: Problem[]): Prefix {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text?.trim() ?? '');
  if (!m || Number(m[2]) > 32) {
    problems.push({ path, message: `'${text}' is not an IPv4 prefix a.b.c.d/len (IPv6 is not supported)` });
    return { net: 0, mask: 0 };
  }
  let addr = 0;
  try {
    addr = parseIpv4(m[1], path);
  } catch {
    problems.push({ path, message: `'${text}' is not an IPv4 prefix a.b.c.d/len (IPv6 is not supported)` });
    return { net: 0, mask: 0 };
  }
  const len = Number(m[2]);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { net: (addr & mask) >>> 0, mask };
}

function compilePorts(ranges: PortRange[] | undefined, path: string, problems: Problem[]): Uint16Array | null {
  if (!ranges || ranges.length === 0) return null;
  const out = new Uint16Array(ranges.length * 2);
  let any = false;
  ranges.forEach((r, i) => {
    const ok = Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.end <= 65535 && r.start <= r.end;
    if (!ok) problems.push({ path: `${path}[${i}]`, message: `port range ${r.start}-${r.end} is not 0 <= start <= end <= 65535` });
    out[2 * i] = r.start;
    out[2 * i + 1] = r.end;
    if (r.start === 0 && r.end === 65535) any = true;
  });
  return any ? null : out;
}

/** Compile a selector; throws ValidationError naming the field (`path` prefixes the field names). */
export function compileSelector(ts: TrafficSelector | undefined, path: string): CompiledSelector {
  const problems: Problem[] = [];
  if (!ts) throw new ValidationError(`${path} is missing`, [{ path, message: 'traffic selector is required' }]);
  const src = parsePrefix(ts.localPrefix, `${path}.localPrefix`, problems);
  const dst = parsePrefix(ts.remotePrefix, `${path}.remotePrefix`, problems);
  let protocol = -1;
  if (ts.innerProtocol !== 'any' && ts.innerProtocol !== 256) {
    if (!Number.isInteger(ts.innerProtocol) || ts.innerProtocol < 0 || ts.innerProtocol > 255) {
      problems.push({ path: `${path}.innerProtocol`, message: `'${String(ts.innerProtocol)}' is not 0-255 or 'any'` });
    } else {
      protocol = ts.innerProtocol;
    }
  }
  const srcPorts = compilePorts(ts.localPorts, `${path}.localPorts`, problems);
  const dstPorts = compilePorts(ts.remotePorts, `${path}.remotePorts`, problems);
  if (problems.length > 0) throw new ValidationError('unusable traffic selector', problems);
  return { src, dst, protocol, srcPorts, dstPorts };
}

function portMatches(ranges: Uint16Array | null, port: number): boolean {
  if (ranges === null) return true;
  if (port < 0) return false;
  for (let i = 0; i < ranges.length; i += 2) {
    if (port >= ranges[i] && port <= ranges[i + 1]) return true;
  }
  return false;
}

/** True when the packet's flow falls inside the selector (source = local, destination = remote). */
export function selectorMatches(sel: CompiledSelector, key: FlowKey): boolean {
  return (
    ((key.src & sel.src.mask) >>> 0) === sel.src.net &&
    ((key.dst & sel.dst.mask) >>> 0) === sel.dst.net &&
    (sel.protocol < 0 || sel.protocol === key.protocol) &&
    portMatches(sel.srcPorts, key.srcPort) &&
    portMatches(sel.dstPorts, key.dstPort)
  );
}
