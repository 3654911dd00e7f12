/**
 * ETSI GS QKD 014 v1.1.1 KME against curl as the independent client, plus our
 * Etsi014Client against the same server.
 */
import { Etsi014Client, Etsi014ClientError, Etsi014KmeServer, KeyStore, QkdLink, fixedSaeIdentity } from '../../../qkd/index.js';
import { curlJson, quietLogs, type CurlReply, type Keys } from '../helpers.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** curl -s as `sae` (X-SAE-ID header), returns HTTP status and parsed JSON body. */
function curl(url: string, opts: { sae?: string; method?: 'GET' | 'POST'; json?: string } = {}): Promise<CurlReply> {
  return curlJson(url, opts.sae !== undefined ? ['-H', `X-SAE-ID: ${opts.sae}`] : [], opts);
}

describe('ETSI 014 KME (curl as client)', () => {
  let link: QkdLink;
  let a: string;
  let b: string;

  beforeAll(async () => {
    quietLogs();
    link = await QkdLink.start({
      keyRate: 0,
      prefill: 20,
      poolSize: 50,
      maxKeyPerRequest: 8,
      nodes: [
        { kmeId: 'KME_A', saeIds: ['SAE_A'] },
        { kmeId: 'KME_B', saeIds: ['SAE_B'] },
      ],
    });
    a = link.nodes[0].kme014Url;
    b = link.nodes[1].kme014Url;
  });
  afterAll(() => link.stop());

  it('GET status carries the GS QKD 014 §6.1 fields', async () => {
    const r = await curl(`${a}/api/v1/keys/SAE_B/status`, { sae: 'SAE_A' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      source_KME_ID: 'KME_A',
      target_KME_ID: 'KME_B',
      master_SAE_ID: 'SAE_A',
      slave_SAE_ID: 'SAE_B',
      key_size: 256,
      stored_key_count: expect.any(Number),
      max_key_count: 50,
      max_key_per_request: 8,
      max_key_size: 256,
      min_key_size: 256,
      max_SAE_ID_count: 0,
    });
  });

  it('POST enc_keys at A and POST dec_keys at B give the same keys; a second dec_keys fails', async () => {
    const before = (await curl(`${a}/api/v1/keys/SAE_B/status`, { sae: 'SAE_A' })).body.stored_key_count as number;
    const enc = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"number":2,"size":256}' });
    expect(enc.status).toBe(200);
    const keys = (enc.body as unknown as Keys).keys;
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      expect(k.key_ID).toMatch(UUID_RE);
      expect(Buffer.from(k.key, 'base64')).toHaveLength(32);
    }
    expect((await curl(`${a}/api/v1/keys/SAE_B/status`, { sae: 'SAE_A' })).body.stored_key_count).toBe(before - 2);
    // dec_keys: the path names the MASTER SAE; the caller is the slave.
    const body = JSON.stringify({ key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) });
    const dec = await curl(`${b}/api/v1/keys/SAE_A/dec_keys`, { sae: 'SAE_B', method: 'POST', json: body });
    expect(dec.status).toBe(200);
    expect((dec.body as unknown as Keys).keys).toEqual(keys);
    const again = await curl(`${b}/api/v1/keys/SAE_A/dec_keys`, { sae: 'SAE_B', method: 'POST', json: body });
    expect(again.status).toBe(400);
    expect(again.body.message).toEqual(expect.any(String));
  });

  it('GET enc_keys (?number=&size=) and GET dec_keys (?key_ID=)', async () => {
    const enc = await curl(`${a}/api/v1/keys/SAE_B/enc_keys?number=1&size=256`, { sae: 'SAE_A' });
    expect(enc.status).toBe(200);
    const [k] = (enc.body as unknown as Keys).keys;
    const dec = await curl(`${b}/api/v1/keys/SAE_A/dec_keys?key_ID=${k.key_ID}`, { sae: 'SAE_B' });
    expect(dec.status).toBe(200);
    expect((dec.body as unknown as Keys).keys).toEqual([k]);
    // Defaults: number 1, size = key_size.
    const dflt = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A' });
    expect((dflt.body as unknown as Keys).keys).toHaveLength(1);
  });

  it('works in the other direction (B master, A slave)', async () => {
    const enc = await curl(`${b}/api/v1/keys/SAE_A/enc_keys`, { sae: 'SAE_B', method: 'POST', json: '{}' });
    const [k] = (enc.body as unknown as Keys).keys;
    const dec = await curl(`${a}/api/v1/keys/SAE_B/dec_keys?key_ID=${k.key_ID}`, { sae: 'SAE_A' });
    expect((dec.body as unknown as Keys).keys).toEqual([k]);
  });

  it('answers 400 for a bad size, number, body or unknown key_ID', async () => {
    const cases: [string, Parameters<typeof curl>[1]][] = [
      [`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"number":1,"size":128}' }],
      [`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"number":0}' }],
      [`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"number":9}' }],
      [`${a}/api/v1/keys/SAE_B/enc_keys?size=abc`, { sae: 'SAE_A' }],
      [`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"number":' }],
      [`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"additional_slave_SAE_IDs":["X"]}' }],
      [`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"extension_mandatory":[{"x":1}]}' }],
      [`${a}/api/v1/keys/NOBODY/enc_keys`, { sae: 'SAE_A' }],
      [`${b}/api/v1/keys/SAE_A/dec_keys?key_ID=0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0`, { sae: 'SAE_B' }],
      [`${b}/api/v1/keys/SAE_A/dec_keys`, { sae: 'SAE_B', method: 'POST', json: '{"key_IDs":"x"}' }],
    ];
    for (const [url, opts] of cases) {
      const r = await curl(url, opts);
      expect({ url, status: r.status }).toEqual({ url, status: 400 });
      expect(typeof r.body.message).toBe('string');
    }
  });

  it('answers 401 to an unknown or unidentified SAE', async () => {
    const wrong = await curl(`${a}/api/v1/keys/SAE_B/status`, { sae: 'SAE_B' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/not registered/);
    const none = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`);
    expect(none.status).toBe(401);
  });

  it('answers 503 when keys run out', async () => {
    const n = (await curl(`${a}/api/v1/keys/SAE_B/status`, { sae: 'SAE_A' })).body.stored_key_count as number;
    for (let left = n; left > 0; left -= Math.min(8, left)) {
      const r = await curl(`${a}/api/v1/keys/SAE_B/enc_keys?number=${Math.min(8, left)}`, { sae: 'SAE_A' });
      expect(r.status).toBe(200);
    }
    const r = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { sae: 'SAE_A', method: 'POST', json: '{"number":1}' });
    expect(r.status).toBe(503);
    expect(r.body.message).toMatch(/not enough keys/);
    link.fill(4);
  });
});

describe('Etsi014Client', () => {
  let link: QkdLink;
  beforeAll(async () => {
    quietLogs();
    link = await QkdLink.start({
      keyRate: 0,
      prefill: 10,
      poolSize: 10,
      nodes: [
        { kmeId: 'KME_A', saeIds: ['SAE_A'] },
        { kmeId: 'KME_B', saeIds: ['SAE_B'] },
      ],
    });
  });
  afterAll(() => link.stop());

  it('status, encKeys and decKeys by POST and GET', async () => {
    const ca = new Etsi014Client({ baseUrl: link.nodes[0].kme014Url, saeId: 'SAE_A' });
    const cb = new Etsi014Client({ baseUrl: link.nodes[1].kme014Url, saeId: 'SAE_B' });
    expect((await ca.status('SAE_B')).stored_key_count).toBe(10);
    for (const method of ['POST', 'GET'] as const) {
      const enc = await ca.encKeys('SAE_B', { number: 2, size: 256 }, method);
      const dec = await cb.decKeys('SAE_A', enc.map((k) => k.key_ID), method);
      expect(dec.map((k) => k.key_ID)).toEqual(enc.map((k) => k.key_ID));
      expect(dec.map((k) => Buffer.from(k.key).toString('hex'))).toEqual(enc.map((k) => Buffer.from(k.key).toString('hex')));
    }
  });

  it('throws Etsi014ClientError with the HTTP status', async () => {
    const wrong = new Etsi014Client({ baseUrl: link.nodes[0].kme014Url, saeId: 'SAE_X' });
    await expect(wrong.status('SAE_B')).rejects.toMatchObject({ httpStatus: 401 });
    const ca = new Etsi014Client({ baseUrl: link.nodes[0].kme014Url, saeId: 'SAE_A' });
    await expect(ca.encKeys('SAE_B', { size: 512 })).rejects.toBeInstanceOf(Etsi014ClientError);
    await expect(ca.encKeys('SAE_B', { number: 500 })).rejects.toMatchObject({ httpStatus: 400 });
    await expect(ca.encKeys('SAE_B', { number: 50 })).rejects.toMatchObject({ httpStatus: 503 });
  });
});

describe('pluggable SAE identity', () => {
  it('a fixed resolver identifies every caller as the configured SAE (no header needed)', async () => {
    const store = new KeyStore({ capacity: 4, keySizeBits: 256 });
    store.add('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0', new Uint8Array(32).fill(7));
    const kme = await Etsi014KmeServer.start({
      kmeId: 'KME_X',
      saeIds: ['SAE_X'],
      routes: [{ peerKmeId: 'KME_Y', peerSaeIds: ['SAE_Y'], store }],
      saeIdentity: fixedSaeIdentity('SAE_X'),
    });
    try {
      const st = await curl(`${kme.url}/api/v1/keys/SAE_Y/status`);
      expect(st).toMatchObject({ status: 200, body: { master_SAE_ID: 'SAE_X', stored_key_count: 1 } });
      // The header is ignored by this resolver.
      const enc = await curl(`${kme.url}/api/v1/keys/SAE_Y/enc_keys`, { sae: 'SAE_Z' });
      expect(enc.status).toBe(200);
      expect((enc.body as unknown as Keys).keys[0]).toEqual({ key_ID: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0', key: Buffer.alloc(32, 7).toString('base64') });
    } finally {
      await kme.stop();
    }
  });

  it('answers 404/405 outside the GS QKD 014 methods', async () => {
    const store = new KeyStore({ capacity: 1, keySizeBits: 256 });
    const kme = await Etsi014KmeServer.start({ kmeId: 'K', saeIds: ['S'], routes: [{ peerKmeId: 'P', peerSaeIds: ['T'], store }] });
    try {
      expect((await curl(`${kme.url}/api/v2/keys/T/status`, { sae: 'S' })).status).toBe(404);
      expect((await curl(`${kme.url}/api/v1/keys/T/status`, { sae: 'S', method: 'POST', json: '{}' })).status).toBe(405);
    } finally {
      await kme.stop();
    }
  });
});
