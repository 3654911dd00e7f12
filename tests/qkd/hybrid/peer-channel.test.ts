/**
 * The HM-to-HM endpoint (side B) against hand-made offers: what it accepts,
 * what it refuses and with which HTTP status. (Unauthenticated for now.)
 */
import { ml_kem512 } from '@noble/post-quantum/ml-kem.js';
import { Etsi004Client, PeerExchangeError, sendOffer, type PeerFields } from '../../../qkd/index.js';
import { NODE_A, NODE_B, hybridUri, quietLogs, startDomains, type Domains } from '../helpers.js';

describe('HM-to-HM key exchange endpoint', () => {
  let d: Domains;
  beforeAll(async () => {
    quietLogs();
    d = await startDomains({ prefill: 4 });
  });
  afterAll(() => d.stop());

  const offer = (over: PeerFields = {}): PeerFields => ({
    key_stream_id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0',
    index: 0,
    source: hybridUri('P', NODE_A),
    destination: hybridUri('P', NODE_B),
    combiner: 'kdf',
    key_chunk_size: 32,
    qkd_key_IDs: ['1b4e28ba-2fa1-41d2-883f-0016d3cca427'],
    algorithm: 'ML-KEM-512',
    encapsulation_key: Buffer.from(ml_kem512.keygen().publicKey).toString('base64'),
    ...over,
  });

  it('encapsulates to a valid offer and refuses the same (ksid, index) again (409)', async () => {
    const { publicKey, secretKey } = ml_kem512.keygen();
    const o = offer({ key_stream_id: '2b4e28ba-2fa1-41d2-883f-0016d3cca427', encapsulation_key: Buffer.from(publicKey).toString('base64') });
    const reply = await sendOffer(d.hmB.peerEndpointUrl, o);
    expect(reply).toMatchObject({ key_stream_id: o.key_stream_id, index: 0, ciphertext: expect.any(String) });
    const ct = Buffer.from(reply.ciphertext as string, 'base64');
    expect(ct).toHaveLength(768);
    expect(ml_kem512.decapsulate(ct, secretKey)).toHaveLength(32);
    await expect(sendOffer(d.hmB.peerEndpointUrl, o)).rejects.toMatchObject({ httpStatus: 409 });
  });

  it.each([
    ['no key_stream_id', { key_stream_id: undefined }, /key_stream_id/],
    ['a negative index', { index: -1 }, /index/],
    ['URIs that do not name the peer', { destination: hybridUri('P', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc') }, /node/],
    ['a combiner other than the URIs say', { combiner: 'xor' }, /does not match/],
    ['a chunk size xor cannot make', { combiner: 'xor', source: hybridUri('P', NODE_A, 'xor'), destination: hybridUri('P', NODE_B, 'xor'), key_chunk_size: 64 }, /not possible/],
    ['bad QKD key ids', { qkd_key_IDs: ['nope'] }, /qkd_key_IDs/],
    ['another algorithm', { algorithm: 'ML-KEM-768' }, /algorithm must be ML-KEM-512/],
    ['a short encapsulation key', { encapsulation_key: Buffer.alloc(100).toString('base64') }, /800 bytes/],
    ['an invalid encapsulation key', { encapsulation_key: Buffer.alloc(800, 0xff).toString('base64') }, /not a valid ML-KEM-512 key/],
  ])('answers 400 to an offer with %s', async (_what, over, msg) => {
    const err = (await sendOffer(d.hmB.peerEndpointUrl, offer(over as PeerFields)).catch((e: unknown) => e)) as PeerExchangeError;
    expect(err).toBeInstanceOf(PeerExchangeError);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toMatch(msg);
  });

  it('refuses an offer for a stream this module opened as side A (409)', async () => {
    const c = await Etsi004Client.connect({ port: d.hmB.port });
    try {
      const { key_stream_id } = await c.openConnect(hybridUri('R', NODE_B), hybridUri('R', NODE_A));
      await expect(sendOffer(d.hmB.peerEndpointUrl, offer({ key_stream_id }))).rejects.toMatchObject({ httpStatus: 409 });
    } finally {
      await c.end();
    }
  });
});
