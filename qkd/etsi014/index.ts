/** ETSI GS QKD 014 v1.1.1: KME logic, HTTP(S) server, client, SAE identity resolvers, data formats, test PKI. */
export * from './constants.js';
export * from './types.js';
export * from './sae-identity.js';
export * from './kme.js';
export * from './kme-server.js';
export * from './kme-client.js';
export * from './pki.js';
