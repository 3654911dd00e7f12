/**
 * Hybridization Module constants: spec constants (RFC 5869 HKDF-SHA-256
 * limits, FIPS 203 parameter-set names, the URI scheme of CONTRACTS.md) and the
 * module's tunables.
 */

// ---- Spec constants -------------------------------------------------------

/** RFC 5869 §2.3: HKDF-Expand output is at most 255 · HashLen (SHA-256: 32). */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;
/** RFC 2104 / FIPS 198-1 HMAC-SHA-256 output length. */
export const HMAC_SHA256_LENGTH = 32;
/** URI scheme of source/destination in OPEN_CONNECT (CONTRACTS.md). */
export const HYBRID_URI_SCHEME = 'hybrid:';
/** Key source names as they appear in `key_sources` (FIPS 203 names for ML-KEM). */
export const SOURCE_QKD = 'QKD';
export const ML_KEM_ALGORITHMS = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'] as const;
/** FIPS 203 Table 3: encapsulation key and ciphertext sizes (bytes); shared secrets are 32 bytes. */
export const ML_KEM_SIZES: Readonly<Record<(typeof ML_KEM_ALGORITHMS)[number], { encapsulationKey: number; ciphertext: number }>> = {
  'ML-KEM-512': { encapsulationKey: 800, ciphertext: 768 },
  'ML-KEM-768': { encapsulationKey: 1184, ciphertext: 1088 },
  'ML-KEM-1024': { encapsulationKey: 1568, ciphertext: 1568 },
};
/** Combiner names (`hybridization=`); CONTRACTS.md: `kdf`, never `hkdf`. */
export const COMBINER_NAMES = ['xor', 'hmac', 'kdf'] as const;

// ---- Protocol choices of this project ---------------------------------------

/** HKDF label of the `kdf` combiner (domain separation; bump the version if the layout changes). */
export const KDF_LABEL = 'qnfv hybrid v1';
/**
 * Fixed order of sources inside every combiner: QKD first, then ML-KEM by
 * parameter set. Never by value (QUBIP sorts keys by value, which makes the
 * role of each key data-dependent).
 */
export const SOURCE_ORDER: readonly string[] = [SOURCE_QKD, ...ML_KEM_ALGORITHMS];
/** Default combiner when `hybridization=` is absent. */
export const DEFAULT_COMBINER = 'kdf';
/** Path of the HM-to-HM key agreement endpoint. */
export const PEER_EXCHANGE_PATH = '/hybrid/v1/key-exchange';

// ---- Tunables -------------------------------------------------------------

/** QKD key size requested from the KME (bits) and per hybrid key (one key). */
export const QKD_KEY_SIZE_BITS = 256;
/** Largest `key_chunk_size` (bytes) for the `kdf` combiner (HKDF allows 8160). */
export const MAX_KDF_CHUNK_SIZE = 1024;
/** How long side B keeps a peer offer and its KEM secret waiting for its GET_KEY (ms). */
export const DEFAULT_OFFER_TTL_MS = 60_000;
/** Most peer offers side B holds at once (then the peer endpoint answers 503). */
export const MAX_PENDING_OFFERS = 4096;
/** Timeout of one HM-to-HM request (ms). */
export const PEER_TIMEOUT_MS = 10_000;
/** Largest HM-to-HM request body (bytes): an ML-KEM-1024 key in base64 is ~2.1 kB. */
export const MAX_PEER_BODY_BYTES = 64 * 1024;
