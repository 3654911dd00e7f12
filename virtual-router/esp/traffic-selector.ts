/**
 * Traffic selectors (RFC 4301 §4.4.1.1, RFC 9061 `traffic-selector` grouping)
 * compiled for matching against an inner packet's FlowKey. Direction follows
 * the qnfv convention (common/ikeless/types.ts): `localPrefix`/`localPorts`
 * match the flow's source, `remotePrefix`/`remotePorts` its destination, for
 * SPD and SAD entries alike. IPv4 and IPv6 prefixes; both prefixes of a
 * selector are of one family, and a packet of the other family never matches.
 * A selector with port ranges matches a packet without ports (OPAQUE: ICMP,
 * non-first fragments) only if every range is 0–65535 (ANY).
 */
import { ValidationError, type Problem } from '../../common/index.js';
import type { PortRange, TrafficSelector } from '../../common/ikeless/types.js';
import { parseIpv4, type FlowKey } from './ipv4-packet.js';
import { isIpv6Text, parseIpv6 } from './ipv6-packet.js';

/** A prefix as network and mask: IPv4 in `net`/`mask`, IPv6 in four words each. */
interface Prefix {
  family: number;
  net: number;
  mask: number;
  net6: Uint32Array;
  mask6: Uint32Array;
}

/** A traffic selector ready for per-packet matching. */
export interface CompiledSelector {
  /** 4 or 6. */
  family: number;
  src: Prefix;
  dst: Prefix;
  /** -1 = any protocol. */
  protocol: number;
  /** Flat [start0, end0, start1, end1, …] or null for any port. */
  srcPorts: Uint16Array | null;
  dstPorts: Uint16Array | null;
}

const EMPTY: Prefix = { family: 4, net: 0, mask: 0, net6: new Uint32Array(4), mask6: new Uint32Array(4) };

function parsePrefix(text: string, path: string, problems: Problem[]): Prefix {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text?.trim() ?? '');
  const v6 = m !== null && isIpv6Text(m[1]);
  const len = m ? Number(m[2]) : -1;
  if (!m || len > (v6 ? 128 : 32)) {
    problems.push({ path, message: `'${text}' is not an IPv4 prefix a.b.c.d/len (0-32) or an IPv6 prefix x:x::x/len (0-128)` });
    return EMPTY;
  }
  try {
    if (!v6) {
      const addr = parseIpv4(m[1], path);
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      return { ...EMPTY, family: 4, net: (addr & mask) >>> 0, mask };
    }
    const words = parseIpv6(m[1], path);
    const mask6 = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      const bits = Math.min(32, Math.max(0, len - 32 * i));
      mask6[i] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      words[i] = (words[i] & mask6[i]) >>> 0;
    }
    return { family: 6, net: 0, mask: 0, net6: words, mask6 };
  } catch {
    problems.push({ path, message: `'${text}' is not an IPv4 prefix a.b.c.d/len (0-32) or an IPv6 prefix x:x::x/len (0-128)` });
    return EMPTY;
  }
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
  if (problems.length === 0 && src.family !== dst.family) {
    problems.push({ path: `${path}.remotePrefix`, message: `is IPv${dst.family} but localPrefix is IPv${src.family}` });
  }
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
  return { family: src.family, src, dst, protocol, srcPorts, dstPorts };
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
  if (sel.family !== key.family) return false;
  const addresses =
    key.family === 4
      ? ((key.src & sel.src.mask) >>> 0) === sel.src.net && ((key.dst & sel.dst.mask) >>> 0) === sel.dst.net
      : prefix6Matches(sel.src, key.src6) && prefix6Matches(sel.dst, key.dst6);
  return addresses && (sel.protocol < 0 || sel.protocol === key.protocol) && portMatches(sel.srcPorts, key.srcPort) && portMatches(sel.dstPorts, key.dstPort);
}

function prefix6Matches(p: Prefix, a: Uint32Array): boolean {
  return (
    ((a[0] & p.mask6[0]) >>> 0) === p.net6[0] &&
    ((a[1] & p.mask6[1]) >>> 0) === p.net6[1] &&
    ((a[2] & p.mask6[2]) >>> 0) === p.net6[2] &&
    ((a[3] & p.mask6[3]) >>> 0) === p.net6[3]
  );
}
