/**
 * A QKD network of four nodes on a ring (links 0-1, 1-2, 2-3, 3-0), with curl
 * as the independent ETSI 014 client: a node's KME serves each of its links to
 * its SAE, picking the link by the peer SAE; a pair without a link gets the
 * KME's 400; options are checked with the field named.
 */
import { QkdNetwork, fullMesh } from '../../qkd/index.js';
import { curlJson, quietLogs, type Keys } from './helpers.js';

const nodes = [0, 1, 2, 3].map((i) => ({ kmeId: `KME_${i}`, saeIds: [`SAE_${i}`] }));

describe('QKD network', () => {
  let net: QkdNetwork;

  beforeAll(async () => {
    quietLogs();
    net = await QkdNetwork.start({ keyRate: 0, prefill: 10, poolSize: 20, nodes, links: [[0, 1], [1, 2], [2, 3], [3, 0]] });
  });
  afterAll(() => net.stop());

  it('lists every pair once for a full mesh', () => {
    expect(fullMesh(4)).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    expect(fullMesh(10)).toHaveLength(45);
  });

  it.each([
    [1, 0],
    [1, 2],
  ])('node %i serves its link to node %i: enc_keys there, the same key by id at the other end', async (_one, peer) => {
    const enc = await curlJson(`${net.nodes[1]!.kme014Url}/api/v1/keys/SAE_${peer}/enc_keys?number=1`, ['-H', 'X-SAE-ID: SAE_1']);
    expect(enc.status).toBe(200);
    const [k] = (enc.body as Keys).keys;
    const dec = await curlJson(`${net.nodes[peer]!.kme014Url}/api/v1/keys/SAE_1/dec_keys?key_ID=${k!.key_ID}`, ['-H', `X-SAE-ID: SAE_${peer}`]);
    expect(dec.status).toBe(200);
    expect((dec.body as Keys).keys).toEqual([k]);
    expect(net.link(1, peer).stores.map((s) => s.available)).toEqual([9, 9]);
  });

  it('answers 400 for an SAE on a node without a link to this one', async () => {
    const r = await curlJson(`${net.nodes[0]!.kme014Url}/api/v1/keys/SAE_2/enc_keys`, ['-H', 'X-SAE-ID: SAE_0']);
    expect(r.status).toBe(400);
    expect(String(r.body.message)).toMatch(/SAE_2/);
    expect(() => net.link(0, 2)).toThrow(/no QKD link between nodes 0 and 2/);
  });

  it('reports each link with both pools', () => {
    expect(net.stats().map((s) => s.pool.map((p) => p.store))).toEqual([
      ['KME_0-KME_1@KME_0', 'KME_0-KME_1@KME_1'],
      ['KME_1-KME_2@KME_1', 'KME_1-KME_2@KME_2'],
      ['KME_2-KME_3@KME_2', 'KME_2-KME_3@KME_3'],
      ['KME_3-KME_0@KME_3', 'KME_3-KME_0@KME_0'],
    ]);
  });

  it.each([
    [{ nodes: nodes.slice(0, 1) }, /at least two nodes, got 1/],
    [{ nodes: [nodes[0]!, nodes[0]!] }, /distinct kmeIds: 'KME_0' appears twice/],
    [{ nodes: [nodes[0]!, { kmeId: 'KME_X', saeIds: ['SAE_0'] }] }, /SAE id 'SAE_0' is attached to two nodes \(KME_0, KME_X\)/],
    [{ nodes, links: [[0, 0]] as [number, number][] }, /links\[0\]: \[0, 0\] must name two different nodes in 0\.\.3/],
    [{ nodes, links: [[0, 4]] as [number, number][] }, /links\[0\]: \[0, 4\]/],
    [{ nodes, links: [[0, 1], [1, 0]] as [number, number][] }, /links\[1\]: nodes 1 and 0 are linked twice/],
    [{ nodes, links: [] }, /at least one link/],
  ])('refuses bad options (%#)', async (opts, msg) => {
    await expect(QkdNetwork.start({ keyRate: 0, ...opts })).rejects.toThrow(msg);
  });
});
