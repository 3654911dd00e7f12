/**
 * NETCONF constants: namespaces and capability URNs of RFC 6241 §8 and
 * RFC 5277 §3.1, the RFC 6242 framing markers, then tunables.
 */

// --- Spec constants ---------------------------------------------------------

/** RFC 6241 §3.1: the NETCONF base namespace. */
export const NETCONF_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
/** RFC 5277 §4: namespace of `<create-subscription>` and `<notification>`. */
export const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/** Capability URNs (RFC 6241 §8, RFC 5277 §3.1 and §6.2). */
export const CAP = {
  BASE_1_0: 'urn:ietf:params:netconf:base:1.0',
  BASE_1_1: 'urn:ietf:params:netconf:base:1.1',
  WRITABLE_RUNNING: 'urn:ietf:params:netconf:capability:writable-running:1.0',
  CANDIDATE: 'urn:ietf:params:netconf:capability:candidate:1.0',
  NOTIFICATION: 'urn:ietf:params:netconf:capability:notification:1.0',
  INTERLEAVE: 'urn:ietf:params:netconf:capability:interleave:1.0',
} as const;

/** RFC 5277 §3.2.3: the default event stream. */
export const DEFAULT_STREAM = 'NETCONF';

/** RFC 6242 §4.3: end-of-message marker of base:1.0 framing. */
export const EOM_MARKER = ']]>]]>';
/** RFC 6242 §4.2: largest chunk-size (2^32 - 1). */
export const MAX_CHUNK_SIZE = 4294967295;
/** Digits of MAX_CHUNK_SIZE: a longer chunk-size is a framing error. */
export const MAX_CHUNK_SIZE_DIGITS = 10;

// --- Tunables ---------------------------------------------------------------

/** Largest message either side accepts before treating the session as broken. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Largest chunk our encoder writes (messages are split into chunks this big). */
export const ENCODE_CHUNK_BYTES = 64 * 1024;
/** Server: a session that has not sent its hello within this time is closed. */
export const HELLO_TIMEOUT_MS = 30_000;
/** Client: default time to wait for an rpc-reply. */
export const DEFAULT_RPC_TIMEOUT_MS = 60_000;
/** Client: time `close()` waits for the close-session reply. */
export const CLOSE_TIMEOUT_MS = 3_000;
