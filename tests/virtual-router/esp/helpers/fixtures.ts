/**
 * Test fixtures for the ESP engine: RFC 9061 SAD/SPD entries, IPv4/UDP packets
 * built by hand (RFC 791, RFC 768), vector files under tests/vectors/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configureLogging } from '../../../../common/index.js';
import { AUTH, ENCR, type SadEntry, type SpdEntry } from '../../../../common/ikeless/types.js';
import { EspEngine, PacketBatch, type EspEngineOptions } from '../../../../virtual-router/esp/index.js';

configureLogging({ console: false }); // keep test output readable; sinks still receive records

/** Gateway and site addresses used throughout (198.51.100.0/24: not the host's 192.0.2.0/24). */
export const GW_A = '198.51.100.1';
export const GW_B = '198.51.100.2';
export const SITE_A = '10.1.0.0/24';
export const SITE_B = '10.2.0.0/24';
export const HOST_A = '10.1.0.10';
export const HOST_B = '10.2.0.20';

/** One draft-mcgrew-gcm-test-01 ESP case (tests/vectors/draft-mcgrew-gcm-test-01/esp-aes-gcm.json). */
export interface GcmCase {
  case: number;
  key: string;
  salt: string;
  spi: string;
  esn: boolean;
  seqHigh?: string;
  seqLow: string;
  iv: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}

/** One RFC 3602 ESP case (tests/vectors/rfc3602/aes-cbc-esp.json). */
export interface CbcCase {
  case: number;
  key: string;
  spi: string;
  seq: string;
  iv: string;
  ciphertext: string;
  plaintext: string;
  payload: string;
  nextHeader: number;
}

/** Read a JSON vector file from tests/vectors/. */
export function loadVectors<T>(relPath: string): T {
  const file = fileURLToPath(new URL(`../../../vectors/${relPath}`, import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Bytes from hex. */
export function hex(h: string): Buffer {
  return Buffer.from(h.replace(/\s+/g, ''), 'hex');
}

/** Deterministic key bytes (n bytes starting at `seed`). */
export function keyBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed + i * 7) & 0xff);
}

export type Suite = 'gcm128' | 'gcm256' | 'cbc128' | 'cbc256';

/** The RFC 9061 esp-sa of a suite with deterministic keys derived from `seed`. */
export function espSa(suite: Suite, seed: number): SadEntry['espSa'] {
  switch (suite) {
    case 'gcm128':
      return { encryption: { algorithm: ENCR.AES_GCM_16, key: keyBytes(20, seed) }, integrity: { algorithm: AUTH.NONE } };
    case 'gcm256':
      return { encryption: { algorithm: ENCR.AES_GCM_16, key: keyBytes(36, seed) }, integrity: { algorithm: AUTH.NONE } };
    case 'cbc128':
      return {
        encryption: { algorithm: ENCR.AES_CBC, key: keyBytes(16, seed) },
        integrity: { algorithm: AUTH.HMAC_SHA2_256_128, key: keyBytes(32, seed + 100) },
      };
    case 'cbc256':
      return {
        encryption: { algorithm: ENCR.AES_CBC, key: keyBytes(32, seed) },
        integrity: { algorithm: AUTH.HMAC_SHA2_256_128, key: keyBytes(32, seed + 100) },
      };
  }
}

/** A tunnel-mode SAD entry from `from` gateway to `to` gateway for SITE traffic (source → destination). */
export function sadEntry(opts: {
  name: string;
  spi: number;
  reqid?: bigint;
  suite?: Suite;
  seed?: number;
  esn?: boolean;
  window?: number;
  from?: string;
  to?: string;
  localPrefix?: string;
  remotePrefix?: string;
  extra?: Partial<SadEntry>;
}): SadEntry {
  return {
    name: opts.name,
    reqid: opts.reqid ?? 1n,
    spi: opts.spi,
    extSeqNum: opts.esn ?? false,
    seqOverflow: false,
    antiReplayWindowSize: opts.window ?? 64,
    trafficSelector: { localPrefix: opts.localPrefix ?? SITE_A, remotePrefix: opts.remotePrefix ?? SITE_B, innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: espSa(opts.suite ?? 'gcm256', opts.seed ?? 1),
    tunnel: { local: opts.from ?? GW_A, remote: opts.to ?? GW_B, dfBit: 'clear', bypassDscp: true },
    ...opts.extra,
  };
}

/** An outbound SPD entry. */
export function spdEntry(opts: {
  name: string;
  action: SpdEntry['action'];
  reqid?: bigint;
  localPrefix?: string;
  remotePrefix?: string;
  innerProtocol?: number | 'any';
  remotePorts?: { start: number; end: number }[];
  direction?: SpdEntry['direction'];
}): SpdEntry {
  return {
    name: opts.name,
    direction: opts.direction ?? 'outbound',
    reqid: opts.reqid ?? 1n,
    antiReplayWindowSize: 64,
    trafficSelector: {
      localPrefix: opts.localPrefix ?? SITE_A,
      remotePrefix: opts.remotePrefix ?? SITE_B,
      innerProtocol: opts.innerProtocol ?? 'any',
      ...(opts.remotePorts ? { remotePorts: opts.remotePorts } : {}),
    },
    action: opts.action,
  };
}

function ipToBytes(a: string): number[] {
  return a.split('.').map(Number);
}

/** RFC 1071 checksum over bytes. */
export function checksum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** An IPv4/UDP packet with correct IP and UDP checksums. */
export function udpPacket(src: string, dst: string, sport: number, dport: number, payload: Uint8Array | string, opts: { tos?: number; df?: boolean; id?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const total = 20 + 8 + data.length;
  const p = Buffer.alloc(total);
  p[0] = 0x45;
  p[1] = opts.tos ?? 0;
  p.writeUInt16BE(total, 2);
  p.writeUInt16BE(opts.id ?? 0x1234, 4);
  p.writeUInt16BE(opts.df ? 0x4000 : 0, 6);
  p[8] = 64;
  p[9] = 17;
  p.set(ipToBytes(src), 12);
  p.set(ipToBytes(dst), 16);
  p.writeUInt16BE(checksum(p.subarray(0, 20)), 10);
  p.writeUInt16BE(sport, 20);
  p.writeUInt16BE(dport, 22);
  p.writeUInt16BE(8 + data.length, 24);
  data.copy(p, 28);
  const pseudo = Buffer.concat([p.subarray(12, 20), Buffer.from([0, 17]), p.subarray(24, 26), p.subarray(20)]);
  p.writeUInt16BE(checksum(pseudo) || 0xffff, 26);
  return p;
}

/** An IPv4/ICMP echo request (no ports). */
export function icmpPacket(src: string, dst: string): Buffer {
  const p = Buffer.alloc(28);
  p[0] = 0x45;
  p.writeUInt16BE(28, 2);
  p[8] = 64;
  p[9] = 1;
  p.set(ipToBytes(src), 12);
  p.set(ipToBytes(dst), 16);
  p.writeUInt16BE(checksum(p.subarray(0, 20)), 10);
  p[20] = 8;
  p.writeUInt16BE(checksum(p.subarray(20)), 22);
  return p;
}

/** Run packets through an engine; returns per packet either the output bytes (a copy) or the drop reason name. */
export function run(engine: EspEngine, packets: Uint8Array[]): { verdict: number; reason: number; out?: Buffer }[] {
  const batch = new PacketBatch({ size: Math.max(1, packets.length) });
  for (const p of packets) batch.push(p);
  engine.process(batch);
  return packets.map((_, i) => {
    const out = batch.output(i);
    return { verdict: batch.verdicts[i], reason: batch.reasons[i], out: out ? Buffer.from(out) : undefined };
  });
}

/** Two engines, A (198.51.100.1, site 10.1/24) and B (198.51.100.2, site 10.2/24), with one SA pair and policies. */
export function tunnelPair(opts: { suite?: Suite; esn?: boolean; window?: number; engine?: Partial<EspEngineOptions> } = {}): {
  a: EspEngine;
  b: EspEngine;
  ab: SadEntry;
  ba: SadEntry;
} {
  const a = new EspEngine({ localAddresses: [GW_A], ...opts.engine });
  const b = new EspEngine({ localAddresses: [GW_B], ...opts.engine });
  const ab = sadEntry({ name: 'a-to-b', spi: 0x1001, suite: opts.suite, esn: opts.esn, window: opts.window, seed: 11 });
  const ba = sadEntry({
    name: 'b-to-a',
    spi: 0x2002,
    suite: opts.suite,
    esn: opts.esn,
    window: opts.window,
    seed: 22,
    from: GW_B,
    to: GW_A,
    localPrefix: SITE_B,
    remotePrefix: SITE_A,
  });
  for (const e of [a, b]) {
    e.addSa(ab);
    e.addSa(ba);
  }
  a.addPolicy(spdEntry({ name: 'a-out', action: 'protect' }));
  b.addPolicy(spdEntry({ name: 'b-out', action: 'protect', localPrefix: SITE_B, remotePrefix: SITE_A }));
  return { a, b, ab, ba };
}

/** IPv6 gateways and sites (2001:db8::/32, RFC 3849 documentation prefix). */
export const GW6_A = '2001:db8:100::1';
export const GW6_B = '2001:db8:100::2';
export const SITE6_A = '2001:db8:1::/64';
export const SITE6_B = '2001:db8:2::/64';
export const HOST6_A = '2001:db8:1::10';
export const HOST6_B = '2001:db8:2::20';

/** The 16 bytes of an IPv6 address in full or `::` form (test-side, independent of the engine's parser). */
export function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 2 * i));
  return b;
}

/** An IPv6/UDP packet (RFC 8200, RFC 768) with a correct UDP checksum; `ext` inserts extension headers (raw, chained by the caller). */
export function udp6Packet(src: string, dst: string, sport: number, dport: number, payload: Uint8Array | string, opts: { tc?: number; hopLimit?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const udpLen = 8 + data.length;
  const p = Buffer.alloc(40 + udpLen);
  p.writeUInt32BE(((6 << 28) | ((opts.tc ?? 0) << 20) | 0x12345) >>> 0, 0);
  p.writeUInt16BE(udpLen, 4);
  p[6] = 17;
  p[7] = opts.hopLimit ?? 64;
  ipv6Bytes(src).copy(p, 8);
  ipv6Bytes(dst).copy(p, 24);
  p.writeUInt16BE(sport, 40);
  p.writeUInt16BE(dport, 42);
  p.writeUInt16BE(udpLen, 44);
  data.copy(p, 48);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(udpLen);
  const pseudo = Buffer.concat([p.subarray(8, 40), len, Buffer.from([0, 0, 0, 17]), p.subarray(40)]);
  p.writeUInt16BE(checksum(pseudo) || 0xffff, 46);
  return p;
}
