/**
 * Benchmark of the QKD node (issue 6; CONTRACTS.md "Benchmarks: what counts"):
 *   1. Toeplitz privacy amplification, input 10^6 bits, output 5·10^5: the modified
 *      Toeplitz hash the simulator uses (FFT product), and the standard m × n one;
 *   2. LDPC decoding of frames the BB84 simulator produces (its default block size) at
 *      QBER 1 %, 2 % and 4 % (misalignment set to the QBER, 10 km of GYS fibre), as the
 *      reconciliation runs it (8-bit SIMD min-sum, blind second round, exact BP for what
 *      is left), with the frame error rate and the reconciliation efficiency f;
 *   3. ETSI GS QKD 014 enc_keys over HTTPS with client certificates: 256-bit keys,
 *      one key per request, one client with a keep-alive connection.
 * Everything runs on one core of this process. Human-readable lines first; the last
 * line is one JSON object. Run: `npm run build && node dist/bench/qkd.js`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../common/index.js';
import { Etsi014Client, QkdLink, createEtsi014Pki, etsi014ClientTls } from '../qkd/index.js';
import { Bb84Simulator, SeededRandom, modifiedToeplitzHash, randomToeplitzSeed, toeplitzHash } from '../qkd/sim/index.js';

const PA_INPUT_BITS = 1_000_000;
const PA_OUTPUT_BITS = 500_000;
const PA_RUNS = 7;
const LDPC_FRAMES = 48;
const ETSI014_SECONDS = 3;

/** ns per element of a plain Float64Array sum: how much of a core this process gets right now. */
function calibrate(): number {
  const a = new Float64Array(1 << 20).fill(1.0001);
  let s = 0;
  const t0 = performance.now();
  for (let r = 0; r < 40; r++) for (let i = 0; i < a.length; i++) s += a[i];
  const ns = ((performance.now() - t0) * 1e6) / (40 * a.length);
  return s > 0 ? ns : ns;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** 1. Privacy amplification throughput (input bits per second), median of PA_RUNS with fresh seeds. */
function benchPa(kind: 'modified' | 'standard'): { mbps: number; ms: number } {
  const rng = new SeededRandom(new Uint8Array(32).fill(1), `bench-pa-${kind}`);
  const x = rng.bits(PA_INPUT_BITS);
  const times: number[] = [];
  for (let r = 0; r < PA_RUNS + 1; r++) {
    const t0 = performance.now();
    const seed = randomToeplitzSeed(kind === 'modified' ? PA_INPUT_BITS - 1 : PA_INPUT_BITS + PA_OUTPUT_BITS - 1, rng);
    const out = kind === 'modified' ? modifiedToeplitzHash(x, seed, PA_OUTPUT_BITS, 'fft') : toeplitzHash(x, seed, PA_OUTPUT_BITS, 'fft');
    const dt = performance.now() - t0;
    out.fill(0);
    if (r > 0) times.push(dt); // the first run warms up the JIT and the FFT plan
  }
  const ms = median(times);
  return { mbps: PA_INPUT_BITS / ms / 1000, ms };
}

interface LdpcFigure {
  /** Key bits per second of decoding time, second rounds and BP fallback included. */
  mbps: number;
  /** The same bits over the time of the SIMD min-sum batches alone. */
  minSumMbps: number;
  /** Key bits per SIMD kernel iteration (machine-independent cost of the min-sum part). */
  bitsPerKernelIteration: number;
  fer: number;
  f: number;
  qber: number;
  frames: number;
  /** Frames the SIMD min-sum decoder missed in its first round (then given a blind second round). */
  misses: number;
  /** Frames decoded by exact BP (missed by both rounds; ~10× slower). */
  exact: number;
  iterations: number;
  codes: Record<string, number>;
}

/** 2. LDPC decoding of simulated frames at QBER ≈ `qber`. */
function benchLdpc(qber: number): LdpcFigure {
  const sim = new Bb84Simulator(
    { channel: { kind: 'fibre', lengthKm: 10, misalignment: qber }, seed: `bench-ldpc-${qber}`.padEnd(32, '0').slice(0, 32).split('').map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('') },
    256,
  );
  const acc = { bits: 0, ms: 0, fastMs: 0, frames: 0, failed: 0, misses: 0, exact: 0, leak: 0, kept: 0, errors: 0, iterations: 0, batchIterations: 0, codes: {} as Record<string, number> };
  while (acc.frames < LDPC_FRAMES) {
    const rec = sim.runBlock().report.reconciliation;
    if (!rec) throw new Error('block aborted');
    acc.bits += rec.decodedBits;
    acc.ms += rec.decodeMs;
    acc.fastMs += rec.fastDecodeMs;
    acc.frames += rec.frames;
    acc.failed += rec.decodingFailures + rec.verificationFailures;
    acc.misses += rec.fastDecoderFailures;
    acc.exact += rec.exactDecodes;
    acc.batchIterations += rec.batchIterations;
    acc.leak += rec.leakEc;
    acc.kept += rec.keptBits;
    acc.errors += rec.correctedErrors;
    acc.iterations += rec.iterations;
    for (const [c, k] of Object.entries(rec.codes)) acc.codes[c] = (acc.codes[c] ?? 0) + k;
  }
  sim.wipe();
  const q = acc.errors / acc.kept;
  const h = -q * Math.log2(q) - (1 - q) * Math.log2(1 - q);
  return {
    mbps: acc.bits / acc.ms / 1000,
    minSumMbps: acc.bits / acc.fastMs / 1000,
    bitsPerKernelIteration: acc.bits / acc.batchIterations,
    fer: acc.failed / acc.frames,
    f: acc.leak / (acc.kept * h),
    qber: q,
    frames: acc.frames,
    misses: acc.misses,
    exact: acc.exact,
    iterations: acc.iterations / acc.frames,
    codes: acc.codes,
  };
}

/** 3. ETSI 014 enc_keys/s over HTTPS + mTLS, one keep-alive client, 256-bit keys, one per request. */
async function benchEtsi014(): Promise<{ keysPerS: number; requests: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'qnfv-bench-pki-'));
  const pki = await createEtsi014Pki({ dir, kmeIds: ['KME_A', 'KME_B'], saeIds: ['SAE_A', 'SAE_B'], days: 1 });
  const pool = 60_000;
  const link = await QkdLink.start({ tls: pki, keyRate: 0, prefill: pool, poolSize: pool, nodes: [{ kmeId: 'KME_A', saeIds: ['SAE_A'] }, { kmeId: 'KME_B', saeIds: ['SAE_B'] }] });
  const client = new Etsi014Client({ baseUrl: link.nodes[0].kme014Url, saeId: 'SAE_A', tls: etsi014ClientTls(pki, 'SAE_A') });
  try {
    for (let i = 0; i < 200; i++) (await client.encKeys('SAE_B', { number: 1, size: 256 }))[0].key.fill(0);
    let requests = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ETSI014_SECONDS * 1000 && requests < pool - 400) {
      const [k] = await client.encKeys('SAE_B', { number: 1, size: 256 });
      if (k.key.length !== 32) throw new Error('wrong key size');
      k.key.fill(0);
      requests++;
    }
    return { keysPerS: requests / ((performance.now() - t0) / 1000), requests };
  } finally {
    client.close();
    await link.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  configureLogging({ console: false });
  const cal = calibrate();
  console.log(`qnfv QKD benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`calibration: ${cal.toFixed(2)} ns per Float64Array element summed (≈0.5–0.7 on an idle core of this class; higher = less CPU for us)`);

  const pa = benchPa('modified');
  console.log(`privacy amplification, modified Toeplitz [I|T] (FFT), ${PA_INPUT_BITS} → ${PA_OUTPUT_BITS} bits: ${pa.mbps.toFixed(2)} Mbit/s input (${pa.ms.toFixed(1)} ms, median of ${PA_RUNS}, seed drawn each run)`);
  const paStd = benchPa('standard');
  console.log(`privacy amplification, standard Toeplitz (FFT), ${PA_INPUT_BITS} → ${PA_OUTPUT_BITS} bits: ${paStd.mbps.toFixed(2)} Mbit/s input (${paStd.ms.toFixed(1)} ms)`);

  const ldpc: Record<string, LdpcFigure> = {};
  for (const [label, q] of [['1pct', 0.01], ['2pct', 0.02], ['4pct', 0.04]] as const) {
    const r = benchLdpc(q);
    ldpc[label] = r;
    console.log(
      `LDPC decoding at QBER ${(r.qber * 100).toFixed(2)} %: ${r.mbps.toFixed(3)} Mbit/s of key bits, FER ${r.fer.toFixed(3)}, f ${r.f.toFixed(3)}, ${r.iterations.toFixed(1)} iterations/frame, ${r.frames} frames, ${r.misses} to a second round, ${r.exact} to exact BP; min-sum batches alone ${r.minSumMbps.toFixed(2)} Mbit/s, ${(r.bitsPerKernelIteration / 1000).toFixed(2)} kbit per kernel iteration (${Object.entries(r.codes).map(([c, k]) => `${c}×${k}`).join(', ')})`,
    );
  }

  const e014 = await benchEtsi014();
  console.log(`ETSI 014 enc_keys over HTTPS + client certificates, 256-bit keys, 1 key/request, 1 keep-alive client: ${e014.keysPerS.toFixed(0)} keys/s (${e014.requests} requests)`);

  const round = (x: number, d = 3): number => Number(x.toFixed(d));
  console.log(
    JSON.stringify({
      pa_mbps: round(pa.mbps),
      pa_input_bits: PA_INPUT_BITS,
      pa_output_bits: PA_OUTPUT_BITS,
      pa_standard_toeplitz_mbps: round(paStd.mbps),
      ldpc_mbps_qber_1pct: round(ldpc['1pct'].mbps),
      ldpc_fer_qber_1pct: round(ldpc['1pct'].fer),
      ldpc_f_qber_1pct: round(ldpc['1pct'].f),
      ldpc_min_sum_mbps_qber_1pct: round(ldpc['1pct'].minSumMbps),
      ldpc_kbit_per_kernel_iteration_qber_1pct: round(ldpc['1pct'].bitsPerKernelIteration / 1000, 2),
      ldpc_mbps_qber_2pct: round(ldpc['2pct'].mbps),
      ldpc_fer_qber_2pct: round(ldpc['2pct'].fer),
      ldpc_f_qber_2pct: round(ldpc['2pct'].f),
      ldpc_min_sum_mbps_qber_2pct: round(ldpc['2pct'].minSumMbps),
      ldpc_kbit_per_kernel_iteration_qber_2pct: round(ldpc['2pct'].bitsPerKernelIteration / 1000, 2),
      ldpc_mbps_qber_4pct: round(ldpc['4pct'].mbps),
      ldpc_fer_qber_4pct: round(ldpc['4pct'].fer),
      ldpc_f_qber_4pct: round(ldpc['4pct'].f),
      ldpc_min_sum_mbps_qber_4pct: round(ldpc['4pct'].minSumMbps),
      ldpc_kbit_per_kernel_iteration_qber_4pct: round(ldpc['4pct'].bitsPerKernelIteration / 1000, 2),
      etsi014_enc_keys_per_s: round(e014.keysPerS, 1),
      calibration_ns_per_element: round(cal),
      load_average_1min: round(loadavg()[0], 2),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
