/**
 * ETSI GS QKD 014 over HTTPS with client certificates (§4.2): certificates made
 * by `createEtsi014Pki` with the openssl CLI, curl (--cert/--key/--cacert) as the
 * independent client, our Etsi014Client with TLS, and the refusals: no client
 * certificate or one from another CA → HTTP 401 (the handshake accepts them so
 * the KME can answer as §5 prescribes), a valid SAE certificate at a KME it is
 * not registered with → 401, an SAE asking for keys addressed to another SAE →
 * 401; with `rejectUnauthorized` the TLS handshake itself fails instead.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Etsi014Client,
  Etsi014KmeServer,
  KeyStore,
  QkdLink,
  createEtsi014Pki,
  etsi014ClientTls,
  etsi014ServerTls,
  type Etsi014Pki,
} from '../../../qkd/index.js';
import { curlJson, quietLogs, type CurlReply, type Keys } from '../helpers.js';

/** curl over TLS as `sae` (omit for no client certificate), from `pki` (or only its CA). */
function curl(url: string, opts: { pki: Etsi014Pki; sae?: string; certFrom?: Etsi014Pki; method?: 'POST'; json?: string; header?: string }): Promise<CurlReply> {
  const args = ['--cacert', opts.pki.caCert];
  if (opts.sae !== undefined) {
    const from = opts.certFrom ?? opts.pki;
    args.push('--cert', from.saes[opts.sae]!.cert, '--key', from.saes[opts.sae]!.key);
  }
  if (opts.header) args.push('-H', opts.header);
  return curlJson(url, args, opts);
}

describe('ETSI 014 with mutual TLS', () => {
  let dir: string;
  let pki: Etsi014Pki;
  let rogue: Etsi014Pki;
  let link: QkdLink;
  let a: string;
  let b: string;

  beforeAll(async () => {
    quietLogs();
    dir = await mkdtemp(join(tmpdir(), 'qnfv-pki-'));
    pki = await createEtsi014Pki({ dir: join(dir, 'pki'), kmeIds: ['KME_A', 'KME_B'], saeIds: ['SAE_A', 'SAE_B', 'SAE_C'], days: 2 });
    // Same SAE name, another CA.
    rogue = await createEtsi014Pki({ dir: join(dir, 'rogue'), kmeIds: [], saeIds: ['SAE_A'], days: 2 });
    link = await QkdLink.start({
      tls: pki,
      keyRate: 0,
      prefill: 20,
      poolSize: 40,
      nodes: [
        { kmeId: 'KME_A', saeIds: ['SAE_A'] },
        { kmeId: 'KME_B', saeIds: ['SAE_B', 'SAE_C'] },
      ],
    });
    a = link.nodes[0].kme014Url;
    b = link.nodes[1].kme014Url;
  });
  afterAll(async () => {
    await link?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a CA, server and client certificates; keys mode 0600; the client certificate names the SAE', async () => {
    expect(a).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await stat(pki.dir)).mode & 0o777).toBe(0o700);
    for (const p of [join(pki.dir, 'ca.key'), pki.kmes.KME_A.key, pki.saes.SAE_B.key]) expect((await stat(p)).mode & 0o777).toBe(0o600);
    const sae = new X509Certificate(await readFile(pki.saes.SAE_B.cert));
    const ca = new X509Certificate(await readFile(pki.caCert));
    expect(sae.subject).toMatch(/CN=SAE_B/);
    expect(sae.checkIssued(ca)).toBe(true);
    expect(sae.verify(ca.publicKey)).toBe(true);
    const kme = new X509Certificate(await readFile(pki.kmes.KME_A.cert));
    expect(kme.subjectAltName).toMatch(/IP Address:127\.0\.0\.1/);
    expect(kme.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('curl with the SAE certificates gets keys at A and the same keys at B', async () => {
    const st = await curl(`${a}/api/v1/keys/SAE_B/status`, { pki, sae: 'SAE_A' });
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({ source_KME_ID: 'KME_A', target_KME_ID: 'KME_B', master_SAE_ID: 'SAE_A', slave_SAE_ID: 'SAE_B' });
    const enc = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { pki, sae: 'SAE_A', method: 'POST', json: '{"number":2,"size":256}' });
    expect(enc.status).toBe(200);
    const keys = (enc.body as unknown as Keys).keys;
    expect(keys).toHaveLength(2);
    const ids = JSON.stringify({ key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) });
    const dec = await curl(`${b}/api/v1/keys/SAE_A/dec_keys`, { pki, sae: 'SAE_B', method: 'POST', json: ids });
    expect(dec.status).toBe(200);
    expect((dec.body as unknown as Keys).keys).toEqual(keys);
  });

  it('answers 401 without a client certificate, and to a certificate from another CA', async () => {
    const none = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { pki });
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/could not be identified/);
    const wrong = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { pki, sae: 'SAE_A', certFrom: rogue });
    expect(wrong.status).toBe(401);
  });

  it('answers 401 to a valid SAE certificate at a KME the SAE is not registered with; the header cannot override it', async () => {
    const r = await curl(`${a}/api/v1/keys/SAE_B/status`, { pki, sae: 'SAE_B' });
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/SAE 'SAE_B' is not registered/);
    const spoof = await curl(`${a}/api/v1/keys/SAE_B/status`, { pki, sae: 'SAE_B', header: 'X-SAE-ID: SAE_A' });
    expect(spoof.status).toBe(401);
  });

  it('lets an SAE fetch only keys addressed to it', async () => {
    const enc = await curl(`${a}/api/v1/keys/SAE_B/enc_keys`, { pki, sae: 'SAE_A' });
    const [k] = (enc.body as unknown as Keys).keys;
    // SAE_C sits at KME_B too, with a valid certificate, but the key is for SAE_B.
    const theft = await curl(`${b}/api/v1/keys/SAE_A/dec_keys?key_ID=${k.key_ID}`, { pki, sae: 'SAE_C' });
    expect(theft.status).toBe(401);
    expect(theft.body.message).toMatch(/bound to another consumer/);
    const owner = await curl(`${b}/api/v1/keys/SAE_A/dec_keys?key_ID=${k.key_ID}`, { pki, sae: 'SAE_B' });
    expect(owner.status).toBe(200);
    expect((owner.body as unknown as Keys).keys).toEqual([k]);
  });

  it('Etsi014Client speaks HTTPS with its client certificate', async () => {
    const ca = new Etsi014Client({ baseUrl: a, saeId: 'SAE_A', tls: etsi014ClientTls(pki, 'SAE_A') });
    const cb = new Etsi014Client({ baseUrl: b, saeId: 'SAE_B', tls: etsi014ClientTls(pki, 'SAE_B') });
    try {
      for (let i = 0; i < 3; i++) {
        const enc = await ca.encKeys('SAE_B', { number: 1 });
        const dec = await cb.decKeys('SAE_A', [enc[0].key_ID]);
        expect(Buffer.from(dec[0].key).toString('hex')).toBe(Buffer.from(enc[0].key).toString('hex'));
      }
      const stranger = new Etsi014Client({ baseUrl: a, saeId: 'SAE_A', tls: { ...etsi014ClientTls(rogue, 'SAE_A'), ca: etsi014ClientTls(pki, 'SAE_A').ca } });
      await expect(stranger.status('SAE_B')).rejects.toMatchObject({ httpStatus: 401 });
      stranger.close();
      expect(() => new Etsi014Client({ baseUrl: a, saeId: 'SAE_A' })).toThrow(/needs tls/);
    } finally {
      ca.close();
      cb.close();
    }
  });

  it('with rejectUnauthorized the TLS handshake itself fails without a valid client certificate', async () => {
    const store = new KeyStore({ capacity: 2, keySizeBits: 256 });
    const kme = await Etsi014KmeServer.start({
      kmeId: 'KME_A',
      saeIds: ['SAE_A'],
      routes: [{ peerKmeId: 'KME_B', peerSaeIds: ['SAE_B'], store }],
      tls: { ...etsi014ServerTls(pki, 'KME_A'), rejectUnauthorized: true },
    });
    try {
      await expect(curl(`${kme.url}/api/v1/keys/SAE_B/status`, { pki })).rejects.toThrow(/curl/);
      await expect(curl(`${kme.url}/api/v1/keys/SAE_B/status`, { pki, sae: 'SAE_A', certFrom: rogue })).rejects.toThrow(/curl/);
      expect((await curl(`${kme.url}/api/v1/keys/SAE_B/status`, { pki, sae: 'SAE_A' })).status).toBe(200);
    } finally {
      await kme.stop();
    }
  });
});
