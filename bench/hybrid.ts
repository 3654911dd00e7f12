/**
 * `bench:hybrid` — complete hybrid keys per second, ML-KEM-512 + QKD + kdf, end
 * to end through ETSI GS QKD 004 on one machine (CONTRACTS.md "Benchmarks:
 * what counts"). Every counted key:
 *   1. side A: OPEN_CONNECT (new KSID) and GET_KEY 0 — its own QKD key
 *      (ETSI 014 enc_keys) and its own ML-KEM-512 key pair, offered to side B
 *      over the ML-DSA-65 signed HM-to-HM channel, encapsulated there;
 *   2. side B: OPEN_CONNECT with that KSID and GET_KEY 0 (dec_keys + the kept
 *      KEM secret);
 *   3. both keys (and metadata) compared equal, zeroed, both streams CLOSEd.
 * Layout: the QKD link (two KMEs, ETSI 014) and the 004 clients run in the
 * main thread; each domain's Hybridization Module runs in its own worker thread
 * (`--inline`: all in the main thread). Options: `--keys N` (default 3000),
 * `--concurrency C` (key pairs in flight, default 256), `--batch B` (most offers
 * per signed batch, default 128; 1 = one ML-DSA signature per key), `--in-flight F`
 * (signed batches in flight, default 2), `--warmup W`. Besides the rate it reports
 * the process's CPU time per key (all threads), which does not depend on the load.
 * Output: progress lines, then as the last line one JSON object with at least
 * `hybrid_keys_per_s`.
 */
import { availableParallelism, loadavg } from 'node:os';
import { configureLogging, zeroize } from '../common/index.js';
import { Etsi004Client, HybridizationModule, QkdLink, generateHmIdentity, startHmThread, type HmHandle, type HybridizationModuleOptions } from '../qkd/index.js';

const NODE_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const NODE_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const KEY_SOURCES = 'ML-KEM-512,QKD';
const COMBINER = 'kdf';

interface Args {
  keys: number;
  concurrency: number;
  batch: number;
  inFlight: number;
  warmup: number;
  inline: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { keys: 3000, concurrency: 256, batch: 128, inFlight: 2, warmup: 300, inline: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--keys') args.keys = num();
    else if (a === '--concurrency') args.concurrency = num();
    else if (a === '--batch') args.batch = num();
    else if (a === '--in-flight') args.inFlight = num();
    else if (a === '--warmup') args.warmup = num();
    else if (a === '--inline') args.inline = true;
    else throw new Error(`unknown option ${a} (--keys N --concurrency C --batch B --in-flight F --warmup W --inline)`);
  }
  return args;
}

async function startInline(options: HybridizationModuleOptions): Promise<HmHandle> {
  const hm = await HybridizationModule.start(options);
  return {
    port: hm.port,
    peerEndpointUrl: hm.peerEndpointUrl,
    setPeerUrl: async (url) => hm.setPeerUrl(url),
    stats: async () => hm.peerExchangeStats,
    stop: () => hm.stop(),
  };
}

/** Keys made by `loops` concurrent clients pairs until `total` keys are done; throws on any mismatch. */
async function run(a: HmHandle, b: HmHandle, total: number, loops: number, tag: string): Promise<number> {
  const uri = (node: string): string => `hybrid://${tag}@${node}?hybridization=${COMBINER}&key_sources=${KEY_SOURCES}`;
  const src = uri(NODE_A);
  const dst = uri(NODE_B);
  let started = 0;
  let done = 0;
  const loop = async (): Promise<void> => {
    const ca = await Etsi004Client.connect({ port: a.port });
    const cb = await Etsi004Client.connect({ port: b.port });
    try {
      while (started < total) {
        started++;
        const { key_stream_id: ksid } = await ca.openConnect(src, dst, { key_chunk_size: 32, metadata_mimetype: 'application/json' });
        const ka = await ca.getKey(ksid, 0, 1024);
        await cb.openConnect(src, dst, { key_chunk_size: 32, metadata_mimetype: 'application/json' }, ksid);
        const kb = await cb.getKey(ksid, 0, 1024);
        try {
          if (ka.key.length !== 32 || Buffer.compare(ka.key, kb.key) !== 0) throw new Error(`key mismatch on stream ${ksid}`);
          if (ka.metadata?.buffer !== kb.metadata?.buffer) throw new Error(`metadata mismatch on stream ${ksid}`);
          const md = JSON.parse(ka.metadata?.buffer ?? '{}') as { kem?: string; qkd_key_ids?: string[]; degraded?: boolean };
          if (md.kem !== 'ML-KEM-512' || md.qkd_key_ids?.length !== 1 || md.degraded !== false) throw new Error(`unexpected metadata on stream ${ksid}`);
        } finally {
          zeroize(ka.key, kb.key);
        }
        await Promise.all([ca.close(ksid), cb.close(ksid)]);
        done++;
      }
    } finally {
      await Promise.all([ca.end(), cb.end()]);
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return done;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  configureLogging({ level: 'warn' });
  const loadBefore = loadavg();
  const link = await QkdLink.start({
    keyRate: 0,
    prefill: args.keys + args.warmup + 10,
    poolSize: args.keys + args.warmup + 100,
    nodes: [
      { kmeId: 'kme-a', saeIds: ['hm-a'] },
      { kmeId: 'kme-b', saeIds: ['hm-b'] },
    ],
  });
  // Each HM's ML-DSA-65 identity, each pinned at the other by its full verification key.
  const idA = generateHmIdentity();
  const idB = generateHmIdentity();
  const common = { maxOffersPerBatch: args.batch, maxBatchesInFlight: args.inFlight };
  const optsA: HybridizationModuleOptions = { ...common, name: 'a', nodeUuid: NODE_A, peerNodeUuid: NODE_B, saeId: 'hm-a', peerSaeId: 'hm-b', kme014Url: link.nodes[0].kme014Url, signingKey: idA.secretKey, peerVerificationKey: idB.publicKey };
  const optsB: HybridizationModuleOptions = { ...common, name: 'b', nodeUuid: NODE_B, peerNodeUuid: NODE_A, saeId: 'hm-b', peerSaeId: 'hm-a', kme014Url: link.nodes[1].kme014Url, signingKey: idB.secretKey, peerVerificationKey: idA.publicKey };
  const start = args.inline ? startInline : (o: HybridizationModuleOptions) => startHmThread(o);
  const [a, b] = await Promise.all([start(optsA), start(optsB)]);
  zeroize(idA.secretKey, idB.secretKey);
  try {
    await Promise.all([a.setPeerUrl(b.peerEndpointUrl), b.setPeerUrl(a.peerEndpointUrl)]);
    console.log(`bench:hybrid — ML-KEM-512 + QKD + kdf through ETSI 004; ${args.keys} keys, ${args.concurrency} in flight, ≤${args.batch} offers per signed batch, HMs ${args.inline ? 'inline' : 'in worker threads'}`);
    await run(a, b, args.warmup, Math.min(args.concurrency, args.warmup), 'WARMUP');
    const before = await a.stats();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const keys = await run(a, b, args.keys, args.concurrency, 'BENCH');
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // CPU time of the whole process (all threads): independent of what else the machine runs.
    const cpuMsPerKey = (cpu.user + cpu.system) / 1000 / keys;
    const after = await a.stats();
    const batches = after.batches - before.batches;
    const result = {
      hybrid_keys_per_s: Math.round((keys / seconds) * 10) / 10,
      keys,
      seconds: Math.round(seconds * 1000) / 1000,
      concurrency: args.concurrency,
      sources: ['QKD', 'ML-KEM-512'],
      combiner: COMBINER,
      interface: 'ETSI GS QKD 004 (JSON over TCP), both ends, keys compared equal',
      peer_channel: 'ML-DSA-65 (liboqs WASM) signed offer/answer batches, HM-to-HM protocol v3',
      cpu_ms_per_key: Math.round(cpuMsPerKey * 100) / 100,
      keys_per_cpu_s: Math.round((1000 / cpuMsPerKey) * 10) / 10,
      // How much of the machine this run got: cores busy on average (the rest went to other processes or idled).
      cores_used: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100) / 100,
      signed_batches: batches,
      mean_offers_per_batch: batches > 0 ? Math.round(((after.offers - before.offers) / batches) * 10) / 10 : 0,
      layout: args.inline ? 'all in one thread' : 'HM A and HM B in worker threads; KMEs and 004 clients in the main thread',
      cpus: availableParallelism(),
      loadavg_before: loadBefore.map((l) => Math.round(l * 100) / 100),
      loadavg_after: loadavg().map((l) => Math.round(l * 100) / 100),
      node: process.version,
    };
    console.log(`${keys} keys in ${result.seconds} s; ${batches} signed batches (mean ${result.mean_offers_per_batch} offers); load ${result.loadavg_before.join(' ')} → ${result.loadavg_after.join(' ')}`);
    console.log(JSON.stringify(result));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await link.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
