/**
 * Hybridization Modules with several peers: a three-node QKD network (a link
 * between every pair), three HMs each with the other two as peers. A key for a
 * stream between two nodes goes through exactly those two HMs and the QKD link
 * between their nodes; an HM refuses a stream naming a node that is not its
 * peer, and an offer signed by one peer for a stream naming another.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  Etsi004Client,
  HybridizationModule,
  OFFER_SIGNATURE_LABEL,
  PEER_EXCHANGE_PATH,
  QkdNetwork,
  generateHmIdentity,
  signEnvelope,
  type HmIdentity,
} from '../../../qkd/index.js';
import { ValidationError } from '../../../common/index.js';
import { quietLogs } from '../helpers.js';
import { hex, keyPair, metadataOf, uri } from './fixtures.js';

const NODES = ['aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'];
const OTHER = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';

describe('Hybridization Modules with several peers', () => {
  let net: QkdNetwork;
  let ids: HmIdentity[];
  let hms: HybridizationModule[];
  let clients: Etsi004Client[];

  beforeAll(async () => {
    quietLogs();
    net = await QkdNetwork.start({ keyRate: 0, prefill: 20, poolSize: 64, nodes: NODES.map((_, i) => ({ kmeId: `kme-${i}`, saeIds: [`hm-${i}`] })) });
    ids = NODES.map(() => generateHmIdentity());
    hms = [];
    for (const [i, node] of NODES.entries()) {
      const peers = NODES.flatMap((n, j) => (j === i ? [] : [{ nodeUuid: n, saeId: `hm-${j}`, verificationKey: ids[j]!.publicKey }]));
      hms.push(await HybridizationModule.start({ name: `hm${i}`, nodeUuid: node, saeId: `hm-${i}`, kme014Url: net.nodes[i]!.kme014Url, signingKey: ids[i]!.secretKey, peers }));
    }
    for (const [i, hm] of hms.entries()) for (const [j, other] of hms.entries()) if (i !== j) hm.setPeerUrl(other.peerEndpointUrl, NODES[j]);
    clients = await Promise.all(hms.map((hm) => Etsi004Client.connect({ port: hm.port })));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await Promise.all(hms.map((hm) => hm.stop()));
    await net.stop();
  });

  const available = () => net.links.map((l) => l.stores.map((s) => s.available));

  it.each([
    [0, 1],
    [0, 2],
    [2, 1],
  ])('keys a stream from node %i to node %i with the QKD link between them and no other', async (i, j) => {
    const before = available();
    const { ksid, a, b } = await keyPair(clients[i]!, clients[j]!, uri('SPI_1', NODES[i]!), uri('SPI_1', NODES[j]!));
    expect(hex(b.key)).toBe(hex(a.key));
    expect(metadataOf(a)).toEqual(metadataOf(b));
    const after = available();
    const used = net.link(i, j);
    net.links.forEach((l, k) => expect(after[k]).toEqual(l === used ? before[k]!.map((n) => n - 1) : before[k]));
    await Promise.all([clients[i]!.close(ksid), clients[j]!.close(ksid)]);
  });

  it('gives different keys on different peer links for the same stream names', async () => {
    const ab = await keyPair(clients[0]!, clients[1]!, uri('SPI_9', NODES[0]!), uri('SPI_9', NODES[1]!));
    const ac = await keyPair(clients[0]!, clients[2]!, uri('SPI_9', NODES[0]!), uri('SPI_9', NODES[2]!));
    expect(hex(ab.a.key)).not.toBe(hex(ac.a.key));
    expect(metadataOf(ab.a).qkd_key_ids).not.toEqual(metadataOf(ac.a).qkd_key_ids);
  });

  it('refuses OPEN_CONNECT for a node that is not a peer, naming its peers', async () => {
    await expect(clients[0]!.openConnect(uri('X', NODES[0]!), uri('X', OTHER), { key_chunk_size: 32 })).rejects.toThrow(
      new RegExp(`node ${OTHER} is not this module's peer \\(${NODES[1]}, ${NODES[2]}\\)`),
    );
  });

  it("refuses an offer signed by one peer for a stream that names another peer's node", async () => {
    // HM b signs an offer to HM c whose URIs claim the stream is between a and c.
    const offer = { key_stream_id: randomUUID(), index: 0, source: uri('P', NODES[0]!), destination: uri('P', NODES[2]!), combiner: 'kdf', key_chunk_size: 32, degraded_sources: [], sources: {} };
    const message = JSON.stringify({ type: 'qnfv-hm-offer', version: 3, from: NODES[1], to: NODES[2], nonce: randomBytes(16).toString('hex'), timestamp: Date.now(), offers: [offer] });
    const res = await fetch(new URL(PEER_EXCHANGE_PATH, hms[2]!.peerEndpointUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signEnvelope(message, ids[1]!, OFFER_SIGNATURE_LABEL)) });
    expect(res.status).toBe(200);
    const answers = JSON.parse(((await res.json()) as { message: string }).message).answers as { status: number; message: string }[];
    expect(answers[0]).toEqual({ status: 400, message: expect.stringMatching(new RegExp(`node ${NODES[0]} is not this module's peer \\(${NODES[1]}\\)`)) });
  });

  it('refuses a batch signed by a peer key whose `from` names another peer (401)', async () => {
    const message = JSON.stringify({ type: 'qnfv-hm-offer', version: 3, from: NODES[0], to: NODES[2], nonce: randomBytes(16).toString('hex'), timestamp: Date.now(), offers: [{}] });
    const res = await fetch(new URL(PEER_EXCHANGE_PATH, hms[2]!.peerEndpointUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signEnvelope(message, ids[1]!, OFFER_SIGNATURE_LABEL)) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(new RegExp(`signed by the key of peer ${NODES[1]} says it comes from node ${NODES[0]}`));
  });

  it('checks the peers option: node UUIDs required and distinct with several peers, one form only', async () => {
    const base = { nodeUuid: NODES[0]!, saeId: 'x', kme014Url: 'http://127.0.0.1:1' };
    await expect(HybridizationModule.start({ ...base, peers: [{ saeId: 'p1' }, { nodeUuid: NODES[1]!, saeId: 'p2' }] })).rejects.toThrow(/peers\[0\]\.nodeUuid is required when a module has several peers/);
    await expect(HybridizationModule.start({ ...base, peers: [{ nodeUuid: NODES[1]!, saeId: 'p1' }, { nodeUuid: NODES[1]!.toUpperCase(), saeId: 'p2' }] })).rejects.toThrow(/peers\[1\]\.nodeUuid .* is listed twice/);
    await expect(HybridizationModule.start({ ...base, peers: [{ nodeUuid: NODES[0]!, saeId: 'p1' }] })).rejects.toThrow(/peers\[0\]\.nodeUuid is this module's own node/);
    await expect(HybridizationModule.start({ ...base, peerSaeId: 'p', peers: [{ nodeUuid: NODES[1]!, saeId: 'p1' }] })).rejects.toThrow(ValidationError);
    await expect(HybridizationModule.start({ ...base })).rejects.toThrow(/peerSaeId \(or peers\) must name the peer module/);
    expect(() => hms[0]!.setPeerUrl('http://127.0.0.1:9/')).toThrow(/has 2 peers: name the peer/);
    expect(() => hms[0]!.setPeerUrl('http://127.0.0.1:9/', OTHER)).toThrow(/is not this module's peer/);
  });
});
