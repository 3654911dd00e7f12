/**
 * Constants of the TUN packet I/O module: Linux and IP facts first (cited),
 * then tunables. Buffer layout per packet slot (wireguard-go device/send.go
 * style): [headroom | packet | tailroom], so that the ESP engine writes the
 * outer IP header, ESP header and IV in front of the inner packet and the
 * trailer and ICV behind it, in place.
 */

// ---- spec / platform constants ----

/** Linux `IFNAMSIZ` (include/uapi/linux/if.h): names have at most 15 bytes plus NUL. */
export const IFNAMSIZ = 16;
/** Longest interface name in bytes. */
export const MAX_IFNAME_BYTES = IFNAMSIZ - 1;
/** Outer IPv6 header (RFC 8200) + UDP (RFC 3948) + ESP header (RFC 4303 §2) + 16-byte CBC IV (RFC 3602): the largest prefix. */
export const MAX_OUTER_PREFIX = 40 + 8 + 8 + 16;

// ---- tunables ----

/** Packets per read/write batch (wireguard-go uses 128; 2 shared cores here). */
export const DEFAULT_BATCH = 64;
/** Bytes left free in front of each packet for outer headers. */
export const DEFAULT_HEADROOM = MAX_OUTER_PREFIX;
/** Bytes for the packet itself: the TUN's default MTU. Larger packets are dropped and counted. */
export const DEFAULT_PACKET_SPACE = 1500;
/** Bytes behind the packet for ESP padding, pad length, next header and a 16-byte ICV. */
export const DEFAULT_TAILROOM = 64;
/** How long one read waits for packets; bounds how late a read loop sees its stop flag. */
export const DEFAULT_READ_TIMEOUT_MS = 100;
