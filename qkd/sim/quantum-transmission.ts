/**
 * The quantum phase of BB84 with decoy states (Bennett–Brassard 1984; Lo–Ma–
 * Chen 2005), sampled statistically as CONTRACTS.md "QKD simulation honesty"
 * allows: the number of detections among N pulses is one Binomial(N, Σ p_k Q_k)
 * draw (the pulses are independent), each detection's pulse class comes from
 * its posterior p_k Q_k / Σ p_j Q_j, and the classes of the undetected pulses
 * from a multinomial split. Everything each party later uses is then drawn per
 * detection: Alice's basis and bit (her stream), Bob's basis (his stream), and
 * the click outcome from the detector model (right / wrong / double click), so
 * sifting, error estimation and error correction run on actual bit strings.
 *
 * Polarisation encoding: basis 0 = rectilinear (H/V), 1 = diagonal (±45°).
 */
import { ValidationError } from '../../common/index.js';
import type { QuantumChannel } from './channel.js';
import type { ClickProbabilities, ThresholdDetectorPair } from './detector.js';
import { VACUUM, type WeakCoherentSource } from './photon-source.js';
import type { SeededRandom } from './seeded-random.js';

/** What the link physically produced in one block. */
export interface DetectionRecord {
  /** Pulses Alice sent. */
  pulses: number;
  /** Pulses per class (Alice's own bookkeeping). */
  pulsesPerClass: [number, number, number];
  /** Detections per class (known to both after Alice announces the classes). */
  detectionsPerClass: [number, number, number];
  /** Number of detections D; the arrays below have length D. */
  count: number;
  /** Class of the detected pulse (0 signal, 1 decoy, 2 vacuum). */
  pulseClass: Uint8Array;
  aliceBasis: Uint8Array;
  aliceBit: Uint8Array;
  bobBasis: Uint8Array;
  bobBit: Uint8Array;
}

/** The random streams of the quantum phase. */
export interface TransmissionStreams {
  /** Alice's choices: basis and bit of each pulse. */
  alice: SeededRandom;
  /** Bob's choices: measurement basis, and the bit he assigns to a double click. */
  bob: SeededRandom;
  /** Nature: which pulses click, their classes, and outcomes. */
  channel: SeededRandom;
}

/** The link hardware. */
export interface LinkHardware {
  source: WeakCoherentSource;
  channel: QuantumChannel;
  detector: ThresholdDetectorPair;
}

/** Click probabilities of each pulse class over this hardware. */
export function classClickProbabilities(hw: LinkHardware): ClickProbabilities[] {
  const noise = hw.detector.noiseProbability(hw.channel.backgroundCountProbability);
  return hw.source.intensities.map((mu) => hw.detector.clickProbabilities(mu, hw.channel.transmittance, hw.channel.misalignment, noise));
}

/** A bit source that spends each 32-bit draw on 32 bits. */
class BitPool {
  private word = 0;
  private left = 0;
  constructor(private readonly rng: SeededRandom) {}
  next(): number {
    if (this.left === 0) {
      this.word = this.rng.uint32();
      this.left = 32;
    }
    const b = this.word & 1;
    this.word >>>= 1;
    this.left--;
    return b;
  }
}

/** Send `pulses` pulses and record what Bob detects. */
export function transmitPulses(hw: LinkHardware, pulses: number, streams: TransmissionStreams): DetectionRecord {
  if (!Number.isSafeInteger(pulses) || pulses < 1) throw new ValidationError(`pulses must be a positive integer, got ${pulses}`);
  const clicks = classClickProbabilities(hw);
  const p = hw.source.probabilities;
  const weights = clicks.map((c, k) => p[k] * c.gain);
  const pDetect = weights[0] + weights[1] + weights[2];
  const count = streams.channel.binomial(pulses, Math.min(1, pDetect));
  const cum0 = weights[0] / pDetect;
  const cum1 = (weights[0] + weights[1]) / pDetect;
  // Conditional outcome thresholds per class: right, right+wrong (double = the rest).
  const tRight = clicks.map((c) => (c.gain > 0 ? c.right / c.gain : 0));
  const tWrong = clicks.map((c) => (c.gain > 0 ? (c.right + c.wrong) / c.gain : 0));

  const pulseClass = new Uint8Array(count);
  const aliceBasis = new Uint8Array(count);
  const aliceBit = new Uint8Array(count);
  const bobBasis = new Uint8Array(count);
  const bobBit = new Uint8Array(count);
  const detectionsPerClass: [number, number, number] = [0, 0, 0];
  const aliceBits = new BitPool(streams.alice);
  const bobBits = new BitPool(streams.bob);
  const natureBits = new BitPool(streams.channel);
  const nature = streams.channel;
  for (let i = 0; i < count; i++) {
    const u = nature.double();
    const k = u < cum0 ? 0 : u < cum1 ? 1 : VACUUM;
    pulseClass[i] = k;
    detectionsPerClass[k]++;
    const ab = aliceBits.next();
    const a = aliceBits.next();
    const bb = bobBits.next();
    aliceBasis[i] = ab;
    aliceBit[i] = a;
    bobBasis[i] = bb;
    if (ab !== bb) {
      // Wrong basis: the photon (or noise) lands on either detector with probability 1/2.
      bobBit[i] = natureBits.next();
      continue;
    }
    const v = nature.double();
    if (v < tRight[k]) bobBit[i] = a;
    else if (v < tWrong[k]) bobBit[i] = a ^ 1;
    else bobBit[i] = bobBits.next(); // double click: squashed to a random bit
  }
  // Classes of the pulses nobody detected: multinomial over p_k (1 − Q_k).
  const rest = pulses - count;
  const miss = clicks.map((c, k) => p[k] * (1 - c.gain));
  const m0 = nature.binomial(rest, miss[0] / (miss[0] + miss[1] + miss[2]));
  const m1 = nature.binomial(rest - m0, miss[1] / (miss[1] + miss[2]));
  const m2 = rest - m0 - m1;
  return {
    pulses,
    pulsesPerClass: [detectionsPerClass[0] + m0, detectionsPerClass[1] + m1, detectionsPerClass[2] + m2],
    detectionsPerClass,
    count,
    pulseClass,
    aliceBasis,
    aliceBit,
    bobBasis,
    bobBit,
  };
}
