/**
 * Bob's receiver: active basis choice and two threshold single-photon
 * detectors (one per bit value), each with efficiency η_Bob (folded with Bob's
 * optical loss, as in Ma–Qi–Zhao–Lo PRA 72, 012326 §II) and a dark-count
 * probability per gate. Double clicks get a random bit (the squashing model of
 * Lütkenhaus, PRA 59, 3301, 1999). `clickProbabilities` gives, for a pulse of
 * mean photon number μ at Alice, the exclusive probabilities of: the right
 * detector only, the wrong detector only, both; conditioned on Bob measuring in
 * Alice's basis. Photons of one pulse share its polarisation error e_d.
 */
import { ValidationError } from '../../common/index.js';
import { GYS } from './constants.js';

/** Detector parameters. */
export interface DetectorParams {
  /** η_Bob: probability that a photon entering Bob's apparatus clicks (default 4.5 %, GYS). */
  efficiency?: number;
  /** Dark counts per detector per gate (default Y_0/2 = 8.5e-7 of GYS for two detectors). */
  darkCountProbability?: number;
}

/** Exclusive click outcomes of one pulse, given Bob measured in Alice's basis. */
export interface ClickProbabilities {
  /** Only the detector of Alice's bit clicks. */
  right: number;
  /** Only the other detector clicks (a bit error). */
  wrong: number;
  /** Both click (Bob picks a random bit: an error half of the time). */
  double: number;
  /** Any click: the gain Q = 1 − (1 − p_noise)^2 e^(−ημ). */
  gain: number;
}

/** The two-detector receiver, validated. */
export class ThresholdDetectorPair {
  readonly efficiency: number;
  readonly darkCountProbability: number;

  constructor(params: DetectorParams = {}) {
    this.efficiency = params.efficiency ?? GYS.bobEfficiency;
    this.darkCountProbability = params.darkCountProbability ?? GYS.vacuumYield / 2;
    if (!(this.efficiency > 0 && this.efficiency <= 1)) throw new ValidationError(`efficiency must be in (0, 1], got ${this.efficiency}`);
    if (!(this.darkCountProbability >= 0 && this.darkCountProbability < 0.1)) {
      throw new ValidationError(`darkCountProbability must be in [0, 0.1), got ${this.darkCountProbability}`);
    }
  }

  /**
   * Click probabilities for a pulse of mean photon number `mu` sent through a channel of
   * transmittance `channelTransmittance`, with misalignment `ed` and per-detector noise
   * (dark + background) probability `noise`.
   */
  clickProbabilities(mu: number, channelTransmittance: number, ed: number, noise: number): ClickProbabilities {
    const eta = channelTransmittance * this.efficiency;
    // a: at least one photon detected (photon losses thin the Poisson distribution to Poisson(ημ)).
    const a = -Math.expm1(-eta * mu);
    const pn = noise;
    const right = a * (1 - ed) * (1 - pn) + (1 - a) * pn * (1 - pn);
    const wrong = a * ed * (1 - pn) + (1 - a) * pn * (1 - pn);
    const double = a * pn + (1 - a) * pn * pn;
    return { right, wrong, double, gain: right + wrong + double };
  }

  /** Noise clicks per detector and gate: dark counts and background light, independent. */
  noiseProbability(backgroundCountProbability: number): number {
    return 1 - (1 - this.darkCountProbability) * (1 - backgroundCountProbability);
  }
}
