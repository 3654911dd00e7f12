/**
 * bench:tunnel (issue 8; CONTRACTS.md "Benchmarks: what counts"): in one run,
 * with the same namespaces, MTU, iperf3 arguments and duration, iperf3 TCP
 * and UDP (1400-byte IP packets) from a sender namespace behind router A to a
 * receiver namespace behind router B through
 *   (a) ours: the real router program with an AES-256-GCM SA pair installed
 *       over NETCONF (RFC 9061 IKE-less, RFC 4303/4106 ESP),
 *   (b) wireguard-go (Debian package) between the same router namespaces,
 *   (c) plain IPv4 forwarding, no tunnel;
 * then the ESP engine alone against raw node:crypto AES-256-GCM.
 * Pipeline: 1. topology, 2. iperf3 server, 3. per round (c), (a), (b), each
 * TCP then UDP, 4. engine vs raw, 5. report; everything created is removed at
 * the end, on failure and on SIGINT/SIGTERM.
 * Usage (root): node dist/bench/tunnel.js [--duration 10] [--rounds 1] [--udp-bitrate 0]
 * The last output line is one JSON object (ours_tcp_mbps, wireguard_go_tcp_mbps,
 * plain_tcp_mbps, ratio_vs_wireguard_go, engine_vs_raw_aesgcm, and details).
 */
import type { ChildProcess } from 'node:child_process';
import { configureLogging, errorMessage, PrerequisiteError } from '../common/index.js';
import { routerMainPath } from '../virtual-router/index.js';
import { measureEngine, type EngineResult } from './tunnel-engine.js';
import { load1, measure, startIperfServer, UDP_PACKET_BYTES, type IperfSettings, type Measurement } from './tunnel-iperf.js';
import { startOurTunnel } from './tunnel-ours.js';
import { addPlainRoutes, createTopology, deletePlainRoutes, destroyTopology, run, TUNNEL_MTU, type Topology } from './tunnel-topology.js';
import { startWireguardTunnel } from './tunnel-wireguard.js';

type Variant = 'ours' | 'wireguard_go' | 'plain';
const VARIANTS: readonly Variant[] = ['plain', 'ours', 'wireguard_go'];

interface Options extends IperfSettings {
  rounds: number;
  engineMs: number;
  /** Variants to run (all by default; a subset is for development, the report then has nulls). */
  variants: Variant[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { durationS: 10, udpBitrate: 0, rounds: 1, engineMs: 6000, variants: [...VARIANTS] };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--variants') {
      const list = (argv[i + 1] ?? '').split(',');
      if (!list.every((x): x is Variant => (VARIANTS as readonly string[]).includes(x))) throw new Error(`--variants takes a list of ${VARIANTS.join(',')}`);
      o.variants = VARIANTS.filter((v) => list.includes(v));
      continue;
    }
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${argv[i]} needs a non-negative number`);
    if (argv[i] === '--duration') o.durationS = Math.max(1, Math.round(v));
    else if (argv[i] === '--rounds') o.rounds = Math.max(1, Math.round(v));
    else if (argv[i] === '--udp-bitrate') o.udpBitrate = Math.round(v);
    else if (argv[i] === '--engine-ms') o.engineMs = Math.max(1000, Math.round(v));
    else throw new Error(`unknown option ${argv[i]} (--duration s, --rounds n, --udp-bitrate bit/s, --engine-ms ms, --variants list)`);
  }
  return o;
}

async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) throw new PrerequisiteError('bench:tunnel needs root (network namespaces, TUN): run it with sudo');
  routerMainPath(); // throws with 'npm run build' when the router is not built
  for (const [tool, pkg] of [['iperf3', 'iperf3'], ['wireguard-go', 'wireguard-go'], ['wg', 'wireguard-tools']] as const) {
    if ((await run(['sh', '-c', `command -v ${tool}`])).code !== 0) {
      throw new PrerequisiteError(`${tool} is not installed: apt-get install -y ${pkg}`);
    }
  }
}

/** Median of the runs of one variant and protocol (by Mbit/s); undefined when it did not run. */
function median(ms: Measurement[]): Measurement | undefined {
  const sorted = [...ms].sort((x, y) => x.mbps - y.mbps);
  return sorted[Math.floor(sorted.length / 2)];
}

/** a / b to 3 decimals, or null when either is missing. */
function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined ? null : Math.round((a / b) * 1000) / 1000;
}

function line(name: string, proto: string, m: Measurement): string {
  const cpu = m.cpuSPerGbit === undefined ? '      -' : m.cpuSPerGbit.toFixed(3).padStart(7);
  const loss = m.lossPercent === undefined ? '' : `  loss ${m.lossPercent}%, at the receiver's interface ${m.deliveredMbps} Mbit/s`;
  return `${name.padEnd(13)} ${proto}  ${m.mbps.toFixed(1).padStart(8)} Mbit/s  ${String(m.pps).padStart(7)} pkt/s  tunnel CPU ${cpu} s/Gbit  machine CPU ${m.machineCpuSPerGbit.toFixed(3)} s/Gbit  load ${m.load1}${loss}`;
}

/**
 * Undo steps, run once each: `add` registers one and returns a function that runs it now;
 * `runAll` runs the remaining ones newest first. Once `runAll` has started (an interrupt),
 * `add` runs the step at once and throws, so whatever is created meanwhile goes as well.
 */
class Cleanups {
  private readonly steps: { fn: () => Promise<void>; done: boolean }[] = [];
  private all: Promise<void> | undefined;

  /** Whether `runAll` has started. */
  get interrupted(): boolean {
    return this.all !== undefined;
  }

  async add(fn: () => Promise<void>): Promise<() => Promise<void>> {
    const step = { fn, done: false };
    if (this.all !== undefined) {
      await this.runStep(step);
      throw new Error('interrupted');
    }
    this.steps.push(step);
    return () => this.runStep(step);
  }

  runAll(): Promise<void> {
    this.all ??= (async () => {
      for (const step of [...this.steps].reverse()) await this.runStep(step);
    })();
    return this.all;
  }

  private async runStep(step: { fn: () => Promise<void>; done: boolean }): Promise<void> {
    if (step.done) return;
    step.done = true;
    await step.fn().catch((err: unknown) => process.stderr.write(`cleanup: ${errorMessage(err)}\n`));
  }
}

/** Longest wait after SIGINT/SIGTERM for the run to wind down (a running iperf3 ends within its duration). */
const INTERRUPT_GRACE_MS = 60_000;

async function main(cleanups: Cleanups): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  configureLogging({ level: 'warn' });
  await checkPrerequisites();
  try {
    // 1. Topology and 2. iperf3 server.
    const t: Topology = await createTopology();
    await cleanups.add(() => destroyTopology(t));
    const server: ChildProcess = startIperfServer(t);
    await cleanups.add(async () => {
      server.kill('SIGKILL');
    });
    await new Promise((r) => setTimeout(r, 300));
    const settings = `iperf3 -t ${opts.durationS}; UDP -u -b ${opts.udpBitrate} -l ${UDP_PACKET_BYTES - 28}; inner MTU ${TUNNEL_MTU}`;
    process.stdout.write(`bench:tunnel  ${settings}; rounds ${opts.rounds}; load at start ${load1()}\n`);

    // 3. Each round: plain, ours, wireguard-go; TCP then UDP.
    const results: Record<Variant, { tcp: Measurement[]; udp: Measurement[] }> = {
      ours: { tcp: [], udp: [] },
      wireguard_go: { tcp: [], udp: [] },
      plain: { tcp: [], udp: [] },
    };
    for (let round = 0; round < opts.rounds; round++) {
      for (const v of opts.variants) {
        let pids: number[] = [];
        let stop: () => Promise<void>;
        if (v === 'plain') {
          stop = await cleanups.add(() => deletePlainRoutes(t));
          await addPlainRoutes(t);
        } else {
          const tunnel = v === 'ours' ? await startOurTunnel(t) : await startWireguardTunnel(t);
          stop = await cleanups.add(tunnel.stop);
          pids = tunnel.pids;
        }
        try {
          for (const proto of ['tcp', 'udp'] as const) {
            const m = await measure(t, proto, opts, pids);
            results[v][proto].push(m);
            process.stdout.write(`${line(v, proto, m)}\n`);
          }
        } finally {
          await stop();
        }
      }
    }

    // 4. Engine alone vs raw node:crypto.
    // As the router runs it (native addon), then with node:crypto transforms for comparison.
    const eng: EngineResult = measureEngine(opts.engineMs);
    const engNode: EngineResult = measureEngine(Math.max(1000, opts.engineMs / 2), 'node');
    for (const e of [eng, engNode]) {
      process.stdout.write(
        `engine ${e.backend.padEnd(6)} ESP encap+decap ${e.enginePps} pkt/s (${e.engineMbps} Mbit/s); raw node:crypto AES-256-GCM ${e.rawPps} pkt/s (${e.rawMbps} Mbit/s); ratio ${e.ratio}\n`,
      );
    }

    // 5. Report.
    const med = (v: Variant, p: 'tcp' | 'udp'): Measurement | undefined => median(results[v][p]);
    const mbps = (v: Variant, p: 'tcp' | 'udp'): number | undefined => med(v, p)?.mbps;
    const summary = {
      ours_tcp_mbps: mbps('ours', 'tcp') ?? null,
      wireguard_go_tcp_mbps: mbps('wireguard_go', 'tcp') ?? null,
      plain_tcp_mbps: mbps('plain', 'tcp') ?? null,
      ratio_vs_wireguard_go: ratio(mbps('ours', 'tcp'), mbps('wireguard_go', 'tcp')),
      engine_vs_raw_aesgcm: eng.ratio,
      ours_udp_mbps: mbps('ours', 'udp') ?? null,
      wireguard_go_udp_mbps: mbps('wireguard_go', 'udp') ?? null,
      plain_udp_mbps: mbps('plain', 'udp') ?? null,
      ratio_udp_vs_wireguard_go: ratio(mbps('ours', 'udp'), mbps('wireguard_go', 'udp')),
      details: {
        settings,
        rounds: opts.rounds,
        ours: { tcp: med('ours', 'tcp'), udp: med('ours', 'udp') },
        wireguard_go: { tcp: med('wireguard_go', 'tcp'), udp: med('wireguard_go', 'udp') },
        plain: { tcp: med('plain', 'tcp'), udp: med('plain', 'udp') },
        engine: eng,
        engine_node_crypto: engNode,
        load_at_end: load1(),
      },
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await cleanups.runAll();
  }
}

const cleanups = new Cleanups();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: cleaning up\n`);
    void cleanups.runAll();
    setTimeout(() => process.exit(130), INTERRUPT_GRACE_MS).unref();
  });
}
main(cleanups).then(
  () => {
    if (cleanups.interrupted) process.exitCode = 130;
  },
  (err: unknown) => {
    process.stderr.write(`bench:tunnel ${cleanups.interrupted ? 'interrupted' : `failed: ${errorMessage(err)}`}\n`);
    process.exitCode = cleanups.interrupted ? 130 : 1;
  },
);
