/**
 * A simulated QKD network, in process: N nodes and a point-to-point QKD link
 * between chosen pairs of them (default: every pair, a full mesh). Each link
 * has two key stores (one per end) and what fills them — the CSPRNG stand-in
 * (`link/csprng-link.ts`, the default: fast, nothing quantum) or the BB84
 * simulator in a worker thread (`link/bb84-sim-link.ts`). Each node is one
 * `QkdNode`: one KME serving ETSI GS QKD 014 v1.1.1 to its SAEs over all the
 * links it ends, the link picked by the peer SAE of the request (`slave_SAE_ID`
 * / `master_SAE_ID`), as a real node with several links does.
 *
 * A full mesh of fibres between ten sites is not how QKD networks are built
 * (they relay keys through trusted nodes); it stands for "every pair of
 * domains can obtain a QKD key", which is what the orchestrator relies on.
 * `QkdLink` is the two-node case.
 */
import { KeyStreamTable } from './kme-004.js';
import { NotSupportedError, ValidationError, createLogger } from '../common/index.js';
import { DEFAULT_HOST, DEFAULT_KEY_RATE, DEFAULT_KEY_SIZE_BITS, DEFAULT_POOL_SIZE, MAX_KEY_SIZE_BITS, MIN_KEY_SIZE_BITS } from './constants.js';
import type { Etsi014Pki, KmeRoute, SaeIdentityResolver } from './etsi014/index.js';
import { KeyStore } from './key-store.js';
import { Bb84SimLink, CsprngLink, type Bb84LinkStats, type PoolLevel } from './link/index.js';
import { QkdNode, type QkdNodeConfig } from './qkd-node.js';
import type { Bb84SimulatorOptions } from './sim/bb84-simulator.js';

/** What fills a link's two stores. */
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

/** What one link's feed reports, with both pools. */
export type QkdLinkStats = CsprngLinkStats | Bb84LinkStats;

/** Options shared by `QkdNetwork.start` and `QkdLink.start`. */
export interface QkdFeedOptions {
  /** What fills each link's stores (default the CSPRNG stand-in). */
  feed?: QkdLinkFeed;
  /** Keys per second of the CSPRNG stand-in (default 100); 0 = only `fill()`. Ignored by the simulator. */
  keyRate?: number;
  /** Bits per key (default 256). */
  keySizeBits?: number;
  /** Capacity of each store (default 1000 keys). */
  poolSize?: number;
  /** Keys put in every store before start returns (default 0). */
  prefill?: number;
  host?: string;
  /** Serve ETSI 014 over HTTPS with client certificates from this PKI (`createEtsi014Pki`); default plain HTTP. */
  tls?: Etsi014Pki;
  /** Who is calling (default: the client certificate with `tls`, else the unauthenticated X-SAE-ID header). */
  saeIdentity?: SaeIdentityResolver;
  maxKeyPerRequest?: number;
  /** Randomness source of the stand-in links (tests only). */
  random?: (bytes: number) => Uint8Array;
  /** Also serve ETSI 004 key streams at every node (`QkdNode.kme004Port`). */
  etsi004?: boolean;
}

/** Options of `QkdNetwork.start`. */
export interface QkdNetworkOptions extends QkdFeedOptions {
  /** The nodes (at least two; distinct KME ids; an SAE belongs to one node). */
  nodes: readonly QkdNodeConfig[];
  /** The links, as pairs of indices into `nodes` (default: every pair). */
  links?: readonly (readonly [number, number])[];
}

/** One link of the network: its two ends, their stores and its feed. */
export interface NetworkLink {
  /** Indices of the two nodes, as given. */
  readonly ends: readonly [number, number];
  readonly name: string;
  /** The store at each end, in the order of `ends`. */
  readonly stores: readonly [KeyStore, KeyStore];
  readonly feed: CsprngLink | Bb84SimLink;
}

/** Every unordered pair of `n` indices. */
export function fullMesh(n: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  return pairs;
}

/** A running network. */
export class QkdNetwork {
  private constructor(
    readonly nodes: readonly QkdNode[],
    readonly links: readonly NetworkLink[],
  ) {}

  /** Create the stores and feeds, start every node's KME, then the feeds. */
  static async start(opts: QkdNetworkOptions): Promise<QkdNetwork> {
    const configs = opts.nodes;
    checkNodes(configs);
    const pairs = opts.links ?? fullMesh(configs.length);
    const keySizeBits = opts.keySizeBits ?? DEFAULT_KEY_SIZE_BITS;
    if (keySizeBits < MIN_KEY_SIZE_BITS || keySizeBits > MAX_KEY_SIZE_BITS || keySizeBits % 8 !== 0) {
      throw new ValidationError(`keySizeBits must be a multiple of 8 in ${MIN_KEY_SIZE_BITS}..${MAX_KEY_SIZE_BITS}, got ${keySizeBits}`);
    }
    checkLinks(pairs, configs.length);
    const feed = opts.feed ?? { kind: 'csprng-stand-in' };
    if (feed.kind !== 'csprng-stand-in' && feed.kind !== 'bb84-simulator') throw new ValidationError(`feed.kind must be 'csprng-stand-in' or 'bb84-simulator'`);
    const log = createLogger('qkd.link');
    if (feed.kind === 'bb84-simulator' && opts.keyRate !== undefined) log.warn('keyRate is ignored: the BB84 simulator sets the rate', { keyRate: opts.keyRate });
    const capacity = opts.poolSize ?? DEFAULT_POOL_SIZE;
    const links: NetworkLink[] = [];
    const nodes: QkdNode[] = [];
    try {
      for (const [i, j] of pairs) {
        const [ca, cb] = [configs[i]!, configs[j]!];
        const name = `${ca.kmeId}-${cb.kmeId}`;
        const stores = [
          new KeyStore({ capacity, keySizeBits, name: `${name}@${ca.kmeId}` }),
          new KeyStore({ capacity, keySizeBits, name: `${name}@${cb.kmeId}` }),
        ] as const;
        const linkFeed =
          feed.kind === 'bb84-simulator'
            ? await Bb84SimLink.create({ stores, simulator: feed.simulator, realTime: feed.realTime, inline: feed.inline, name })
            : new CsprngLink({ stores, keyRate: opts.keyRate ?? DEFAULT_KEY_RATE, random: opts.random, name });
        links.push({ ends: [i, j], name, stores, feed: linkFeed });
      }
      // The KMEs' classical channel for 004 key streams: one table per link, shared by its two ends.
      const tables = links.map(() => new KeyStreamTable());
      for (const [n, config] of configs.entries()) {
        const routes: KmeRoute[] = [];
        const nodeTables: KeyStreamTable[] = [];
        links.forEach((l, k) => {
          const end = l.ends.indexOf(n);
          if (end < 0) return;
          const peer = configs[l.ends[1 - end]!]!;
          routes.push({ peerKmeId: peer.kmeId, peerSaeIds: peer.saeIds, store: l.stores[end]! });
          nodeTables.push(tables[k]!);
        });
        nodes.push(
          await QkdNode.start({
            ...config,
            host: opts.host ?? DEFAULT_HOST,
            saeIdentity: opts.saeIdentity,
            maxKeyPerRequest: opts.maxKeyPerRequest,
            tls: opts.tls,
            etsi004: opts.etsi004 ? { tables: nodeTables } : undefined,
            routes,
          }),
        );
      }
      if (opts.prefill) for (const l of links) await l.feed.fill(opts.prefill);
    } catch (err) {
      await Promise.all(nodes.map((n) => n.stop()));
      await stopLinks(links);
      throw err;
    }
    for (const l of links) l.feed.start();
    log.info('QKD network up', { nodes: configs.map((c) => c.kmeId), links: links.map((l) => l.name), feed: feed.kind });
    return new QkdNetwork(nodes, links);
  }

  /** The link between nodes `i` and `j` (either order). */
  link(i: number, j: number): NetworkLink {
    const l = this.links.find((x) => (x.ends[0] === i && x.ends[1] === j) || (x.ends[0] === j && x.ends[1] === i));
    if (!l) throw new ValidationError(`no QKD link between nodes ${i} and ${j}`);
    return l;
  }

  /** Add up to `count` keys to both stores of every link now (CSPRNG stand-in only); returns the fewest that fitted. */
  fill(count: number): number {
    let fitted = Infinity;
    for (const l of this.links) {
      if (l.feed instanceof Bb84SimLink) throw new NotSupportedError('the BB84 simulator produces keys asynchronously: use produce()');
      fitted = Math.min(fitted, l.feed.fill(count));
    }
    return fitted;
  }

  /** Add at least `count` keys to every link's stores, whatever the feed (the simulator adds whole blocks); returns the fewest any link added. */
  async produce(count: number): Promise<number> {
    const got = await Promise.all(this.links.map((l) => l.feed.fill(count)));
    return Math.min(...got);
  }

  /** Each link's figures, in the order of `links`. */
  stats(): QkdLinkStats[] {
    return this.links.map((l) => linkStats(l));
  }

  /** Stop the feeds and the nodes, and zero every stored key. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await stopLinks(this.links);
  }
}

/** A link's figures: the simulator's, or the stand-in's rate and both pools. */
export function linkStats(l: NetworkLink): QkdLinkStats {
  if (l.feed instanceof Bb84SimLink) return l.feed.stats();
  const pool = l.stores.map((s): PoolLevel => ({ store: s.name, available: s.available, stored: s.size, capacity: s.capacity }));
  return { source: 'csprng-stand-in', keyRate: l.feed.keyRate, pool: pool as [PoolLevel, PoolLevel] };
}

function checkNodes(configs: readonly QkdNodeConfig[]): void {
  if (configs.length < 2) throw new ValidationError(`a QKD network needs at least two nodes, got ${configs.length}`);
  const kmes = new Set<string>();
  const saeOwner = new Map<string, string>();
  for (const c of configs) {
    if (kmes.has(c.kmeId)) throw new ValidationError(`nodes need distinct kmeIds: '${c.kmeId}' appears twice`);
    kmes.add(c.kmeId);
    for (const s of c.saeIds) {
      const other = saeOwner.get(s);
      if (other !== undefined) throw new ValidationError(`SAE id '${s}' is attached to two nodes (${other}, ${c.kmeId})`);
      saeOwner.set(s, c.kmeId);
    }
  }
}

function checkLinks(pairs: readonly (readonly [number, number])[], n: number): void {
  if (pairs.length === 0) throw new ValidationError('a QKD network needs at least one link');
  const seen = new Set<string>();
  for (const [k, [i, j]] of pairs.entries()) {
    const ok = (x: number) => Number.isInteger(x) && x >= 0 && x < n;
    if (!ok(i) || !ok(j) || i === j) throw new ValidationError(`links[${k}]: [${i}, ${j}] must name two different nodes in 0..${n - 1}`);
    const key = i < j ? `${i}-${j}` : `${j}-${i}`;
    if (seen.has(key)) throw new ValidationError(`links[${k}]: nodes ${i} and ${j} are linked twice`);
    seen.add(key);
  }
}

async function stopLinks(links: readonly NetworkLink[]): Promise<void> {
  for (const l of links) {
    await l.feed.stop();
    for (const s of l.stores) s.clear();
  }
}
