/**
 * ETSI GS QKD 004 v2.1.1 (application interface) constants: the status values
 * of §6 (names as in PROTOCOL-NOTES.md §2.1, same numbering as
 * diogoftm/minimal-etsi-qkd-004 `models.h` and QUBIP's tests), the commands of
 * the JSON-over-TCP dialect (CONTRACTS.md "ETSI GS QKD 004 on the wire"), and
 * this implementation's tunables.
 */

// ---- Spec constants -------------------------------------------------------

/** GS QKD 004 status values. */
export const Etsi004Status = {
  /** 0: successful. */
  SUCCESSFUL: 0,
  /** 1: OPEN_CONNECT successful, but the peer application is not (yet) connected. */
  PEER_NOT_CONNECTED: 1,
  /** 2: GET_KEY failed: insufficient key available. */
  INSUFFICIENT_KEY: 2,
  /** 3: GET_KEY failed: the peer application is not yet connected. */
  PEER_APP_NOT_CONNECTED: 3,
  /** 4: no QKD connection available. */
  NO_QKD_CONNECTION: 4,
  /** 5: OPEN_CONNECT failed: the Key_stream_ID is already in use. */
  KSID_IN_USE: 5,
  /** 6: timeout. */
  TIMEOUT: 6,
  /** 7: OPEN_CONNECT failed: the QoS cannot be met (a counter-proposal is returned). */
  QOS_NOT_MET: 7,
  /** 8: GET_KEY failed: the metadata buffer is too small (the required size is returned). */
  METADATA_SIZE_INSUFFICIENT: 8,
} as const;

/** One of the GS QKD 004 status values 0..8. */
export type Etsi004StatusCode = (typeof Etsi004Status)[keyof typeof Etsi004Status];

/** Status value → name, for errors and logs. */
export const ETSI004_STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(Etsi004Status).map(([name, code]) => [code, name]),
);

/** The three commands of the JSON dialect. */
export const CMD_OPEN_CONNECT = 'OPEN_CONNECT';
export const CMD_GET_KEY = 'GET_KEY';
export const CMD_CLOSE = 'CLOSE';

/** Largest GET_KEY index (the binary dialect carries it as a u32). */
export const MAX_INDEX = 0xffff_ffff;

// ---- Not in the spec ------------------------------------------------------

/**
 * GS QKD 004 has no "bad request" status. A request that is not a valid
 * command (unknown command, missing or ill-typed field) is answered with this
 * status plus a `message` saying what is wrong; 4 ("no QKD connection
 * available") is the closest meaning: the request names no usable connection.
 */
export const STATUS_FOR_BAD_REQUEST = Etsi004Status.NO_QKD_CONNECTION;

// ---- Tunables -------------------------------------------------------------

/** Largest message the reader buffers before giving up on the stream (bytes of text). */
export const MAX_MESSAGE_CHARS = 1024 * 1024;
/** Client: how long to wait for one response (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** QoS defaults the client fills in (`key_chunk_size` 32 bytes = one 256-bit key). */
export const DEFAULT_QOS = {
  key_chunk_size: 32,
  max_bps: 0,
  min_bps: 0,
  jitter: 0,
  priority: 0,
  timeout: 0,
  ttl: 0,
  metadata_mimetype: 'application/json',
} as const;
