/**
 * Constants of the ESP data plane. Two blocks, as in wireguard-go
 * `device/constants.go`: numbers fixed by the specifications (cited), and
 * tunables that are this implementation's choice.
 */

// ---- Spec constants ---------------------------------------------------------

/** IP protocol number of ESP (RFC 4303 §2, IANA "Assigned Internet Protocol Numbers"). */
export const IPPROTO_ESP = 50;
/** ESP Next Header value for an IPv4 inner packet in tunnel mode (IP-in-IP, RFC 4303 §2.6). */
export const NEXT_HEADER_IPV4 = 4;
/** ESP Next Header (and IPv6 Next Header) value for an IPv6 inner packet (RFC 2473 §3; IANA). */
export const NEXT_HEADER_IPV6 = 41;
/** Next Header 59 marks a dummy (TFC) packet, to be discarded (RFC 4303 §2.6). */
export const NEXT_HEADER_NONE = 59;
/** IP protocol numbers whose first 4 L4 bytes are source and destination ports (RFC 4301 §4.4.1.1). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;

/** IPv4 header without options (RFC 791 §3.1). */
export const IPV4_HEADER_LEN = 20;
/** IPv6 fixed header (RFC 8200 §3). */
export const IPV6_HEADER_LEN = 40;
/** IPv6 extension headers walked to find the upper layer (RFC 8200 §4.1): Hop-by-Hop, Routing, Fragment, Destination Options. */
export const IPV6_EXT_HOP_BY_HOP = 0;
export const IPV6_EXT_ROUTING = 43;
export const IPV6_EXT_FRAGMENT = 44;
export const IPV6_EXT_DEST_OPTS = 60;
/** Fragment header length (RFC 8200 §4.5). */
export const IPV6_FRAGMENT_HEADER_LEN = 8;
/** ESP header: SPI (4) + low 32 bits of the sequence number (4) (RFC 4303 §2). */
export const ESP_HEADER_LEN = 8;
/** ESP trailer: Pad Length (1) + Next Header (1) (RFC 4303 §2.4–2.6). */
export const ESP_TRAILER_LEN = 2;
/** Outer TTL for tunnel-mode packets (RFC 1122 §3.2.1.7 default, what Linux XFRM uses). */
export const OUTER_TTL = 64;
/** DF flag in the IPv4 flags/fragment-offset word (RFC 791 §3.1). */
export const IPV4_FLAG_DF = 0x4000;
/** MF flag and fragment-offset mask (RFC 791 §3.1). */
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;

/** UDP header (RFC 768). */
export const UDP_HEADER_LEN = 8;
/** UDP port of ESP-in-UDP, IANA `ipsec-nat-t` (RFC 3948 §2; RFC 9061 `encapsulation-type` sport/dport default). */
export const NAT_T_PORT = 4500;
/** A NAT-keepalive is one 0xFF byte of UDP payload (RFC 3948 §2.3). */
export const NAT_KEEPALIVE_BYTE = 0xff;
/** The non-ESP marker: four zero bytes where an SPI would be, in front of IKE messages (RFC 3948 §2.2). */
export const NON_ESP_MARKER_LEN = 4;

/** AES-GCM-16 in ESP: 8-byte explicit IV, 4-byte salt, 16-byte ICV (RFC 4106 §3, §4, §6). */
export const GCM_IV_LEN = 8;
export const GCM_SALT_LEN = 4;
export const GCM_ICV_LEN = 16;
/** ESP with a stream-like AEAD pads to a 4-byte boundary (RFC 4303 §2.4, RFC 4106 §3.2). */
export const GCM_PAD_ALIGN = 4;
/** AES-CBC in ESP: 16-byte random IV, payload a multiple of the block size (RFC 3602 §2.3–2.4). */
export const CBC_IV_LEN = 16;
export const CBC_BLOCK_LEN = 16;
/** HMAC-SHA-256-128: 32-byte key, ICV truncated to 16 bytes (RFC 4868 §2.1.1, §2.6). */
export const HMAC_SHA256_KEY_LEN = 32;
export const HMAC_SHA256_128_ICV_LEN = 16;

/** RFC 9061 `key` leaf lengths accepted for AES-GCM-16: key ‖ salt for AES-128 / AES-256 (RFC 4106 §8.1). */
export const GCM_KEYMAT_LENGTHS: readonly number[] = [16 + GCM_SALT_LEN, 32 + GCM_SALT_LEN];
/** AES-CBC key lengths (RFC 3602 §2.2; 128 and 256 bits are what qnfv uses). */
export const CBC_KEY_LENGTHS: readonly number[] = [16, 32];

/** SPI values 1–255 are reserved by IANA and 0 is reserved for local use (RFC 4303 §2.1). */
export const MIN_SPI = 256;
/** Largest 32-bit sequence number; the counter must not cycle (RFC 4303 §3.3.3). */
export const MAX_SEQ32 = 0xffffffff;
/** Default anti-replay window (RFC 4303 §3.4.3 "default of 64"; RFC 9061 default 64). */
export const DEFAULT_REPLAY_WINDOW = 64;

// ---- Tunables ---------------------------------------------------------------

/** Largest anti-replay window accepted (RFC 9061 allows any uint32; bitmap memory grows with it). */
export const MAX_REPLAY_WINDOW = 4096;
/** Bytes reserved before each packet in a batch slot: outer IPv6 + UDP (RFC 3948) + ESP header + CBC IV (72), the largest prefix. */
export const DEFAULT_HEADROOM = 72;
/** Bytes reserved after each packet: worst case CBC padding (15) + trailer (2) + ICV (16) rounded up. */
export const DEFAULT_TAILROOM = 64;
/** Largest packet a batch slot holds (an inner packet read from the TUN). */
export const DEFAULT_SLOT_MTU = 2048;
/** Slots per batch. */
export const DEFAULT_BATCH_SIZE = 64;
/** At most one `sadb-acquire` per SPD entry in this interval (Linux XFRM's acquire timeout is 30 s). */
export const DEFAULT_ACQUIRE_INTERVAL_MS = 30_000;
/** At most one `sadb-bad-spi` per this interval, engine-wide (an attacker can send any SPI). */
export const DEFAULT_BAD_SPI_INTERVAL_MS = 1_000;
/** Random bytes drawn from the CSPRNG at once for CBC IVs (one syscall per 256 packets). */
export const IV_POOL_BYTES = 4096;
