/** The Hybridization Module: combiners, key sources, hybrid URIs, the HM-to-HM channel, the module. */
export * from './constants.js';
export * from './hybrid-uri.js';
export * from './combiners.js';
export * from './hybrid-context.js';
export * from './key-source.js';
export * from './qkd-etsi014-source.js';
export * from './ml-kem-peer-source.js';
export * from './peer-channel.js';
export * from './policy.js';
export * from './expiring-map.js';
export * from './hybridization-module.js';
