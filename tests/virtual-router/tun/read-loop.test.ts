/** runReadLoop over a scripted fake PacketIo: stop checks, batches, buffer reuse, errors. */
import { DEFAULT_HEADROOM, runReadLoop, type PacketBatch, type PacketIo } from '../../../virtual-router/tun/index.js';

/** A PacketIo whose read returns the scripted counts in turn (then 0), filling lens with 100 + i. */
function scriptedIo(counts: number[], batchSize = 256): PacketIo & { calls: { n: number; offset: number; timeoutMs: number }[] } {
  const calls: { n: number; offset: number; timeoutMs: number }[] = [];
  return {
    name: 'fake0',
    batchSize,
    calls,
    read(bufs, offset, lens, timeoutMs) {
      calls.push({ n: bufs.length, offset, timeoutMs });
      const count = counts.shift() ?? 0;
      for (let i = 0; i < count; i++) lens[i] = 100 + i;
      return count;
    },
    write: () => 0,
    close: () => undefined,
  };
}

describe('runReadLoop', () => {
  it('hands non-empty batches to onBatch until shouldStop, reusing one batch', () => {
    const io = scriptedIo([0, 2, 0, 3]);
    const seen: { batch: PacketBatch; count: number; lens: number[] }[] = [];
    const result = runReadLoop(io, {
      batch: 4,
      headroom: 32,
      timeoutMs: 25,
      shouldStop: () => io.calls.length >= 4,
      onBatch: (batch, count) => seen.push({ batch, count, lens: Array.from(batch.lens.subarray(0, count)) }),
    });
    expect(result).toEqual({ batches: 2, packets: 5 });
    expect(io.calls).toEqual(Array(4).fill({ n: 4, offset: 32, timeoutMs: 25 }));
    expect(seen.map((s) => [s.count, s.lens])).toEqual([
      [2, [100, 101]],
      [3, [100, 101, 102]],
    ]);
    expect(seen[1].batch).toBe(seen[0].batch);
    expect(seen[0].batch.bufs[0].byteOffset).toBe(0);
  });

  it('checks shouldStop before the first read', () => {
    const io = scriptedIo([1]);
    const result = runReadLoop(io, { shouldStop: () => true, onBatch: () => undefined });
    expect(result).toEqual({ batches: 0, packets: 0 });
    expect(io.calls).toHaveLength(0);
  });

  it('caps the batch at io.batchSize and uses the default timeout', () => {
    const io = scriptedIo([], 8);
    runReadLoop(io, { batch: 64, shouldStop: () => io.calls.length >= 1, onBatch: () => undefined });
    expect(io.calls[0]).toEqual({ n: 8, offset: DEFAULT_HEADROOM, timeoutMs: 100 });
  });

  it('ends by throwing what read or onBatch throws', () => {
    const failing = scriptedIo([]);
    failing.read = () => {
      throw new Error('device gone');
    };
    expect(() => runReadLoop(failing, { shouldStop: () => false, onBatch: () => undefined })).toThrow('device gone');
    expect(() =>
      runReadLoop(scriptedIo([1]), {
        shouldStop: () => false,
        onBatch: () => {
          throw new Error('engine bug');
        },
      }),
    ).toThrow('engine bug');
  });
});
