/**
 * Parameter estimation: what Alice and Bob learn about the channel from the
 * block itself, over the classical channel. Gains Q_k = detections/pulses per
 * class (Alice announces the classes); the error rates of the weak decoy and
 * vacuum classes from all their sifted bits (disclosed: they never become key);
 * the signal QBER from a random sample of the signal sifted bits chosen with
 * public randomness and disclosed, the rest becoming the raw key
 * (Lo–Ma–Chen PRL 94, 230504, 2005; Ma–Qi–Zhao–Lo PRA 72, 012326, 2005 §IV).
 */
import { ValidationError } from '../../common/index.js';
import { DECOY, SIGNAL, VACUUM } from './photon-source.js';
import type { DetectionRecord } from './quantum-transmission.js';
import type { SeededRandom } from './seeded-random.js';
import type { SiftedBits, SiftingResult } from './sifting.js';

/** Estimates from one block. */
export interface BlockEstimates {
  /** Pulses sent per class. */
  pulses: [number, number, number];
  /** Gains Q_k (detections / pulses) per class. */
  gains: [number, number, number];
  /** Error rates E_k of the sifted bits per class (signal: from the disclosed sample). */
  errorRates: [number, number, number];
  /** Sifted bits per class (before sampling). */
  sifted: [number, number, number];
  /** Disclosed signal sample: size and errors found in it. */
  sampleSize: number;
  sampleErrors: number;
}

/** Output of parameter estimation: the estimates and the raw key left after sampling. */
export interface ParameterEstimation {
  estimates: BlockEstimates;
  /** The undisclosed signal sifted bits at both ends. */
  rawKey: SiftedBits;
}

function countErrors(bits: SiftedBits): number {
  let e = 0;
  for (let i = 0; i < bits.alice.length; i++) e += bits.alice[i] ^ bits.bob[i];
  return e;
}

/** Estimate gains and error rates; disclose a random `sampleFraction` of the signal bits. */
export function estimateParameters(record: DetectionRecord, sifting: SiftingResult, sampleFraction: number, publicRng: SeededRandom): ParameterEstimation {
  if (!(sampleFraction > 0 && sampleFraction < 1)) throw new ValidationError(`sampleFraction must be in (0, 1), got ${sampleFraction}`);
  const signal = sifting.perClass[SIGNAL];
  const n = signal.alice.length;
  const k = Math.min(n, Math.max(1, Math.round(n * sampleFraction)));
  // Selection sampling (Knuth TAOCP vol. 2, Algorithm S): exactly k positions, uniformly.
  const keyLength = n - k;
  const rawKey: SiftedBits = { alice: new Uint8Array(keyLength), bob: new Uint8Array(keyLength) };
  let chosen = 0;
  let sampleErrors = 0;
  let out = 0;
  for (let i = 0; i < n; i++) {
    if ((n - i) * publicRng.double() < k - chosen) {
      chosen++;
      sampleErrors += signal.alice[i] ^ signal.bob[i];
    } else {
      rawKey.alice[out] = signal.alice[i];
      rawKey.bob[out] = signal.bob[i];
      out++;
    }
  }
  const errorRate = (bits: SiftedBits): number => (bits.alice.length > 0 ? countErrors(bits) / bits.alice.length : 0);
  const pulses = record.pulsesPerClass;
  const gains = pulses.map((N, c) => (N > 0 ? record.detectionsPerClass[c] / N : 0)) as [number, number, number];
  return {
    estimates: {
      pulses: [...pulses],
      gains,
      errorRates: [k > 0 ? sampleErrors / k : 0, errorRate(sifting.perClass[DECOY]), errorRate(sifting.perClass[VACUUM])],
      sifted: [n, sifting.perClass[DECOY].alice.length, sifting.perClass[VACUUM].alice.length],
      sampleSize: k,
      sampleErrors,
    },
    rawKey,
  };
}
