/**
 * The Hybridization Module of one domain (ARCHITECTURE.md §4). Northbound it
 * is an ETSI GS QKD 004 v2.1.1 server for the VCA's Proxy Agent; it combines a
 * QKD key (its node's ETSI GS QKD 014 KME) with secrets agreed with the peer
 * domain's HM (ML-KEM-512/768/1024, X25519) over an ML-DSA-65 authenticated
 * channel (`peer-channel.ts`). Key-id synchronisation, exactly:
 *
 *  1. Side A: OPEN_CONNECT without KSID → a new KSID (UUID).
 *  2. Side A: GET_KEY(ksid, i) → each source begins: enc_keys (master SAE) for
 *     QKD, a fresh ML-KEM / X25519 key pair → signed offer {key_stream_id,
 *     index, source, destination, combiner, key_chunk_size, degraded_sources,
 *     sources: {QKD: {key_IDs}, ML-KEM-n: {encapsulation_key}, X25519:
 *     {public_key}}} to the peer HM → the peer verifies, encapsulates, keeps its
 *     secrets under (ksid, i) for a TTL, answers signed {ciphertext, public_key}
 *     → verify, decapsulate → combine → {status 0, index, key_buffer (hex),
 *     metadata (ids only)}.
 *  3. Side B: OPEN_CONNECT with that KSID → 0 once the peer's offer arrived,
 *     else 1 (peer not connected; GET_KEY then answers 3 until it arrives).
 *  4. Side B: GET_KEY(ksid, i) → dec_keys (slave SAE, the offer's key_IDs) +
 *     the kept secrets → the same combination → the same key and metadata.
 *  5. CLOSE on either side forgets the stream (side B also zeroes what it kept).
 * Each (ksid, index) is served at most once per side. When a source is
 * unavailable at side A, `single_source_policy` decides: `require-all` fails
 * the GET_KEY (status 2 or 4, saying which source), `allow-degraded` goes on
 * without it (`degraded_sources` in the signed offer; the auxiliary key when
 * one source is left) and reports `degraded: true`.
 *
 * Caveats: the 004 server is plain TCP; QoS `timeout`/`ttl`/bit rates are
 * accepted but not enforced; side B fetches its QKD key at its GET_KEY, so a
 * KME failure there fails B's GET_KEY after A already has its key.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError, createLogger, toHex, zeroize, type Logger } from '../../common/index.js';
import { Etsi004Server, Etsi004Status, Etsi004StatusError, isUuid } from '../etsi004/index.js';
import type { CloseRequest, CloseResponse, GetKeyRequest, GetKeyResponse, OpenConnectRequest, OpenConnectResponse, Qos } from '../etsi004/index.js';
import { Etsi014Client, type Etsi014ClientTls } from '../etsi014/index.js';
import { DEFAULT_HOST } from '../constants.js';
import { auxiliaryKey } from './auxiliary-key.js';
import { COMBINERS, type Combiner, type SecretInput } from './combiners.js';
import { DEFAULT_OFFER_TTL_MS, MAX_OFFERS_ACCEPTED_PER_BATCH, MAX_PENDING_OFFERS, ML_KEM_ALGORITHMS, SOURCE_AUX, SOURCE_QKD } from './constants.js';
import { ExpiringMap } from './expiring-map.js';
import { encodeHybridContext, type SourceBinding } from './hybrid-context.js';
import type { CombinerName } from './hybrid-uri.js';
import { generateHmIdentity, hmIdentityFromSecretKey, pinnedUrl, type HmIdentity } from './hm-identity.js';
import { HmPeer, type HmPeerConfig } from './hm-peer.js';
import { SourceUnavailableError, type KeyMaterial, type KeyRequestContext, type KeySource, type PeerFields, type PendingKey } from './key-source.js';
import { MlKemPeerSource } from './ml-kem-peer-source.js';
import { PeerServer } from './peer-channel.js';
import { toStatusError } from './get-key-status.js';
import { PeerAuthError, PeerBusyError } from './peer-errors.js';
import { objectOf, parseOffer } from './peer-offer.js';
import { metadataBuffer, policyOf, qosCounterProposal, sameEnds, type HybridPolicy } from './policy.js';
import { QkdEtsi014Source } from './qkd-etsi014-source.js';
import { StreamSlots } from './stream-slots.js';
import { X25519PeerSource } from './x25519-peer-source.js';

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
  /** This module's SAE id at its QKD node. */
  saeId: string;
  /**
   * The peer modules, one per domain this one makes keys with (each with its node UUID). The
   * single-peer fields below (`peerSaeId`, `peerNodeUuid`, `peerUrl`, `peerVerificationKey`) are
   * the short form of a one-entry list; give one form or the other.
   */
  peers?: readonly HmPeerConfig[];
  /** Single peer: its node UUID; when set, other nodes are refused. */
  peerNodeUuid?: string;
  /** Single peer: its SAE id at its QKD node. */
  peerSaeId?: string;
  /** Base URL of this domain's QKD node ETSI 014 API. */
  kme014Url: string;
  /** A ready ETSI 014 client; default: a client of `kme014Url` as `saeId` (over HTTPS with `kme014Tls`). */
  kme014Client?: Etsi014Client;
  /** Client certificate, key and CA for an `https:` KME (ETSI GS QKD 014 mutual TLS). */
  kme014Tls?: Etsi014ClientTls;
  /** Single peer: its HM-to-HM URL, usually its `peerEndpointUrl` (may be set later: `setPeerUrl`). */
  peerUrl?: string;
  /**
   * This module's ML-DSA-65 secret key (4032 bytes, e.g. `loadOrCreateHmIdentity(path)`'s
   * `secretKey`; copied). Default: a fresh key pair per start, which the peer pins through
   * this module's `peerEndpointUrl`.
   */
  signingKey?: Uint8Array;
  /**
   * Single peer: its ML-DSA-65 verification key (1952 bytes, e.g. `readHmVerificationKey`).
   * Without it the peer is pinned by the `#ml-dsa-65=<sha256>` fragment of its URL; with
   * neither, every HM-to-HM exchange is refused.
   */
  peerVerificationKey?: Uint8Array;
  /** How long side B keeps an offer waiting for its GET_KEY (ms). */
  offerTtlMs?: number;
  /** Window (ms) within which signed offer timestamps are accepted (default 60 s). */
  replayWindowMs?: number;
  /** Most offers per signed batch (default 64, at most 256; 1 = one signature per key). */
  maxOffersPerBatch?: number;
  /** Signed batches on their way to the peer at once (default 2). */
  maxBatchesInFlight?: number;
  /** Name in logs (default: the first 8 characters of nodeUuid). */
  name?: string;
  /** Replace the key sources (tests); default: QKD over ETSI 014, ML-KEM-512/768/1024, X25519. */
  sources?: readonly KeySource[];
  /** Replace combiners by name (tests, crypto agility); default `COMBINERS`. */
  combiners?: Partial<Record<CombinerName, Combiner>>;
}

interface LocalStream {
  ksid: string;
  /** The peer module the URIs name. */
  peer: HmPeer;
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

/** What side B keeps of an offer until its GET_KEY (public fields only). */
interface KeptOffer {
  degraded: string[];
  sources: Record<string, PeerFields>;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A running Hybridization Module. */
export class HybridizationModule {
  readonly nodeUuid: string;
  private readonly log: Logger;
  private readonly identity: HmIdentity;
  private readonly combiners: Record<CombinerName, Combiner>;
  /** The sources shared by all peers (ML-KEM, X25519; or the `sources` option, all of them). */
  private readonly sources = new Map<string, KeySource>();
  private readonly peers: HmPeer[];
  /** `sources` and each peer's QKD source, listed once (forgotten at every GET_KEY and CLOSE on side B). */
  private readonly everySource: readonly KeySource[];
  /** The KME client the per-peer QKD sources share, when this module made it. */
  private readonly ownKme014Client: Etsi014Client | undefined;
  private readonly streams = new Map<string, LocalStream>();
  /** Side B: what the peer offered, per KSID and per (KSID, index). */
  private readonly peerStreams: ExpiringMap<string, PeerStream>;
  private readonly offers: StreamSlots<KeptOffer>;
  private server004!: Etsi004Server;
  private peerServer!: PeerServer<HmPeer>;

  private constructor(opts: HybridizationModuleOptions) {
    if (!isUuid(opts.nodeUuid)) throw new ValidationError(`nodeUuid must be a UUID, got '${opts.nodeUuid}'`);
    const batch = opts.maxOffersPerBatch;
    if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > MAX_OFFERS_ACCEPTED_PER_BATCH)) {
      throw new ValidationError(`maxOffersPerBatch must be an integer in 1..${MAX_OFFERS_ACCEPTED_PER_BATCH} (what a peer accepts), got ${batch}`);
    }
    this.nodeUuid = opts.nodeUuid.toLowerCase();
    this.log = createLogger(`qkd.hm.${opts.name ?? this.nodeUuid.slice(0, 8)}`);
    this.identity = opts.signingKey ? hmIdentityFromSecretKey(opts.signingKey) : generateHmIdentity();
    this.combiners = { ...COMBINERS, ...opts.combiners };
    const ttl = opts.offerTtlMs ?? DEFAULT_OFFER_TTL_MS;
    this.peerStreams = new ExpiringMap(ttl);
    this.offers = new StreamSlots(ttl, (ksid, index) => {
      for (const s of this.allSources()) s.forget(ksid, index);
    });
    const sources = opts.sources ?? [...ML_KEM_ALGORITHMS.map((algorithm) => new MlKemPeerSource({ algorithm, ttlMs: ttl })), new X25519PeerSource({ ttlMs: ttl })];
    for (const s of sources) this.sources.set(s.name, s);
    // Each peer has its own QKD source (its own SAE pair at the KME), over one KME client.
    const kme = opts.sources ? undefined : (opts.kme014Client ?? new Etsi014Client({ baseUrl: opts.kme014Url, saeId: opts.saeId, tls: opts.kme014Tls }));
    this.ownKme014Client = opts.sources || opts.kme014Client ? undefined : kme;
    const ctx = {
      nodeUuid: this.nodeUuid,
      identity: this.identity,
      maxOffersPerBatch: opts.maxOffersPerBatch,
      maxBatchesInFlight: opts.maxBatchesInFlight,
      qkdSource: (peerSaeId: string) => (kme ? new QkdEtsi014Source({ client: kme, peerSaeId }) : undefined),
    };
    this.peers = peerConfigs(opts).map((c, i) => new HmPeer(c, ctx, opts.peers ? `peers[${i}]` : 'peer'));
    this.everySource = [...this.sources.values(), ...this.peers.flatMap((p) => (p.qkd ? [p.qkd] : []))];
  }

  /** Start the ETSI 004 server and the HM-to-HM endpoint. */
  static async start(opts: HybridizationModuleOptions): Promise<HybridizationModule> {
    const hm = new HybridizationModule(opts);
    const host = opts.host ?? DEFAULT_HOST;
    const name = opts.name ?? hm.nodeUuid.slice(0, 8);
    hm.peerServer = await PeerServer.start({
      host,
      port: opts.peerPort,
      name,
      trust: { nodeUuid: hm.nodeUuid, identity: hm.identity, peers: () => hm.peers },
      handler: (offer, from) => hm.onOffer(offer, from),
      replayWindowMs: opts.replayWindowMs,
    });
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
      hm.closePeers();
      throw err;
    }
    hm.log.info('Hybridization Module up (004 plain TCP; HM-to-HM signed with ML-DSA-65)', {
      nodeUuid: hm.nodeUuid,
      port: hm.port,
      peerPort: hm.peerPort,
      verificationKey: hm.verificationKeyFingerprint,
      peers: hm.peers.map((p) => ({ nodeUuid: p.nodeUuid ?? null, pinned: p.pin?.fingerprint ?? null })),
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

  /** This module's HM-to-HM URL with its key pin (`#ml-dsa-65=<sha256>`): give it to the peer's `setPeerUrl`. */
  get peerEndpointUrl(): string {
    return pinnedUrl(this.peerServer.url, this.identity.publicKey);
  }

  /** This module's ML-DSA-65 verification key (for the peer's `peerVerificationKey`). */
  get verificationKey(): Uint8Array {
    return Uint8Array.from(this.identity.publicKey);
  }

  /** SHA-256 of the verification key, lowercase hex. */
  get verificationKeyFingerprint(): string {
    return this.identity.fingerprint;
  }

  /** Offer batches and offers this module has sent as side A, to all its peers. */
  get peerExchangeStats(): { batches: number; offers: number } {
    const all = this.peers.map((p) => p.client.stats);
    return { batches: all.reduce((n, s) => n + s.batches, 0), offers: all.reduce((n, s) => n + s.offers, 0) };
  }

  /**
   * Set (or change) a peer module's HM-to-HM URL; a `#ml-dsa-65=<sha256>` fragment pins its
   * key. `peerNodeUuid` names the peer; it may be left out when the module has one peer.
   */
  setPeerUrl(url: string, peerNodeUuid?: string): void {
    if (peerNodeUuid === undefined && this.peers.length > 1) throw new ValidationError(`this module has ${this.peers.length} peers: name the peer whose URL this is`);
    const peer = peerNodeUuid === undefined ? this.peers[0]! : this.peerNamed(peerNodeUuid);
    peer.setUrl(url);
  }

  /** Stop both servers and zero everything held. */
  async stop(): Promise<void> {
    await Promise.all([this.server004?.stop(), this.peerServer?.stop()]);
    this.offers.close();
    this.peerStreams.close();
    this.closePeers();
    for (const s of this.sources.values()) s.close();
    this.streams.clear();
    zeroize(this.identity.secretKey);
  }

  // ---- ETSI 004 northbound ------------------------------------------------

  private openConnect(req: OpenConnectRequest): OpenConnectResponse {
    const policy = policyOf(req.source, req.destination, this.nodeUuid);
    const peerModule = this.peerNamed(policy.peerNodeUuid);
    this.sourcesOf(policy.sources, peerModule);
    const counter = qosCounterProposal(req.qos, policy.combiner);
    if (counter) throw new Etsi004StatusError(Etsi004Status.QOS_NOT_MET, 'QoS cannot be met; see the counter-proposal', { qos: counter });
    const base = { peer: peerModule, source: req.source, destination: req.destination, policy, qos: req.qos, delivered: new Set<number>(), busy: new Set<number>() };
    if (req.key_stream_id === undefined) {
      const ksid = randomUUID();
      this.streams.set(ksid, { ksid, side: 'A', connected: true, ...base });
      this.log.info('key stream opened (side A)', { ksid, combiner: policy.combiner, key_sources: policy.sources, single_source_policy: policy.singleSourcePolicy });
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
      const e = toStatusError(err, s.policy);
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
    this.offers.takeStream(ksid);
    for (const src of this.allSources()) src.forget(ksid);
    if (!local && !offered) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `unknown key_stream_id ${ksid}`);
    this.log.info('key stream closed', { ksid });
    return { status: Etsi004Status.SUCCESSFUL };
  }

  // ---- Side A ---------------------------------------------------------------

  private async serveSideA(s: LocalStream, req: GetKeyRequest): Promise<GetKeyResponse> {
    const { policy } = s;
    // Status 8 is decided before any key is consumed: ids have a fixed length.
    const ids = policy.sources.includes(SOURCE_QKD) ? [ZERO_UUID] : [];
    this.checkMetadataRoom(req, metadataBuffer({ ksid: s.ksid, index: req.index, qkdKeyIds: ids, kem: policy.kem, combiner: policy.combiner, degraded: false }));
    if (!s.peer.url) throw new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `the URL of peer module ${s.peer.describe()} is not set`);
    if (!s.peer.pin) throw new PeerAuthError(`no verification key of peer HM ${s.peer.describe()} is pinned (its verification key, or #ml-dsa-65=<sha256> in its URL)`);
    const ctx = this.contextOf(s.ksid, req.index, s.source, s.destination, policy, s.qos.key_chunk_size);
    const pending = new Map<string, PendingKey>();
    const materials: KeyMaterial[] = [];
    try {
      const degraded = await this.beginSources(ctx, policy, s.peer, pending);
      const offer: PeerFields = {
        key_stream_id: s.ksid,
        index: req.index,
        source: s.source,
        destination: s.destination,
        combiner: policy.combiner,
        key_chunk_size: ctx.keyChunkSize,
        degraded_sources: degraded,
        sources: Object.fromEntries([...pending].map(([name, p]) => [name, p.offer])),
      };
      const reply = await s.peer.client.send(offer);
      const replied = objectOf(reply.sources, 'reply sources');
      for (const [name, p] of pending) materials.push(await p.finish(objectOf(replied[name] ?? {}, `reply sources.${name}`)));
      return this.deliver(s, ctx, materials, degraded);
    } finally {
      for (const p of pending.values()) p.discard();
      zeroize(...materials.map((m) => m.secret));
    }
  }

  /** Begin every source of `policy` into `pending`; returns the sources left out under allow-degraded. */
  private async beginSources(ctx: KeyRequestContext, policy: HybridPolicy, peer: HmPeer, pending: Map<string, PendingKey>): Promise<string[]> {
    const sources = this.sourcesOf(policy.sources, peer);
    const begun = await Promise.allSettled(sources.map((src) => src.begin(ctx)));
    const degraded: string[] = [];
    const failures: unknown[] = [];
    begun.forEach((r, i) => {
      if (r.status === 'fulfilled') pending.set(sources[i].name, r.value);
      else if (policy.singleSourcePolicy === 'allow-degraded' && r.reason instanceof SourceUnavailableError) degraded.push(sources[i].name);
      else failures.push(r.reason);
    });
    if (failures.length > 0) throw failures[0];
    if (pending.size === 0) {
      const first = begun.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as SourceUnavailableError;
      throw new SourceUnavailableError(degraded.join('+'), first.etsi004Status, `no key source is available: ${first.message}`);
    }
    if (degraded.length > 0) {
      const reasons = begun.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      this.log.warn('hybrid key degraded: source unavailable (single_source_policy=allow-degraded)', { ksid: ctx.ksid, index: ctx.index, unavailable: degraded, reasons });
    }
    return degraded;
  }

  // ---- Side B ---------------------------------------------------------------

  private async serveSideB(s: LocalStream, req: GetKeyRequest): Promise<GetKeyResponse> {
    const offer = this.offers.get(s.ksid, req.index);
    const peer = this.peerStreams.get(s.ksid);
    if (!offer || !peer) {
      throw new Etsi004StatusError(Etsi004Status.PEER_APP_NOT_CONNECTED, `the peer has not requested index ${req.index} of key stream ${s.ksid} (yet)`);
    }
    this.checkAgainstPeer(peer, s.source, s.destination, s.policy, s.qos);
    s.connected = true;
    const qkd = offer.sources[SOURCE_QKD];
    const qkdKeyIds = qkd && Array.isArray(qkd.key_IDs) ? (qkd.key_IDs as string[]) : [];
    const degraded = offer.degraded.length > 0 || s.policy.sources.length - offer.degraded.length < 2;
    this.checkMetadataRoom(req, metadataBuffer({ ksid: s.ksid, index: req.index, qkdKeyIds, kem: s.policy.kem, combiner: s.policy.combiner, degraded }));
    this.offers.take(s.ksid, req.index);
    const ctx = this.contextOf(s.ksid, req.index, peer.source, peer.destination, s.policy, peer.keyChunkSize);
    const materials: KeyMaterial[] = [];
    try {
      for (const src of this.sourcesOf(s.policy.sources.filter((n) => !offer.degraded.includes(n)), s.peer)) {
        materials.push(await src.recover(ctx, offer.sources[src.name] ?? {}));
      }
      return this.deliver(s, ctx, materials, offer.degraded);
    } finally {
      zeroize(...materials.map((m) => m.secret));
      for (const src of this.allSources()) src.forget(s.ksid, req.index);
    }
  }

  /** HM-to-HM (after the batch's signature was verified): peer `from` (side A) offers key `index` of stream `key_stream_id`. */
  private async onOffer(offer: PeerFields, from: HmPeer): Promise<PeerFields> {
    const { ksid, index, source, destination, keyChunkSize: chunk, policy, degraded, used, offered } = parseOffer(offer, this.nodeUuid, from.nodeUuid);
    const key = ksid;
    const local = this.streams.get(key);
    if (local?.side === 'A') throw new ConflictError(`key stream ${key} was opened here as side A`);
    if (local?.delivered.has(index) || this.offers.get(key, index)) throw new ConflictError(`index ${index} of key stream ${key} was already offered`);
    const known = this.peerStreams.get(key);
    const peer: PeerStream = { source, destination, combiner: policy.combiner, keyChunkSize: chunk };
    if (known && (known.source !== peer.source || known.destination !== peer.destination || known.keyChunkSize !== peer.keyChunkSize)) {
      throw new ConflictError(`offer for key stream ${key} differs from its earlier offers`);
    }
    if (local && (!sameEnds(local, peer) || local.qos.key_chunk_size !== peer.keyChunkSize || local.policy.combiner !== peer.combiner)) {
      throw new ConflictError(`offer for key stream ${key} differs from the local application's OPEN_CONNECT`);
    }
    if (this.offers.size >= MAX_PENDING_OFFERS) throw new PeerBusyError(`${MAX_PENDING_OFFERS} offers pending; try later`);
    const ctx = this.contextOf(key, index, peer.source, peer.destination, policy, peer.keyChunkSize);
    const kept: KeptOffer = { degraded, sources: {} };
    const replies: Record<string, PeerFields> = {};
    try {
      for (const src of this.sourcesOf(used, from)) {
        const fields = objectOf(offered[src.name], `sources.${src.name}`);
        replies[src.name] = await src.answer(ctx, fields);
        kept.sources[src.name] = fields;
      }
    } catch (err) {
      for (const src of this.allSources()) src.forget(key, index);
      throw err;
    }
    this.offers.set(key, index, kept);
    this.peerStreams.set(key, peer);
    const qkd = offered[SOURCE_QKD] as PeerFields | undefined;
    this.log.info('peer offer accepted', { ksid: key, index, qkd_key_IDs: qkd?.key_IDs ?? [], key_sources: used, degraded_sources: degraded });
    return { key_stream_id: key, index, sources: replies };
  }

  // ---- Shared ---------------------------------------------------------------

  private deliver(s: LocalStream, ctx: KeyRequestContext, materials: KeyMaterial[], degradedSources: readonly string[]): GetKeyResponse {
    const inputs: SecretInput[] = materials.map((m) => ({ source: m.source, secret: m.secret }));
    const bindings: SourceBinding[] = materials.map((m) => ({ source: m.source, status: 'ok', keyIds: m.keyIds, transcriptHash: m.transcriptHash }));
    let aux: Uint8Array | undefined;
    let key: Uint8Array | undefined;
    try {
      if (inputs.length < 2) {
        // Degraded mode with one source left: the public auxiliary key is the second input.
        aux = auxiliaryKey({ ksid: ctx.ksid, index: ctx.index, source: ctx.source, destination: ctx.destination });
        inputs.push({ source: SOURCE_AUX, secret: aux });
        bindings.push({ source: SOURCE_AUX, status: 'aux', keyIds: [], transcriptHash: new Uint8Array(0) });
      }
      const degraded = degradedSources.length > 0 || aux !== undefined;
      const context = encodeHybridContext({ ksid: ctx.ksid, index: ctx.index, source: ctx.source, destination: ctx.destination, bindings });
      key = this.combiners[ctx.combiner](inputs, { length: ctx.keyChunkSize, context });
      const qkdKeyIds = materials.flatMap((m) => m.keyIds);
      const buffer = metadataBuffer({ ksid: ctx.ksid, index: ctx.index, qkdKeyIds, kem: s.policy.kem, combiner: ctx.combiner, degraded });
      s.delivered.add(ctx.index);
      const fields = { ksid: ctx.ksid, index: ctx.index, side: s.side, qkd_key_IDs: qkdKeyIds, kem: s.policy.kem, combiner: ctx.combiner, degraded };
      if (degraded) this.log.warn('hybrid key delivered DEGRADED', { ...fields, degraded_sources: degradedSources });
      else this.log.info('hybrid key delivered', fields);
      return { status: Etsi004Status.SUCCESSFUL, index: ctx.index, key_buffer: toHex(key), metadata: { size: Buffer.byteLength(buffer), buffer } };
    } finally {
      zeroize(key, aux);
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

  /** The sources named, towards `peer` (its own QKD source). */
  private sourcesOf(names: readonly string[], peer: HmPeer): KeySource[] {
    return names.map((name) => {
      const src = (name === SOURCE_QKD ? peer.qkd : undefined) ?? this.sources.get(name);
      if (!src) throw new ValidationError(`key source ${name} is not available in this module`);
      return src;
    });
  }

  /** Every source: the shared ones and each peer's QKD source (both fixed at construction). */
  private allSources(): readonly KeySource[] {
    return this.everySource;
  }

  /** The configured peer with this node UUID (a single peer configured without one matches any). */
  private peerNamed(nodeUuid: string): HmPeer {
    const id = nodeUuid.toLowerCase();
    const peer = this.peers.find((p) => p.nodeUuid === id) ?? (this.peers.length === 1 && this.peers[0]!.nodeUuid === undefined ? this.peers[0] : undefined);
    if (!peer) throw new ValidationError(`node ${id} is not this module's peer (${this.peers.map((p) => p.describe()).join(', ')})`);
    return peer;
  }

  private closePeers(): void {
    for (const p of this.peers) p.close();
    this.ownKme014Client?.close();
  }
}

/** The peers of `opts`: the `peers` list, or the single-peer fields as a one-entry list. */
function peerConfigs(opts: HybridizationModuleOptions): HmPeerConfig[] {
  const single = opts.peerSaeId !== undefined || opts.peerNodeUuid !== undefined || opts.peerUrl !== undefined || opts.peerVerificationKey !== undefined;
  if (opts.peers) {
    if (single) throw new ValidationError('give either peers or the single-peer fields (peerSaeId, peerNodeUuid, peerUrl, peerVerificationKey), not both');
    if (opts.peers.length === 0) throw new ValidationError('peers must name at least one peer module');
    if (opts.peers.length > 1) {
      const nodes = new Set<string>();
      const saes = new Set<string>();
      opts.peers.forEach((p, i) => {
        if (p.nodeUuid === undefined) throw new ValidationError(`peers[${i}].nodeUuid is required when a module has several peers`);
        if (nodes.has(p.nodeUuid.toLowerCase())) throw new ValidationError(`peers[${i}].nodeUuid ${p.nodeUuid} is listed twice`);
        if (saes.has(p.saeId)) throw new ValidationError(`peers[${i}].saeId ${p.saeId} is listed twice`);
        nodes.add(p.nodeUuid.toLowerCase());
        saes.add(p.saeId);
      });
    }
    return [...opts.peers];
  }
  if (opts.peerSaeId === undefined) throw new ValidationError('peerSaeId (or peers) must name the peer module');
  return [{ nodeUuid: opts.peerNodeUuid, saeId: opts.peerSaeId, url: opts.peerUrl, verificationKey: opts.peerVerificationKey }];
}
