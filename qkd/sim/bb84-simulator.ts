/**
 * A simulated BB84 decoy-state link A–B (ARCHITECTURE.md §5): the hardware
 * (source, channel, detectors, clock), the post-processing settings, the
 * labelled random streams of each party, and the bit carry between blocks.
 * `runBlock` runs one block (`bb84-block.ts`) and cuts the secret bits into
 * keys of `keySizeBits`, each with a key_ID (UUID v4 from public randomness:
 * Alice picks it and tells Bob), Alice's and Bob's copies kept apart.
 *
 * Defaults: the Gobby–Yuan–Shields fibre parameters of PROTOCOL-NOTES.md §3 at
 * 25 km, a 1 GHz clock, blocks sized for 2^20 sifted signal bits.
 */
import { ValidationError, fromHex, zeroize } from '../../common/index.js';
import { runBlock, type BlockResult, type BlockSettings, type BlockStreams, type RawKeyCarry } from './bb84-block.js';
import { QuantumChannel, type ChannelParams } from './channel.js';
import {
  DEFAULT_CLOCK_RATE_HZ,
  DEFAULT_EPSILON_PA,
  DEFAULT_FIBRE_LENGTH_KM,
  DEFAULT_FLUCTUATION_SIGMAS,
  DEFAULT_MAX_ITERATIONS,
  DEFAULT_QBER_MARGIN_SIGMAS,
  DEFAULT_SAMPLE_FRACTION,
  DEFAULT_SIFTED_BITS_PER_BLOCK,
  GYS,
  SHOR_PRESKILL_QBER,
  SIFTING_FACTOR,
} from './constants.js';
import { asymptoticKeyRateFor, type AsymptoticRate } from './decoy-state.js';
import { ThresholdDetectorPair, type DetectorParams } from './detector.js';
import { defaultLdpcFamily, type LdpcCodeFamily } from './ldpc-codes.js';
import { DEFAULT_SOURCE, SIGNAL, WeakCoherentSource, type PhotonSourceParams } from './photon-source.js';
import { classClickProbabilities, type LinkHardware } from './quantum-transmission.js';
import { SeededRandom } from './seeded-random.js';


/** Everything that defines a simulated link (plain data: it crosses to the worker). */
export interface Bb84SimulatorOptions {
  source?: Partial<PhotonSourceParams>;
  /** Default: fibre, 25 km, GYS loss and misalignment. */
  channel?: ChannelParams;
  detector?: DetectorParams;
  /** Pulses per second (default 1 GHz). */
  clockRateHz?: number;
  /** Target sifted signal bits per block; the pulses per block follow from the expected gain. */
  siftedBitsPerBlock?: number;
  /** Pulses per block, overriding `siftedBitsPerBlock`. */
  pulsesPerBlock?: number;
  /** Fraction of signal sifted bits disclosed for QBER estimation (default 5 %). */
  sampleFraction?: number;
  /** Abort a block whose sampled QBER exceeds this (default 11 %). */
  qberAbortThreshold?: number;
  /** ε of privacy amplification (default 1e-10). */
  epsilonPa?: number;
  /** Statistical-fluctuation margin of the decoy estimates, in standard deviations (default 0). */
  fluctuationSigmas?: number;
  /** Decoder iteration cap (default 60). */
  maxIterations?: number;
  /** LDPC decoder: 'simd' (default: WebAssembly SIMD min-sum, exact BP for frames it fails) or 'bp' (exact BP only). */
  decoder?: 'simd' | 'bp';
  /** Seed of every random stream, ≥ 16 bytes (hex string or bytes); default: random. */
  seed?: string | Uint8Array;
}

/** One block's report (no key material). */
export interface BlockReport extends Omit<BlockResult, 'alice' | 'bob' | 'carry'> {
  index: number;
  /** Seconds of link time the block represents (pulses / clock rate). */
  simulatedSeconds: number;
  /** Secret bits the block produced. */
  secretBits: number;
  /** Keys cut from the carry after this block. */
  keys: number;
}

/** Keys produced by a block: Alice's and Bob's copies (key i at bytes [i·k, (i+1)·k)). */
export interface KeyBatch {
  keyIds: string[];
  keyBytes: number;
  alice: Uint8Array;
  bob: Uint8Array;
}

/** The simulator of one link. */
export class Bb84Simulator {
  readonly hardware: LinkHardware;
  readonly clockRateHz: number;
  readonly pulsesPerBlock: number;
  readonly keySizeBits: number;
  readonly settings: BlockSettings;
  readonly family: LdpcCodeFamily;
  private readonly streams: BlockStreams;
  private readonly ids: SeededRandom;
  private carryAlice: Uint8Array = new Uint8Array(0);
  private carryBob: Uint8Array = new Uint8Array(0);
  private rawCarry: RawKeyCarry | undefined;
  private lastCorrected: { size: number; errors: number } | undefined;
  private blocks = 0;

  constructor(opts: Bb84SimulatorOptions, keySizeBits: number, family: LdpcCodeFamily = defaultLdpcFamily()) {
    if (!Number.isInteger(keySizeBits) || keySizeBits < 8 || keySizeBits % 8 !== 0) {
      throw new ValidationError(`keySizeBits must be a positive multiple of 8, got ${keySizeBits}`);
    }
    this.keySizeBits = keySizeBits;
    this.family = family;
    this.hardware = {
      source: new WeakCoherentSource({ ...DEFAULT_SOURCE, ...opts.source }),
      channel: new QuantumChannel(opts.channel ?? { kind: 'fibre', lengthKm: DEFAULT_FIBRE_LENGTH_KM }),
      detector: new ThresholdDetectorPair(opts.detector),
    };
    this.clockRateHz = opts.clockRateHz ?? DEFAULT_CLOCK_RATE_HZ;
    if (!(this.clockRateHz > 0 && this.clockRateHz <= 1e11)) throw new ValidationError(`clockRateHz must be in (0, 1e11], got ${this.clockRateHz}`);
    this.settings = {
      sampleFraction: opts.sampleFraction ?? DEFAULT_SAMPLE_FRACTION,
      qberAbortThreshold: opts.qberAbortThreshold ?? SHOR_PRESKILL_QBER,
      epsilonPa: opts.epsilonPa ?? DEFAULT_EPSILON_PA,
      fluctuationSigmas: opts.fluctuationSigmas ?? DEFAULT_FLUCTUATION_SIGMAS,
      maxIterations: opts.maxIterations ?? DEFAULT_MAX_ITERATIONS,
      qberMarginSigmas: DEFAULT_QBER_MARGIN_SIGMAS,
      decoder: opts.decoder ?? 'simd',
    };
    if (!(this.settings.epsilonPa > 0 && this.settings.epsilonPa < 1)) throw new ValidationError(`epsilonPa must be in (0, 1), got ${this.settings.epsilonPa}`);
    if (!(this.settings.qberAbortThreshold > 0 && this.settings.qberAbortThreshold < 0.5)) {
      throw new ValidationError(`qberAbortThreshold must be in (0, 0.5), got ${this.settings.qberAbortThreshold}`);
    }
    this.pulsesPerBlock = opts.pulsesPerBlock ?? this.pulsesFor(opts.siftedBitsPerBlock ?? DEFAULT_SIFTED_BITS_PER_BLOCK);
    if (!Number.isSafeInteger(this.pulsesPerBlock) || this.pulsesPerBlock < 1) {
      throw new ValidationError(`pulsesPerBlock must be a positive safe integer, got ${this.pulsesPerBlock}`);
    }
    const seed = opts.seed === undefined ? SeededRandom.randomSeed() : typeof opts.seed === 'string' ? fromHex(opts.seed, 'seed') : Uint8Array.from(opts.seed);
    const root = new SeededRandom(seed, 'bb84');
    zeroize(seed);
    this.streams = { alice: root.fork('alice'), bob: root.fork('bob'), channel: root.fork('channel'), public: root.fork('public') };
    this.ids = root.fork('key-ids');
  }

  /** Seconds of link time per block. */
  get blockSeconds(): number {
    return this.pulsesPerBlock / this.clockRateHz;
  }

  /** The asymptotic GLLP rate for this hardware, with error-correction efficiency `f` (default GYS 1.22). */
  asymptoticRate(f: number = GYS.reconciliationEfficiency): AsymptoticRate {
    return asymptoticKeyRateFor(this.hardware, f);
  }

  /** Run one block; returns its report and the whole keys it completed. */
  runBlock(): { report: BlockReport; keys: KeyBatch } {
    const index = this.blocks++;
    const result = runBlock(this.hardware, this.pulsesPerBlock, this.streams, this.family, this.settings, { carry: this.rawCarry, corrected: this.lastCorrected });
    const { alice, bob, carry, ...rest } = result;
    this.rawCarry = carry;
    const rec = result.reconciliation;
    this.lastCorrected = rec && rec.keptBits > 0 ? { size: rec.keptBits, errors: rec.correctedErrors } : undefined;
    const secretBits = alice.length;
    const keys = this.cutKeys(alice, bob);
    return {
      report: { ...rest, index, simulatedSeconds: this.blockSeconds, secretBits, keys: keys.keyIds.length },
      keys,
    };
  }

  /** Zero the carried bits. */
  wipe(): void {
    zeroize(this.carryAlice, this.carryBob, this.rawCarry?.alice, this.rawCarry?.bob);
    this.rawCarry = undefined;
    this.carryAlice = new Uint8Array(0);
    this.carryBob = new Uint8Array(0);
    for (const s of Object.values(this.streams)) s.wipe();
  }

  /** Pulses giving `sifted` signal sifted bits on average. */
  private pulsesFor(sifted: number): number {
    if (!(sifted >= 1)) throw new ValidationError(`siftedBitsPerBlock must be ≥ 1, got ${sifted}`);
    const gain = classClickProbabilities(this.hardware)[SIGNAL].gain;
    const perPulse = this.hardware.source.probabilities[SIGNAL] * gain * SIFTING_FACTOR;
    return Math.max(1, Math.ceil(sifted / perPulse));
  }

  /** Append the block's bits to the carries and cut whole keys (bits packed MSB first). */
  private cutKeys(alice: Uint8Array, bob: Uint8Array): KeyBatch {
    const joinedA = concat(this.carryAlice, alice);
    const joinedB = concat(this.carryBob, bob);
    zeroize(this.carryAlice, this.carryBob, alice, bob);
    const k = this.keySizeBits;
    const count = Math.floor(joinedA.length / k);
    const keyBytes = k / 8;
    const outA = new Uint8Array(count * keyBytes);
    const outB = new Uint8Array(count * keyBytes);
    for (let i = 0; i < count * k; i++) {
      const byte = i >>> 3;
      const shift = 7 - (i & 7);
      outA[byte] |= joinedA[i] << shift;
      outB[byte] |= joinedB[i] << shift;
    }
    this.carryAlice = joinedA.slice(count * k);
    this.carryBob = joinedB.slice(count * k);
    zeroize(joinedA, joinedB);
    const keyIds: string[] = [];
    for (let i = 0; i < count; i++) keyIds.push(uuidV4(this.ids));
    return { keyIds, keyBytes, alice: outA, bob: outB };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** RFC 9562 §5.4 UUID version 4 from 16 random bytes. */
function uuidV4(rng: SeededRandom): string {
  const b = rng.fill(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
