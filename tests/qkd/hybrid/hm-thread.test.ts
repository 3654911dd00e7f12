/**
 * A Hybridization Module in a worker thread (qkd/hybrid/hm-thread.ts, run from
 * dist/ as the benchmarks and the lab use it): two of them key each other over
 * the HM-to-HM channel; both ends fetch the same keys over ETSI 004.
 */
import { configureLogging, zeroize } from '../../../common/index.js';
import { Etsi004Client, QkdLink, generateHmIdentity, startHmThread, type HmHandle, type HybridizationModuleOptions } from '../../../qkd/index.js';

configureLogging({ console: false });

const NODE_A = '11111111-1111-4111-8111-111111111111';
const NODE_B = '22222222-2222-4222-8222-222222222222';

let link: QkdLink;
let a: HmHandle;
let b: HmHandle;

beforeAll(async () => {
  link = await QkdLink.start({ keyRate: 0, prefill: 20, poolSize: 100, nodes: [{ kmeId: 'kme-a', saeIds: ['hm-a'] }, { kmeId: 'kme-b', saeIds: ['hm-b'] }] });
  const idA = generateHmIdentity();
  const idB = generateHmIdentity();
  const optsA: HybridizationModuleOptions = { name: 'a', nodeUuid: NODE_A, peerNodeUuid: NODE_B, saeId: 'hm-a', peerSaeId: 'hm-b', kme014Url: link.nodes[0].kme014Url, signingKey: idA.secretKey, peerVerificationKey: idB.publicKey };
  const optsB: HybridizationModuleOptions = { name: 'b', nodeUuid: NODE_B, peerNodeUuid: NODE_A, saeId: 'hm-b', peerSaeId: 'hm-a', kme014Url: link.nodes[1].kme014Url, signingKey: idB.secretKey, peerVerificationKey: idA.publicKey };
  [a, b] = await Promise.all([startHmThread(optsA), startHmThread(optsB)]);
  zeroize(idA.secretKey, idB.secretKey);
  await Promise.all([a.setPeerUrl(b.peerEndpointUrl), b.setPeerUrl(a.peerEndpointUrl)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await link?.stop();
});

it('two HM threads give both ends the same hybrid keys, with QKD and ML-KEM ids in the metadata', async () => {
  const uri = (node: string) => `hybrid://t1@${node}?hybridization=kdf&key_sources=QKD,ML-KEM-512`;
  const ca = await Etsi004Client.connect({ port: a.port });
  const cb = await Etsi004Client.connect({ port: b.port });
  try {
    for (let i = 0; i < 3; i++) {
      const { key_stream_id: ksid } = await ca.openConnect(uri(NODE_A), uri(NODE_B), { key_chunk_size: 32, metadata_mimetype: 'application/json' });
      const ka = await ca.getKey(ksid, 0, 1024);
      await cb.openConnect(uri(NODE_A), uri(NODE_B), { key_chunk_size: 32, metadata_mimetype: 'application/json' }, ksid);
      const kb = await cb.getKey(ksid, 0, 1024);
      expect(ka.key).toHaveLength(32);
      expect(Buffer.compare(ka.key, kb.key)).toBe(0);
      const md = JSON.parse(ka.metadata!.buffer!) as { kem: string; qkd_key_ids: string[] };
      expect(md.kem).toBe('ML-KEM-512');
      expect(md.qkd_key_ids).toHaveLength(1);
      zeroize(ka.key, kb.key);
      await Promise.all([ca.close(ksid), cb.close(ksid)]);
    }
  } finally {
    await Promise.all([ca.end(), cb.end()]);
  }
  expect((await a.stats()).offers).toBeGreaterThanOrEqual(3);
});

it('a bad option fails the start with the module’s own message', async () => {
  await expect(startHmThread({ name: 'x', nodeUuid: NODE_A, peerNodeUuid: NODE_B, saeId: 'hm-a', peerSaeId: 'hm-b', kme014Url: link.nodes[0].kme014Url, signingKey: new Uint8Array(3) })).rejects.toThrow(/signingKey must be an ML-DSA-65 secret key/);
});
