/**
 * The authenticated HM-to-HM channel: what a man in the middle, a replayer or
 * a stranger gets (nothing, and the 004 client a clear non-zero status), what
 * side B refuses offer by offer, and that every key has its own ML-KEM key pair.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ml_kem512 } from '@noble/post-quantum/ml-kem.js';
import {
  ANSWER_SIGNATURE_LABEL,
  Etsi004Client,
  HybridizationModule,
  OFFER_SIGNATURE_LABEL,
  PEER_EXCHANGE_PATH,
  PEER_PROTOCOL_VERSION,
  generateHmIdentity,
  openEnvelope,
  pinOfKey,
  signEnvelope,
  type HmIdentity,
  type PeerFields,
} from '../../../qkd/index.js';
import { quietLogs } from '../helpers.js';
import { Mitm, NODE_A, NODE_B, alterMessage, keyPair, startPair, uri, type Pair } from './fixtures.js';

/** Sign and POST an offer batch as `signer`; returns the HTTP status and body. */
async function postBatch(
  peerUrl: string,
  signer: HmIdentity,
  offers: PeerFields[],
  over: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const message = JSON.stringify({ type: 'qnfv-hm-offer', version: 3, from: NODE_A, to: NODE_B, nonce: randomBytes(16).toString('hex'), timestamp: Date.now(), offers, ...over });
  return postEnvelope(peerUrl, signEnvelope(message, signer, OFFER_SIGNATURE_LABEL));
}

async function postEnvelope(peerUrl: string, envelope: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(PEER_EXCHANGE_PATH, peerUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A plausible offer for stream `ksid` (a fresh ML-KEM-512 key). */
function offer(ksid: string, over: PeerFields = {}): PeerFields {
  return {
    key_stream_id: ksid,
    index: 0,
    source: uri('P', NODE_A),
    destination: uri('P', NODE_B),
    combiner: 'kdf',
    key_chunk_size: 32,
    degraded_sources: [],
    sources: {
      QKD: { key_IDs: ['1b4e28ba-2fa1-41d2-883f-0016d3cca427'] },
      'ML-KEM-512': { encapsulation_key: Buffer.from(ml_kem512.keygen().publicKey).toString('base64') },
    },
    ...over,
  };
}

const ksidOf = (): string => {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

describe('HM-to-HM channel under attack (through ETSI 004)', () => {
  let p: Pair;
  let mitm: Mitm;
  let ca: Etsi004Client;
  let cb: Etsi004Client;

  beforeAll(async () => {
    quietLogs();
    p = await startPair({ prefill: 40 });
    mitm = await Mitm.start(p.hmB.peerEndpointUrl);
    // A reaches B only through the relay; it still pins B's real key.
    p.hmA.setPeerUrl(mitm.withPin(p.hmB.peerEndpointUrl));
    ca = await Etsi004Client.connect({ port: p.hmA.port });
    cb = await Etsi004Client.connect({ port: p.hmB.port });
  });
  afterEach(() => {
    mitm.onRequest = undefined;
    mitm.onReply = undefined;
  });
  afterAll(async () => {
    await Promise.all([ca.end(), cb.end()]);
    await mitm.stop();
    await p.stop();
  });

  it('works through an honest relay: the relay sees only public, signed fields', async () => {
    const { a, b } = await keyPair(ca, cb, uri('OK', NODE_A), uri('OK', NODE_B));
    expect(Buffer.from(b.key).equals(Buffer.from(a.key))).toBe(true);
    const seen = JSON.stringify(mitm.requests);
    expect(seen).not.toContain(Buffer.from(a.key).toString('hex'));
    expect(seen).not.toContain(Buffer.from(a.key).toString('base64'));
  });

  it('detects a substituted ML-KEM encapsulation key: B refuses (401), A answers status 4, B keeps nothing', async () => {
    const attacker = ml_kem512.keygen();
    mitm.onRequest = (env) =>
      alterMessage(env, (m) => {
        const o = (m.offers as PeerFields[])[0];
        (o.sources as Record<string, PeerFields>)['ML-KEM-512'].encapsulation_key = Buffer.from(attacker.publicKey).toString('base64');
      });
    const src = uri('EK', NODE_A);
    const dst = uri('EK', NODE_B);
    const { key_stream_id: ksid } = await ca.openConnect(src, dst);
    await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({
      status: 4,
      detail: expect.stringMatching(/HM-to-HM authentication failed.*HTTP 401.*signature does not verify/),
    });
    await expect(cb.openConnect(src, dst, {}, ksid)).rejects.toMatchObject({ status: 1 });
    await cb.close(ksid);
    await ca.close(ksid);
  });

  it('detects a substituted ciphertext in the answer: A refuses it (status 4) and delivers no key', async () => {
    const attacker = ml_kem512.keygen();
    const forged = Buffer.from(ml_kem512.encapsulate(attacker.publicKey).cipherText).toString('base64');
    mitm.onReply = (env) =>
      alterMessage(env, (m) => {
        const r = (m.answers as { reply: PeerFields }[])[0].reply;
        (r.sources as Record<string, PeerFields>)['ML-KEM-512'].ciphertext = forged;
      });
    const { key_stream_id: ksid } = await ca.openConnect(uri('CT', NODE_A), uri('CT', NODE_B));
    await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/authentication failed: peer HM answer: ML-DSA-65 signature does not verify/) });
    await ca.close(ksid);
  });

  it('refuses an offer the man in the middle re-signed with his own key (wrong signer)', async () => {
    const mallory = generateHmIdentity();
    mitm.onRequest = (env) => signEnvelope(alterMessage(env, () => undefined).message as string, mallory, OFFER_SIGNATURE_LABEL) as unknown as Record<string, unknown>;
    const { key_stream_id: ksid } = await ca.openConnect(uri('WS', NODE_A), uri('WS', NODE_B));
    await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/HTTP 401.*not by the pinned peer key/) });
    await ca.close(ksid);
  });

  it('refuses a replayed offer batch, even after both ends closed the stream', async () => {
    const before = mitm.requests.length;
    const { ksid } = await keyPair(ca, cb, uri('RP', NODE_A), uri('RP', NODE_B));
    await Promise.all([ca.close(ksid), cb.close(ksid)]);
    const recorded = mitm.requests[before];
    const replay = await postEnvelope(p.hmB.peerEndpointUrl, recorded);
    expect(replay).toMatchObject({ status: 401, body: { message: expect.stringMatching(/nonce was seen before: replayed/) } });
  });

  it('refuses an answer replayed from an earlier exchange (it names another offer batch)', async () => {
    const before = mitm.requests.length;
    let oldAnswer: Record<string, unknown> | undefined;
    mitm.onReply = (env) => {
      oldAnswer ??= env;
      return oldAnswer;
    };
    const first = await keyPair(ca, cb, uri('RA1', NODE_A), uri('RA1', NODE_B));
    const { key_stream_id: ksid } = await ca.openConnect(uri('RA2', NODE_A), uri('RA2', NODE_B));
    await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/names another offer batch/) });
    expect(mitm.requests.length).toBe(before + 2);
    await Promise.all([ca.close(first.ksid), cb.close(first.ksid), ca.close(ksid)]);
  });

  it('gives every key its own fresh ML-KEM encapsulation key (forward secrecy)', async () => {
    const before = mitm.requests.length;
    for (const n of ['FS1', 'FS2', 'FS3']) {
      const { ksid } = await keyPair(ca, cb, uri(n, NODE_A), uri(n, NODE_B));
      await Promise.all([ca.close(ksid), cb.close(ksid)]);
    }
    const eks = mitm.requests.slice(before).flatMap((env) => {
      const m = JSON.parse(env.message as string) as { offers: PeerFields[] };
      return m.offers.map((o) => (o.sources as Record<string, PeerFields>)['ML-KEM-512'].encapsulation_key as string);
    });
    expect(eks).toHaveLength(3);
    expect(new Set(eks).size).toBe(3);
    expect(Buffer.from(eks[0], 'base64')).toHaveLength(800);
  });
});

describe('HM-to-HM endpoint (side B) against hand-made signed batches', () => {
  let p: Pair;
  beforeAll(async () => {
    quietLogs();
    p = await startPair({ prefill: 8 });
  });
  afterAll(() => p.stop());

  /** Post one offer signed by A and return B's verified answer item. */
  async function answerTo(o: PeerFields): Promise<{ status: number; reply?: PeerFields; message?: string }> {
    const res = await postBatch(p.hmB.peerEndpointUrl, p.idA, [o]);
    expect(res.status).toBe(200);
    const { body } = openEnvelope(res.body, pinOfKey(p.idB.publicKey), ANSWER_SIGNATURE_LABEL, 'answer');
    return (body.answers as { status: number; reply?: PeerFields; message?: string }[])[0];
  }

  it('encapsulates to a valid offer, answers signed, and refuses the same (ksid, index) again (409)', async () => {
    const { publicKey, secretKey } = ml_kem512.keygen();
    const o = offer(ksidOf(), {});
    (o.sources as Record<string, PeerFields>)['ML-KEM-512'].encapsulation_key = Buffer.from(publicKey).toString('base64');
    const a = await answerTo(o);
    expect(a).toMatchObject({ status: 200, reply: { key_stream_id: o.key_stream_id, index: 0 } });
    const ct = Buffer.from((a.reply?.sources as Record<string, PeerFields>)['ML-KEM-512'].ciphertext as string, 'base64');
    expect(ct).toHaveLength(768);
    expect(ml_kem512.decapsulate(ct, secretKey)).toHaveLength(32);
    expect(await answerTo(o)).toMatchObject({ status: 409, message: expect.stringMatching(/already offered/) });
  });

  it.each([
    ['no key_stream_id', { key_stream_id: undefined }, /key_stream_id/],
    ['a negative index', { index: -1 }, /index/],
    ['URIs that do not name the peer', { destination: uri('P', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc') }, /node/],
    ['a combiner other than the URIs say', { combiner: 'xor' }, /does not match/],
    ['a chunk size xor cannot make', { combiner: 'xor', source: uri('P', NODE_A, 'xor'), destination: uri('P', NODE_B, 'xor'), key_chunk_size: 64 }, /not possible/],
    ['bad QKD key ids', { sources: { QKD: { key_IDs: ['nope'] }, 'ML-KEM-512': { encapsulation_key: '' } } }, /key_IDs/],
    ['a source the URIs do not ask for', { sources: { QKD: { key_IDs: ['1b4e28ba-2fa1-41d2-883f-0016d3cca427'] }, 'ML-KEM-768': {} } }, /ML-KEM-768/],
    ['a short encapsulation key', { sources: { QKD: { key_IDs: ['1b4e28ba-2fa1-41d2-883f-0016d3cca427'] }, 'ML-KEM-512': { encapsulation_key: Buffer.alloc(100).toString('base64') } } }, /800 bytes/],
    ['an invalid encapsulation key', { sources: { QKD: { key_IDs: ['1b4e28ba-2fa1-41d2-883f-0016d3cca427'] }, 'ML-KEM-512': { encapsulation_key: Buffer.alloc(800, 0xff).toString('base64') } } }, /not a valid ML-KEM-512 key/],
    ['degraded sources under require-all', { degraded_sources: ['QKD'], sources: { 'ML-KEM-512': { encapsulation_key: Buffer.from(ml_kem512.keygen().publicKey).toString('base64') } } }, /require-all: refused/],
  ])('answers 400 to an offer with %s (signed, per offer)', async (_what, over, msg) => {
    expect(await answerTo(offer(ksidOf(), over as PeerFields))).toMatchObject({ status: 400, message: expect.stringMatching(msg) });
  });

  it('refuses an offer for a stream this module opened as side A (409)', async () => {
    const c = await Etsi004Client.connect({ port: p.hmB.port });
    try {
      const { key_stream_id } = await c.openConnect(uri('R', NODE_B), uri('R', NODE_A));
      expect(await answerTo(offer(key_stream_id))).toMatchObject({ status: 409 });
    } finally {
      await c.end();
    }
  });

  it.each([
    ['a stale timestamp', { timestamp: Date.now() - 120_000 }, /from this HM's clock .*stale or replayed/],
    ['a timestamp from the future', { timestamp: Date.now() + 120_000 }, /stale or replayed/],
    ['another addressee', { to: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' }, /addressed to node cccccccc/],
    ['another sender node', { from: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' }, /signed by the key of peer a.* says it comes from node cccccccc/],
    ['an answer type', { type: 'qnfv-hm-answer' }, /not a version 3 offer batch/],
  ])('refuses a whole batch with %s (401), before looking at its offers', async (_what, over, msg) => {
    const res = await postBatch(p.hmB.peerEndpointUrl, p.idA, [offer(ksidOf())], over);
    expect(res).toMatchObject({ status: 401, body: { message: expect.stringMatching(msg) } });
  });

  it('refuses unsigned offers and offers signed by anyone but the pinned peer (401)', async () => {
    expect(await postEnvelope(p.hmB.peerEndpointUrl, { offers: [offer(ksidOf())] })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/not a signed envelope/) } });
    const stranger = await postBatch(p.hmB.peerEndpointUrl, generateHmIdentity(), [offer(ksidOf())]);
    expect(stranger).toMatchObject({ status: 401, body: { message: expect.stringMatching(/not by the pinned peer key/) } });
    // Signed by B itself (a reflection): B pins A, not itself.
    const reflected = await postBatch(p.hmB.peerEndpointUrl, p.idB, [offer(ksidOf())]);
    expect(reflected.status).toBe(401);
  });
});

describe('HM-to-HM pins', () => {
  beforeAll(() => quietLogs());

  it('a stranger HM claiming to be A gets status 4 from its own 004 server: B refuses its signature', async () => {
    const p = await startPair({ prefill: 4, pinByUrl: true });
    // C has its own key but the right node UUID and B's pinned URL.
    const c = await HybridizationModule.start({ name: 'tc', nodeUuid: NODE_A, peerNodeUuid: NODE_B, saeId: 'hm-a', peerSaeId: 'hm-b', kme014Url: p.link.nodes[0].kme014Url, peerUrl: p.hmB.peerEndpointUrl });
    const cc = await Etsi004Client.connect({ port: c.port });
    try {
      const { key_stream_id: ksid } = await cc.openConnect(uri('C', NODE_A), uri('C', NODE_B));
      await expect(cc.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/HTTP 401.*not by the pinned peer key/) });
    } finally {
      await cc.end();
      await c.stop();
      await p.stop();
    }
  });

  it('without any pin an HM neither sends nor accepts offers (status 4 / 401)', async () => {
    const p = await startPair({ prefill: 4, pinByUrl: true });
    const lone = await HybridizationModule.start({ name: 'tl', nodeUuid: NODE_B, saeId: 'hm-b', peerSaeId: 'hm-a', kme014Url: p.link.nodes[1].kme014Url });
    const cl = await Etsi004Client.connect({ port: lone.port });
    try {
      const refused = await postBatch(lone.peerEndpointUrl, p.idA, [offer(ksidOf())]);
      expect(refused).toMatchObject({ status: 401, body: { message: expect.stringMatching(/no verification key of the peer HM is pinned/) } });
      lone.setPeerUrl('http://127.0.0.1:1/');
      const { key_stream_id: ksid } = await cl.openConnect(uri('L', NODE_B), uri('L', NODE_A));
      await expect(cl.getKey(ksid, 0)).rejects.toMatchObject({ status: 4, detail: expect.stringMatching(/no verification key of peer HM .* is pinned/) });
    } finally {
      await cl.end();
      await lone.stop();
      await p.stop();
    }
  });

  it('refuses a peer URL whose pin contradicts the configured peer key', async () => {
    const p = await startPair({ prefill: 2 });
    try {
      const other = generateHmIdentity();
      expect(() => p.hmA.setPeerUrl(`http://127.0.0.1:1/#ml-dsa-65=${other.fingerprint}`)).toThrow(/but the configured verification key is/);
    } finally {
      await p.stop();
    }
  });
});

describe('HM-to-HM protocol versions', () => {
  let p: Pair;
  beforeAll(async () => {
    quietLogs();
    p = await startPair({ prefill: 4 });
  });
  afterAll(() => p.stop());

  it('speaks v3 at /hybrid/v3/key-exchange', () => {
    expect(PEER_PROTOCOL_VERSION).toBe(3);
    expect(PEER_EXCHANGE_PATH).toBe('/hybrid/v3/key-exchange');
  });

  it.each([
    ['an older (v2) peer', '/hybrid/v2/key-exchange', /protocol v2 is not spoken here: this HM speaks v3 \(POST \/hybrid\/v3\/key-exchange\); upgrade the sending HM/],
    ['a newer (v4) peer', '/hybrid/v4/key-exchange', /protocol v4 is not spoken here: this HM speaks v3 .*upgrade this HM/],
  ])('B answers %s with 410 naming the versions, before looking at any signature', async (_what, path, msg) => {
    // Only the path decides: the body is never looked at (no signature check, no parse).
    const res = await fetch(new URL(path, p.hmB.peerEndpointUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: '{}', signature: '', signer_key: '' }) });
    expect(res.status).toBe(410);
    expect(((await res.json()) as { message: string }).message).toMatch(msg);
  });

  it('B still answers 404 to any other path', async () => {
    const res = await fetch(new URL('/hybrid/key-exchange', p.hmB.peerEndpointUrl), { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  it('A reports a peer without the v3 endpoint (a v2 HM answers 404) as not speaking v3, not as a signature failure', async () => {
    // A v2 HM's reply to POST /hybrid/v3/key-exchange.
    const v2 = http.createServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no HM-to-HM method at ${req.url}` }));
    });
    await new Promise<void>((resolve) => v2.listen(0, '127.0.0.1', resolve));
    const ca = await Etsi004Client.connect({ port: p.hmA.port });
    try {
      p.hmA.setPeerUrl(`http://127.0.0.1:${(v2.address() as AddressInfo).port}/`);
      const { key_stream_id: ksid } = await ca.openConnect(uri('V2', NODE_A), uri('V2', NODE_B));
      await expect(ca.getKey(ksid, 0)).rejects.toMatchObject({
        status: 4,
        detail: expect.stringMatching(/peer HM does not speak HM-to-HM protocol v3 \(HTTP 404 at \/hybrid\/v3\/key-exchange.*no HM-to-HM method at \/hybrid\/v3\/key-exchange/),
      });
      await ca.close(ksid);
    } finally {
      p.hmA.setPeerUrl(p.hmB.peerEndpointUrl);
      await ca.end();
      v2.closeAllConnections();
      await new Promise<void>((resolve) => v2.close(() => resolve()));
    }
  });
});
