/** NS lifecycle management: instances, operations, address plan. */
export * from './ns-lcm.js';
export * from './ip-plan.js';
export * from './ipv4.js';
export * from './resolved-ns.js';
export * from './domain-client.js';
export * from './instantiate-request.js';
export * from './vnf-primitives.js';
export * from './scale-request.js';
