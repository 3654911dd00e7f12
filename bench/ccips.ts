/**
 * bench:ccips — how fast the IKE-less control path keys tunnels, end to end
 * (controller → VCA/Proxy Agent over SSH → Hybridization Module over ETSI 004
 * → QKD KME over ETSI 014 + ML-KEM-512 with the peer HM → NETCONF → the
 * routers' CCIPS agents and data paths), and whether rekeying loses packets.
 * CONTRACTS "Benchmarks: what counts": every counted SA pair gets its own fresh
 * hybrid key through the whole path.
 *   1. latency: key one new tunnel (key-id sync, inbound SAs at both routers,
 *      then outbound, key released), one at a time — beside strongSwan's full
 *      IKEv2 setup of 6–7 ms measured on these machines (FEASIBILITY §9);
 *   2. throughput: SA pairs per second with several independent tunnels keyed
 *      at once (each its own calls), and (2b) in batches as an instantiation
 *      keys its tunnels: one <edit-config> per router per phase for the batch,
 *      `--in-flight` batches at once (as several instantiations, scales or
 *      rekey rounds at once), after `--warmup` untimed pairs keyed that way.
 *      2b is the headline `sa_pairs_per_s` (the NFVO keys tunnels in bulk
 *      this way); part 2's figure is `sa_pairs_per_s_independent`;
 *   3. rekey under traffic: the NS's SAs have a short soft lifetime, a UDP
 *      stream (≤ 1,000 packets/s) runs through the tunnel while the NFVO
 *      rekeys it; lost packets counted, old SAs gone, key streams all
 *      different, and Scapy decrypts the WAN traffic with the new keys.
 * Needs root (it runs the two-domain lab). Last line: one JSON object.
 * Usage: node dist/bench/ccips.js [--pairs N] [--concurrency C] [--batch B] [--in-flight F] [--warmup W] [--stream-seconds S]
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DomainLab, bridgePort, startCapture } from '../bin/lab/index.js';
import { configureLogging, toHex } from '../common/index.js';
import { applyEdits, computeTunnelSas, mergeRouterEdits, releaseTunnelKey, releaseTunnelKeys, saEntriesOnly, sadEntryName, SpiAllocator, synchroniseTunnelKey, synchroniseTunnelKeys, type TunnelPolicy } from '../nfvo/ccips/index.js';
import type { DomainClient, NsInstance } from '../nfvo/index.js';
import { findProjectRoot } from '../virtual-router/tun/index.js';

const run = promisify(execFile);
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const PAIRS = arg('pairs', 960);
const CONCURRENCY = arg('concurrency', 8);
/** Tunnels per batch in part 2b (keyed as an instantiation keys its tunnels). */
const BATCH = arg('batch', 16);
/** Batches keyed at once in part 2b (as several instantiations, scales or rekey rounds at once). */
const IN_FLIGHT = arg('in-flight', 2);
/** SA pairs keyed in part 2b's way before it is timed, so that the JIT has compiled its paths (not counted). */
const WARMUP = arg('warmup', 64);
const LATENCY_RUNS = arg('latency-runs', 20);
const STREAM_S = arg('stream-seconds', 20);
const STREAM_PPS = Math.min(arg('stream-pps', 500), 1000);
const SOFT_S = arg('soft-seconds', 3);
const root = findProjectRoot(import.meta.url);
const say = (s: string) => process.stdout.write(`${s}\n`);

const POLICY: TunnelPolicy = { encryption: 'AES-GCM-16-256', esn: false, replayWindow: 64, lifetimeSoft: { time: 3000, action: 'replace' }, lifetimeHard: { time: 3600 } };

/** Milliseconds between marks i and i + 1. */
const ms = (t: number[], i: number): string => ((t[i + 1] ?? t[i]!) - t[i]!).toFixed(0);

/** Pids of the router processes of NS instance `nsId` (their command line names its day-0 folder). */
async function routerPids(nsId: string): Promise<number[]> {
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('virtual-router/main.js') && cmd.includes(nsId)) pids.push(Number(d));
  }
  return pids;
}

/**
 * CPU time (ms) used so far by this process (NFVO, VCAs, KMEs, HM threads) and the routers:
 * divided by the SA pairs keyed in between, a figure that does not depend on what else runs.
 */
async function cpuMs(routers: number[]): Promise<number> {
  const u = process.cpuUsage();
  let ticks = 0;
  for (const pid of routers) {
    // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (100/s), all threads.
    const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  }
  return (u.user + u.system) / 1000 + ticks * 10;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:ccips needs root (network namespaces, TUN devices)');
  configureLogging({ console: false });
  const dataDir = await mkdtemp(join(tmpdir(), 'qnfv-bench-ccips-'));
  // Each HM in its own thread, as on its own node: its work does not queue behind the NFVO's and the VCAs'.
  const lab = await DomainLab.start({ dataDir, installationId: `b${randomBytes(8).toString('hex')}`, qkdKeyRate: 2000, qkdPrefill: 900, hmThreads: true, tunnelMaintenance: { drainMs: 500 } });
  const clients: DomainClient[] = [];
  try {
    const ns: NsInstance = await lab.deployBundledVpn('bench-ccips', (t) => t.replace('time: 3000', `time: ${SOFT_S}`).replace('time: 3600', `time: ${2 * SOFT_S}`));
    const a = ns.vnfInstance.find((v) => v.vnfProfileId === 'site-a')!;
    const b = ns.vnfInstance.find((v) => v.vnfProfileId === 'site-b')!;
    const [ca, cb] = [await lab.connector.connect(lab.domains[0].account!), await lab.connector.connect(lab.domains[1].account!)];
    clients.push(ca, cb);
    const uri = (tunnelId: string, d: number) =>
      `hybrid://${tunnelId}@${lab.domains[d]!.nodeUuid}?hybridization=kdf&key_sources=QKD,ML-KEM-512`;
    const spis = new SpiAllocator();
    for (const t of ns.qkdVpn!.tunnels) {
      spis.reserve('site-b', t.spiOut);
      spis.reserve('site-a', t.spiIn);
    }
    const installed: string[] = [];
    let next = 0;
    const clientOf = (v: string) => (v === 'site-a' ? ca : cb);
    const tunnelSas = (id: string, i: number) =>
      computeTunnelSas(
        id,
        { vnfId: 'site-a', tunnelAddress: a.metadata.tunnelAddress, lanSubnet: a.metadata.lanSubnets[0]! },
        { vnfId: 'site-b', tunnelAddress: b.metadata.tunnelAddress, lanSubnet: b.metadata.lanSubnets[0]! },
        POLICY,
        spis,
        BigInt(1000 + 2 * i),
      );

    /**
     * Key `k` synthetic tunnels as an instantiation keys its tunnels (nfvo/lcm/instantiate.ts):
     * key-id synchronisation in one vca.obtainKeys per domain and side, then one <edit-config> per router per
     * phase carrying every tunnel's SAs, then the keys released. Each tunnel still gets its own
     * QKD key and ML-KEM exchange.
     */
    const keyBatch = async (k: number): Promise<void> => {
      const items = Array.from({ length: k }, () => next++);
      const ids = items.map((i) => `bench-${i}`);
      const T = [performance.now()];
      const keyed = await synchroniseTunnelKeys(ns.id, ids.map((id) => ({ tunnelId: id, master: { vnfId: 'site-a', client: ca, uri: uri(id, 0) }, peer: { vnfId: 'site-b', client: cb, uri: uri(id, 1) } })));
      const failed = keyed.find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
      T.push(performance.now());
      const all = ids.map((id, j) => tunnelSas(id, items[j]!));
      try {
        await applyEdits(ns.id, mergeRouterEdits(all.flatMap((s) => saEntriesOnly(s.inbound))), clientOf);
        T.push(performance.now());
        await applyEdits(ns.id, mergeRouterEdits(all.flatMap((s) => saEntriesOnly(s.outbound))), clientOf);
        T.push(performance.now());
      } finally {
        await releaseTunnelKeys(ns.id, ids.map((id) => ({ tunnelId: id, clients: [ca, cb] })));
        T.push(performance.now());
        if (process.env.QNFV_BENCH_TRACE) say(`   trace: batch of ${k}: key sync ${ms(T, 0)}, inbound SAs ${ms(T, 1)}, outbound SAs ${ms(T, 2)}, key release ${ms(T, 3)}`);
      }
      all.forEach((s, j) => installed.push(sadEntryName(ids[j]!, 'site-a', 'site-b', s.spiOut), sadEntryName(ids[j]!, 'site-b', 'site-a', s.spiIn)));
    };

    /** Key one synthetic tunnel through the whole path (SAs only: the NS's policies stay). */
    const keyOne = async (): Promise<number> => {
      const i = next++;
      const id = `bench-${i}`;
      const started = process.hrtime.bigint();
      const T = [performance.now()];
      await synchroniseTunnelKey(ns.id, id, { vnfId: 'site-a', client: ca, uri: uri(id, 0) }, { vnfId: 'site-b', client: cb, uri: uri(id, 1) });
      const sas = tunnelSas(id, i);
      try {
        T.push(performance.now());
        await applyEdits(ns.id, saEntriesOnly(sas.inbound), clientOf);
        T.push(performance.now());
        await applyEdits(ns.id, saEntriesOnly(sas.outbound), clientOf);
        T.push(performance.now());
      } finally {
        await releaseTunnelKey(ns.id, id, [ca, cb]);
        T.push(performance.now());
        // QNFV_BENCH_TRACE=1: where the time of each tunnel goes (ms).
        if (process.env.QNFV_BENCH_TRACE) say(`   trace: key sync ${ms(T, 0)}, inbound SAs ${ms(T, 1)}, outbound SAs ${ms(T, 2)}, key release ${ms(T, 3)}`);
      }
      installed.push(sadEntryName(id, 'site-a', 'site-b', sas.spiOut), sadEntryName(id, 'site-b', 'site-a', sas.spiIn));
      return Number(process.hrtime.bigint() - started) / 1e6;
    };

    // 1. Latency, one tunnel at a time.
    say(`1. keying one new tunnel end to end, ${LATENCY_RUNS} times, one at a time`);
    await keyOne(); // warm-up: sessions, JIT
    const lat: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) lat.push(await keyOne());
    lat.sort((x, y) => x - y);
    say(`   median ${percentile(lat, 50).toFixed(1)} ms, p90 ${percentile(lat, 90).toFixed(1)} ms (strongSwan IKEv2 full setup here: 6–7 ms)`);

    // 2. Throughput with several tunnels at once.
    say(`2. ${PAIRS} SA pairs, ${CONCURRENCY} tunnels keyed at once, each with its own QKD key and ML-KEM-512 exchange`);
    const routers = await routerPids(ns.id);
    if (routers.length !== 2) throw new Error(`expected the NS's 2 router processes, found ${routers.length}`);
    const c0 = await cpuMs(routers);
    const t0 = process.hrtime.bigint();
    let left = PAIRS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left > 0) {
          left--;
          await keyOne();
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const pairsPerS = PAIRS / seconds;
    const cpuPerPair = ((await cpuMs(routers)) - c0) / PAIRS;
    say(`   ${pairsPerS.toFixed(1)} SA pairs/s (${seconds.toFixed(2)} s); CPU ${cpuPerPair.toFixed(1)} ms per SA pair`);

    // 2b. Throughput in batches, as an instantiation keys its tunnels.
    say(`2b. ${PAIRS} SA pairs in batches of ${BATCH} tunnels, ${IN_FLIGHT} batch(es) at once (one vca.obtainKeys per domain and side, one <edit-config> per router per phase; ${WARMUP} pairs before, not timed)`);
    for (let w = WARMUP; w > 0; w -= BATCH) await keyBatch(Math.min(BATCH, w));
    const hmBefore = await lab.domains[0].hm.stats();
    const c1 = await cpuMs(routers);
    const t1 = process.hrtime.bigint();
    let left2 = PAIRS;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left2 > 0) {
          const k = Math.min(BATCH, left2);
          left2 -= k;
          await keyBatch(k);
        }
      }),
    );
    const seconds2 = Number(process.hrtime.bigint() - t1) / 1e9;
    const batchedPerS = PAIRS / seconds2;
    const cpuPerPairBatched = ((await cpuMs(routers)) - c1) / PAIRS;
    const hmAfter = await lab.domains[0].hm.stats();
    const offersPerBatch = (hmAfter.offers - hmBefore.offers) / Math.max(1, hmAfter.batches - hmBefore.batches);
    say(`   ${batchedPerS.toFixed(1)} SA pairs/s (${seconds2.toFixed(2)} s; target ≥ 300; strongSwan rekeys ≈ 240/s with PFS, ≈ 450/s without); CPU ${cpuPerPairBatched.toFixed(1)} ms per SA pair; ${offersPerBatch.toFixed(1)} offers per signed HM-to-HM batch`);
    // The benchmark's SAs leave again (not counted).
    for (let i = 0; i < installed.length; i += 50) {
      const batch = installed.slice(i, i + 50);
      for (const [c, v] of [
        [ca, 'site-a'],
        [cb, 'site-b'],
      ] as const) {
        await c.call('vca.applyIpsec', { instanceId: ns.id, vnfId: v, ikeless: null, keyBindings: [], deleteSad: batch, deleteOperation: 'remove' });
      }
    }

    // 3. Rekey under traffic.
    say(`3. a ${STREAM_PPS} packets/s UDP stream for ${STREAM_S} s while the tunnel is rekeyed every ${SOFT_S} s`);
    const first = (await lab.nfvo.lcm.get(ns.id)).qkdVpn!.tunnels[0]!;
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const udp = join(root, 'tests', 'e2e', 'udp_stream.py');
    const receiver = run('ip', ['netns', 'exec', hostB.namespace, '/usr/bin/python3', udp, 'recv', '5001', String(STREAM_S + 15)]);
    await new Promise((r) => setTimeout(r, 500));
    const sent = JSON.parse((await run('ip', ['netns', 'exec', hostA.namespace, '/usr/bin/python3', udp, 'send', hostB.address.split('/')[0]!, '5001', String(STREAM_PPS), String(STREAM_S)])).stdout) as { sent: number };
    const got = JSON.parse((await receiver).stdout) as { received: number };
    const lost = sent.sent - got.received;
    const after = await lab.nfvo.lcm.get(ns.id);
    const t = after.qkdVpn!.tunnels[0]!;
    const rekeys = after.qkdVpn!.history.filter((h) => h.event === 'tunnel-rekeyed');
    const streams = new Set(rekeys.map((h) => /key stream (\S+)/.exec(h.detail)?.[1]));
    say(`   ${sent.sent} sent, ${got.received} received, ${lost} lost; ${t.generation - first.generation} rekeys during the stream (${rekeys.length} in all, ${streams.size} distinct key streams)`);

    // Old SAs gone, and Scapy decrypts with the current keys (after the next rekey settles).
    const gen = t.generation;
    for (let i = 0; i < 200 && (await lab.nfvo.lcm.get(ns.id)).qkdVpn!.tunnels[0]!.generation === gen; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 800));
    const cur = (await lab.nfvo.lcm.get(ns.id)).qkdVpn!.tunnels[0]!;
    const wan = await lab.domains[0].vim.ensureNetwork({ instanceId: ns.id, id: 'wan', kind: 'wan' });
    const pcap = join(dataDir, 'wan.pcap');
    const capture = await startCapture(wan.namespace, await bridgePort(wan.namespace, wan.bridge), pcap);
    await run('ip', ['netns', 'exec', hostA.namespace, 'ping', '-c', '3', '-i', '0.2', '-W', '2', hostB.address.split('/')[0]!]);
    await new Promise((r) => setTimeout(r, 300)); // the last reply reaches the capture
    await capture.stop();
    const sadA = await lab.routerSad(a);
    const sadB = await lab.routerSad(b);
    const onlyCurrent = [sadA, sadB].every((s) => s.map((e) => e.spi).sort().join() === [cur.spiOut, cur.spiIn].sort().join());
    const sasFile = join(dataDir, 'sas.json');
    await writeFile(sasFile, JSON.stringify(sadA.map((s) => ({ spi: s.spi, key: toHex(s.espSa.encryption.key!), src: s.tunnel!.local, dst: s.tunnel!.remote }))));
    const dec = JSON.parse((await run('/usr/bin/python3', [join(root, 'tests', 'e2e', 'esp_tool.py'), 'decrypt', pcap, sasFile])).stdout) as { ok?: boolean }[];
    const scapyOk = dec.length === 6 && dec.every((p) => p.ok);
    say(`   routers hold only the current SA pair: ${onlyCurrent}; Scapy decrypted ${dec.filter((p) => p.ok).length}/${dec.length} WAN packets with the new keys`);

    const { stdout: load } = await run('uptime');
    say(`   load: ${load.trim()}`);
    process.stdout.write(
      JSON.stringify({
        // The headline: tunnels keyed as the NFVO keys them in bulk (instantiation, scale, rekeys
        // falling due together), each SA pair with its own hybrid key through the whole path.
        sa_pairs_per_s: Number(batchedPerS.toFixed(1)),
        sa_pairs_per_s_batched: Number(batchedPerS.toFixed(1)),
        sa_pairs_per_s_independent: Number(pairsPerS.toFixed(1)),
        cpu_ms_per_sa_pair: Number(cpuPerPairBatched.toFixed(2)),
        cpu_ms_per_sa_pair_independent: Number(cpuPerPair.toFixed(2)),
        hm_offers_per_batch: Number(offersPerBatch.toFixed(2)),
        batch: BATCH,
        in_flight: IN_FLIGHT,
        concurrency: CONCURRENCY,
        pairs: PAIRS,
        key_one_tunnel_ms_median: Number(percentile(lat, 50).toFixed(1)),
        key_one_tunnel_ms_p90: Number(percentile(lat, 90).toFixed(1)),
        strongswan_ike_setup_ms: '6-7',
        rekeys: t.generation - first.generation,
        rekeys_lost_packets: lost,
        stream_pps: STREAM_PPS,
        stream_packets: sent.sent,
        distinct_key_streams: streams.size === rekeys.length,
        old_sas_gone: onlyCurrent,
        scapy_decrypts_new_keys: scapyOk,
      }) + '\n',
    );
  } finally {
    for (const c of clients) c.close();
    await lab.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ccips failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
