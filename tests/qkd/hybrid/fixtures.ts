/**
 * Fixtures of the Hybridization Module tests (not a test file): a QKD link
 * with two HMs pinned to each other's ML-DSA-65 keys, hybrid URIs with a
 * single-source policy, a source wrapper that keeps references to (and copies
 * of) every secret it hands out, a man in the middle for the HM-to-HM channel,
 * and the key-id synchronisation in the contract order.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import {
  Etsi004Client,
  HybridizationModule,
  QkdLink,
  generateHmIdentity,
  type Combiner,
  type CombinerName,
  type Etsi004Key,
  type HmIdentity,
  type KeyMaterial,
  type KeyRequestContext,
  type KeySource,
  type PeerFields,
  type PendingKey,
} from '../../../qkd/index.js';
import { NODE_A, NODE_B, here } from '../helpers.js';

export { NODE_A, NODE_B };

/** Parsed JSON of a vector file under tests/vectors/. */
export function vectors<T>(rel: string): T {
  return JSON.parse(readFileSync(here(`../vectors/${rel}`), 'utf8')) as T;
}

export const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
export const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** `hybrid://<name>@<node>?hybridization=<c>&key_sources=<s>[&single_source_policy=<p>]`. */
export function uri(name: string, node: string, combiner = 'kdf', sources = 'ML-KEM-512,QKD', policy?: string): string {
  return `hybrid://${name}@${node}?hybridization=${combiner}&key_sources=${sources}${policy ? `&single_source_policy=${policy}` : ''}`;
}

/** Options of `startPair`. */
export interface PairOptions {
  prefill?: number;
  /** Key sources of each HM, or a function of the link (to reach its KMEs). */
  sourcesA?: KeySource[] | ((link: QkdLink) => KeySource[]);
  sourcesB?: KeySource[] | ((link: QkdLink) => KeySource[]);
  combinersA?: Partial<Record<CombinerName, Combiner>>;
  combinersB?: Partial<Record<CombinerName, Combiner>>;
  maxOffersPerBatch?: number;
  /** Pin by URL fragment (as the lab does) instead of by key option. */
  pinByUrl?: boolean;
}

/** A QKD link and two HMs, each pinned to the other's key. */
export interface Pair {
  link: QkdLink;
  hmA: HybridizationModule;
  hmB: HybridizationModule;
  idA: HmIdentity;
  idB: HmIdentity;
  stop(): Promise<void>;
}

/** Start a link (`prefill` keys, no feed) and two HMs with fresh identities pinned to each other. */
export async function startPair(opts: PairOptions = {}): Promise<Pair> {
  const link = await QkdLink.start({
    keyRate: 0,
    prefill: opts.prefill ?? 32,
    poolSize: Math.max(64, (opts.prefill ?? 32) + 8),
    nodes: [
      { kmeId: 'kme-a', saeIds: ['hm-a'] },
      { kmeId: 'kme-b', saeIds: ['hm-b'] },
    ],
  });
  const idA = generateHmIdentity();
  const idB = generateHmIdentity();
  const pins = (own: HmIdentity, peer: HmIdentity) => (opts.pinByUrl ? {} : { signingKey: own.secretKey, peerVerificationKey: peer.publicKey });
  const hmA = await HybridizationModule.start({
    name: 'ta',
    nodeUuid: NODE_A,
    peerNodeUuid: NODE_B,
    saeId: 'hm-a',
    peerSaeId: 'hm-b',
    kme014Url: link.nodes[0].kme014Url,
    sources: typeof opts.sourcesA === 'function' ? opts.sourcesA(link) : opts.sourcesA,
    combiners: opts.combinersA,
    maxOffersPerBatch: opts.maxOffersPerBatch,
    ...pins(idA, idB),
  });
  const hmB = await HybridizationModule.start({
    name: 'tb',
    nodeUuid: NODE_B,
    peerNodeUuid: NODE_A,
    saeId: 'hm-b',
    peerSaeId: 'hm-a',
    kme014Url: link.nodes[1].kme014Url,
    sources: typeof opts.sourcesB === 'function' ? opts.sourcesB(link) : opts.sourcesB,
    combiners: opts.combinersB,
    maxOffersPerBatch: opts.maxOffersPerBatch,
    ...pins(idB, idA),
  });
  hmA.setPeerUrl(hmB.peerEndpointUrl);
  hmB.setPeerUrl(hmA.peerEndpointUrl);
  return {
    link,
    hmA,
    hmB,
    idA,
    idB,
    stop: async () => {
      await Promise.all([hmA.stop(), hmB.stop()]);
      await link.stop();
    },
  };
}

/** Both ends' keys of one stream, in the contract order (A opens and gets, then B). */
export interface KeyPairResult {
  ksid: string;
  a: Etsi004Key;
  b: Etsi004Key;
}

/** A opens (no KSID) and gets index 0; B opens with the KSID and gets index 0. */
export async function keyPair(ca: Etsi004Client, cb: Etsi004Client, src: string, dst: string, chunk = 32): Promise<KeyPairResult> {
  const { key_stream_id: ksid } = await ca.openConnect(src, dst, { key_chunk_size: chunk });
  const a = await ca.getKey(ksid, 0);
  await cb.openConnect(src, dst, { key_chunk_size: chunk }, ksid);
  const b = await cb.getKey(ksid, 0);
  return { ksid, a, b };
}

/** The metadata JSON of a key. */
export function metadataOf(k: Etsi004Key): Record<string, unknown> {
  return JSON.parse(k.metadata?.buffer ?? '{}') as Record<string, unknown>;
}

/**
 * Wraps a real source and keeps, for every secret it hands to the HM, the very
 * buffer (to check it is zeroed afterwards) and a copy taken at hand-over.
 */
export class RefSpySource implements KeySource {
  readonly name: string;
  readonly handed: { ksid: string; index: number; ref: Uint8Array; copy: Uint8Array }[] = [];
  private readonly inner: KeySource;
  /** When set, `begin` fails with this error (a source going away). */
  failBegin: Error | undefined;

  constructor(inner: KeySource) {
    this.inner = inner;
    this.name = inner.name;
  }

  async begin(ctx: KeyRequestContext): Promise<PendingKey> {
    if (this.failBegin) throw this.failBegin;
    const p = await this.inner.begin(ctx);
    return {
      offer: p.offer,
      finish: async (reply) => this.keep(ctx, await p.finish(reply)),
      discard: () => p.discard(),
    };
  }

  answer(ctx: KeyRequestContext, offer: PeerFields): Promise<PeerFields> | PeerFields {
    return this.inner.answer(ctx, offer);
  }

  async recover(ctx: KeyRequestContext, offer: PeerFields): Promise<KeyMaterial> {
    return this.keep(ctx, await this.inner.recover(ctx, offer));
  }

  forget(ksid: string, index?: number): void {
    this.inner.forget(ksid, index);
  }

  close(): void {
    this.inner.close();
  }

  private keep(ctx: KeyRequestContext, m: KeyMaterial): KeyMaterial {
    this.handed.push({ ksid: ctx.ksid, index: ctx.index, ref: m.secret, copy: Uint8Array.from(m.secret) });
    return m;
  }
}

/** A combiner wrapper that keeps a reference to and a copy of every key it makes. */
export function spyCombiner(inner: Combiner, out: { ref: Uint8Array; copy: Uint8Array }[]): Combiner {
  return (inputs, opts) => {
    const key = inner(inputs, opts);
    out.push({ ref: key, copy: Uint8Array.from(key) });
    return key;
  };
}

/** What a man in the middle may do to a request body or a reply body (parsed JSON). */
export type Tamper = (body: Record<string, unknown>) => Record<string, unknown>;

/** An HTTP relay between the HMs that can read, record and change what passes. */
export class Mitm {
  readonly requests: Record<string, unknown>[] = [];
  private readonly server: http.Server;
  onRequest: Tamper | undefined;
  onReply: Tamper | undefined;

  private constructor(target: string) {
    const base = new URL(target);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        this.requests.push(body);
        if (this.onRequest) body = this.onRequest(body);
        const payload = JSON.stringify(body);
        const up = http.request(
          { host: base.hostname, port: base.port, path: req.url, method: req.method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
          (upRes) => {
            const rc: Buffer[] = [];
            upRes.on('data', (c: Buffer) => rc.push(c));
            upRes.on('end', () => {
              let text = Buffer.concat(rc).toString('utf8');
              if (this.onReply && upRes.statusCode === 200) text = JSON.stringify(this.onReply(JSON.parse(text) as Record<string, unknown>));
              res.writeHead(upRes.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
              res.end(text);
            });
          },
        );
        up.on('error', () => res.destroy());
        up.end(payload);
      });
    });
  }

  /** Listen on 127.0.0.1 and relay to `target` (the peer's endpoint URL). */
  static async start(target: string): Promise<Mitm> {
    const m = new Mitm(target);
    await new Promise<void>((resolve) => m.server.listen(0, '127.0.0.1', () => resolve()));
    return m;
  }

  /** The relay's URL (no pin: give it a pin with `withPin`). */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** The relay's URL carrying the pin fragment of `pinnedUrl` (so the sender still pins the real peer). */
  withPin(pinnedUrl: string): string {
    return this.url + new URL(pinnedUrl).hash;
  }

  /** Stop relaying. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Change one field of the signed message inside an envelope, keeping the signature. */
export function alterMessage(envelope: Record<string, unknown>, change: (msg: Record<string, unknown>) => void): Record<string, unknown> {
  const msg = JSON.parse(envelope.message as string) as Record<string, unknown>;
  change(msg);
  return { ...envelope, message: JSON.stringify(msg) };
}
