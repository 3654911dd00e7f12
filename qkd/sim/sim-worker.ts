/**
 * worker_threads entry of the simulated BB84 link: the simulator runs here so
 * that decoding and hashing never block the KMEs' event loop (Node.js
 * worker_threads; the main side is `link/bb84-sim-link.ts`). Protocol:
 *   main → worker  {type: 'block'}            run one block
 *   worker → main  {type: 'block', report, keys}  keys' two byte arrays transferred
 *   worker → main  {type: 'error', message}
 *   main → worker  {type: 'stop'}             wipe and exit
 * Key bytes cross only as transferred ArrayBuffers (moved, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Bb84Simulator, type Bb84SimulatorOptions } from './bb84-simulator.js';

/** What the main thread passes as `workerData`. */
export interface SimWorkerData {
  options: Bb84SimulatorOptions;
  keySizeBits: number;
}

/** Messages from the main thread. */
export type SimWorkerRequest = { type: 'block' } | { type: 'stop' };

const port = parentPort;
if (port) {
  const data = workerData as SimWorkerData;
  let sim: Bb84Simulator | undefined;
  try {
    sim = new Bb84Simulator(data.options, data.keySizeBits);
    port.postMessage({ type: 'ready', pulsesPerBlock: sim.pulsesPerBlock, blockSeconds: sim.blockSeconds, expected: sim.asymptoticRate() });
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
  port.on('message', (msg: SimWorkerRequest) => {
    if (msg.type === 'stop') {
      sim?.wipe();
      port.close();
      return;
    }
    if (!sim) return;
    try {
      const { report, keys } = sim.runBlock();
      port.postMessage({ type: 'block', report, keys }, [keys.alice.buffer as ArrayBuffer, keys.bob.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
}
