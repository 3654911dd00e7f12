/** Shared building blocks: errors, logging, byte helpers. NETCONF and the RFC 9061 model live in sub-folders. */
export * from './errors.js';
export * from './logger.js';
export * from './hex.js';
export * from './concurrency.js';
