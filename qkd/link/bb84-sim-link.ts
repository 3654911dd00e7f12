/**
 * A simulated BB84 link feeding the two nodes' key stores (ARCHITECTURE.md §5):
 * the simulator (`sim/bb84-simulator.ts`) runs block after block in a
 * worker_thread (`sim/sim-worker.ts`), so LDPC decoding and Toeplitz hashing
 * never block the KMEs' event loop; each block's keys are appended to store A
 * (Alice's copies) and store B (Bob's copies) in the same order under the same
 * key_IDs. Blocks are paced to link time by default (a block of N pulses at
 * clock rate c is released no earlier than N/c seconds after the previous one),
 * so the stores fill at the simulated secret key rate, or slower when the
 * post-processing cannot keep up (`stats()` tells which). No block is started
 * while either store is full.
 *
 * Delivery notices are wired between the stores as in `csprng-link.ts`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PrerequisiteError, ValidationError, createLogger, zeroize } from '../../common/index.js';
import { LINK_TICK_MS } from '../constants.js';
import type { KeyStore } from '../key-store.js';
import { binaryEntropy } from '../sim/binary-entropy.js';
import type { AsymptoticRate } from '../sim/decoy-state.js';
import { Bb84Simulator, type Bb84SimulatorOptions, type BlockReport, type KeyBatch } from '../sim/bb84-simulator.js';
import type { SimWorkerData } from '../sim/sim-worker.js';

/** `fill()` gives up after this many blocks in a row without key. */
const MAX_EMPTY_BLOCKS = 5;

/** Options of a simulated BB84 link between two stores. */
export interface Bb84SimLinkOptions {
  /** Store at node A (Alice) and at node B (Bob): same capacity and key size. */
  stores: readonly [KeyStore, KeyStore];
  /** The simulated hardware and post-processing. */
  simulator?: Bb84SimulatorOptions;
  /** Release blocks at link time (default true); false runs blocks back to back. */
  realTime?: boolean;
  /** Run the simulator on this thread instead of a worker (only for tests of the pipeline). */
  inline?: boolean;
  /** Name used in logs. */
  name?: string;
}

/** Key pool of one node. */
export interface PoolLevel {
  store: string;
  /** Keys delivered on neither side. */
  available: number;
  /** Records held, tombstones included. */
  stored: number;
  capacity: number;
}

/** Live figures of a simulated link. */
export interface Bb84LinkStats {
  source: 'bb84-simulator';
  running: boolean;
  blocks: number;
  /** Blocks that gave no key (QBER above threshold, nothing left after PA). */
  abortedBlocks: number;
  pulses: number;
  /** Link time the blocks represent, s. */
  simulatedSeconds: number;
  secretBits: number;
  /** Secret bits per second of link time, and per pulse. */
  secretKeyRateBps: number;
  secretBitsPerPulse: number;
  /** Secret bits per second of wall-clock time since start. */
  wallClockSecretBps: number;
  /** QBER measured by error correction (errors corrected / bits reconciled), all blocks. */
  qber: number;
  /** QBER of the last block's disclosed sample. */
  sampledQber: number;
  /** Frame error rate of LDPC decoding + verification, all blocks. */
  fer: number;
  /** Reconciliation efficiency f = leakage / (bits · h(QBER)), all blocks. */
  reconciliationEfficiency: number;
  /** The asymptotic GLLP rate of the same hardware (f = 1.22), per pulse and per second. */
  expected: { bitsPerPulse: number; rateBps: number; qber: number };
  keysAdded: number;
  /** Keys that did not fit in the stores (zeroed). */
  keysDropped: number;
  pool: [PoolLevel, PoolLevel];
  /** The last block's report. */
  lastBlock?: BlockReport;
  /** The last error of the simulator, if any. */
  error?: string;
}

/** Runs the simulator (in a worker or inline) and feeds the stores. */
export class Bb84SimLink {
  private readonly stores: readonly [KeyStore, KeyStore];
  private readonly realTime: boolean;
  private readonly log;
  private readonly unwire: (() => void)[] = [];
  private readonly runner: BlockRunner;
  private running = false;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private nextAt = 0;
  private startedAt = 0;
  private waiters: (() => void)[] = [];
  private expected: AsymptoticRate | undefined;
  private blockSeconds = 0;
  private totals = { blocks: 0, aborted: 0, pulses: 0, seconds: 0, secret: 0, keysAdded: 0, keysDropped: 0, kept: 0, corrected: 0, frames: 0, failed: 0, leak: 0, leakBits: 0 };
  private last: BlockReport | undefined;
  private error: string | undefined;

  private constructor(opts: Bb84SimLinkOptions, runner: BlockRunner) {
    this.stores = opts.stores;
    this.realTime = opts.realTime ?? true;
    this.runner = runner;
    this.log = createLogger(`qkd.link.${opts.name ?? 'bb84-sim'}`);
    const [a, b] = opts.stores;
    this.unwire.push(a.onDelivery((id, binding) => b.notePeerDelivery(id, binding)));
    this.unwire.push(b.onDelivery((id, binding) => a.notePeerDelivery(id, binding)));
  }

  /** Create the link and its simulator (in a worker unless `inline`); does not start producing. */
  static async create(opts: Bb84SimLinkOptions): Promise<Bb84SimLink> {
    const [a, b] = opts.stores;
    if (a === b) throw new ValidationError('a link needs two distinct stores');
    if (a.keySizeBits !== b.keySizeBits || a.capacity !== b.capacity) {
      throw new ValidationError('both stores of a link must have the same key size and capacity');
    }
    const data: SimWorkerData = { options: opts.simulator ?? {}, keySizeBits: a.keySizeBits };
    const runner = opts.inline ? new InlineRunner(data) : await WorkerRunner.start(data);
    const link = new Bb84SimLink(opts, runner);
    link.expected = runner.expected;
    link.blockSeconds = runner.blockSeconds;
    return link;
  }

  /** Start producing blocks. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = Date.now();
    this.nextAt = Date.now();
    this.timer = setInterval(() => this.pump(), LINK_TICK_MS);
    this.timer.unref();
    this.log.info('BB84 simulated link started', { realTime: this.realTime, blockSeconds: this.blockSeconds, expectedBitsPerPulse: this.expected?.rate });
    this.pump();
  }

  /**
   * Run blocks until `count` more keys are in the stores (or they are full); resolves with the keys
   * added. Rejects when MAX_EMPTY_BLOCKS blocks in a row give no key (QBER above the threshold, a
   * link too long for the source): waiting longer would not help.
   */
  async fill(count: number): Promise<number> {
    const before = this.totals.keysAdded;
    let empty = 0;
    while (this.totals.keysAdded - before < count && this.stores[0].hasRoom() && this.stores[1].hasRoom()) {
      if (this.error) throw new PrerequisiteError(`the BB84 simulator failed: ${this.error}`);
      if (this.busy) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const secretBefore = this.totals.secret;
      await this.runOne();
      empty = this.totals.secret === secretBefore ? empty + 1 : 0;
      if (empty >= MAX_EMPTY_BLOCKS) {
        throw new ValidationError(`the simulated link gave no key in ${empty} blocks in a row: ${this.last?.aborted ?? 'no secret bits'}`);
      }
    }
    return this.totals.keysAdded - before;
  }

  /** Stop producing, stop the worker, unwire the stores (they keep their keys). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.busy) await new Promise<void>((resolve) => this.waiters.push(resolve));
    await this.runner.stop();
    for (const u of this.unwire.splice(0)) u();
  }

  /** Rate, QBER, FER, f and pool levels. */
  stats(): Bb84LinkStats {
    const t = this.totals;
    const wall = this.startedAt > 0 ? (Date.now() - this.startedAt) / 1000 : 0;
    const h = t.kept > 0 ? binaryEntropy(t.corrected / t.kept) : 0;
    const perPulse = this.expected?.rate ?? 0;
    return {
      source: 'bb84-simulator',
      running: this.running,
      blocks: t.blocks,
      abortedBlocks: t.aborted,
      pulses: t.pulses,
      simulatedSeconds: t.seconds,
      secretBits: t.secret,
      secretKeyRateBps: t.seconds > 0 ? t.secret / t.seconds : 0,
      secretBitsPerPulse: t.pulses > 0 ? t.secret / t.pulses : 0,
      wallClockSecretBps: wall > 0 ? t.secret / wall : 0,
      qber: t.kept > 0 ? t.corrected / t.kept : 0,
      sampledQber: this.last?.estimates.errorRates[0] ?? 0,
      fer: t.frames > 0 ? t.failed / t.frames : 0,
      reconciliationEfficiency: h > 0 ? t.leak / (t.kept * h) : 0,
      expected: { bitsPerPulse: perPulse, rateBps: perPulse * this.runner.clockRateHz, qber: this.expected?.qber ?? 0 },
      keysAdded: t.keysAdded,
      keysDropped: t.keysDropped,
      pool: [level(this.stores[0]), level(this.stores[1])],
      lastBlock: this.last,
      error: this.error,
    };
  }

  private pump(): void {
    if (!this.running || this.busy || this.error) return;
    if (!this.stores[0].hasRoom() || !this.stores[1].hasRoom()) return;
    if (this.realTime && Date.now() < this.nextAt) return;
    this.runOne().catch((err: unknown) => {
      this.error = err instanceof Error ? err.message : String(err);
      this.log.error('BB84 simulator failed', { error: this.error });
    });
  }

  private async runOne(): Promise<void> {
    this.busy = true;
    const started = Date.now();
    try {
      const { report, keys } = await this.runner.runBlock();
      this.absorb(report, keys);
      this.nextAt = Math.max(started, this.nextAt) + report.simulatedSeconds * 1000;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      this.busy = false;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  private absorb(report: BlockReport, keys: KeyBatch): void {
    const t = this.totals;
    t.blocks++;
    t.pulses += report.pulses;
    t.seconds += report.simulatedSeconds;
    t.secret += report.secretBits;
    if (report.secretBits === 0) t.aborted++;
    const rec = report.reconciliation;
    if (rec) {
      t.kept += rec.keptBits;
      t.corrected += rec.correctedErrors;
      t.frames += rec.frames;
      t.failed += rec.decodingFailures + rec.verificationFailures;
      t.leak += rec.leakEc;
    }
    this.last = report;
    const [a, b] = this.stores;
    const size = keys.keyBytes;
    try {
      for (let i = 0; i < keys.keyIds.length; i++) {
        if (!a.hasRoom() || !b.hasRoom()) {
          t.keysDropped += keys.keyIds.length - i;
          break;
        }
        a.add(keys.keyIds[i], keys.alice.subarray(i * size, (i + 1) * size));
        b.add(keys.keyIds[i], keys.bob.subarray(i * size, (i + 1) * size));
        t.keysAdded++;
      }
    } finally {
      zeroize(keys.alice, keys.bob);
    }
    if (report.aborted) this.log.warn('block gave no key', { block: report.index, reason: report.aborted });
  }
}

function level(s: KeyStore): PoolLevel {
  return { store: s.name, available: s.available, stored: s.size, capacity: s.capacity };
}

/** Where blocks run. */
interface BlockRunner {
  readonly expected: AsymptoticRate;
  readonly blockSeconds: number;
  readonly clockRateHz: number;
  runBlock(): Promise<{ report: BlockReport; keys: KeyBatch }>;
  stop(): Promise<void>;
}

/** The simulator on the calling thread (blocks the event loop for a block's duration). */
class InlineRunner implements BlockRunner {
  private readonly sim: Bb84Simulator;
  readonly expected: AsymptoticRate;
  readonly blockSeconds: number;
  readonly clockRateHz: number;
  constructor(data: SimWorkerData) {
    this.sim = new Bb84Simulator(data.options, data.keySizeBits);
    this.expected = this.sim.asymptoticRate();
    this.blockSeconds = this.sim.blockSeconds;
    this.clockRateHz = this.sim.clockRateHz;
  }
  async runBlock(): Promise<{ report: BlockReport; keys: KeyBatch }> {
    await new Promise((r) => setImmediate(r));
    return this.sim.runBlock();
  }
  async stop(): Promise<void> {
    this.sim.wipe();
  }
}

type WorkerMessage =
  | { type: 'ready'; pulsesPerBlock: number; blockSeconds: number; expected: AsymptoticRate }
  | { type: 'block'; report: BlockReport; keys: KeyBatch }
  | { type: 'error'; message: string };

/** The simulator in a worker_thread. */
class WorkerRunner implements BlockRunner {
  readonly expected: AsymptoticRate;
  readonly blockSeconds: number;
  readonly clockRateHz: number;
  private pending: { resolve: (v: { report: BlockReport; keys: KeyBatch }) => void; reject: (e: Error) => void } | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    ready: { blockSeconds: number; expected: AsymptoticRate; pulsesPerBlock: number },
  ) {
    this.expected = ready.expected;
    this.blockSeconds = ready.blockSeconds;
    this.clockRateHz = ready.pulsesPerBlock / ready.blockSeconds;
    worker.on('message', (m: WorkerMessage) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.type === 'block') p?.resolve({ report: m.report, keys: m.keys });
      else if (m.type === 'error') p?.reject(new Error(m.message));
    });
    const fail = (err: Error): void => {
      this.exited = true;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`simulator worker exited (code ${code})`)));
  }

  /** Start the worker and wait for the simulator to be built. */
  static async start(data: SimWorkerData): Promise<WorkerRunner> {
    const worker = new Worker(simWorkerPath(), { workerData: data });
    const ready = await new Promise<{ blockSeconds: number; expected: AsymptoticRate; pulsesPerBlock: number }>((resolve, reject) => {
      const onMessage = (m: WorkerMessage): void => {
        cleanup();
        if (m.type === 'ready') resolve(m);
        else reject(new ValidationError(m.type === 'error' ? m.message : 'unexpected first message from the simulator worker'));
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new WorkerRunner(worker, ready);
  }

  runBlock(): Promise<{ report: BlockReport; keys: KeyBatch }> {
    if (this.exited) return Promise.reject(new Error('simulator worker is not running'));
    if (this.pending) return Promise.reject(new Error('a block is already running'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ type: 'block' });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'stop' });
    const timeout = setTimeout(() => void this.worker.terminate(), 2000);
    await done;
    clearTimeout(timeout);
  }
}

/**
 * The compiled worker script: next to this module when running from `dist/`; from the
 * TypeScript sources (ts-jest), the `dist/` mirror built by `npm run build`.
 */
function simWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, '..', 'sim', 'sim-worker.js');
  if (existsSync(sibling)) return sibling;
  const mirror = join(here, '..', '..', 'dist', 'qkd', 'sim', 'sim-worker.js');
  if (existsSync(mirror)) return mirror;
  throw new PrerequisiteError(`the simulator worker script is missing (${sibling}); run 'npm run build' first`);
}
