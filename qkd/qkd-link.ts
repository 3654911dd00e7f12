/**
 * A simulated QKD link between two nodes, in process: two key stores (one per
 * node), what fills them — the CSPRNG stand-in (`link/csprng-link.ts`, the
 * default: fast, nothing quantum) or the BB84 simulator in a worker thread
 * (`link/bb84-sim-link.ts`, `feed: {kind: 'bb84-simulator'}`) — and two
 * `QkdNode`s each serving ETSI GS QKD 014 v1.1.1 on an ephemeral port, over
 * plain HTTP or HTTPS with client certificates (`tls`). The demo starts one of
 * these; each domain's Hybridization Module is an SAE of one node.
 */
import { KeyStreamTable } from './kme-004.js';
import { NotSupportedError, ValidationError, createLogger } from '../common/index.js';
import { DEFAULT_HOST, DEFAULT_KEY_RATE, DEFAULT_KEY_SIZE_BITS, DEFAULT_POOL_SIZE, MAX_KEY_SIZE_BITS, MIN_KEY_SIZE_BITS } from './constants.js';
import type { Etsi014Pki, SaeIdentityResolver } from './etsi014/index.js';
import { KeyStore } from './key-store.js';
import { Bb84SimLink, CsprngLink, type Bb84LinkStats, type PoolLevel } from './link/index.js';
import { QkdNode, type QkdNodeConfig } from './qkd-node.js';
import type { Bb84SimulatorOptions } from './sim/bb84-simulator.js';

/** What fills the two stores. */
export type QkdLinkFeed =
  /** Same CSPRNG keys into both stores at `keyRate` keys/s: a stand-in, nothing quantum. */
  | { kind: 'csprng-stand-in' }
  /** The BB84 decoy-state simulator with real post-processing, in a worker thread. */
  | { kind: 'bb84-simulator'; simulator?: Bb84SimulatorOptions; realTime?: boolean; inline?: boolean };

/** Figures of the CSPRNG stand-in. */
export interface CsprngLinkStats {
  source: 'csprng-stand-in';
  keyRate: number;
  pool: [PoolLevel, PoolLevel];
}

/** `QkdLink.stats()`: what the feed reports, with both pools. */
export type QkdLinkStats = CsprngLinkStats | Bb84LinkStats;

/** Options of `QkdLink.start`. */
export interface QkdLinkOptions {
  /** What fills the stores (default the CSPRNG stand-in). */
  feed?: QkdLinkFeed;
  /** Keys per second of the CSPRNG stand-in (default 100); 0 = only `fill()`. Ignored by the simulator. */
  keyRate?: number;
  /** Bits per key (default 256). */
  keySizeBits?: number;
  /** Capacity of each node's store (default 1000 keys). */
  poolSize?: number;
  /** The two ends. */
  nodes: readonly [QkdNodeConfig, QkdNodeConfig];
  /** Keys put in both stores before start returns (default 0). */
  prefill?: number;
  host?: string;
  /** Serve ETSI 014 over HTTPS with client certificates from this PKI (`createEtsi014Pki`); default plain HTTP. */
  tls?: Etsi014Pki;
  /** Who is calling (default: the client certificate with `tls`, else the unauthenticated X-SAE-ID header). */
  saeIdentity?: SaeIdentityResolver;
  maxKeyPerRequest?: number;
  /** Randomness source of the stand-in link (tests only). */
  random?: (bytes: number) => Uint8Array;
  /** Also serve ETSI 004 key streams at both nodes (`QkdNode.kme004Port`). */
  etsi004?: boolean;
}

/** A running two-node link. */
export class QkdLink {
  readonly nodes: readonly [QkdNode, QkdNode];
  readonly stores: readonly [KeyStore, KeyStore];
  private readonly link: CsprngLink | Bb84SimLink;

  private constructor(nodes: readonly [QkdNode, QkdNode], stores: readonly [KeyStore, KeyStore], link: CsprngLink | Bb84SimLink) {
    this.nodes = nodes;
    this.stores = stores;
    this.link = link;
  }

  /** Create the stores, start both nodes' KMEs and the key feed. */
  static async start(opts: QkdLinkOptions): Promise<QkdLink> {
    const [ca, cb] = opts.nodes;
    const keySizeBits = opts.keySizeBits ?? DEFAULT_KEY_SIZE_BITS;
    if (keySizeBits < MIN_KEY_SIZE_BITS || keySizeBits > MAX_KEY_SIZE_BITS || keySizeBits % 8 !== 0) {
      throw new ValidationError(`keySizeBits must be a multiple of 8 in ${MIN_KEY_SIZE_BITS}..${MAX_KEY_SIZE_BITS}, got ${keySizeBits}`);
    }
    if (ca.kmeId === cb.kmeId) throw new ValidationError('the two nodes need distinct kmeIds');
    const shared = ca.saeIds.filter((s) => cb.saeIds.includes(s));
    if (shared.length > 0) throw new ValidationError(`SAE ids attached to both nodes: ${shared.join(', ')}`);
    const capacity = opts.poolSize ?? DEFAULT_POOL_SIZE;
    const stores = [
      new KeyStore({ capacity, keySizeBits, name: `${ca.kmeId}-${cb.kmeId}@${ca.kmeId}` }),
      new KeyStore({ capacity, keySizeBits, name: `${ca.kmeId}-${cb.kmeId}@${cb.kmeId}` }),
    ] as const;
    const name = `${ca.kmeId}-${cb.kmeId}`;
    const feed = opts.feed ?? { kind: 'csprng-stand-in' };
    const log = createLogger('qkd.link');
    let link: CsprngLink | Bb84SimLink;
    if (feed.kind === 'bb84-simulator') {
      if (opts.keyRate !== undefined) log.warn('keyRate is ignored: the BB84 simulator sets the rate', { keyRate: opts.keyRate });
      link = await Bb84SimLink.create({ stores, simulator: feed.simulator, realTime: feed.realTime, inline: feed.inline, name });
    } else if (feed.kind === 'csprng-stand-in') {
      link = new CsprngLink({ stores, keyRate: opts.keyRate ?? DEFAULT_KEY_RATE, random: opts.random, name });
    } else {
      throw new ValidationError(`feed.kind must be 'csprng-stand-in' or 'bb84-simulator'`);
    }
    const common = {
      host: opts.host ?? DEFAULT_HOST,
      saeIdentity: opts.saeIdentity,
      maxKeyPerRequest: opts.maxKeyPerRequest,
    };
    const started: QkdNode[] = [];
    try {
      // The KMEs' classical channel for 004 key streams: one table both nodes of the link share.
      const etsi004 = opts.etsi004 ? { tables: [new KeyStreamTable()] } : undefined;
      started.push(await QkdNode.start({ ...ca, ...common, tls: opts.tls, etsi004, routes: [{ peerKmeId: cb.kmeId, peerSaeIds: cb.saeIds, store: stores[0] }] }));
      started.push(await QkdNode.start({ ...cb, ...common, tls: opts.tls, etsi004, routes: [{ peerKmeId: ca.kmeId, peerSaeIds: ca.saeIds, store: stores[1] }] }));
      if (opts.prefill) {
        if (link instanceof Bb84SimLink) await link.fill(opts.prefill);
        else link.fill(opts.prefill);
      }
    } catch (err) {
      await Promise.all(started.map((n) => n.stop()));
      await link.stop();
      for (const s of stores) s.clear();
      throw err;
    }
    const [a, b] = started as [QkdNode, QkdNode];
    link.start();
    log.info('QKD link up', { nodes: [ca.kmeId, cb.kmeId], kme014: [a.kme014Url, b.kme014Url], feed: feed.kind });
    return new QkdLink([a, b], stores, link);
  }

  /** Add up to `count` keys to both stores now (CSPRNG stand-in only: demo warm-up, tests); returns how many fitted. */
  fill(count: number): number {
    if (this.link instanceof Bb84SimLink) throw new NotSupportedError('the BB84 simulator produces keys asynchronously: use produce()');
    return this.link.fill(count);
  }

  /** Add up to `count` keys to both stores, whatever the feed (the simulator runs blocks until done). */
  async produce(count: number): Promise<number> {
    return this.link instanceof Bb84SimLink ? this.link.fill(count) : this.link.fill(count);
  }

  /** Rate, QBER, FER, reconciliation efficiency (simulator) and the pool levels of both nodes. */
  stats(): QkdLinkStats {
    if (this.link instanceof Bb84SimLink) return this.link.stats();
    const pool = this.stores.map((s): PoolLevel => ({ store: s.name, available: s.available, stored: s.size, capacity: s.capacity }));
    return { source: 'csprng-stand-in', keyRate: this.link.keyRate, pool: pool as [PoolLevel, PoolLevel] };
  }

  /** The figures of `stats()` as human-readable lines (for a CLI: rate, QBER, FER, f, pools). */
  describe(): string[] {
    return describeLinkStats(this.stats());
  }

  /** Stop the feed and both nodes, and zero every stored key. */
  async stop(): Promise<void> {
    await this.link.stop();
    await Promise.all(this.nodes.map((n) => n.stop()));
    for (const s of this.stores) s.clear();
  }
}

/** Human-readable lines for link stats: what feeds the link, its rate, QBER, FER, f, and both pools. */
export function describeLinkStats(s: QkdLinkStats): string[] {
  const pools = s.pool.map((p) => `${p.store}: ${p.available} keys available (${p.stored}/${p.capacity} held)`);
  if (s.source === 'csprng-stand-in') return [`CSPRNG stand-in (nothing quantum), ${s.keyRate} keys/s`, ...pools];
  return [
    `BB84 simulator: ${s.blocks} blocks (${s.abortedBlocks} without key), ${s.pulses.toExponential(3)} pulses = ${s.simulatedSeconds.toFixed(3)} s of link time`,
    `secret key rate ${s.secretKeyRateBps.toFixed(0)} bit/s (${s.secretBitsPerPulse.toExponential(3)} per pulse); asymptotic GLLP ${s.expected.rateBps.toFixed(0)} bit/s; wall clock ${s.wallClockSecretBps.toFixed(0)} bit/s`,
    `QBER ${(s.qber * 100).toFixed(2)} % (sample of the last block ${(s.sampledQber * 100).toFixed(2)} %, model ${(s.expected.qber * 100).toFixed(2)} %), FER ${s.fer.toFixed(3)}, f ${s.reconciliationEfficiency.toFixed(3)}`,
    `keys added ${s.keysAdded}, dropped (pool full) ${s.keysDropped}${s.error ? `, error: ${s.error}` : ''}`,
    ...pools,
  ];
}
