/**
 * ETSI GS QKD 004 v2.1.1 at the QKD node: plain QKD keys as key streams, for
 * SAEs that want them directly rather than through ETSI 014 (the
 * Hybridization Module speaks 004 northbound too; this is the node's own).
 *
 * - `OPEN_CONNECT(source, destination, QoS, KSID)`: `source` names an SAE of
 *   this node and `destination` an SAE behind a peer node this node has a
 *   link to, as `qkd://<sae-id>@<kme-id>` (the `@<kme-id>` part may be left
 *   out). Without a KSID a new key stream is opened; the peer SAE opens it at
 *   its node with that KSID (before that, joining it answers 1). Both ends
 *   must ask for the same `key_chunk_size`, a whole number of the link's keys
 *   (else status 7 with a counter-proposal); opening an end twice is 5.
 * - `GET_KEY(KSID, index)`: both ends get the same `key_chunk_size` bytes for
 *   the same index. The first end to ask takes fresh keys from its store,
 *   bound to the stream (`004:<KSID>`); the link tells the peer node which
 *   keys carry that index, and the peer end gets exactly those. A key leaves
 *   each node once: asking twice for an index is status 2. Before the peer
 *   SAE opened the stream: 3. No key yet: wait up to the QoS `timeout` (ms)
 *   for the link to deliver more, then 6 (2 at once when `timeout` is 0).
 * - `CLOSE(KSID)` ends this node's end of the stream.
 *
 * The stream table the two nodes share (`KeyStreamTable`) stands for the
 * link's authenticated classical channel between the KMEs; in this in-process
 * simulation it is one object, as the key stores' delivery notices are.
 */
import { randomUUID } from 'node:crypto';
import { toHex, zeroize } from '../common/index.js';
import { Etsi004Status } from './etsi004/constants.js';
import { Etsi004StatusError, type CloseRequest, type CloseResponse, type GetKeyRequest, type GetKeyResponse, type OpenConnectRequest, type OpenConnectResponse } from './etsi004/messages.js';
import type { Etsi004Handler } from './etsi004/server.js';
import type { KeyStore } from './key-store.js';

/** One end of a key stream: the node and SAE that opened it. */
interface StreamEnd {
  kmeId: string;
  saeId: string;
  open: boolean;
  /** QoS `timeout` of its OPEN_CONNECT: how long a GET_KEY waits for keys (ms). */
  timeoutMs: number;
  /** Indexes delivered at this end. */
  delivered: Set<number>;
}

/** A key stream between two SAEs of the two nodes of a link. */
interface KeyStream {
  ksid: string;
  chunkBytes: number;
  /** By KME id. */
  ends: Map<string, StreamEnd>;
  /** Index → the key_IDs (in order) that make its chunk, once the first end took them. */
  keys: Map<number, string[]>;
}

/** The key streams of one link, shared by its two nodes (the KMEs' classical channel). */
export class KeyStreamTable {
  readonly streams = new Map<string, KeyStream>();
}

/** What one node's 004 service needs: itself, the link it ends and the peer behind it. */
export interface Kme004Options {
  kmeId: string;
  saeIds: readonly string[];
  peerKmeId: string;
  peerSaeIds: readonly string[];
  store: KeyStore;
  table: KeyStreamTable;
  /** How often a waiting GET_KEY looks for new keys (ms, default 20). */
  pollMs?: number;
}

const binding = (ksid: string): string => `004:${ksid}`;

/** Parse `qkd://<sae>@<kme>` (or a bare SAE id); undefined when malformed. */
export function parseQkdUri(uri: string): { saeId: string; kmeId?: string } | undefined {
  const m = /^(?:qkd:\/\/)?([A-Za-z0-9._~-]+)(?:@([A-Za-z0-9._~-]+))?$/.exec(uri);
  return m ? { saeId: m[1]!, ...(m[2] ? { kmeId: m[2] } : {}) } : undefined;
}

/** The 004 handler of one QKD node for one link. */
export class Kme004Service implements Etsi004Handler {
  constructor(private readonly opts: Kme004Options) {}

  openConnect(req: OpenConnectRequest): OpenConnectResponse {
    const o = this.opts;
    // Each end may name itself as the source (its own view) or repeat the opener's pair
    // (the QUBIP dialect): the local SAE is whichever of the two belongs to this node.
    const ours = (u: ReturnType<typeof parseQkdUri>): boolean => !!u && o.saeIds.includes(u.saeId) && (u.kmeId === undefined || u.kmeId === o.kmeId);
    const theirs = (u: ReturnType<typeof parseQkdUri>): boolean => !!u && o.peerSaeIds.includes(u.saeId) && (u.kmeId === undefined || u.kmeId === o.peerKmeId);
    const [s1, d1] = [parseQkdUri(req.source), parseQkdUri(req.destination)];
    const pair = ours(s1) ? { src: s1!, dst: d1 } : ours(d1) && req.key_stream_id !== undefined ? { src: d1!, dst: s1 } : undefined;
    if (!pair) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `source '${req.source}' is not an SAE of node ${o.kmeId} (${o.saeIds.join(', ')})`);
    if (!theirs(pair.dst)) {
      const other = pair.src === s1 ? req.destination : req.source;
      throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `no QKD link from node ${o.kmeId} to '${other}' (reachable: ${o.peerSaeIds.map((x) => `qkd://${x}@${o.peerKmeId}`).join(', ')})`);
    }
    const src = pair.src;
    const dst = pair.dst!;
    const keyBytes = o.store.keySizeBits / 8;
    const chunk = req.qos.key_chunk_size;
    if (chunk < keyBytes || chunk % keyBytes !== 0) {
      const proposal = Math.max(keyBytes, Math.round(chunk / keyBytes) * keyBytes);
      throw new Etsi004StatusError(Etsi004Status.QOS_NOT_MET, `key_chunk_size must be a multiple of the link's ${keyBytes}-byte keys`, { qos: { ...req.qos, key_chunk_size: proposal } });
    }
    const end = (): StreamEnd => ({ kmeId: o.kmeId, saeId: src.saeId, open: true, timeoutMs: req.qos.timeout, delivered: new Set() });
    if (req.key_stream_id === undefined) {
      const ksid = randomUUID();
      o.table.streams.set(ksid, { ksid, chunkBytes: chunk, ends: new Map([[o.kmeId, end()]]), keys: new Map() });
      // The peer SAE opens it with this KSID at its node; until then GET_KEY answers 3.
      return { status: Etsi004Status.SUCCESSFUL, key_stream_id: ksid, qos: req.qos };
    }
    const s = o.table.streams.get(req.key_stream_id);
    if (!s) return { status: Etsi004Status.PEER_NOT_CONNECTED, key_stream_id: req.key_stream_id, qos: req.qos, message: `the peer SAE has not opened key stream ${req.key_stream_id} (yet)` };
    if (s.ends.has(o.kmeId)) throw new Etsi004StatusError(Etsi004Status.KSID_IN_USE, `key stream ${s.ksid} is already open at node ${o.kmeId}`);
    const first = [...s.ends.values()][0]!;
    if (first.saeId !== dst.saeId) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `key stream ${s.ksid} was opened by ${first.saeId}, not by '${req.destination}'`);
    if (chunk !== s.chunkBytes) throw new Etsi004StatusError(Etsi004Status.QOS_NOT_MET, `the peer opened key stream ${s.ksid} with key_chunk_size ${s.chunkBytes}`, { qos: { ...req.qos, key_chunk_size: s.chunkBytes } });
    s.ends.set(o.kmeId, end());
    return { status: Etsi004Status.SUCCESSFUL, key_stream_id: s.ksid, qos: req.qos };
  }

  async getKey(req: GetKeyRequest): Promise<GetKeyResponse> {
    const o = this.opts;
    const s = o.table.streams.get(req.key_stream_id);
    const here = s?.ends.get(o.kmeId);
    if (!s || !here?.open) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `key stream ${req.key_stream_id} is not open at node ${o.kmeId}`);
    const peer = s.ends.get(o.peerKmeId);
    if (!peer) throw new Etsi004StatusError(Etsi004Status.PEER_APP_NOT_CONNECTED, `the peer SAE has not opened key stream ${s.ksid} at node ${o.peerKmeId} yet`);
    if (here.delivered.has(req.index)) throw new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, `index ${req.index} of key stream ${s.ksid} was already delivered here (a key leaves a node once)`);
    const count = s.chunkBytes / (o.store.keySizeBits / 8);
    let ids = s.keys.get(req.index);
    let taken;
    if (ids) {
      // The peer end took this index's keys: the same ones, by id.
      taken = o.store.takeById(ids, binding(s.ksid), { requirePeerDelivery: true });
    } else {
      taken = await this.takeFresh(count, binding(s.ksid), here.timeoutMs);
      // Another request for this index may have won while this one waited.
      const raced = s.keys.get(req.index);
      if (raced) {
        for (const k of taken) zeroize(k.key);
        throw new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, `index ${req.index} of key stream ${s.ksid} was taken meanwhile`);
      }
      ids = taken.map((k) => k.key_ID);
      s.keys.set(req.index, ids);
    }
    here.delivered.add(req.index);
    const chunk = new Uint8Array(s.chunkBytes);
    let at = 0;
    for (const k of taken) {
      chunk.set(k.key, at);
      at += k.key.length;
      zeroize(k.key);
    }
    const keyBuffer = toHex(chunk);
    zeroize(chunk);
    return { status: Etsi004Status.SUCCESSFUL, index: req.index, key_buffer: keyBuffer, metadata: { size: 0, buffer: '' } };
  }

  close(req: CloseRequest): CloseResponse {
    const o = this.opts;
    const s = o.table.streams.get(req.key_stream_id);
    const here = s?.ends.get(o.kmeId);
    if (!s || !here?.open) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `key stream ${req.key_stream_id} is not open at node ${o.kmeId}`);
    here.open = false;
    if ([...s.ends.values()].every((e) => !e.open)) o.table.streams.delete(s.ksid);
    return { status: Etsi004Status.SUCCESSFUL };
  }

  /** `count` fresh keys, waiting up to `timeoutMs` for the link to deliver them. */
  private async takeFresh(count: number, bind: string, timeoutMs: number): Promise<ReturnType<KeyStore['takeNext']>> {
    const o = this.opts;
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (o.store.available >= count) return o.store.takeNext(count, bind);
      if (timeoutMs === 0) throw new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, `node ${o.kmeId} has ${o.store.available} key(s) for this link, ${count} needed`);
      if (Date.now() >= end) throw new Etsi004StatusError(Etsi004Status.TIMEOUT, `no ${count} key(s) arrived within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, o.pollMs ?? 20));
    }
  }
}

/** One node's 004 handler over its links: OPEN_CONNECT goes to the link that reaches `destination`, the rest to the link that holds the KSID. */
export function kme004Handler(links: readonly { service: Kme004Service; table: KeyStreamTable; peerSaeIds: readonly string[] }[]): Etsi004Handler {
  const byKsid = (ksid: string): Kme004Service => {
    const link = links.find((l) => l.table.streams.has(ksid));
    if (!link) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `no key stream ${ksid} is open at this node`);
    return link.service;
  };
  return {
    openConnect: (req) => {
      if (req.key_stream_id !== undefined) {
        const holder = links.find((l) => l.table.streams.has(req.key_stream_id!));
        if (holder) return holder.service.openConnect(req);
      }
      const sae = parseQkdUri(req.destination)?.saeId;
      const link = links.find((l) => sae !== undefined && l.peerSaeIds.includes(sae)) ?? links[0];
      if (!link) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, 'this node has no QKD link');
      return link.service.openConnect(req);
    },
    getKey: (req) => byKsid(req.key_stream_id).getKey(req),
    close: (req) => byKsid(req.key_stream_id).close(req),
  };
}
