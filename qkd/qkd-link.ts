/**
 * A simulated QKD link between two nodes, in process: two key stores (one per
 * node), the CSPRNG stand-in link filling them (the BB84 simulator replaces it
 * later: see `link/csprng-link.ts`), and two `QkdNode`s each serving ETSI GS QKD
 * 014 v1.1.1 on an ephemeral port. The demo starts one of these; each domain's
 * Hybridization Module is an SAE of one node.
 */
import { ValidationError, createLogger } from '../common/index.js';
import { DEFAULT_HOST, DEFAULT_KEY_RATE, DEFAULT_KEY_SIZE_BITS, DEFAULT_POOL_SIZE, MAX_KEY_SIZE_BITS, MIN_KEY_SIZE_BITS } from './constants.js';
import type { SaeIdentityResolver } from './etsi014/index.js';
import { KeyStore } from './key-store.js';
import { CsprngLink } from './link/index.js';
import { QkdNode, type QkdNodeConfig } from './qkd-node.js';

/** Options of `QkdLink.start`. */
export interface QkdLinkOptions {
  /** Keys per second (default 100); 0 = only `fill()`. */
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
  saeIdentity?: SaeIdentityResolver;
  maxKeyPerRequest?: number;
  /** Randomness source of the stand-in link (tests only). */
  random?: (bytes: number) => Uint8Array;
}

/** A running two-node link. */
export class QkdLink {
  readonly nodes: readonly [QkdNode, QkdNode];
  readonly stores: readonly [KeyStore, KeyStore];
  private readonly link: CsprngLink;

  private constructor(nodes: readonly [QkdNode, QkdNode], stores: readonly [KeyStore, KeyStore], link: CsprngLink) {
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
    const link = new CsprngLink({ stores, keyRate: opts.keyRate ?? DEFAULT_KEY_RATE, random: opts.random, name: `${ca.kmeId}-${cb.kmeId}` });
    const common = { host: opts.host ?? DEFAULT_HOST, saeIdentity: opts.saeIdentity, maxKeyPerRequest: opts.maxKeyPerRequest };
    const a = await QkdNode.start({ ...ca, ...common, routes: [{ peerKmeId: cb.kmeId, peerSaeIds: cb.saeIds, store: stores[0] }] });
    let b: QkdNode;
    try {
      b = await QkdNode.start({ ...cb, ...common, routes: [{ peerKmeId: ca.kmeId, peerSaeIds: ca.saeIds, store: stores[1] }] });
    } catch (err) {
      await a.stop();
      throw err;
    }
    if (opts.prefill) link.fill(opts.prefill);
    link.start();
    createLogger('qkd.link').info('QKD link up', { nodes: [ca.kmeId, cb.kmeId], kme014: [a.kme014Url, b.kme014Url] });
    return new QkdLink([a, b], stores, link);
  }

  /** Add up to `count` keys to both stores now (demo warm-up, tests); returns how many fitted. */
  fill(count: number): number {
    return this.link.fill(count);
  }

  /** Stop the feed and both nodes, and zero every stored key. */
  async stop(): Promise<void> {
    this.link.stop();
    await Promise.all(this.nodes.map((n) => n.stop()));
    for (const s of this.stores) s.clear();
  }
}
