/**
 * A simulated QKD link between two nodes, in process: the two-node case of
 * `QkdNetwork` (`qkd-network.ts`) — two key stores (one per node), what fills
 * them (the CSPRNG stand-in by default, or the BB84 simulator in a worker
 * thread: `feed: {kind: 'bb84-simulator'}`), and two `QkdNode`s each serving
 * ETSI GS QKD 014 v1.1.1 on an ephemeral port, over plain HTTP or HTTPS with
 * client certificates (`tls`). Each domain's Hybridization Module is an SAE of
 * one node.
 */
import type { QkdNode, QkdNodeConfig } from './qkd-node.js';
import { QkdNetwork, linkStats, type NetworkLink, type QkdFeedOptions, type QkdLinkStats } from './qkd-network.js';
import type { KeyStore } from './key-store.js';

export type { QkdLinkFeed, CsprngLinkStats, QkdLinkStats } from './qkd-network.js';

/** Options of `QkdLink.start`. */
export interface QkdLinkOptions extends QkdFeedOptions {
  /** The two ends. */
  nodes: readonly [QkdNodeConfig, QkdNodeConfig];
}

/** A running two-node link. */
export class QkdLink {
  readonly nodes: readonly [QkdNode, QkdNode];
  readonly stores: readonly [KeyStore, KeyStore];
  private readonly link: NetworkLink;

  private constructor(private readonly network: QkdNetwork) {
    this.nodes = network.nodes as readonly [QkdNode, QkdNode];
    this.link = network.links[0]!;
    this.stores = this.link.stores;
  }

  /** Create the stores, start both nodes' KMEs and the key feed. */
  static async start(opts: QkdLinkOptions): Promise<QkdLink> {
    return new QkdLink(await QkdNetwork.start({ ...opts, links: [[0, 1]] }));
  }

  /** Add up to `count` keys to both stores now (CSPRNG stand-in only: demo warm-up, tests); returns how many fitted. */
  fill(count: number): number {
    return this.network.fill(count);
  }

  /** Add up to `count` keys to both stores, whatever the feed (the simulator runs blocks until done). */
  async produce(count: number): Promise<number> {
    return this.network.produce(count);
  }

  /** Rate, QBER, FER, reconciliation efficiency (simulator) and the pool levels of both nodes. */
  stats(): QkdLinkStats {
    return linkStats(this.link);
  }

  /** The figures of `stats()` as human-readable lines (for a CLI: rate, QBER, FER, f, pools). */
  describe(): string[] {
    return describeLinkStats(this.stats());
  }

  /** Stop the feed and both nodes, and zero every stored key. */
  async stop(): Promise<void> {
    await this.network.stop();
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
