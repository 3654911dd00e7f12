/**
 * The QKD side of qnfv (ARCHITECTURE.md §4–5): per-link key stores, what fills
 * them (the CSPRNG stand-in, or the BB84 decoy-state simulator with real
 * post-processing in a worker thread: `sim` namespace, `Bb84SimLink`), QKD
 * nodes serving ETSI GS QKD 014 v1.1.1 over HTTP or HTTPS with client
 * certificates (`createEtsi014Pki`), the ETSI GS QKD 004 v2.1.1
 * codec/server/client, and the Hybridization Module. In-process entry points:
 * `QkdLink.start` (the demo starts the link) and `HybridizationModule.start`
 * (each domain's VCA starts its module). Other modules reach all of this only
 * over the ETSI APIs.
 */
export * from './constants.js';
export * from './key-store.js';
export * from './link/index.js';
export * from './qkd-node.js';
export * from './qkd-link.js';
export { QkdNetwork, fullMesh, linkStats, type QkdNetworkOptions, type QkdFeedOptions, type NetworkLink } from './qkd-network.js';
export { KeyStreamTable, Kme004Service, kme004Handler, parseQkdUri } from './kme-004.js';
export * as sim from './sim/index.js';
export type { Bb84SimulatorOptions } from './sim/bb84-simulator.js';
export type { ChannelParams } from './sim/channel.js';
export * from './etsi014/index.js';
export * from './etsi004/index.js';
export * from './hybrid/index.js';
