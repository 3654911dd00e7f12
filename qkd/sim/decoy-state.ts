/**
 * Decoy-state BB84 theory, two uses:
 * 1. `decoyBounds`: the vacuum + weak decoy estimates of Ma, Qi, Zhao and Lo,
 *    PRA 72, 012326 (2005) Eqs. (34) and (37), from one block's measured gains
 *    and error rates: the single-photon yield lower bound Y_1^L, gain
 *    Q_1^L = Y_1^L μ e^−μ and error-rate upper bound e_1^U. Optional statistical
 *    fluctuation bounds (their §VI): each measured quantity moved by `sigmas`
 *    standard deviations in the conservative direction.
 * 2. `asymptoticKeyRate`: the asymptotic GLLP rate with infinitely many decoys
 *    (Gottesman–Lo–Lütkenhaus–Preskill 2004; Lo–Ma–Chen 2005), in the
 *    approximations of PROTOCOL-NOTES.md §3, which the tests compare the
 *    measured rate with:
 *      R = q{−Q_μ f h(E_μ) + Q_1[1 − h(e_1)]},  q = 1/2,
 *      Q_μ = Y_0 + 1 − e^(−ημ),  E_μ Q_μ = e_0 Y_0 + e_d(1 − e^(−ημ)),
 *      Y_1 ≈ Y_0 + η,  Q_1 = Y_1 μ e^(−μ),  e_1 = (e_0 Y_0 + e_d η)/Y_1.
 */
import { binaryEntropy } from './binary-entropy.js';
import { E0, SIFTING_FACTOR } from './constants.js';
import type { BlockEstimates } from './parameter-estimation.js';
import { DECOY, SIGNAL, VACUUM } from './photon-source.js';
import type { LinkHardware } from './quantum-transmission.js';

/** Single-photon estimates of one block. */
export interface DecoyBounds {
  /** Lower bound on the single-photon yield Y_1. */
  y1Lower: number;
  /** Lower bound on the single-photon gain Q_1 of signal pulses. */
  q1Lower: number;
  /** Upper bound on the single-photon error rate e_1 (the phase error rate, symmetric BB84). */
  e1Upper: number;
  /** Estimated vacuum yield Y_0 (gain of the vacuum decoys). */
  y0: number;
}

/** Vacuum + weak decoy bounds from a block's estimates, for intensities μ > ν > 0. */
export function decoyBounds(est: BlockEstimates, mu: number, nu: number, sigmas = 0): DecoyBounds {
  const [Nmu, Nnu, N0] = est.pulses;
  const Qmu = est.gains[SIGNAL];
  const Qnu = est.gains[DECOY];
  const Y0 = est.gains[VACUUM];
  const Enu = est.errorRates[DECOY];
  // Conservative direction for each measured quantity (relative standard deviation of a count).
  const up = (x: number, n: number): number => (x > 0 && sigmas > 0 ? x * (1 + sigmas / Math.sqrt(n * x)) : x);
  const down = (x: number, n: number): number => (x > 0 && sigmas > 0 ? Math.max(0, x * (1 - sigmas / Math.sqrt(n * x))) : x);
  const QnuL = down(Qnu, Nnu);
  const QmuU = up(Qmu, Nmu);
  const Y0U = up(Y0, N0);
  const Y0L = down(Y0, N0);
  const EQnuU = up(Enu * Qnu, Nnu);
  // Eq. (34): Y_1 ≥ μ/(μν − ν²) · [Q_ν e^ν − Q_μ e^μ ν²/μ² − (μ² − ν²)/μ² · Y_0].
  const y1Lower = Math.max(0, (mu / (mu * nu - nu * nu)) * (QnuL * Math.exp(nu) - QmuU * Math.exp(mu) * ((nu * nu) / (mu * mu)) - ((mu * mu - nu * nu) / (mu * mu)) * Y0U));
  // Eq. (37): e_1 ≤ (E_ν Q_ν e^ν − e_0 Y_0)/(Y_1 ν).
  const e1Upper = y1Lower > 0 ? Math.min(0.5, Math.max(0, (EQnuU * Math.exp(nu) - E0 * Y0L) / (y1Lower * nu))) : 0.5;
  return { y1Lower, q1Lower: y1Lower * mu * Math.exp(-mu), e1Upper, y0: Y0 };
}

/** Inputs of the asymptotic rate. */
export interface AsymptoticRateParams {
  /** η = η_channel · η_Bob. */
  transmittance: number;
  /** Y_0: vacuum yield (noise clicks of either detector per gate). */
  vacuumYield: number;
  /** e_d. */
  misalignment: number;
  /** μ. */
  signalIntensity: number;
  /** f (≥ 1) of error correction. */
  reconciliationEfficiency: number;
}

/** The asymptotic rate and its ingredients, per signal pulse. */
export interface AsymptoticRate {
  /** Secret bits per pulse (0 when negative). */
  rate: number;
  gain: number;
  qber: number;
  q1: number;
  e1: number;
}

/** GLLP decoy-state rate with infinitely many decoys (PROTOCOL-NOTES.md §3). */
export function asymptoticKeyRate(p: AsymptoticRateParams): AsymptoticRate {
  const { transmittance: eta, vacuumYield: y0, misalignment: ed, signalIntensity: mu, reconciliationEfficiency: f } = p;
  const detected = -Math.expm1(-eta * mu);
  const gain = y0 + detected;
  const qber = (E0 * y0 + ed * detected) / gain;
  const y1 = y0 + eta;
  const q1 = y1 * mu * Math.exp(-mu);
  const e1 = (E0 * y0 + ed * eta) / y1;
  const r = SIFTING_FACTOR * (-gain * f * binaryEntropy(qber) + q1 * (1 - binaryEntropy(e1)));
  return { rate: Math.max(0, r), gain, qber, q1, e1 };
}

/** The asymptotic rate for simulated hardware (η, Y_0 from the detector and channel models). */
export function asymptoticKeyRateFor(hw: LinkHardware, reconciliationEfficiency: number): AsymptoticRate {
  const noise = hw.detector.noiseProbability(hw.channel.backgroundCountProbability);
  return asymptoticKeyRate({
    transmittance: hw.channel.transmittance * hw.detector.efficiency,
    vacuumYield: 1 - (1 - noise) * (1 - noise),
    misalignment: hw.channel.misalignment,
    signalIntensity: hw.source.intensities[SIGNAL],
    reconciliationEfficiency,
  });
}
