/**
 * The QKD side of qnfv (ARCHITECTURE.md §4–5): per-link key stores, the
 * simulated link (CSPRNG stand-in until the BB84 simulator), QKD nodes serving
 * ETSI GS QKD 014 v1.1.1, the ETSI GS QKD 004 v2.1.1 codec/server/client, and
 * the Hybridization Module. In-process entry points: `QkdLink.start` (the demo
 * starts the link) and `HybridizationModule.start` (each domain's VCA starts
 * its module). Other modules reach all of this only over the ETSI APIs.
 */
export * from './constants.js';
export * from './key-store.js';
export * from './link/index.js';
export * from './qkd-node.js';
export * from './qkd-link.js';
export * from './etsi014/index.js';
export * from './etsi004/index.js';
export * from './hybrid/index.js';
