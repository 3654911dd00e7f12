/** The SSH transport (RFC 4251–4254) on ssh2: a subsystem-only server, a host-key-pinning client, and key files. */
export * from './constants.js';
export * from './host-keys.js';
export * from './ssh-auth.js';
export * from './ssh-server.js';
export * from './ssh-client.js';
export * from './subsystem-stream.js';
