/**
 * Constants of the NSD model and of qnfv's security-profile extension. Spec constants cite ETSI
 * GS NFV-SOL 006 / OSM; the extension's names and defaults are documented in docs/descriptors.md
 * (each default is the value the rest of qnfv assumes: design/ARCHITECTURE.md §4, §6).
 */

// ---- Spec constants -------------------------------------------------------------------------

/**
 * Key of the security-profile list in an NSD element: an augment from the `qnfv` YANG module,
 * serialised with its module name as RFC 7951 §4 requires for a node whose namespace differs
 * from its parent's.
 */
export const SECURITY_PROFILE_KEY = 'qnfv:security-profile';
/** The same list without the module prefix: refused with a hint, never silently ignored. */
export const UNPREFIXED_SECURITY_PROFILE_KEY = 'security-profile';

/** Key sources: ETSI GS QKD 004/014 keys, FIPS 203 ML-KEM parameter sets, RFC 7748 X25519. */
export const KEY_SOURCES = ['QKD', 'ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'X25519'] as const;
/** Combiners of the Hybridization Module (design/CONTRACTS.md: named `kdf`, not `hkdf`). */
export const COMBINERS = ['kdf', 'hmac', 'xor'] as const;
/** What to do when only one key source is available (design/ARCHITECTURE.md §4). */
export const SINGLE_SOURCE_POLICIES = ['require-all', 'allow-degraded'] as const;
/** ETSI GS QKD 014 (REST) or 004 (application interface). */
export const QKD_INTERFACES = ['etsi-014', 'etsi-004'] as const;
/** ESP transforms: RFC 4106 AES-GCM with a 16-byte ICV; RFC 3602 AES-CBC + RFC 4868 HMAC-SHA-256-128. */
export const ESP_ENCRYPTIONS = ['AES-GCM-16-256', 'AES-GCM-16-128', 'AES-CBC-256-HMAC-SHA-256-128', 'AES-CBC-128-HMAC-SHA-256-128'] as const;
/** Anti-replay window bounds, in packets. */
export const REPLAY_WINDOW_MIN = 64;
export const REPLAY_WINDOW_MAX = 4096;

// ---- Defaults (qnfv's choice, documented in docs/descriptors.md) ------------------------------

export const DEFAULT_COMBINER = 'kdf';
export const DEFAULT_SINGLE_SOURCE_POLICY = 'require-all';
export const DEFAULT_QKD_INTERFACE = 'etsi-014';
export const DEFAULT_ESP_ENCRYPTION = 'AES-GCM-16-256';
export const DEFAULT_ESN = false;
export const DEFAULT_REPLAY_WINDOW = 64;
