/**
 * Moving values between the TypeScript types and the schema `Tree`, and the
 * `ietf-i2nsf-ikec` groupings both tables share (RFC 9061:
 * `selector-grouping`, `port-range`, `lifetime`, `tunnel-grouping`). Encoding
 * writes every value as a string and leaves checking to `validateTree`;
 * decoding reads a tree that has already passed it, filling YANG defaults
 * where the TypeScript field is required and leaving optional fields absent.
 */
import type { DscpMapping, Lifetime, PortRange, SadTunnel, TrafficSelector, TunnelEndpoints } from './types.js';
import type { Tree } from './schema.js';

type Scalar = string | number | bigint | boolean | undefined;

/** Set a leaf from a scalar (skipped when undefined). */
export function put(t: Tree, name: string, v: Scalar): void {
  if (v !== undefined) t[name] = String(v);
}

/** Set a leaf-list or list, when the array has members. */
export function putArray(t: Tree, name: string, v: string[] | Tree[] | undefined): void {
  if (v !== undefined && v.length > 0) t[name] = v;
}

/** Set a container (skipped when undefined). */
export function putTree(t: Tree, name: string, v: Tree | undefined): void {
  if (v !== undefined) t[name] = v;
}

/** Read a leaf that validation guarantees is present. */
export function str(t: Tree, name: string): string {
  return t[name] as string;
}

/** Read a number leaf, or its default. */
export function num(t: Tree, name: string, dflt: number): number {
  return optNum(t, name) ?? dflt;
}

/** Read a number leaf, or undefined. */
export function optNum(t: Tree, name: string): number | undefined {
  const v = t[name];
  return v === undefined ? undefined : Number(v);
}

/** Read a uint64 leaf as a bigint, or its default. */
export function big(t: Tree, name: string, dflt: bigint): bigint {
  const v = t[name];
  return v === undefined ? dflt : BigInt(v as string);
}

/** Read a boolean leaf, or undefined. */
export function optBool(t: Tree, name: string): boolean | undefined {
  const v = t[name];
  return v === undefined ? undefined : v === 'true';
}

/** Read a boolean leaf, or its default. */
export function bool(t: Tree, name: string, dflt: boolean): boolean {
  return optBool(t, name) ?? dflt;
}

/** A child container, or undefined. */
export function sub(t: Tree, name: string): Tree | undefined {
  return t[name] as Tree | undefined;
}

/** A list's entries ([] when absent). */
export function entries(t: Tree, name: string): Tree[] {
  return (t[name] as Tree[] | undefined) ?? [];
}

/** A leaf-list's values, or undefined when absent. */
export function values(t: Tree, name: string): string[] | undefined {
  return t[name] as string[] | undefined;
}

/** Copy of an optional field set only when defined (keeps decoded objects free of `undefined` members). */
export function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

const portsToTree = (ports: PortRange[] | undefined): Tree[] | undefined =>
  ports?.map((p) => ({ start: String(p.start), end: String(p.end) }));
const portsFromTree = (t: Tree, name: string): PortRange[] | undefined => {
  const list = entries(t, name);
  return list.length === 0 ? undefined : list.map((p) => ({ start: Number(p.start), end: Number(p.end) }));
};

/** `traffic-selector` → tree (inner protocol 256 is written as `any`). */
export function selectorToTree(s: TrafficSelector): Tree {
  const t: Tree = {};
  put(t, 'local-prefix', s.localPrefix);
  put(t, 'remote-prefix', s.remotePrefix);
  put(t, 'inner-protocol', s.innerProtocol === 256 ? 'any' : s.innerProtocol);
  putArray(t, 'local-ports', portsToTree(s.localPorts));
  putArray(t, 'remote-ports', portsToTree(s.remotePorts));
  return t;
}

/** Tree → `traffic-selector` (inner protocol defaults to `any`). */
export function selectorFromTree(t: Tree): TrafficSelector {
  const ip = t['inner-protocol'] as string | undefined;
  return {
    localPrefix: str(t, 'local-prefix'),
    remotePrefix: str(t, 'remote-prefix'),
    innerProtocol: ip === undefined || ip === 'any' ? 'any' : Number(ip),
    ...opt('localPorts', portsFromTree(t, 'local-ports')),
    ...opt('remotePorts', portsFromTree(t, 'remote-ports')),
  };
}

/** `lifetime` grouping → tree. */
export function lifetimeToTree(l: Lifetime): Tree {
  const t: Tree = {};
  put(t, 'time', l.time);
  put(t, 'bytes', l.bytes);
  put(t, 'packets', l.packets);
  put(t, 'idle', l.idle);
  return t;
}

/** Tree → `lifetime`, only the leaves present. */
export function lifetimeFromTree(t: Tree): Lifetime {
  return {
    ...opt('time', optNum(t, 'time')),
    ...opt('bytes', t.bytes === undefined ? undefined : big(t, 'bytes', 0n)),
    ...opt('packets', optNum(t, 'packets')),
    ...opt('idle', optNum(t, 'idle')),
  };
}

/** Tree → `lifetime` with every leaf (YANG default 0), for state data. */
export function fullLifetimeFromTree(t: Tree | undefined): { time: number; bytes: bigint; packets: number; idle: number } {
  const x = t ?? {};
  return { time: num(x, 'time', 0), bytes: big(x, 'bytes', 0n), packets: num(x, 'packets', 0), idle: num(x, 'idle', 0) };
}

/** `tunnel` → tree; `dscp-values` only for the SAD's tunnel. */
export function tunnelToTree(tun: TunnelEndpoints | SadTunnel, withDscpValues: boolean): Tree {
  const t: Tree = {};
  put(t, 'local', tun.local);
  put(t, 'remote', tun.remote);
  put(t, 'df-bit', tun.dfBit);
  put(t, 'bypass-dscp', tun.bypassDscp);
  putArray(
    t,
    'dscp-mapping',
    tun.dscpMapping?.map((m) => {
      const e: Tree = {};
      put(e, 'id', m.id);
      put(e, 'inner-dscp', m.innerDscp);
      put(e, 'outer-dscp', m.outerDscp);
      return e;
    }),
  );
  if (withDscpValues) putArray(t, 'dscp-values', (tun as SadTunnel).dscpValues?.map(String));
  return t;
}

/** Tree → `tunnel` (optional leaves stay absent). */
export function tunnelFromTree(t: Tree): SadTunnel {
  const mapping = entries(t, 'dscp-mapping').map(
    (e): DscpMapping => ({ id: Number(e.id), ...opt('innerDscp', optNum(e, 'inner-dscp')), ...opt('outerDscp', optNum(e, 'outer-dscp')) }),
  );
  const dscp = values(t, 'dscp-values');
  const df = t['df-bit'] as TunnelEndpoints['dfBit'];
  return {
    local: str(t, 'local'),
    remote: str(t, 'remote'),
    ...opt('dfBit', df),
    ...opt('bypassDscp', optBool(t, 'bypass-dscp')),
    ...opt('dscpMapping', mapping.length > 0 ? mapping : undefined),
    ...opt('dscpValues', dscp?.map(Number)),
  };
}

