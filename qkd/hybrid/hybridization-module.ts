/**
 * The Hybridization Module of one domain (ARCHITECTURE.md §4). Northbound it
 * is an ETSI GS QKD 004 v2.1.1 server for the VCA's Proxy Agent; it combines a
 * QKD key (its node's ETSI GS QKD 014 KME) with an ML-KEM secret agreed with
 * the peer domain's HM. Key-id synchronisation, exactly:
 *
 *  1. Side A: OPEN_CONNECT without KSID → a new KSID (UUID).
 *  2. Side A: GET_KEY(ksid, i) → enc_keys (master SAE, number 1, size 256) →
 *     fresh ML-KEM key pair → POST offer {key_stream_id, index, source,
 *     destination, combiner, key_chunk_size, qkd_key_IDs, algorithm,
 *     encapsulation_key} to the peer HM → peer encapsulates, keeps its secret +
 *     the offer under (ksid, i) for a TTL, replies {ciphertext} → decapsulate →
 *     combine → {status 0, index, key_buffer (hex), metadata (ids only)}.
 *  3. Side B: OPEN_CONNECT with that KSID → 0 once the peer's offer arrived,
 *     else 1 (peer not connected; GET_KEY then answers 3 until it arrives).
 *  4. Side B: GET_KEY(ksid, i) → dec_keys (slave SAE, the offer's key_IDs) +
 *     the kept KEM secret → the same combination → the same key and metadata.
 *  5. CLOSE on either side forgets the stream (side B also zeroes what it kept).
 * Each (ksid, index) is served at most once per side.
 *
 * Caveats: the HM-to-HM channel is plain, unauthenticated HTTP (a later issue
 * adds authentication: see `peer-channel.ts`); the 004 server is plain TCP; the
 * QoS `timeout`/`ttl`/bit rates are accepted but not enforced.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError, createLogger, toHex, zeroize, type Logger } from '../../common/index.js';
import { Etsi004Server, Etsi004Status, Etsi004StatusError, MAX_INDEX, isUuid } from '../etsi004/index.js';
import type { CloseRequest, CloseResponse, GetKeyRequest, GetKeyResponse, OpenConnectRequest, OpenConnectResponse, Qos } from '../etsi004/index.js';
import { Etsi014Client, Etsi014ClientError } from '../etsi014/index.js';
import { DEFAULT_HOST } from '../constants.js';
import { COMBINERS } from './combiners.js';
import { DEFAULT_OFFER_TTL_MS, MAX_PENDING_OFFERS, ML_KEM_ALGORITHMS } from './constants.js';
import { ExpiringMap } from './expiring-map.js';
import { encodeHybridContext } from './hybrid-context.js';
import type { KeyMaterial, KeyRequestContext, KeySource, PeerFields, PendingKey } from './key-source.js';
import { MlKemPeerSource } from './ml-kem-peer-source.js';
import { PeerBusyError, PeerExchangeError, PeerServer, sendOffer } from './peer-channel.js';
import { maxChunkSize, metadataBuffer, policyOf, qosCounterProposal, sameEnds, type HybridPolicy } from './policy.js';
import { QkdEtsi014Source } from './qkd-etsi014-source.js';

/** Options of `HybridizationModule.start`. */
export interface HybridizationModuleOptions {
  /** Where both servers listen (default 127.0.0.1). */
  host?: string;
  /** ETSI 004 port (0 = ephemeral, the default). */
  port?: number;
  /** HM-to-HM port (0 = ephemeral, the default). */
  peerPort?: number;
  /** This module's node UUID (the `@<node-uuid>` of the hybrid URIs). */
  nodeUuid: string;
  /** The peer module's node UUID; when set, other peers are refused. */
  peerNodeUuid?: string;
  /** This module's SAE id at its QKD node, and the peer module's at its node. */
  saeId: string;
  peerSaeId: string;
  /** Base URL of this domain's QKD node ETSI 014 API. */
  kme014Url: string;
  /** Base URL of the peer module's HM-to-HM endpoint (may be set later: `setPeerUrl`). */
  peerUrl?: string;
  /** How long side B keeps an offer waiting for its GET_KEY (ms). */
  offerTtlMs?: number;
  /** Name in logs (default: the first 8 characters of nodeUuid). */
  name?: string;
  /** Replace the key sources (tests); default: QKD over ETSI 014 and ML-KEM-512/768/1024. */
  sources?: readonly KeySource[];
}

interface LocalStream {
  ksid: string;
  side: 'A' | 'B';
  source: string;
  destination: string;
  policy: HybridPolicy;
  qos: Qos;
  /** Side B: OPEN_CONNECT answered 0 (the peer had offered); side A: always true. */
  connected: boolean;
  delivered: Set<number>;
  busy: Set<number>;
}

interface PeerStream {
  source: string;
  destination: string;
  combiner: string;
  keyChunkSize: number;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A running Hybridization Module. */
export class HybridizationModule {
  readonly nodeUuid: string;
  private readonly opts: HybridizationModuleOptions;
  private readonly log: Logger;
  private readonly sources = new Map<string, KeySource>();
  private readonly streams = new Map<string, LocalStream>();
  /** Side B: what the peer offered, per KSID and per `ksid/index`. */
  private readonly peerStreams: ExpiringMap<string, PeerStream>;
  private readonly offers: ExpiringMap<string, PeerFields>;
  private server004!: Etsi004Server;
  private peerServer!: PeerServer;
  private peerUrl: string | undefined;

  private constructor(opts: HybridizationModuleOptions) {
    if (!isUuid(opts.nodeUuid)) throw new ValidationError(`nodeUuid must be a UUID, got '${opts.nodeUuid}'`);
    this.opts = opts;
    this.nodeUuid = opts.nodeUuid.toLowerCase();
    this.peerUrl = opts.peerUrl;
    this.log = createLogger(`qkd.hm.${opts.name ?? this.nodeUuid.slice(0, 8)}`);
    const ttl = opts.offerTtlMs ?? DEFAULT_OFFER_TTL_MS;
    this.peerStreams = new ExpiringMap(ttl);
    this.offers = new ExpiringMap(ttl, (slot) => {
      const [ksid, index] = slot.split('/');
      for (const s of this.sources.values()) s.forget(ksid, Number(index));
    });
    const sources = opts.sources ?? [
      new QkdEtsi014Source({ client: new Etsi014Client({ baseUrl: opts.kme014Url, saeId: opts.saeId }), peerSaeId: opts.peerSaeId }),
      ...ML_KEM_ALGORITHMS.map((algorithm) => new MlKemPeerSource({ algorithm, ttlMs: ttl })),
    ];
    for (const s of sources) this.sources.set(s.name, s);
  }

  /** Start the ETSI 004 server and the HM-to-HM endpoint. */
  static async start(opts: HybridizationModuleOptions): Promise<HybridizationModule> {
    const hm = new HybridizationModule(opts);
    const host = opts.host ?? DEFAULT_HOST;
    const name = opts.name ?? hm.nodeUuid.slice(0, 8);
    hm.peerServer = await PeerServer.start({ host, port: opts.peerPort, name, handler: (offer) => hm.onOffer(offer) });
    try {
      hm.server004 = await Etsi004Server.start({
        host,
        port: opts.port,
        name: `hm.${name}`,
        handler: {
          openConnect: (req) => hm.openConnect(req),
          getKey: (req) => hm.getKey(req),
          close: (req) => hm.close(req),
        },
      });
    } catch (err) {
      await hm.peerServer.stop();
      throw err;
    }
    hm.log.info('Hybridization Module up (004 plain TCP; HM-to-HM plain HTTP, NOT authenticated)', {
      nodeUuid: hm.nodeUuid,
      port: hm.port,
      peerPort: hm.peerPort,
    });
    return hm;
  }

  /** ETSI 004 port (for the Proxy Agent). */
  get port(): number {
    return this.server004.port;
  }

  /** HM-to-HM port. */
  get peerPort(): number {
    return this.peerServer.port;
  }

  /** This module's HM-to-HM base URL: give it to the peer module's `setPeerUrl`. */
  get peerEndpointUrl(): string {
    return this.peerServer.url;
  }

  /** Set (or change) the peer module's HM-to-HM base URL. */
  setPeerUrl(url: string): void {
    this.peerUrl = url;
  }

  /** Stop both servers and zero everything held. */
  async stop(): Promise<void> {
    await Promise.all([this.server004?.stop(), this.peerServer?.stop()]);
    this.offers.close();
    this.peerStreams.close();
    for (const s of this.sources.values()) s.close();
    this.streams.clear();
  }

  // ---- ETSI 004 northbound ------------------------------------------------

  private openConnect(req: OpenConnectRequest): OpenConnectResponse {
    const policy = policyOf(req.source, req.destination, this.nodeUuid, this.opts.peerNodeUuid);
    const counter = qosCounterProposal(req.qos, policy.combiner);
    if (counter) throw new Etsi004StatusError(Etsi004Status.QOS_NOT_MET, 'QoS cannot be met; see the counter-proposal', { qos: counter });
    const base = { source: req.source, destination: req.destination, policy, qos: req.qos, delivered: new Set<number>(), busy: new Set<number>() };
    if (req.key_stream_id === undefined) {
      const ksid = randomUUID();
      this.streams.set(ksid, { ksid, side: 'A', connected: true, ...base });
      this.log.info('key stream opened (side A)', { ksid, combiner: policy.combiner, key_sources: policy.sources });
      return { status: Etsi004Status.SUCCESSFUL, key_stream_id: ksid, qos: req.qos };
    }
    const ksid = req.key_stream_id;
    const existing = this.streams.get(ksid);
    // A side-B stream that got status 1 may be opened again (the Proxy Agent retries).
    if (existing?.connected) {
      throw new Etsi004StatusError(Etsi004Status.KSID_IN_USE, `key stream ${ksid} is already open here`);
    }
    const peer = this.peerStreams.get(ksid);
    if (peer) this.checkAgainstPeer(peer, req.source, req.destination, policy, req.qos);
    this.streams.set(ksid, { ksid, side: 'B', connected: peer !== undefined, ...base });
    if (!peer) {
      this.log.info('key stream opened (side B), peer not connected yet', { ksid });
      return { status: Etsi004Status.PEER_NOT_CONNECTED, key_stream_id: ksid, qos: req.qos, message: 'the peer module has not offered this key stream (yet)' };
    }
    this.log.info('key stream opened (side B)', { ksid });
    return { status: Etsi004Status.SUCCESSFUL, key_stream_id: ksid, qos: req.qos };
  }

  private async getKey(req: GetKeyRequest): Promise<GetKeyResponse> {
    const s = this.streams.get(req.key_stream_id);
    if (!s) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `unknown key_stream_id ${req.key_stream_id}`);
    if (s.delivered.has(req.index) || s.busy.has(req.index)) {
      throw new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, `index ${req.index} of key stream ${s.ksid} was already delivered here`);
    }
    s.busy.add(req.index);
    try {
      return s.side === 'A' ? await this.serveSideA(s, req) : await this.serveSideB(s, req);
    } catch (err) {
      const e = toStatusError(err);
      this.log.warn('GET_KEY failed', { ksid: s.ksid, index: req.index, side: s.side, status: e.status, error: e.detail });
      throw e;
    } finally {
      s.busy.delete(req.index);
    }
  }

  private close(req: CloseRequest): CloseResponse {
    const ksid = req.key_stream_id;
    const local = this.streams.delete(ksid);
    const offered = this.peerStreams.take(ksid) !== undefined;
    for (const [slot] of this.offers.values()) if (slot.startsWith(`${ksid}/`)) this.offers.take(slot);
    for (const src of this.sources.values()) src.forget(ksid);
    if (!local && !offered) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `unknown key_stream_id ${ksid}`);
    this.log.info('key stream closed', { ksid });
    return { status: Etsi004Status.SUCCESSFUL };
  }

  // ---- Side A ---------------------------------------------------------------

  private async serveSideA(s: LocalStream, req: GetKeyRequest): Promise<GetKeyResponse> {
    const { policy } = s;
    // Status 8 is decided before any key is consumed: ids have a fixed length.
    this.checkMetadataRoom(req, metadataBuffer({ ksid: s.ksid, index: req.index, qkdKeyIds: [ZERO_UUID], kem: policy.kem, combiner: policy.combiner }));
    if (!this.peerUrl) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, 'the peer module URL is not set');
    const ctx = this.contextOf(s.ksid, req.index, s.source, s.destination, policy, s.qos.key_chunk_size);
    const pending: PendingKey[] = [];
    const materials: KeyMaterial[] = [];
    try {
      for (const src of this.sourcesOf(policy)) pending.push(await src.begin(ctx));
      const offer: PeerFields = {
        key_stream_id: s.ksid,
        index: req.index,
        source: s.source,
        destination: s.destination,
        combiner: policy.combiner,
        key_chunk_size: ctx.keyChunkSize,
        ...Object.assign({}, ...pending.map((p) => p.offer)),
      };
      const reply = await sendOffer(this.peerUrl, offer);
      for (const p of pending) materials.push(await p.finish(reply));
      return this.deliver(s, ctx, materials);
    } finally {
      for (const p of pending) p.discard();
      zeroize(...materials.map((m) => m.secret));
    }
  }

  // ---- Side B ---------------------------------------------------------------

  private async serveSideB(s: LocalStream, req: GetKeyRequest): Promise<GetKeyResponse> {
    const slot = `${s.ksid}/${req.index}`;
    const offer = this.offers.get(slot);
    const peer = this.peerStreams.get(s.ksid);
    if (!offer || !peer) {
      throw new Etsi004StatusError(Etsi004Status.PEER_APP_NOT_CONNECTED, `the peer has not requested index ${req.index} of key stream ${s.ksid} (yet)`);
    }
    this.checkAgainstPeer(peer, s.source, s.destination, s.policy, s.qos);
    s.connected = true;
    const qkdKeyIds = offer.qkd_key_IDs as string[];
    this.checkMetadataRoom(req, metadataBuffer({ ksid: s.ksid, index: req.index, qkdKeyIds, kem: s.policy.kem, combiner: s.policy.combiner }));
    this.offers.take(slot);
    const ctx = this.contextOf(s.ksid, req.index, peer.source, peer.destination, s.policy, peer.keyChunkSize);
    const materials: KeyMaterial[] = [];
    try {
      for (const src of this.sourcesOf(s.policy)) materials.push(await src.recover(ctx, offer));
      return this.deliver(s, ctx, materials);
    } finally {
      zeroize(...materials.map((m) => m.secret));
      for (const src of this.sources.values()) src.forget(s.ksid, req.index);
    }
  }

  /** HM-to-HM: the peer (side A) offers key `index` of stream `key_stream_id`. */
  private async onOffer(offer: PeerFields): Promise<PeerFields> {
    const ksid = offer.key_stream_id;
    const index = offer.index;
    if (typeof ksid !== 'string' || !isUuid(ksid)) throw new ValidationError('key_stream_id must be a UUID');
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > MAX_INDEX) throw new ValidationError('index must be a non-negative integer');
    if (typeof offer.source !== 'string' || typeof offer.destination !== 'string') throw new ValidationError('source and destination must be strings');
    const chunk = offer.key_chunk_size;
    if (!Number.isInteger(chunk)) throw new ValidationError('key_chunk_size must be an integer');
    const policy = policyOf(offer.source, offer.destination, this.nodeUuid, this.opts.peerNodeUuid);
    if (offer.combiner !== policy.combiner) throw new ValidationError(`combiner '${String(offer.combiner)}' does not match the URIs (${policy.combiner})`);
    if ((chunk as number) < 1 || (chunk as number) > maxChunkSize(policy.combiner)) {
      throw new ValidationError(`key_chunk_size ${String(chunk)} is not possible with ${policy.combiner}`);
    }
    const key = ksid.toLowerCase();
    const slot = `${key}/${index as number}`;
    const local = this.streams.get(key);
    if (local?.side === 'A') throw new ConflictError(`key stream ${key} was opened here as side A`);
    if (local?.delivered.has(index as number) || this.offers.get(slot)) throw new ConflictError(`index ${String(index)} of key stream ${key} was already offered`);
    const known = this.peerStreams.get(key);
    const peer: PeerStream = { source: offer.source, destination: offer.destination, combiner: policy.combiner, keyChunkSize: chunk as number };
    if (known && (known.source !== peer.source || known.destination !== peer.destination || known.keyChunkSize !== peer.keyChunkSize)) {
      throw new ConflictError(`offer for key stream ${key} differs from its earlier offers`);
    }
    if (local && (!sameEnds(local, peer) || local.qos.key_chunk_size !== peer.keyChunkSize || local.policy.combiner !== peer.combiner)) {
      throw new ConflictError(`offer for key stream ${key} differs from the local application's OPEN_CONNECT`);
    }
    if (this.offers.size >= MAX_PENDING_OFFERS) throw new PeerBusyError(`${MAX_PENDING_OFFERS} offers pending; try later`);
    const ctx = this.contextOf(key, index as number, peer.source, peer.destination, policy, peer.keyChunkSize);
    const reply: PeerFields = { key_stream_id: key, index };
    try {
      for (const src of this.sourcesOf(policy)) Object.assign(reply, await src.answer(ctx, offer));
    } catch (err) {
      for (const src of this.sources.values()) src.forget(key, index as number);
      throw err;
    }
    // Keep the public part only (the encapsulation key is of no further use).
    const { encapsulation_key: _ek, ...kept } = offer;
    this.offers.set(slot, kept);
    this.peerStreams.set(key, peer);
    this.log.info('peer offer accepted', { ksid: key, index, qkd_key_IDs: offer.qkd_key_IDs, kem: policy.kem });
    return reply;
  }

  // ---- Shared ---------------------------------------------------------------

  private deliver(s: LocalStream, ctx: KeyRequestContext, materials: KeyMaterial[]): GetKeyResponse {
    const context = encodeHybridContext({
      ksid: ctx.ksid,
      index: ctx.index,
      source: ctx.source,
      destination: ctx.destination,
      bindings: materials.map((m) => ({ source: m.source, keyIds: m.keyIds, transcriptHash: m.transcriptHash })),
    });
    const key = COMBINERS[ctx.combiner](materials.map((m) => ({ source: m.source, secret: m.secret })), { length: ctx.keyChunkSize, context });
    try {
      const qkdKeyIds = materials.flatMap((m) => m.keyIds);
      const buffer = metadataBuffer({ ksid: ctx.ksid, index: ctx.index, qkdKeyIds, kem: s.policy.kem, combiner: ctx.combiner });
      s.delivered.add(ctx.index);
      this.log.info('hybrid key delivered', { ksid: ctx.ksid, index: ctx.index, side: s.side, qkd_key_IDs: qkdKeyIds, kem: s.policy.kem, combiner: ctx.combiner });
      return { status: Etsi004Status.SUCCESSFUL, index: ctx.index, key_buffer: toHex(key), metadata: { size: Buffer.byteLength(buffer), buffer } };
    } finally {
      zeroize(key);
    }
  }

  private checkAgainstPeer(peer: PeerStream, source: string, destination: string, policy: HybridPolicy, qos: Qos): void {
    if (!sameEnds(peer, { source, destination }) || peer.combiner !== policy.combiner) {
      throw new ValidationError('source/destination differ from those the peer module used for this key stream');
    }
    if (peer.keyChunkSize !== qos.key_chunk_size) {
      throw new Etsi004StatusError(Etsi004Status.QOS_NOT_MET, `the peer uses key_chunk_size ${peer.keyChunkSize}`, {
        qos: { ...qos, key_chunk_size: peer.keyChunkSize },
      });
    }
  }

  private checkMetadataRoom(req: GetKeyRequest, buffer: string): void {
    const needed = Buffer.byteLength(buffer);
    if (req.metadata && req.metadata.size < needed) {
      throw new Etsi004StatusError(Etsi004Status.METADATA_SIZE_INSUFFICIENT, `metadata needs ${needed} bytes`, {
        index: req.index,
        metadata: { size: needed, buffer: '' },
      });
    }
  }

  private contextOf(ksid: string, index: number, source: string, destination: string, policy: HybridPolicy, chunk: number): KeyRequestContext {
    return { ksid, index, source, destination, combiner: policy.combiner, keyChunkSize: chunk };
  }

  private sourcesOf(policy: HybridPolicy): KeySource[] {
    return policy.sources.map((name) => {
      const src = this.sources.get(name);
      if (!src) throw new ValidationError(`key source ${name} is not available in this module`);
      return src;
    });
  }
}

/** Map any failure of a GET_KEY to a GS QKD 004 status (the message never holds key bytes). */
function toStatusError(err: unknown): Etsi004StatusError {
  if (err instanceof Etsi004StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Etsi014ClientError && err.httpStatus === 503) return new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, message);
  if (err instanceof PeerExchangeError && err.httpStatus === 503) return new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, message);
  return new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, message);
}
