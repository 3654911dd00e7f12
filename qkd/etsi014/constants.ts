/**
 * ETSI GS QKD 014 v1.1.1 (REST key delivery) constants: the API paths of
 * §5.1, the HTTP status codes of §5.2–§5.4, and this KME's tunables.
 */

// ---- Spec constants (GS QKD 014 v1.1.1) -----------------------------------

/** §5.1: every method lives under `/api/v1/keys/{SAE_ID}/…`. */
export const API_PREFIX = '/api/v1/keys';
/** §5.1 method names (last path segment). */
export const METHOD_STATUS = 'status';
export const METHOD_ENC_KEYS = 'enc_keys';
export const METHOD_DEC_KEYS = 'dec_keys';
/** §5.2–§5.4 response codes. */
export const HTTP_OK = 200;
export const HTTP_BAD_REQUEST = 400;
export const HTTP_UNAUTHORIZED = 401;
export const HTTP_SERVICE_UNAVAILABLE = 503;

// ---- Not in the spec ------------------------------------------------------

/** Extra codes the KME uses for paths and methods GS QKD 014 does not define. */
export const HTTP_NOT_FOUND = 404;
export const HTTP_METHOD_NOT_ALLOWED = 405;
/**
 * Header naming the calling SAE while the KME speaks plain HTTP. It is NOT
 * authentication: anybody can set it. GS QKD 014 §4.2 identifies the SAE by its
 * TLS client certificate; that resolver replaces this one in a later issue.
 */
export const SAE_ID_HEADER = 'x-sae-id';

// ---- Tunables -------------------------------------------------------------

/** `max_key_per_request` reported in Status and enforced on enc_keys. */
export const DEFAULT_MAX_KEY_PER_REQUEST = 128;
/** `max_SAE_ID_count`: this KME does not deliver to additional slave SAEs (key multicast). */
export const MAX_SAE_ID_COUNT = 0;
/** Largest request body accepted (bytes). */
export const MAX_BODY_BYTES = 64 * 1024;
/** Client-side timeout of one request (ms). */
export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;
