/**
 * The BB84 link simulator (ARCHITECTURE.md §5): photon source with decoy
 * states, fibre or free-space channel, threshold detectors, and the classical
 * post-processing run on the actual bit strings — sifting, parameter
 * estimation, LDPC reconciliation with belief propagation, verification and
 * Toeplitz privacy amplification. `Bb84Simulator` runs blocks; the link that
 * feeds the key stores from a worker thread is `link/bb84-sim-link.ts`.
 */
export * from './constants.js';
export * from './seeded-random.js';
export * from './binary-entropy.js';
export * from './photon-source.js';
export * from './channel.js';
export * from './detector.js';
export * from './quantum-transmission.js';
export * from './sifting.js';
export * from './parameter-estimation.js';
export * from './decoy-state.js';
export * from './fft.js';
export * from './fft-simd.js';
export * from './toeplitz-hash.js';
export * from './verification.js';
export * from './ldpc-code.js';
export * from './ldpc-decoder.js';
export * from './ldpc-simd-decoder.js';
export * from './wasm-module.js';
export * from './ldpc-codes.js';
export * from './reconciliation.js';
export * from './privacy-amplification.js';
export * from './bb84-block.js';
export * from './bb84-simulator.js';
