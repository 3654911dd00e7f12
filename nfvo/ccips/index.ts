/** CCIPS controller: SAD/SPD computation for IKE-less tunnels (RFC 9061). */
export * from './controller.js';
export * from './suites.js';
