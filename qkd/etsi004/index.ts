/** ETSI GS QKD 004 v2.1.1 (JSON over TCP): constants, codec, messages, server, client. */
export * from './constants.js';
export * from './codec.js';
export * from './messages.js';
export * from './server.js';
export * from './client.js';
