import { ReplayCheck, ReplayWindow } from '../../../virtual-router/esp/index.js';

/** check + update, as the engine does for an authentic packet. */
function accept(w: ReplayWindow, hi: number, lo: number): ReplayCheck {
  const r = w.check(hi, lo);
  if (r === ReplayCheck.Ok) w.update(hi, lo);
  return r;
}

describe('ReplayWindow (RFC 4303 §3.4.3, RFC 6479 bitmap)', () => {
  it('accepts in-order packets once and rejects a second copy', () => {
    const w = new ReplayWindow(64);
    for (let s = 1; s <= 200; s++) expect(accept(w, 0, s)).toBe(ReplayCheck.Ok);
    for (let s = 137; s <= 200; s++) expect(w.check(0, s)).toBe(ReplayCheck.Replay);
    expect(w.check(0, 136)).toBe(ReplayCheck.TooOld);
    expect(w.top()).toBe(200);
    expect(w.lowerBound()).toBe(137);
  });

  it('rejects sequence number 0', () => {
    expect(new ReplayWindow(64).check(0, 0)).toBe(ReplayCheck.TooOld);
  });

  it('accepts out-of-order packets inside the window exactly once', () => {
    const w = new ReplayWindow(64);
    expect(accept(w, 0, 100)).toBe(ReplayCheck.Ok);
    // 37..99 are inside [T−W+1, T] = [37, 100]; 36 is one too old.
    for (const s of [99, 37, 50, 64, 65, 96]) expect(accept(w, 0, s)).toBe(ReplayCheck.Ok);
    for (const s of [99, 37, 50, 64, 65, 96, 100]) expect(accept(w, 0, s)).toBe(ReplayCheck.Replay);
    expect(accept(w, 0, 36)).toBe(ReplayCheck.TooOld);
    expect(accept(w, 0, 38)).toBe(ReplayCheck.Ok);
  });

  it('does not move the window on check alone (update only after the ICV verified)', () => {
    const w = new ReplayWindow(64);
    expect(w.check(0, 1000)).toBe(ReplayCheck.Ok);
    expect(w.top()).toBe(0);
    expect(accept(w, 0, 5)).toBe(ReplayCheck.Ok);
  });

  it('clears bits that slide out, also after a jump larger than the ring', () => {
    const w = new ReplayWindow(64);
    for (let s = 1; s <= 64; s++) accept(w, 0, s);
    expect(accept(w, 0, 10_000)).toBe(ReplayCheck.Ok);
    // Bits for 9937..9999 share ring positions with 1..64: they must read as unseen.
    for (let s = 9937; s < 10_000; s++) expect(w.check(0, s)).toBe(ReplayCheck.Ok);
    expect(w.check(0, 9936)).toBe(ReplayCheck.TooOld);
  });

  it.each([64, 1024])('window of %i: exact bounds, every position usable once, random order', (size) => {
    const w = new ReplayWindow(size);
    const top = 5 * size + 17;
    expect(accept(w, 0, top)).toBe(ReplayCheck.Ok);
    const inWindow = Array.from({ length: size - 1 }, (_, i) => top - size + 1 + i);
    // Deterministic shuffle.
    let x = 12345;
    for (let i = inWindow.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const j = x % (i + 1);
      [inWindow[i], inWindow[j]] = [inWindow[j], inWindow[i]];
    }
    for (const s of inWindow) expect(accept(w, 0, s)).toBe(ReplayCheck.Ok);
    for (const s of inWindow) expect(w.check(0, s)).toBe(ReplayCheck.Replay);
    expect(w.check(0, top - size)).toBe(ReplayCheck.TooOld);
    expect(w.lowerBound()).toBe(top - size + 1);
  });

  it('wraps the low 32 bits with ESN (RFC 4303 Appendix A2.2 inference)', () => {
    const w = new ReplayWindow(64);
    // Case A, T in the upper end of subspace 0.
    accept(w, 0, 0xfffffff0);
    expect(w.inferHigh(0xfffffff5)).toBe(0); // ahead, same subspace
    expect(w.inferHigh(0xffffffc0)).toBe(0); // old, same subspace
    expect(w.inferHigh(3)).toBe(1); // wrapped: next subspace
    expect(accept(w, 1, 3)).toBe(ReplayCheck.Ok);
    expect(w.topHi).toBe(1);
    expect(w.topLo).toBe(3);
    // Case B: T = 2^32 + 3, the window spans subspaces 0 and 1.
    expect(w.inferHigh(0xfffffff8)).toBe(0);
    expect(accept(w, 0, 0xfffffff8)).toBe(ReplayCheck.Ok); // late packet from before the wrap
    expect(accept(w, 0, 0xfffffff0)).toBe(ReplayCheck.Replay);
    expect(w.inferHigh(2)).toBe(1);
    expect(accept(w, 1, 2)).toBe(ReplayCheck.Ok);
    expect(w.check(0, 0xffffffc0)).toBe(ReplayCheck.TooOld); // 2^32 − 64 < T − W + 1
    expect(w.check(0, 0xffffffc4)).toBe(ReplayCheck.Ok); // = T − W + 1
  });

  it('infers an impossible high half as too old at the start (Th = 0, case B)', () => {
    const w = new ReplayWindow(64);
    expect(w.inferHigh(0xfffffff0)).toBe(-1);
    expect(w.check(-1, 0xfffffff0)).toBe(ReplayCheck.TooOld);
    expect(w.inferHigh(1)).toBe(0);
  });

  it('with size 0 only tracks T (anti-replay disabled)', () => {
    const w = new ReplayWindow(0);
    expect(accept(w, 0, 10)).toBe(ReplayCheck.Ok);
    expect(accept(w, 0, 10)).toBe(ReplayCheck.Ok);
    expect(accept(w, 0, 1)).toBe(ReplayCheck.Ok);
    expect(w.top()).toBe(10);
  });
});
