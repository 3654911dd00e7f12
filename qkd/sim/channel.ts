/**
 * The quantum channel from Alice to Bob: a transmittance (fibre: α dB/km × L;
 * free-space: a total loss budget in dB, e.g. an urban link or a satellite
 * pass as in Free-Space-QKD-Lab-HWU/Qrackling), the misalignment error e_d (the
 * probability that a photon reaches the wrong detector of the right basis:
 * polarisation drift, imperfect optics) and, for free-space links, background
 * (stray light) counts per detector and gate. Models of Ma–Qi–Zhao–Lo, PRA 72,
 * 012326 (2005) §II.
 */
import { ValidationError } from '../../common/index.js';
import { GYS } from './constants.js';

/** Fibre of `lengthKm` km with `attenuationDbPerKm` loss (default 0.21 dB/km, GYS). */
export interface FibreChannelParams {
  kind: 'fibre';
  lengthKm: number;
  attenuationDbPerKm?: number;
}

/** Free-space link with a total loss budget in dB (geometric, atmospheric, pointing). */
export interface FreeSpaceChannelParams {
  kind: 'free-space';
  lossDb: number;
}

/** Either channel, plus the impairments common to both. */
export type ChannelParams = (FibreChannelParams | FreeSpaceChannelParams) & {
  /** e_d: probability that a detected photon lands in the wrong detector (default 3.3 %, GYS). */
  misalignment?: number;
  /** Stray-light counts per detector and gate (default 0; relevant for free-space links in daylight). */
  backgroundCountProbability?: number;
};

/** A channel, validated. */
export class QuantumChannel {
  /** Total loss, dB. */
  readonly lossDb: number;
  /** η_channel = 10^(−loss/10). */
  readonly transmittance: number;
  readonly misalignment: number;
  readonly backgroundCountProbability: number;
  readonly description: string;

  constructor(params: ChannelParams) {
    if (params.kind === 'fibre') {
      const alpha = params.attenuationDbPerKm ?? GYS.attenuationDbPerKm;
      if (!(params.lengthKm >= 0 && params.lengthKm <= 1000)) throw new ValidationError(`lengthKm must be in [0, 1000], got ${params.lengthKm}`);
      if (!(alpha >= 0 && alpha < 10)) throw new ValidationError(`attenuationDbPerKm must be in [0, 10), got ${alpha}`);
      this.lossDb = alpha * params.lengthKm;
      this.description = `fibre ${params.lengthKm} km × ${alpha} dB/km`;
    } else if (params.kind === 'free-space') {
      if (!(params.lossDb >= 0 && params.lossDb <= 100)) throw new ValidationError(`lossDb must be in [0, 100], got ${params.lossDb}`);
      this.lossDb = params.lossDb;
      this.description = `free-space ${params.lossDb} dB`;
    } else {
      throw new ValidationError(`channel kind must be 'fibre' or 'free-space'`);
    }
    this.misalignment = params.misalignment ?? GYS.misalignment;
    this.backgroundCountProbability = params.backgroundCountProbability ?? 0;
    if (!(this.misalignment >= 0 && this.misalignment < 0.5)) throw new ValidationError(`misalignment must be in [0, 0.5), got ${this.misalignment}`);
    if (!(this.backgroundCountProbability >= 0 && this.backgroundCountProbability < 0.1)) {
      throw new ValidationError(`backgroundCountProbability must be in [0, 0.1), got ${this.backgroundCountProbability}`);
    }
    this.transmittance = Math.pow(10, -this.lossDb / 10);
  }
}
