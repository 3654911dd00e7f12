/**
 * Constants of the QKD node: the key store, the simulated link and the
 * in-process node/link classes. Spec constants first (cited), tunables after.
 * The ETSI 004, ETSI 014 and Hybridization Module constants live in their
 * own folders' `constants.ts`.
 */

// ---- Spec constants -------------------------------------------------------

/** Bits per byte; key sizes in ETSI GS QKD 014 v1.1.1 §6.1 (`key_size`) are in bits. */
export const BITS_PER_BYTE = 8;

// ---- Tunables -------------------------------------------------------------

/** Default size of one QKD key, in bits (256: one AES-256 / HKDF-SHA-256 key). */
export const DEFAULT_KEY_SIZE_BITS = 256;
/** Smallest and largest key size the simulated link accepts, in bits. */
export const MIN_KEY_SIZE_BITS = 64;
export const MAX_KEY_SIZE_BITS = 8192;
/** Default capacity of one node's store for one link (keys). */
export const DEFAULT_POOL_SIZE = 1000;
/** Default rate of the CSPRNG stand-in link (keys per second). */
export const DEFAULT_KEY_RATE = 100;
/** How often the CSPRNG link tops up the stores (ms). */
export const LINK_TICK_MS = 50;
/** Where the in-process nodes listen by default. */
export const DEFAULT_HOST = '127.0.0.1';
