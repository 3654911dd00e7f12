/** VNF Configuration and Abstraction (per domain): the NFVO → VCA protocol, its JSON-RPC channel, the VCA service. */
export * from './protocol.js';
export * from './json-rpc.js';
export { VcaService, type VcaOptions } from './vca-service.js';
export { deriveSaKeys, type SaKeys } from './key-expansion.js';
export { ROUTER_PRIMITIVES, checkPrimitiveParams, type PrimitiveValue } from './router-primitives.js';
