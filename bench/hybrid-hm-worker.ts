/**
 * One Hybridization Module in a worker thread, for `bench/hybrid.ts`: the two
 * domains' HMs run in two threads of one process as they would run on two
 * hosts, each with its own event loop (the QKD nodes and the ETSI 004 clients
 * stay in the main thread). Messages: the parent sends `setPeerUrl`, `stats`
 * and `stop`; the worker answers `started` (ports, pinned URL), `stats`, `stopped`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { configureLogging } from '../common/index.js';
import { HybridizationModule, type HybridizationModuleOptions } from '../qkd/index.js';

/** What the parent passes in `workerData`. */
export interface HmWorkerData {
  options: HybridizationModuleOptions;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Messages from the parent. */
export type HmWorkerCommand = { type: 'setPeerUrl'; url: string } | { type: 'stats' } | { type: 'stop' };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hybrid-hm-worker must run in a worker thread');
  const data = workerData as HmWorkerData;
  configureLogging({ level: data.logLevel });
  const hm = await HybridizationModule.start(data.options);
  port.on('message', (cmd: HmWorkerCommand) => {
    if (cmd.type === 'setPeerUrl') {
      hm.setPeerUrl(cmd.url);
      port.postMessage({ type: 'peerSet' });
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
