/**
 * ESP anti-replay window (RFC 4303 §3.4.3) as an RFC 6479 bitmap ring, after
 * wireguard-go `replay/replay.go`, with the inbound ESN inference of RFC 4303
 * Appendix A2.2. Sequence numbers are 64-bit, held as two uint32 halves so the
 * data path never touches BigInt. Unlike wireguard-go, check and update are
 * separate: the check runs before decryption, the update only after the ICV
 * verified (RFC 4303 §3.4.3).
 * Caveats: a window of size 0 disables the replay check (the highest
 * authenticated sequence number is still tracked, for ESN inference).
 */
import { DEFAULT_REPLAY_WINDOW } from './constants.js';

/** Outcome of a replay check. */
export const ReplayCheck = {
  /** Not seen and inside or ahead of the window. */
  Ok: 0,
  /** Inside the window and already received. */
  Replay: 1,
  /** Left of the window (older than T − W + 1), or not representable. */
  TooOld: 2,
} as const;
export type ReplayCheck = (typeof ReplayCheck)[keyof typeof ReplayCheck];

const BLOCK_BITS_LOG = 5; // 32-bit words: JS bit operations are 32-bit
const BLOCKS_PER_HIGH = 2 ** (32 - BLOCK_BITS_LOG); // blocks in one 2^32 sequence subspace

/** RFC 6479 sliding window over 64-bit sequence numbers. */
export class ReplayWindow {
  /** Window size W (0 = anti-replay disabled). */
  readonly size: number;
  /** Highest authenticated sequence number T, high and low 32 bits (0 before the first packet). */
  topHi = 0;
  topLo = 0;
  private readonly ring: Uint32Array;
  private readonly blockMask: number;
  private readonly inferWindow: number;

  constructor(size: number) {
    this.size = size;
    // ceil(W/32) + 1 blocks hold every bit of [T − W + 1, T]; round up to a power of two for masking.
    let blocks = 1;
    while (blocks < Math.ceil(size / 32) + 1) blocks <<= 1;
    this.ring = new Uint32Array(blocks);
    this.blockMask = blocks - 1;
    this.inferWindow = size > 0 ? size : DEFAULT_REPLAY_WINDOW;
  }

  /** RFC 4303 A2.2: the high 32 bits of a received sequence number with low bits `lo` (-1 or 2^32 when impossible). */
  inferHigh(lo: number): number {
    const w = this.inferWindow;
    const tl = this.topLo;
    const th = this.topHi;
    if (tl >= w - 1) {
      // Case A: the window lies within one subspace.
      return lo >= tl - w + 1 ? th : th + 1;
    }
    // Case B: the window spans two subspaces.
    return lo >= (tl - w + 1) >>> 0 ? th - 1 : th;
  }

  /** Whether sequence number (hi, lo) may be accepted; does not change the window. */
  check(hi: number, lo: number): ReplayCheck {
    if (hi < 0 || hi > 0xffffffff || (hi === 0 && lo === 0)) return ReplayCheck.TooOld;
    if (hi > this.topHi || (hi === this.topHi && lo > this.topLo)) return ReplayCheck.Ok;
    if (this.size === 0) return ReplayCheck.Ok;
    const distance = (this.topHi - hi) * 4294967296 + (this.topLo - lo);
    if (distance >= this.size) return ReplayCheck.TooOld;
    const bit = this.ring[(lo >>> BLOCK_BITS_LOG) & this.blockMask] & (1 << (lo & 31));
    return bit !== 0 ? ReplayCheck.Replay : ReplayCheck.Ok;
  }

  /** Record (hi, lo) as authenticated: slide the window forward if it is newer, then set its bit. */
  update(hi: number, lo: number): void {
    if (hi > this.topHi || (hi === this.topHi && lo > this.topLo)) {
      const current = this.topLo >>> BLOCK_BITS_LOG;
      let diff = (hi - this.topHi) * BLOCKS_PER_HIGH + ((lo >>> BLOCK_BITS_LOG) - current);
      if (diff > this.ring.length) diff = this.ring.length; // clear the whole ring at most once
      for (let i = 1; i <= diff; i++) this.ring[(current + i) & this.blockMask] = 0;
      this.topHi = hi;
      this.topLo = lo;
    }
    this.ring[(lo >>> BLOCK_BITS_LOG) & this.blockMask] |= 1 << (lo & 31);
  }

  /** Lower bound b of the window as a number (RFC 9061 `replay-window/b`; w = t − b + 1 once full). */
  lowerBound(): number {
    const t = this.topHi * 4294967296 + this.topLo;
    return Math.max(0, t - this.size + 1);
  }

  /** T as a number (exact below 2^53). */
  top(): number {
    return this.topHi * 4294967296 + this.topLo;
  }
}
