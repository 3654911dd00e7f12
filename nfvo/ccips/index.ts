/** CCIPS controller: SAD/SPD computation for IKE-less tunnels (RFC 9061), keying and rekeying. */
export * from './controller.js';
export * from './suites.js';
export * from './tunnel-keying.js';
export * from './rekey.js';
export * from './tunnel-maintainer.js';
