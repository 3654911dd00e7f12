/** NETCONF (RFC 6241) over SSH (RFC 6242) with RFC 5277 notifications: framing, messages, server, client, and the XML element tree they use. */
export * from './xml-element.js';
export * from './constants.js';
export * from './framing.js';
export * from './framed-stream.js';
export * from './hello.js';
export * from './rpc.js';
export * from './rpc-error.js';
export * from './notification.js';
export * from './subtree-filter.js';
export * from './datastore.js';
export * from './operations.js';
export * from './memory-datastore.js';
export * from './server-session.js';
export * from './server.js';
export * from './client.js';
