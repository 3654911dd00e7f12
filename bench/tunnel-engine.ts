/**
 * bench:tunnel, `engine_vs_raw_aesgcm` (CONTRACTS.md "Benchmarks: what
 * counts"): the ESP engine alone, no I/O — 1400-byte inner IPv4 packets in
 * batches of 64, each encapsulated by engine A (SPD lookup, sequence number,
 * RFC 4106 AES-256-GCM seal, outer header) and decapsulated by engine B
 * (SPI lookup, replay check, open, trailer, selector) — against node:crypto
 * AES-256-GCM with a new cipher object per 1400-byte packet (createCipheriv,
 * setAAD, update, final, getAuthTag). The two alternate in slices so that a
 * change of machine load hits both alike.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { AUTH, ENCR, type SadEntry, type SpdEntry } from '../common/ikeless/index.js';
import { EspEngine, PacketBatch, Verdict, type CryptoChoice } from '../virtual-router/esp/index.js';

const PACKET_BYTES = 1400;
const BATCH = 64;
const GW_A = '198.51.100.1';
const GW_B = '198.51.100.2';

/** What one engine-vs-raw comparison measured. */
export interface EngineResult {
  /** The engine's crypto backend (the product default is the native addon). */
  backend: 'native' | 'node';
  /** Full ESP round trips (encap + decap) per second. */
  enginePps: number;
  engineMbps: number;
  /** node:crypto AES-256-GCM encryptions with a new cipher per packet, per second. */
  rawPps: number;
  rawMbps: number;
  ratio: number;
}

function sa(name: string, spi: number, from: string, to: string, local: string, remote: string): SadEntry {
  return {
    name,
    reqid: BigInt(spi),
    spi,
    extSeqNum: true,
    seqOverflow: false,
    antiReplayWindowSize: 1024,
    trafficSelector: { localPrefix: local, remotePrefix: remote, innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: { encryption: { algorithm: ENCR.AES_GCM_16, key: new Uint8Array(randomBytes(36)) }, integrity: { algorithm: AUTH.NONE } },
    tunnel: { local: from, remote: to, dfBit: 'clear', bypassDscp: true },
  };
}

const policy: SpdEntry = {
  name: 'out',
  direction: 'outbound',
  reqid: 0x1001n,
  antiReplayWindowSize: 1024,
  trafficSelector: { localPrefix: '10.1.0.0/24', remotePrefix: '10.2.0.0/24', innerProtocol: 'any' },
  action: 'protect',
};

/** A 1400-byte IPv4/UDP packet 10.1.0.10 → 10.2.0.10 (checksums are not the engine's business). */
function innerPacket(): Buffer {
  const p = randomBytes(PACKET_BYTES);
  p[0] = 0x45;
  p[1] = 0;
  p.writeUInt16BE(PACKET_BYTES, 2);
  p.writeUInt16BE(0, 6);
  p[8] = 64;
  p[9] = 17;
  Buffer.from([10, 1, 0, 10, 10, 2, 0, 10]).copy(p, 12);
  p.writeUInt16BE(PACKET_BYTES - 20, 24);
  return p;
}

/** Run ESP round trips for `ms`; returns packets done. Throws if a packet does not come back intact. */
function engineSlice(a: EspEngine, b: EspEngine, batch: PacketBatch, inner: Buffer, ms: number, verify: boolean): number {
  let packets = 0;
  const end = performance.now() + ms;
  do {
    for (let i = 0; i < BATCH; i++) {
      inner.copy(batch.buffers[i]!, batch.headroom);
      batch.setPacket(i, PACKET_BYTES);
    }
    batch.count = BATCH;
    a.process(batch);
    b.process(batch);
    for (let i = 0; i < BATCH; i++) {
      if (batch.verdicts[i] !== Verdict.Decrypted) throw new Error(`engine round trip failed at slot ${i} (reason ${batch.reasons[i]})`);
    }
    if (verify && !batch.output(BATCH - 1)!.equals(inner)) throw new Error('engine round trip changed the packet');
    verify = false;
    packets += BATCH;
  } while (performance.now() < end);
  return packets;
}

/** node:crypto AES-256-GCM, a new cipher object per packet, for `ms`; returns packets done. */
function rawSlice(key: Buffer, nonce: Buffer, aad: Buffer, pt: Buffer, ms: number): number {
  let packets = 0;
  const end = performance.now() + ms;
  do {
    for (let i = 0; i < BATCH; i++) {
      nonce.writeUInt32BE(packets + i, 8);
      const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      c.setAAD(aad);
      c.update(pt);
      c.final();
      c.getAuthTag();
    }
    packets += BATCH;
  } while (performance.now() < end);
  return packets;
}

/** Compare the engine (with `crypto`, default as the router runs it) with raw node:crypto for about `totalMs`, alternating slices. */
export function measureEngine(totalMs: number, crypto: CryptoChoice = 'auto'): EngineResult {
  const a = new EspEngine({ localAddresses: [GW_A], crypto });
  const b = new EspEngine({ localAddresses: [GW_B], crypto });
  const ab = sa('a-b', 0x1001, GW_A, GW_B, '10.1.0.0/24', '10.2.0.0/24');
  a.addSa(ab);
  b.addSa(ab);
  a.addPolicy(policy);
  const batch = new PacketBatch({ size: BATCH });
  const inner = innerPacket();
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const aad = randomBytes(8);
  const pt = randomBytes(PACKET_BYTES);
  // Warm-up (JIT, first allocations), then alternate.
  engineSlice(a, b, batch, inner, 200, true);
  rawSlice(key, nonce, aad, pt, 200);
  const slices = Math.max(2, Math.round(totalMs / 1000));
  let eng = 0;
  let engMs = 0;
  let raw = 0;
  let rawMs = 0;
  for (let s = 0; s < slices; s++) {
    let t0 = performance.now();
    eng += engineSlice(a, b, batch, inner, 500, s === 0);
    engMs += performance.now() - t0;
    t0 = performance.now();
    raw += rawSlice(key, nonce, aad, pt, 500);
    rawMs += performance.now() - t0;
  }
  const backend = a.cryptoBackend;
  a.close();
  b.close();
  const enginePps = (eng * 1000) / engMs;
  const rawPps = (raw * 1000) / rawMs;
  return {
    backend,
    enginePps: Math.round(enginePps),
    engineMbps: Math.round((enginePps * PACKET_BYTES * 8) / 1e6),
    rawPps: Math.round(rawPps),
    rawMbps: Math.round((rawPps * PACKET_BYTES * 8) / 1e6),
    ratio: Math.round((enginePps / rawPps) * 1000) / 1000,
  };
}
