/**
 * The Hybridization Module end to end: one QKD link (two nodes, ETSI 014 over
 * HTTP), two HMs (ETSI 004 over TCP, HM-to-HM over HTTP), two 004 clients in
 * the order of the key-id synchronisation contract.
 */
import { addLogSink, configureLogging, type LogRecord } from '../../../common/index.js';
import {
  Etsi004Client,
  Etsi004StatusError,
  Etsi014Client,
  Etsi014ClientError,
  HybridizationModule,
  MlKemPeerSource,
  QkdEtsi014Source,
  type Etsi004Key,
} from '../../../qkd/index.js';
import { NODE_A, NODE_B, SpySource, hybridUri, quietLogs, startDomains, type Domains } from '../helpers.js';

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Pair {
  ksid: string;
  a: Etsi004Key;
  b: Etsi004Key;
}

/** The contract order: A opens (no KSID), A gets index 0, B opens with the KSID, B gets index 0. */
async function keyPair(ca: Etsi004Client, cb: Etsi004Client, combiner = 'kdf', chunk = 32, name = 'SPI_1'): Promise<Pair> {
  const src = hybridUri(name, NODE_A, combiner);
  const dst = hybridUri(name, NODE_B, combiner);
  const { key_stream_id: ksid } = await ca.openConnect(src, dst, { key_chunk_size: chunk });
  const a = await ca.getKey(ksid, 0);
  await cb.openConnect(src, dst, { key_chunk_size: chunk }, ksid);
  const b = await cb.getKey(ksid, 0);
  return { ksid, a, b };
}

describe('Hybridization Module', () => {
  let d: Domains;
  let ca: Etsi004Client;
  let cb: Etsi004Client;

  beforeAll(async () => {
    quietLogs();
    d = await startDomains({ prefill: 60 });
    ca = await Etsi004Client.connect({ port: d.hmA.port });
    cb = await Etsi004Client.connect({ port: d.hmB.port });
  });
  afterAll(async () => {
    await Promise.all([ca.end(), cb.end()]);
    await d.stop();
  });

  it('gives both sides the same 32-byte kdf key and the same metadata (ids, never keys)', async () => {
    const { ksid, a, b } = await keyPair(ca, cb);
    expect(ksid).toMatch(UUID_RE);
    expect(a.key).toHaveLength(32);
    expect(hex(b.key)).toBe(hex(a.key));
    expect(hex(a.key)).not.toBe('00'.repeat(32));
    expect(b.metadata).toEqual(a.metadata);
    const md = JSON.parse(a.metadata?.buffer ?? '{}') as Record<string, unknown>;
    expect(Object.keys(md)).toEqual(['key_stream_id', 'index', 'qkd_key_ids', 'kem', 'combiner', 'degraded']);
    expect(md).toMatchObject({ key_stream_id: ksid, index: 0, kem: 'ML-KEM-512', combiner: 'kdf', degraded: false });
    expect(md.qkd_key_ids).toEqual([expect.stringMatching(UUID_RE)]);
    expect(a.metadata?.size).toBe(Buffer.byteLength(a.metadata?.buffer ?? ''));
    expect(a.metadata?.buffer).not.toContain(hex(a.key));
    await ca.close(ksid);
    await cb.close(ksid);
  });

  it.each(['kdf', 'hmac', 'xor'])('combiner %s gives equal 32-byte keys at both ends', async (combiner) => {
    const { ksid, a, b } = await keyPair(ca, cb, combiner);
    expect(hex(b.key)).toBe(hex(a.key));
    expect(a.key).toHaveLength(32);
    expect(JSON.parse(b.metadata?.buffer ?? '{}')).toMatchObject({ combiner });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('serves several indexes per stream, each with its own QKD key, B asking before A gets status 3', async () => {
    const src = hybridUri('SPI_2', NODE_A);
    const dst = hybridUri('SPI_2', NODE_B);
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
    const ids = (k: Etsi004Key): unknown => (JSON.parse(k.metadata?.buffer ?? '{}') as { qkd_key_ids: string[] }).qkd_key_ids;
    expect(ids(a0)).not.toEqual(ids(a1));
    // Each index at most once per side.
    await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 2 });
    await expect(cb.getKey(ksid, 1)).rejects.toMatchObject({ status: 2 });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('delivers a QKD key only once: dec_keys for the consumed ids fails', async () => {
    const { ksid, a } = await keyPair(ca, cb);
    const [id] = (JSON.parse(a.metadata?.buffer ?? '{}') as { qkd_key_ids: string[] }).qkd_key_ids;
    const kmeB = new Etsi014Client({ baseUrl: d.link.nodes[1].kme014Url, saeId: 'hm-b' });
    const err = await kmeB.decKeys('hm-a', [id]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Etsi014ClientError);
    expect(err).toMatchObject({ httpStatus: 400 });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('answers status 1 to side B for a KSID the peer never offered, then 3 on GET_KEY', async () => {
    const ksid = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0';
    const err = await cb.openConnect(hybridUri('X', NODE_A), hybridUri('X', NODE_B), {}, ksid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Etsi004StatusError);
    expect(err).toMatchObject({ status: 1, statusName: 'PEER_NOT_CONNECTED', response: { key_stream_id: ksid } });
    await expect(cb.getKey(ksid, 0)).rejects.toMatchObject({ status: 3 });
    await cb.close(ksid);
  });

  it('lets side B open with status 1 first and succeed once side A has asked', async () => {
    const src = hybridUri('SPI_3', NODE_A);
    const dst = hybridUri('SPI_3', NODE_B);
    const { key_stream_id: ksid } = await ca.openConnect(src, dst);
    await expect(cb.openConnect(src, dst, {}, ksid)).rejects.toMatchObject({ status: 1 });
    const a = await ca.getKey(ksid, 0);
    const b = await cb.getKey(ksid, 0);
    expect(hex(b.key)).toBe(hex(a.key));
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
  });

  it('refuses a second OPEN_CONNECT on a connected KSID (status 5) and unknown KSIDs (status 4)', async () => {
    const { ksid } = await keyPair(ca, cb);
    await expect(cb.openConnect(hybridUri('SPI_1', NODE_A), hybridUri('SPI_1', NODE_B), {}, ksid)).rejects.toMatchObject({ status: 5 });
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
    await expect(ca.getKey(ksid, 1)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/unknown key_stream_id/) });
    await expect(ca.close(ksid)).rejects.toMatchObject({ status: 4 });
  });

  it('answers QoS it cannot meet with status 7 and a counter-proposal; kdf makes 64-byte keys', async () => {
    const err = (await ca.openConnect(hybridUri('Q', NODE_A, 'xor'), hybridUri('Q', NODE_B, 'xor'), { key_chunk_size: 64 }).catch((e: unknown) => e)) as Etsi004StatusError;
    expect(err).toMatchObject({ status: 7, response: { qos: { key_chunk_size: 32 } } });
    const { a, b } = await keyPair(ca, cb, 'kdf', 64, 'SPI_64');
    expect(a.key).toHaveLength(64);
    expect(hex(b.key)).toBe(hex(a.key));
  });

  it('answers status 8 with the size needed, before consuming any key', async () => {
    const kmeA = new Etsi014Client({ baseUrl: d.link.nodes[0].kme014Url, saeId: 'hm-a' });
    const before = (await kmeA.status('hm-b')).stored_key_count;
    const { key_stream_id: ksid } = await ca.openConnect(hybridUri('M', NODE_A), hybridUri('M', NODE_B));
    const err = (await ca.getKey(ksid, 0, 10).catch((e: unknown) => e)) as Etsi004StatusError;
    expect(err).toMatchObject({ status: 8, statusName: 'METADATA_SIZE_INSUFFICIENT' });
    const needed = (err.response.metadata as { size: number }).size;
    expect((await kmeA.status('hm-b')).stored_key_count).toBe(before);
    const ok = await ca.getKey(ksid, 0, needed);
    expect(ok.metadata?.size).toBe(needed);
    await ca.close(ksid);
  });

  it('refuses URIs that do not name this node or disagree, with a message (status 4)', async () => {
    const other = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    await expect(ca.openConnect(hybridUri('S', other), hybridUri('S', NODE_B))).rejects.toMatchObject({
      status: 4,
      detail: expect.stringMatching(/this Hybridization Module's node|not this module's peer/),
    });
    await expect(ca.openConnect(hybridUri('S', NODE_A, 'kdf'), hybridUri('S', NODE_B, 'hmac'))).rejects.toMatchObject({
      status: 4,
      detail: expect.stringMatching(/disagree on hybridization/),
    });
  });

  it('answers status 2 when the QKD node has no keys left', async () => {
    const small = await startDomains({ prefill: 1 });
    const a = await Etsi004Client.connect({ port: small.hmA.port });
    const b = await Etsi004Client.connect({ port: small.hmB.port });
    try {
      const first = await keyPair(a, b);
      expect(hex(first.b.key)).toBe(hex(first.a.key));
      const { key_stream_id: ksid } = await a.openConnect(hybridUri('E', NODE_A), hybridUri('E', NODE_B));
      await expect(a.getKey(ksid, 0)).rejects.toMatchObject({ status: 2, detail: expect.stringMatching(/not enough keys/) });
    } finally {
      await Promise.all([a.end(), b.end()]);
      await small.stop();
    }
  });

  it('answers status 4 when the peer module is not known or not reachable', async () => {
    const lone = await HybridizationModule.start({
      nodeUuid: NODE_A,
      saeId: 'hm-a',
      peerSaeId: 'hm-b',
      kme014Url: d.link.nodes[0].kme014Url,
    });
    const c = await Etsi004Client.connect({ port: lone.port });
    try {
      const { key_stream_id: ksid } = await c.openConnect(hybridUri('L', NODE_A), hybridUri('L', NODE_B));
      await expect(c.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/peer module URL is not set/) });
      lone.setPeerUrl('http://127.0.0.1:1');
      await expect(c.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/peer HM unreachable/) });
    } finally {
      await c.end();
      await lone.stop();
    }
  });
});

describe('Hybridization Module secrets', () => {
  const records: LogRecord[] = [];
  let removeSink: () => void;
  let d: Domains;

  beforeAll(async () => {
    quietLogs();
    configureLogging({ level: 'debug' });
    removeSink = addLogSink((r) => records.push(r));
    d = await startDomains({ prefill: 10 });
  });
  afterAll(async () => {
    removeSink();
    configureLogging({ level: 'info' });
    await d.stop();
  });

  it('uses a different KEM secret per stream, the same at both ends, and never logs key bytes', async () => {
    // Real sources wrapped by spies that keep copies of each secret (tests only).
    const qkdA = new SpySource(new QkdEtsi014Source({ client: new Etsi014Client({ baseUrl: d.link.nodes[0].kme014Url, saeId: 'hm-a' }), peerSaeId: 'hm-b' }));
    const qkdB = new SpySource(new QkdEtsi014Source({ client: new Etsi014Client({ baseUrl: d.link.nodes[1].kme014Url, saeId: 'hm-b' }), peerSaeId: 'hm-a' }));
    const kemA = new SpySource(new MlKemPeerSource({ algorithm: 'ML-KEM-512' }));
    const kemB = new SpySource(new MlKemPeerSource({ algorithm: 'ML-KEM-512' }));
    const hmA = await HybridizationModule.start({ name: 'spy-a', nodeUuid: NODE_A, saeId: 'hm-a', peerSaeId: 'hm-b', kme014Url: d.link.nodes[0].kme014Url, sources: [qkdA, kemA] });
    const hmB = await HybridizationModule.start({ name: 'spy-b', nodeUuid: NODE_B, saeId: 'hm-b', peerSaeId: 'hm-a', kme014Url: d.link.nodes[1].kme014Url, sources: [qkdB, kemB], peerUrl: hmA.peerEndpointUrl });
    hmA.setPeerUrl(hmB.peerEndpointUrl);
    const ca = await Etsi004Client.connect({ port: hmA.port });
    const cb = await Etsi004Client.connect({ port: hmB.port });
    const delivered: Uint8Array[] = [];
    try {
      for (const combiner of ['kdf', 'hmac', 'xor']) {
        const p = await keyPair(ca, cb, combiner);
        expect(hex(p.b.key)).toBe(hex(p.a.key));
        delivered.push(p.a.key);
      }
      const p2 = await keyPair(ca, cb, 'kdf', 32, 'SPI_2');
      delivered.push(p2.a.key);
    } finally {
      await Promise.all([ca.end(), cb.end()]);
      await Promise.all([hmA.stop(), hmB.stop()]);
    }
    // Per stream: same secret on both sides; across streams: all different.
    expect(kemA.secrets.map((s) => hex(s.secret))).toEqual(kemB.secrets.map((s) => hex(s.secret)));
    expect(new Set(kemA.secrets.map((s) => hex(s.secret))).size).toBe(4);
    expect(new Set(kemA.secrets.map((s) => s.ksid)).size).toBe(4);
    expect(qkdA.secrets.map((s) => hex(s.secret))).toEqual(qkdB.secrets.map((s) => hex(s.secret)));
    expect(new Set(qkdA.secrets.map((s) => hex(s.secret))).size).toBe(4);
    // xor really is QKD ⊕ KEM (third stream).
    const x = qkdA.secrets[2].secret.map((v, i) => v ^ kemA.secrets[2].secret[i]);
    expect(hex(delivered[2])).toBe(hex(x));

    // Nothing logged (any level) contains a secret, in hex, base64 or as a byte list.
    const text = JSON.stringify(records);
    expect(records.length).toBeGreaterThan(10);
    expect(text).toContain(kemA.secrets[0].ksid); // KSIDs are logged ...
    expect(text).toContain(qkdA.secrets[0].keyIds[0]); // ... and key ids
    const secrets = [...delivered, ...kemA.secrets.map((s) => s.secret), ...qkdA.secrets.map((s) => s.secret)];
    for (const s of secrets) {
      for (const form of [hex(s), hex(s).toUpperCase(), Buffer.from(s).toString('base64'), Array.from(s).join(','), hex(s).slice(0, 16)]) {
        expect(text.includes(form)).toBe(false);
      }
    }
  });
});
