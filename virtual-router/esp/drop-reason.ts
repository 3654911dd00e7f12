/**
 * Why the engine dropped a packet, and what it did with the others: the codes a
 * PacketBatch carries per slot and the names the counters use. Every drop is
 * counted under exactly one reason (as strongSwan's `ipsec_processor.c` logs
 * one reason per drop).
 */

/** Per-slot outcome of `EspEngine.process`. Anything but None and Drop means "write the slot's result". */
export const Verdict = {
  /** Not processed (slot beyond `count`). */
  None: 0,
  Drop: 1,
  /** Outbound packet protected: the result is an ESP packet for the peer gateway. */
  Encrypted: 2,
  /** Inbound ESP accepted: the result is the inner packet. */
  Decrypted: 3,
  /** Bypass policy: the result is the input, unchanged. */
  Bypassed: 4,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** True when the verdict means "write offsets[i]/lengths[i] back". */
export function isWrite(v: number): boolean {
  return v >= Verdict.Encrypted;
}

/** Drop reason codes (0 = not dropped). */
export const DropReason = {
  None: 0,
  /** No SPD entry matched the outbound packet. */
  NoPolicy: 1,
  /** An SPD `discard` entry matched. */
  DiscardPolicy: 2,
  /** A `protect` entry matched but no outbound SA exists for its reqid (`sadb-acquire`). */
  NoSa: 3,
  /** Inbound ESP with an SPI the SAD does not know (`sadb-bad-spi`). */
  BadSpi: 4,
  /** ICV verification failed (RFC 4303 §3.4.4). */
  AuthFailed: 5,
  /** Duplicate inside the anti-replay window (RFC 4303 §3.4.3). */
  Replay: 6,
  /** Older than the anti-replay window (RFC 4303 §3.4.3). */
  TooOld: 7,
  /**
   * The decrypted packet is outside the SA's traffic selector (RFC 4301 §5.2 step 4), or the ESP
   * packet came with another encapsulation than the SA's (plain vs. UDP, RFC 3948 / RFC 9061).
   */
  PolicyMismatch: 8,
  /** Decrypted padding is not 1, 2, 3, … or overruns the payload (RFC 4303 §2.4). */
  BadPadding: 9,
  /** Not a well-formed IPv4/ESP packet, a fragment, or a Next Header other than IPv4. */
  Malformed: 10,
  /** The outbound SA's sequence counter would cycle (RFC 4303 §3.3.3). */
  SeqOverflow: 11,
  /** The slot has no room for the headers/trailer the packet needs. */
  TooBig: 12,
  /** UDP to the ESP-in-UDP port that is not ESP: a NAT-keepalive or a non-ESP-marked (IKE) message (RFC 3948 §2.2–2.3). */
  NotEsp: 13,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Counter names, indexed by code. */
export const DROP_REASON_NAMES = [
  'none',
  'no-policy',
  'discard-policy',
  'no-sa',
  'bad-spi',
  'auth-failed',
  'replay',
  'too-old',
  'policy-mismatch',
  'bad-padding',
  'malformed',
  'seq-overflow',
  'too-big',
  'not-esp',
] as const;
export type DropReasonName = Exclude<(typeof DROP_REASON_NAMES)[number], 'none'>;

/** The counter name of a drop reason code. */
export function dropReasonName(code: number): DropReasonName | 'none' {
  return DROP_REASON_NAMES[code] ?? 'none';
}
