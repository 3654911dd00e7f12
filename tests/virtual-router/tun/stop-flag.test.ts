/** StopFlag: one shared Int32, visible through any view of the same SharedArrayBuffer. */
import { Worker } from 'node:worker_threads';
import { StopFlag } from '../../../virtual-router/tun/index.js';

describe('StopFlag', () => {
  it('starts clear and stays set', () => {
    const flag = new StopFlag();
    expect(flag.stopped).toBe(false);
    flag.stop();
    flag.stop();
    expect(flag.stopped).toBe(true);
  });

  it('is seen through another StopFlag over the same buffer', () => {
    const a = new StopFlag();
    const b = new StopFlag(a.buffer);
    expect(b.stopped).toBe(false);
    a.stop();
    expect(b.stopped).toBe(true);
  });

  it('reaches a worker spinning in a synchronous loop', async () => {
    const flag = new StopFlag();
    // The worker reads the same cell as StopFlag.stopped does: Atomics.load on Int32 index 0.
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const cell = new Int32Array(workerData, 0, 1);
       parentPort.postMessage('spinning');
       let spins = 0;
       while (Atomics.load(cell, 0) === 0) spins++;
       parentPort.postMessage(spins);`,
      { eval: true, workerData: flag.buffer },
    );
    const messages: unknown[] = [];
    const spinning = new Promise((resolve) => worker.once('message', resolve));
    worker.on('message', (m) => messages.push(m));
    await spinning;
    flag.stop();
    const code = await new Promise((resolve) => worker.once('exit', resolve));
    expect(code).toBe(0);
    expect(messages[0]).toBe('spinning');
    expect(typeof messages[1]).toBe('number');
  });
});
