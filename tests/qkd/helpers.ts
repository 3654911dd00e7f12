/**
 * Test fixtures for the QKD side: a two-node link and one Hybridization Module
 * per domain, wired to each other, all on 127.0.0.1 ephemeral ports; hybrid URIs;
 * and a spy key source that keeps copies of the secrets it hands out (so tests
 * can compare them and search logs for them). Not a test file itself.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configureLogging } from '../../common/index.js';
import {
  HybridizationModule,
  QkdLink,
  type KeyMaterial,
  type KeyRequestContext,
  type KeySource,
  type PeerFields,
  type PendingKey,
} from '../../qkd/index.js';

export const NODE_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
export const NODE_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

/** Keep test output readable: records still reach sinks. */
export function quietLogs(): void {
  configureLogging({ console: false });
}

/** `hybrid://<name>@<node>?hybridization=<c>&key_sources=<s>`. */
export function hybridUri(name: string, node: string, combiner = 'kdf', sources = 'ML-KEM-512,QKD'): string {
  return `hybrid://${name}@${node}?hybridization=${combiner}&key_sources=${sources}`;
}

/** A link plus one HM per domain, peers set. */
export interface Domains {
  link: QkdLink;
  hmA: HybridizationModule;
  hmB: HybridizationModule;
  stop(): Promise<void>;
}

/** Start a QKD link (no automatic key feed, `prefill` keys) and two wired HMs. */
export async function startDomains(opts: { prefill?: number; poolSize?: number; sourcesA?: KeySource[]; sourcesB?: KeySource[] } = {}): Promise<Domains> {
  const link = await QkdLink.start({
    keyRate: 0,
    prefill: opts.prefill ?? 64,
    poolSize: opts.poolSize ?? 128,
    nodes: [
      { kmeId: 'kme-a', saeIds: ['hm-a'] },
      { kmeId: 'kme-b', saeIds: ['hm-b'] },
    ],
  });
  const hmA = await HybridizationModule.start({
    name: 'a',
    nodeUuid: NODE_A,
    peerNodeUuid: NODE_B,
    saeId: 'hm-a',
    peerSaeId: 'hm-b',
    kme014Url: link.nodes[0].kme014Url,
    sources: opts.sourcesA,
  });
  const hmB = await HybridizationModule.start({
    name: 'b',
    nodeUuid: NODE_B,
    peerNodeUuid: NODE_A,
    saeId: 'hm-b',
    peerSaeId: 'hm-a',
    kme014Url: link.nodes[1].kme014Url,
    peerUrl: hmA.peerEndpointUrl,
    sources: opts.sourcesB,
  });
  // HM(a) learns its peer's URL after both started, as the VCAs will do it.
  hmA.setPeerUrl(hmB.peerEndpointUrl);
  return {
    link,
    hmA,
    hmB,
    stop: async () => {
      await Promise.all([hmA.stop(), hmB.stop()]);
      await link.stop();
    },
  };
}

/** Wraps a real source and keeps a copy of every secret it produces (tests only). */
export class SpySource implements KeySource {
  readonly name: string;
  readonly secrets: { ksid: string; index: number; secret: Uint8Array; keyIds: string[] }[] = [];
  private readonly inner: KeySource;

  constructor(inner: KeySource) {
    this.inner = inner;
    this.name = inner.name;
  }

  async begin(ctx: KeyRequestContext): Promise<PendingKey> {
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
    this.secrets.push({ ksid: ctx.ksid, index: ctx.index, secret: Uint8Array.from(m.secret), keyIds: [...m.keyIds] });
    return m;
  }
}

/** Run a program with arguments (no shell); resolves stdout, rejects with stderr. */
export function run(file: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Absolute path of a file next to this one. */
export function here(rel: string): string {
  return fileURLToPath(new URL(rel, import.meta.url));
}
