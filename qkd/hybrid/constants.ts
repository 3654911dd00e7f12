/**
 * Hybridization Module constants: spec constants (RFC 5869 HKDF-SHA-256
 * limits, FIPS 203 / FIPS 204 / RFC 7748 sizes, the URI scheme and names of
 * CONTRACTS.md) and the module's tunables. Labels and wire names chosen by this
 * project are in the middle block: change them only with a version bump.
 */

// ---- Spec constants -------------------------------------------------------

/** RFC 5869 §2.3: HKDF-Expand output is at most 255 · HashLen (SHA-256: 32). */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;
/** RFC 2104 / FIPS 198-1 HMAC-SHA-256 output length. */
export const HMAC_SHA256_LENGTH = 32;
/** URI scheme of source/destination in OPEN_CONNECT (CONTRACTS.md). */
export const HYBRID_URI_SCHEME = 'hybrid:';
/** Key source names as they appear in `key_sources` (FIPS 203 names for ML-KEM, RFC 7748 for X25519). */
export const SOURCE_QKD = 'QKD';
export const ML_KEM_ALGORITHMS = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'] as const;
export const SOURCE_X25519 = 'X25519';
/** Every source a URI may name. */
export const KEY_SOURCE_NAMES = [SOURCE_QKD, ...ML_KEM_ALGORITHMS, SOURCE_X25519] as const;
/** FIPS 203 Table 3: encapsulation key, decapsulation key, ciphertext and shared secret sizes (bytes). */
export const ML_KEM_SIZES: Readonly<Record<(typeof ML_KEM_ALGORITHMS)[number], { encapsulationKey: number; decapsulationKey: number; ciphertext: number; sharedSecret: number }>> = {
  'ML-KEM-512': { encapsulationKey: 800, decapsulationKey: 1632, ciphertext: 768, sharedSecret: 32 },
  'ML-KEM-768': { encapsulationKey: 1184, decapsulationKey: 2400, ciphertext: 1088, sharedSecret: 32 },
  'ML-KEM-1024': { encapsulationKey: 1568, decapsulationKey: 3168, ciphertext: 1568, sharedSecret: 32 },
};
/** RFC 7748 §5: X25519 public keys and shared secrets are 32 bytes. */
export const X25519_KEY_LENGTH = 32;
/** FIPS 204 Table 2, ML-DSA-65: public key, secret key and signature sizes (bytes); key generation seed ξ. */
export const ML_DSA_65_SIZES = { publicKey: 1952, secretKey: 4032, signature: 3309, seed: 32 } as const;
/** Combiner names (`hybridization=`); CONTRACTS.md: `kdf`, never `hkdf`. */
export const COMBINER_NAMES = ['xor', 'hmac', 'kdf'] as const;
/** `single_source_policy=` values (the NSD's `single-source-policy`, ARCHITECTURE.md §4). */
export const SINGLE_SOURCE_POLICIES = ['require-all', 'allow-degraded'] as const;

// ---- Protocol choices of this project (wire and key layout) --------------

/** HKDF label of the `kdf` combiner (domain separation; v2 binds the KEM public key and each source's status). */
export const KDF_LABEL = 'qnfv hybrid v2';
/** Label of the auxiliary key of degraded mode (never used for anything else). */
export const AUX_LABEL = 'qnfv hybrid aux v1';
/** Name of the auxiliary input in combiners and contexts (not a source a URI may name). */
export const SOURCE_AUX = 'AUX';
/**
 * Fixed order of inputs inside every combiner: QKD first, then ML-KEM by
 * parameter set, X25519, and the auxiliary key last. Never by value (QUBIP
 * sorts keys by value, which makes the role of each key data-dependent).
 */
export const SOURCE_ORDER: readonly string[] = [...KEY_SOURCE_NAMES, SOURCE_AUX];
/** Default combiner when `hybridization=` is absent. */
export const DEFAULT_COMBINER = 'kdf';
/** Default `single_source_policy` (the NSD default): never key from fewer sources than asked. */
export const DEFAULT_SINGLE_SOURCE_POLICY = 'require-all';
/**
 * Path of the HM-to-HM key agreement endpoint (v3: batches of ML-DSA-signed
 * offers, labels inside the signed bytes). `PEER_EXCHANGE_PATH_PATTERN` matches
 * the endpoint of every version, so that another version gets a clear refusal.
 */
export const PEER_EXCHANGE_PATH = '/hybrid/v3/key-exchange';
export const PEER_EXCHANGE_PATH_PATTERN = /^\/hybrid\/v(\d+)\/key-exchange$/;
/** `type` of a signed offer batch and of its answer. */
export const OFFER_BATCH_TYPE = 'qnfv-hm-offer';
export const ANSWER_BATCH_TYPE = 'qnfv-hm-answer';
/** Version of the HM-to-HM messages (v2 used FIPS 204 context strings; v3 signs length-prefixed labels, see signed-envelope.ts). */
export const PEER_PROTOCOL_VERSION = 3;
/**
 * Domain-separation labels, signed as `u8(len) ‖ label ‖ message` (ML-DSA-65
 * with the empty context): a signature over an offer can never pass as one over
 * an answer.
 */
export const OFFER_SIGNATURE_LABEL = 'qnfv hm offer v3';
export const ANSWER_SIGNATURE_LABEL = 'qnfv hm answer v3';
/** Longest signature label (bytes): its length is signed in one byte. */
export const MAX_SIGNATURE_LABEL_BYTES = 255;
/** URL fragment parameter that pins the peer's ML-DSA-65 verification key by its SHA-256. */
export const PIN_FRAGMENT_PARAM = 'ml-dsa-65';
/** Bytes of the random nonce of each offer batch. */
export const OFFER_NONCE_BYTES = 16;

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
/** Largest HM-to-HM request body (bytes): a batch of 64 offers with ML-KEM-1024 keys is ~200 kB. */
export const MAX_PEER_BODY_BYTES = 1024 * 1024;
/** Offer batches older or newer than this (ms, against the receiver's clock) are refused as replays. */
export const REPLAY_WINDOW_MS = 60_000;
/** Most offer-batch nonces remembered at once (then the peer endpoint answers 503). */
export const MAX_REMEMBERED_NONCES = 100_000;
/** Most offers side A puts in one signed batch; the signature cost is shared by the batch. */
export const MAX_OFFERS_PER_BATCH = 64;
/** Most offers side B accepts in one batch. */
export const MAX_OFFERS_ACCEPTED_PER_BATCH = 256;
/** Batches on their way to the peer at once; more offers wait and go in the next batch (group commit). */
export const MAX_BATCHES_IN_FLIGHT = 2;
/** Most key_IDs in one ETSI 014 enc_keys/dec_keys call (the KME's `max_key_per_request` default). */
export const QKD_MAX_KEYS_PER_REQUEST = 128;
/** ETSI 014 calls on their way at once per direction; more requests wait and go in the next call. */
export const QKD_MAX_CALLS_IN_FLIGHT = 2;
