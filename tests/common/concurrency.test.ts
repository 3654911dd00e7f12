/** mapLimit and settleAll: bounded concurrency, results in order, every call settled before a failure is thrown. */
import { mapLimit, settleAll } from '../../common/index.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in item order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(ms);
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
    expect(peak).toBe(3);
  });

  it('throws the first failure only after the calls in flight have finished, and starts no new ones', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    await expect(
      mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await tick(n === 1 ? 5 : 20);
        if (n === 1) throw new Error('one failed');
        finished.push(n);
      }),
    ).rejects.toThrow('one failed');
    // 0 and 1 start; 1 fails at 5 ms; 0 still finishes; nothing after 1 but the one already started.
    expect(finished).toContain(0);
    expect(started.length).toBeLessThanOrEqual(3);
  });

  it('handles no items and a limit above the item count', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    expect(await mapLimit([1, 2], 10, async (x) => x * 2)).toEqual([2, 4]);
  });
});

describe('settleAll', () => {
  it('returns the values in order, and throws the first failure only once every promise settled', async () => {
    expect(await settleAll([tick(10).then(() => 'a'), Promise.resolve('b')])).toEqual(['a', 'b']);
    let slowDone = false;
    await expect(
      settleAll([
        tick(5).then(() => {
          throw new Error('first');
        }),
        tick(30).then(() => {
          slowDone = true;
        }),
        Promise.reject(new Error('second')),
      ]),
    ).rejects.toThrow('first');
    expect(slowDone).toBe(true);
  });
});
