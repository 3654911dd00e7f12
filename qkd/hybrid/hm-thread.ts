/**
 * A Hybridization Module in a worker thread of this process (`hm-worker.ts`),
 * with its own event loop, as it runs in its own process on its node: the
 * benchmarks and the lab use it so that one domain's HM work does not queue
 * behind the NFVO's, the VCAs' and the other HM's. The worker runs the
 * compiled `hm-worker.js` (from the TypeScript sources, as under jest, the one
 * in dist/: `npm run build` first).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PrerequisiteError, ProtocolError } from '../../common/index.js';
import type { HybridizationModuleOptions } from './hybridization-module.js';
import type { HmWorkerCommand, HmWorkerData } from './hm-worker.js';

/** A running HM as its users see it, in this thread or in a worker. */
export interface HmHandle {
  /** ETSI 004 port. */
  port: number;
  /** Where the peer HM reaches this one. */
  peerEndpointUrl: string;
  /** Set a peer's HM-to-HM URL (`peerNodeUuid` names the peer; optional with one peer). */
  setPeerUrl(url: string, peerNodeUuid?: string): Promise<void>;
  stats(): Promise<{ batches: number; offers: number }>;
  stop(): Promise<void>;
}

/** The compiled worker script. */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts') ? join(dirname(here), '..', '..', 'dist', 'qkd', 'hybrid', 'hm-worker.js') : join(dirname(here), 'hm-worker.js');
  if (!existsSync(path)) throw new PrerequisiteError(`the Hybridization Module worker ${path} is not built: run 'npm run build'`);
  return path;
}

/** Start an HM in a worker thread. `options.signingKey` is copied into the worker; the caller zeroes its own. */
export async function startHmThread(options: HybridizationModuleOptions, logLevel: HmWorkerData['logLevel'] = 'warn'): Promise<HmHandle> {
  const data: HmWorkerData = { options, logLevel };
  const worker = new Worker(workerPath(), { workerData: data });
  let exited = false;
  worker.once('exit', () => (exited = true));
  const next = (type: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>): void => {
        if (m.type === 'error') reject(new ProtocolError(`Hybridization Module thread: ${String(m.message)}`));
        else if (m.type === type) resolve(m);
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const send = (cmd: HmWorkerCommand): void => worker.postMessage(cmd);
  const started = await next('started');
  return {
    port: started.port as number,
    peerEndpointUrl: started.peerEndpointUrl as string,
    setPeerUrl: async (url, peerNodeUuid) => {
      const done = next('peerSet');
      send({ type: 'setPeerUrl', url, peerNodeUuid });
      await done;
    },
    stats: async () => {
      const got = next('stats');
      send({ type: 'stats' });
      return (await got).stats as { batches: number; offers: number };
    },
    stop: async () => {
      if (exited) return;
      const done = next('stopped');
      send({ type: 'stop' });
      await done;
      await worker.terminate();
    },
  };
}
