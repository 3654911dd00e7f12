/**
 * Test fixtures for the QKD side: a two-node link and one Hybridization Module
 * per domain, wired to each other, all on 127.0.0.1 ephemeral ports, and hybrid
 * URIs. (The spy key source lives in hybrid/fixtures.ts.) Not a test file itself.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configureLogging } from '../../common/index.js';
import { HybridizationModule, QkdLink, type KeySource } from '../../qkd/index.js';

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

/** What `curlJson` returns: the HTTP status and the parsed JSON body. */
export interface CurlReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * curl (the independent ETSI 014 client) with `args` (headers, TLS options);
 * `json` makes it a POST with that body.
 */
export async function curlJson(url: string, args: string[], opts: { method?: 'GET' | 'POST'; json?: string } = {}): Promise<CurlReply> {
  const all = ['-s', '-S', '-w', '\n%{http_code}', ...args];
  if (opts.method === 'POST') all.push('-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', opts.json ?? '');
  all.push(url);
  const out = await run('curl', all);
  const nl = out.lastIndexOf('\n');
  return { status: Number(out.slice(nl + 1)), body: JSON.parse(out.slice(0, nl)) as Record<string, unknown> };
}

/** An ETSI 014 key container. */
export type Keys = { keys: { key_ID: string; key: string }[] };
