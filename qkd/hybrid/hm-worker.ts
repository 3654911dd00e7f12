/**
 * The worker-thread side of `hm-thread.ts`: one Hybridization Module with its
 * own event loop, as it would run on its own host. Messages: the parent sends
 * `setPeerUrl`, `stats` and `stop`; the worker answers `started` (ports,
 * peer URL), `peerSet`, `stats`, `stopped`, or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { configureLogging } from '../../common/index.js';
import { HybridizationModule, type HybridizationModuleOptions } from './hybridization-module.js';

/** What the parent passes in `workerData`. */
export interface HmWorkerData {
  options: HybridizationModuleOptions;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Messages from the parent. */
export type HmWorkerCommand = { type: 'setPeerUrl'; url: string; peerNodeUuid?: string } | { type: 'stats' } | { type: 'stop' };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hm-worker must run in a worker thread');
  const data = workerData as HmWorkerData;
  configureLogging({ level: data.logLevel });
  let hm: HybridizationModule;
  try {
    hm = await HybridizationModule.start(data.options);
  } finally {
    // The module keeps its own copy of the signing key; this worker's copy of the parent's goes.
    data.options.signingKey?.fill(0);
  }
  port.on('message', (cmd: HmWorkerCommand) => {
    if (cmd.type === 'setPeerUrl') {
      try {
        hm.setPeerUrl(cmd.url, cmd.peerNodeUuid);
        port.postMessage({ type: 'peerSet' });
      } catch (err) {
        port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    } else if (cmd.type === 'stats') {
      port.postMessage({ type: 'stats', stats: hm.peerExchangeStats });
    } else if (cmd.type === 'stop') {
      void hm.stop().then(() => {
        port.postMessage({ type: 'stopped' });
        port.close();
      });
    }
  });
  port.postMessage({ type: 'started', port: hm.port, peerEndpointUrl: hm.peerEndpointUrl });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
});
