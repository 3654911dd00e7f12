/**
 * Alice's photon source: a phase-randomised weak coherent source (attenuated
 * laser), so the photon number of a pulse of mean μ is Poisson(μ), with the
 * decoy-state method of Hwang (PRL 91, 057901, 2003) and Lo–Ma–Chen (PRL 94,
 * 230504, 2005): each pulse is independently a signal (μ), a weak decoy (ν) or
 * a vacuum decoy (intensity 0), chosen at random and announced after Bob's
 * detections. Class 0 = signal, 1 = decoy, 2 = vacuum throughout the simulator.
 */
import { ValidationError } from '../../common/index.js';
import { DEFAULT_DECOY_PROBABILITY, DEFAULT_SIGNAL_PROBABILITY, GYS } from './constants.js';

/** Pulse classes in the order the simulator indexes them. */
export const PULSE_CLASSES = ['signal', 'decoy', 'vacuum'] as const;
/** Index of each pulse class. */
export const SIGNAL = 0;
export const DECOY = 1;
export const VACUUM = 2;

/** Mean photon numbers and choice probabilities of the three pulse classes. */
export interface PhotonSourceParams {
  /** Signal intensity μ (mean photons per pulse). */
  signalIntensity: number;
  /** Weak decoy intensity ν (0 < ν < μ). */
  decoyIntensity: number;
  /** Probability that a pulse is a signal. */
  signalProbability: number;
  /** Probability that a pulse is a weak decoy (vacuum gets the rest). */
  decoyProbability: number;
}

/** The default source: GYS intensities (μ = 0.48, ν = 0.1), 65 % signals, 25 % weak decoys, 10 % vacuum (enough decoy statistics for e_1 in blocks of 10^5 bits). */
export const DEFAULT_SOURCE: Readonly<PhotonSourceParams> = Object.freeze({
  signalIntensity: GYS.signalIntensity,
  decoyIntensity: GYS.decoyIntensity,
  signalProbability: DEFAULT_SIGNAL_PROBABILITY,
  decoyProbability: DEFAULT_DECOY_PROBABILITY,
});

/** The source, validated. */
export class WeakCoherentSource {
  /** Mean photon number per class [μ, ν, 0]. */
  readonly intensities: readonly [number, number, number];
  /** Choice probability per class. */
  readonly probabilities: readonly [number, number, number];

  constructor(params: PhotonSourceParams) {
    const { signalIntensity: mu, decoyIntensity: nu, signalProbability: ps, decoyProbability: pd } = params;
    if (!(mu > 0 && mu < 10)) throw new ValidationError(`signalIntensity must be in (0, 10), got ${mu}`);
    if (!(nu > 0 && nu < mu)) throw new ValidationError(`decoyIntensity must be in (0, signalIntensity), got ${nu}`);
    if (!(ps > 0 && ps < 1)) throw new ValidationError(`signalProbability must be in (0, 1), got ${ps}`);
    if (!(pd > 0 && ps + pd < 1)) throw new ValidationError(`decoyProbability must be > 0 and leave room for vacuum pulses, got ${pd}`);
    this.intensities = [mu, nu, 0];
    this.probabilities = [ps, pd, 1 - ps - pd];
  }
}

/** Poisson photon-number probability P(n | μ) = e^−μ μ^n / n!. */
export function photonNumberProbability(mu: number, n: number): number {
  let p = Math.exp(-mu);
  for (let k = 1; k <= n; k++) p *= mu / k;
  return p;
}
