/**
 * The Hybridization Module end to end: one QKD link (two nodes, ETSI 014 over
 * HTTP), two HMs (ETSI 004 over TCP, HM-to-HM signed with ML-DSA-65), two 004
 * clients in the order of the key-id synchronisation contract: every combiner
 * and source set, the single-source policies, status codes, zeroing and logs.
 */
import { addLogSink, configureLogging, type LogRecord } from '../../../common/index.js';
import {
  COMBINERS,
  Etsi004Client,
  Etsi004StatusError,
  Etsi014Client,
  Etsi014ClientError,
  HybridizationModule,
  MlKemPeerSource,
  QkdEtsi014Source,
  SourceUnavailableError,
  X25519PeerSource,
  type Combiner,
  type CombinerName,
  type Etsi004Key,
  type QkdLink,
} from '../../../qkd/index.js';
import { quietLogs } from '../helpers.js';
import { NODE_A, NODE_B, RefSpySource, hex, keyPair, metadataOf, spyCombiner, startPair, uri, type Pair } from './fixtures.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Hybridization Module', () => {
  let p: Pair;
  let ca: Etsi004Client;
  let cb: Etsi004Client;

  beforeAll(async () => {
    quietLogs();
    p = await startPair({ prefill: 80 });
    ca = await Etsi004Client.connect({ port: p.hmA.port });
    cb = await Etsi004Client.connect({ port: p.hmB.port });
  });
  afterAll(async () => {
    await Promise.all([ca.end(), cb.end()]);
    await p.stop();
  });

  it('gives both sides the same 32-byte kdf key and the same metadata (ids, never keys)', async () => {
    const { ksid, a, b } = await keyPair(ca, cb, uri('SPI_1', NODE_A), uri('SPI_1', NODE_B));
    expect(ksid).toMatch(UUID_RE);
    expect(a.key).toHaveLength(32);
    expect(hex(b.key)).toBe(hex(a.key));
    expect(hex(a.key)).not.toBe('00'.repeat(32));
    expect(b.metadata).toEqual(a.metadata);
    const md = metadataOf(a);
    expect(Object.keys(md)).toEqual(['key_stream_id', 'index', 'qkd_key_ids', 'kem', 'combiner', 'degraded']);
    expect(md).toMatchObject({ key_stream_id: ksid, index: 0, kem: 'ML-KEM-512', combiner: 'kdf', degraded: false });
    expect(md.qkd_key_ids).toEqual([expect.stringMatching(UUID_RE)]);
    expect(a.metadata?.size).toBe(Buffer.byteLength(a.metadata?.buffer ?? ''));
    expect(a.metadata?.buffer).not.toContain(hex(a.key));
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  // Every source set with every combiner it allows (xor and hmac take two sources).
  const sets: [string, string, string | null][] = [
    ['QKD,ML-KEM-512', 'QKD,ML-KEM-512', 'ML-KEM-512'],
    ['QKD,ML-KEM-768', 'QKD,ML-KEM-768', 'ML-KEM-768'],
    ['QKD,ML-KEM-1024', 'QKD,ML-KEM-1024', 'ML-KEM-1024'],
    ['QKD,X25519', 'X25519,QKD', 'X25519'],
    ['ML-KEM-768,X25519', 'X25519,ML-KEM-768', 'ML-KEM-768+X25519'],
  ];
  const cases = sets.flatMap(([s, sB, kem]) => (['kdf', 'hmac', 'xor'] as const).map((c) => [c, s, sB, kem] as const));
  cases.push(['kdf', 'QKD,ML-KEM-1024,X25519', 'X25519,QKD,ML-KEM-1024', 'ML-KEM-1024+X25519']);

  it.each(cases)('combiner %s with key_sources %s gives both ends the same key (B lists them as %s)', async (combiner, sources, sourcesB, kem) => {
    const { ksid, a, b } = await keyPair(ca, cb, uri('C', NODE_A, combiner, sources), uri('C', NODE_B, combiner, sources));
    expect(a.key).toHaveLength(32);
    expect(hex(b.key)).toBe(hex(a.key));
    expect(metadataOf(b)).toEqual(metadataOf(a));
    expect(metadataOf(a)).toMatchObject({ combiner, kem, degraded: false, qkd_key_ids: sources.includes('QKD') ? [expect.stringMatching(UUID_RE)] : [] });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
    // B may list the sources in another order: same stream semantics.
    const other = await keyPair(ca, cb, uri('D', NODE_A, combiner, sources), uri('D', NODE_B, combiner, sourcesB));
    expect(hex(other.b.key)).toBe(hex(other.a.key));
    expect(hex(other.a.key)).not.toBe(hex(a.key));
    await Promise.all([ca.close(other.ksid), cb.close(other.ksid)]);
  });

  it('serves several indexes per stream, each with its own QKD key, B asking before A gets status 3', async () => {
    const src = uri('SPI_2', NODE_A);
    const dst = uri('SPI_2', NODE_B);
    const { key_stream_id: ksid } = await ca.openConnect(src, dst);
    const a0 = await ca.getKey(ksid, 0);
    // Side B may name the ends the other way round.
    await cb.openConnect(dst, src, {}, ksid);
    await expect(cb.getKey(ksid, 1)).rejects.toMatchObject({ status: 3, statusName: 'PEER_APP_NOT_CONNECTED' });
    const a1 = await ca.getKey(ksid, 1);
    const b1 = await cb.getKey(ksid, 1);
    const b0 = await cb.getKey(ksid, 0);
    expect([hex(b0.key), hex(b1.key)]).toEqual([hex(a0.key), hex(a1.key)]);
    expect(hex(a0.key)).not.toBe(hex(a1.key));
    const ids = (k: Etsi004Key): unknown => metadataOf(k).qkd_key_ids;
    expect(ids(a0)).not.toEqual(ids(a1));
    // Each index at most once per side.
    await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 2 });
    await expect(cb.getKey(ksid, 1)).rejects.toMatchObject({ status: 2 });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('delivers a QKD key only once: dec_keys for the consumed ids fails', async () => {
    const { ksid, a } = await keyPair(ca, cb, uri('SPI_1', NODE_A), uri('SPI_1', NODE_B));
    const [id] = metadataOf(a).qkd_key_ids as string[];
    const kmeB = new Etsi014Client({ baseUrl: p.link.nodes[1].kme014Url, saeId: 'hm-b' });
    const err = await kmeB.decKeys('hm-a', [id]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Etsi014ClientError);
    expect(err).toMatchObject({ httpStatus: 400 });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('answers status 1 to side B for a KSID the peer never offered, then 3 on GET_KEY', async () => {
    const ksid = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0';
    const err = await cb.openConnect(uri('X', NODE_A), uri('X', NODE_B), {}, ksid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Etsi004StatusError);
    expect(err).toMatchObject({ status: 1, statusName: 'PEER_NOT_CONNECTED', response: { key_stream_id: ksid } });
    await expect(cb.getKey(ksid, 0)).rejects.toMatchObject({ status: 3 });
    await cb.close(ksid);
  });

  it('lets side B open with status 1 first and succeed once side A has asked', async () => {
    const src = uri('SPI_3', NODE_A);
    const dst = uri('SPI_3', NODE_B);
    const { key_stream_id: ksid } = await ca.openConnect(src, dst);
    await expect(cb.openConnect(src, dst, {}, ksid)).rejects.toMatchObject({ status: 1 });
    const a = await ca.getKey(ksid, 0);
    const b = await cb.getKey(ksid, 0);
    expect(hex(b.key)).toBe(hex(a.key));
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('refuses a second OPEN_CONNECT on a connected KSID (status 5) and unknown KSIDs (status 4)', async () => {
    const { ksid } = await keyPair(ca, cb, uri('SPI_1', NODE_A), uri('SPI_1', NODE_B));
    await expect(cb.openConnect(uri('SPI_1', NODE_A), uri('SPI_1', NODE_B), {}, ksid)).rejects.toMatchObject({ status: 5 });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
    await expect(ca.getKey(ksid, 1)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/unknown key_stream_id/) });
    await expect(ca.close(ksid)).rejects.toMatchObject({ status: 4 });
  });

  it('answers QoS it cannot meet with status 7 and a counter-proposal; kdf makes 64-byte keys', async () => {
    const err = (await ca.openConnect(uri('Q', NODE_A, 'xor'), uri('Q', NODE_B, 'xor'), { key_chunk_size: 64 }).catch((e: unknown) => e)) as Etsi004StatusError;
    expect(err).toMatchObject({ status: 7, response: { qos: { key_chunk_size: 32 } } });
    const { a, b } = await keyPair(ca, cb, uri('SPI_64', NODE_A), uri('SPI_64', NODE_B), 64);
    expect(a.key).toHaveLength(64);
    expect(hex(b.key)).toBe(hex(a.key));
  });

  it('answers status 8 with the size needed, before consuming any key', async () => {
    const kmeA = new Etsi014Client({ baseUrl: p.link.nodes[0].kme014Url, saeId: 'hm-a' });
    const before = (await kmeA.status('hm-b')).stored_key_count;
    const { key_stream_id: ksid } = await ca.openConnect(uri('M', NODE_A), uri('M', NODE_B));
    const err = (await ca.getKey(ksid, 0, 10).catch((e: unknown) => e)) as Etsi004StatusError;
    expect(err).toMatchObject({ status: 8, statusName: 'METADATA_SIZE_INSUFFICIENT' });
    const needed = (err.response.metadata as { size: number }).size;
    expect((await kmeA.status('hm-b')).stored_key_count).toBe(before);
    const ok = await ca.getKey(ksid, 0, needed);
    expect(ok.metadata?.size).toBe(needed);
    await ca.close(ksid);
  });

  it('refuses URIs that do not name this node, disagree, or ask one source under require-all (status 4)', async () => {
    const other = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    await expect(ca.openConnect(uri('S', other), uri('S', NODE_B))).rejects.toMatchObject({
      status: 4,
      detail: expect.stringMatching(/this Hybridization Module's node|not this module's peer/),
    });
    await expect(ca.openConnect(uri('S', NODE_A, 'kdf'), uri('S', NODE_B, 'hmac'))).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/disagree on hybridization/) });
    await expect(ca.openConnect(uri('S', NODE_A, 'kdf', 'QKD'), uri('S', NODE_B, 'kdf', 'QKD'))).rejects.toMatchObject({
      status: 4,
      detail: expect.stringMatching(/lists one source.*require-all/),
    });
  });

  it('answers status 4 when the peer module is not known or not reachable', async () => {
    const lone = await HybridizationModule.start({ nodeUuid: NODE_A, saeId: 'hm-a', peerSaeId: 'hm-b', kme014Url: p.link.nodes[0].kme014Url, peerVerificationKey: p.idB.publicKey });
    const c = await Etsi004Client.connect({ port: lone.port });
    try {
      const { key_stream_id: ksid } = await c.openConnect(uri('L', NODE_A), uri('L', NODE_B));
      await expect(c.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/URL of peer module .* is not set/) });
      lone.setPeerUrl('http://127.0.0.1:1');
      await expect(c.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/peer HM unreachable/) });
    } finally {
      await c.end();
      await lone.stop();
    }
  });
});

describe('single-source policy', () => {
  beforeAll(() => quietLogs());

  it('require-all fails with status 2 naming QKD when the KME has no key; allow-degraded keys from ML-KEM and says degraded', async () => {
    const p = await startPair({ prefill: 0 });
    const ca = await Etsi004Client.connect({ port: p.hmA.port });
    const cb = await Etsi004Client.connect({ port: p.hmB.port });
    try {
      const { key_stream_id: ksid } = await ca.openConnect(uri('R', NODE_A), uri('R', NODE_B));
      await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({
        status: 2,
        detail: expect.stringMatching(/QKD unavailable: .*not enough keys.*single_source_policy=require-all/),
      });
      const src = uri('G', NODE_A, 'kdf', 'ML-KEM-512,QKD', 'allow-degraded');
      const dst = uri('G', NODE_B, 'kdf', 'ML-KEM-512,QKD', 'allow-degraded');
      for (const combiner of ['kdf', 'hmac', 'xor']) {
        const r = await keyPair(ca, cb, src.replace('=kdf', `=${combiner}`), dst.replace('=kdf', `=${combiner}`));
        expect(hex(r.b.key)).toBe(hex(r.a.key));
        expect(metadataOf(r.a)).toEqual({ key_stream_id: r.ksid, index: 0, qkd_key_ids: [], kem: 'ML-KEM-512', combiner, degraded: true });
        expect(metadataOf(r.b)).toEqual(metadataOf(r.a));
      }
      // Once QKD is back, the same policy gives full (not degraded) keys.
      p.link.fill(2);
      const full = await keyPair(ca, cb, src, dst);
      expect(metadataOf(full.a)).toMatchObject({ degraded: false, qkd_key_ids: [expect.stringMatching(UUID_RE)] });
      expect(hex(full.b.key)).toBe(hex(full.a.key));
    } finally {
      await Promise.all([ca.end(), cb.end()]);
      await p.stop();
    }
  });

  it('allow-degraded with one listed source keys from it plus the auxiliary key, reported degraded', async () => {
    const p = await startPair({ prefill: 4, pinByUrl: true });
    const ca = await Etsi004Client.connect({ port: p.hmA.port });
    const cb = await Etsi004Client.connect({ port: p.hmB.port });
    try {
      for (const sources of ['ML-KEM-512', 'QKD', 'X25519']) {
        const r = await keyPair(ca, cb, uri('ONE', NODE_A, 'kdf', sources, 'allow-degraded'), uri('ONE', NODE_B, 'kdf', sources, 'allow-degraded'));
        expect(hex(r.b.key)).toBe(hex(r.a.key));
        expect(metadataOf(r.a)).toMatchObject({ degraded: true, kem: sources === 'QKD' ? null : sources });
      }
    } finally {
      await Promise.all([ca.end(), cb.end()]);
      await p.stop();
    }
  });

  it('degrades a three-source key to two without the auxiliary key, and fails when no source is left', async () => {
    const p = await startPair({ prefill: 0 });
    const ca = await Etsi004Client.connect({ port: p.hmA.port });
    const cb = await Etsi004Client.connect({ port: p.hmB.port });
    try {
      const s = (n: string, list: string): [string, string] => [uri(n, NODE_A, 'kdf', list, 'allow-degraded'), uri(n, NODE_B, 'kdf', list, 'allow-degraded')];
      const r = await keyPair(ca, cb, ...s('THREE', 'QKD,ML-KEM-768,X25519'));
      expect(hex(r.b.key)).toBe(hex(r.a.key));
      expect(metadataOf(r.a)).toMatchObject({ degraded: true, qkd_key_ids: [], kem: 'ML-KEM-768+X25519' });
      const { key_stream_id: ksid } = await ca.openConnect(...s('NONE', 'QKD'));
      await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 2, detail: expect.stringMatching(/no key source is available/) });
    } finally {
      await Promise.all([ca.end(), cb.end()]);
      await p.stop();
    }
  });
});

describe('Hybridization Module secrets', () => {
  const records: LogRecord[] = [];
  let removeSink: () => void;

  beforeAll(() => {
    quietLogs();
    configureLogging({ level: 'debug' });
    removeSink = addLogSink((r) => records.push(r));
  });
  afterAll(() => {
    removeSink();
    configureLogging({ level: 'info' });
  });

  it('zeroes every source secret and every combined key after delivery, and never logs key bytes', async () => {
    // Real sources wrapped by spies that keep references to (and copies of) each secret handed to the HM.
    const spies = (side: 'a' | 'b', link: QkdLink): RefSpySource[] => [
      new RefSpySource(new QkdEtsi014Source({ client: new Etsi014Client({ baseUrl: link.nodes[side === 'a' ? 0 : 1].kme014Url, saeId: `hm-${side}` }), peerSaeId: side === 'a' ? 'hm-b' : 'hm-a' })),
      new RefSpySource(new MlKemPeerSource({ algorithm: 'ML-KEM-512' })),
      new RefSpySource(new MlKemPeerSource({ algorithm: 'ML-KEM-1024' })),
      new RefSpySource(new X25519PeerSource()),
    ];
    const keysA: { ref: Uint8Array; copy: Uint8Array }[] = [];
    const keysB: { ref: Uint8Array; copy: Uint8Array }[] = [];
    const wrap = (out: { ref: Uint8Array; copy: Uint8Array }[]) =>
      Object.fromEntries((['kdf', 'hmac', 'xor'] as CombinerName[]).map((c) => [c, spyCombiner(COMBINERS[c], out)])) as Record<CombinerName, Combiner>;
    let srcA: RefSpySource[] = [];
    let srcB: RefSpySource[] = [];
    const p = await startPair({
      prefill: 20,
      sourcesA: (link) => (srcA = spies('a', link)),
      sourcesB: (link) => (srcB = spies('b', link)),
      combinersA: wrap(keysA),
      combinersB: wrap(keysB),
    });
    const ca = await Etsi004Client.connect({ port: p.hmA.port });
    const cb = await Etsi004Client.connect({ port: p.hmB.port });
    const delivered: Uint8Array[] = [];
    try {
      const runs: [string, string][] = [
        ['kdf', 'QKD,ML-KEM-512'],
        ['hmac', 'QKD,ML-KEM-1024'],
        ['xor', 'QKD,X25519'],
        ['kdf', 'QKD,ML-KEM-1024,X25519'],
        ['kdf', 'ML-KEM-512'],
      ];
      for (const [c, s] of runs) {
        const policy = s.includes(',') ? undefined : 'allow-degraded';
        const r = await keyPair(ca, cb, uri('Z', NODE_A, c, s, policy), uri('Z', NODE_B, c, s, policy));
        expect(hex(r.b.key)).toBe(hex(r.a.key));
        delivered.push(Uint8Array.from(r.a.key));
        await Promise.all([ca.close(r.ksid), cb.close(r.ksid)]);
      }
    } finally {
      await Promise.all([ca.end(), cb.end()]);
      await p.stop();
    }

    // Every secret handed to either HM, and every key either combiner made, is all zero now.
    const handed = [...srcA, ...srcB].flatMap((s) => s.handed);
    expect(handed.length).toBe(2 * (2 + 2 + 2 + 3 + 1));
    for (const h of handed) {
      expect(h.copy.some((b) => b !== 0)).toBe(true);
      expect(h.ref.every((b) => b === 0)).toBe(true);
    }
    expect(keysA).toHaveLength(5);
    expect(keysB).toHaveLength(5);
    for (const k of [...keysA, ...keysB]) {
      expect(k.copy.some((b) => b !== 0)).toBe(true);
      expect(k.ref.every((b) => b === 0)).toBe(true);
    }
    // What the 004 clients received is what the combiners made, on both sides.
    expect(keysA.map((k) => hex(k.copy))).toEqual(delivered.map(hex));
    expect(keysB.map((k) => hex(k.copy))).toEqual(delivered.map(hex));
    // xor really is QKD ⊕ X25519 (third run), keyed from the same secrets on both sides.
    const qkd3 = srcA[0].handed[2].copy;
    const x3 = srcA[3].handed[0].copy;
    expect(hex(delivered[2])).toBe(hex(qkd3.map((v, i) => v ^ x3[i])));

    // Nothing logged (any level) contains a secret, in hex, base64 or as a byte list.
    const text = JSON.stringify(records);
    expect(records.length).toBeGreaterThan(20);
    expect(text).toContain(srcA[1].handed[0].ksid); // KSIDs are logged ...
    expect(text).toContain('hybrid key delivered DEGRADED'); // ... degraded keys say so ...
    const secrets = [...delivered, ...handed.map((h) => h.copy), p.idA.secretKey.slice(0, 32), p.idB.secretKey.slice(0, 32)];
    for (const s of secrets) {
      for (const form of [hex(s), hex(s).toUpperCase(), Buffer.from(s).toString('base64'), Array.from(s).join(','), hex(s).slice(0, 16)]) {
        expect(text.includes(form)).toBe(false);
      }
    }
  });

  it('reports an unavailable source as SourceUnavailableError, which only allow-degraded turns into a key', async () => {
    const failing = new RefSpySource(new MlKemPeerSource({ algorithm: 'ML-KEM-768' }));
    failing.failBegin = new SourceUnavailableError('ML-KEM-768', 4, 'test: KEM offline');
    const p = await startPair({ prefill: 4, sourcesA: [failing, new X25519PeerSource()] });
    const ca = await Etsi004Client.connect({ port: p.hmA.port });
    const cb = await Etsi004Client.connect({ port: p.hmB.port });
    try {
      const { key_stream_id: ksid } = await ca.openConnect(uri('U', NODE_A, 'kdf', 'ML-KEM-768,X25519'), uri('U', NODE_B, 'kdf', 'ML-KEM-768,X25519'));
      await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/ML-KEM-768 unavailable: test: KEM offline; single_source_policy=require-all/) });
      const r = await keyPair(ca, cb, uri('V', NODE_A, 'kdf', 'ML-KEM-768,X25519', 'allow-degraded'), uri('V', NODE_B, 'kdf', 'ML-KEM-768,X25519', 'allow-degraded'));
      expect(hex(r.b.key)).toBe(hex(r.a.key));
      expect(metadataOf(r.a)).toMatchObject({ degraded: true, kem: 'ML-KEM-768+X25519' });
      expect(records.some((rec) => rec.msg.startsWith('hybrid key degraded') && JSON.stringify(rec).includes('KEM offline'))).toBe(true);
    } finally {
      await Promise.all([ca.end(), cb.end()]);
      await p.stop();
    }
  });
});
