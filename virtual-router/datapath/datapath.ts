/**
 * Main-thread handle of the data path worker: starts it, sends it
 * all-or-nothing SAD/SPD edits and state reads, and passes its RFC 9061
 * notifications on. Stopping sets the shared flag; the worker leaves its
 * read loop within one poll timeout and closes the TUN.
 * On UDP wires (`local` VIM) the worker binds the wire's sockets instead of
 * opening a TUN, and `setTunnelRoutes` tells it which prefixes go into the
 * tunnel (on a TUN that is the kernel's route table).
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { once } from 'node:events';
import { QnfvError, ValidationError, createLogger } from '../../common/index.js';
import type { IkelessNotification } from '../../common/ikeless/types.js';
import { StopFlag } from '../tun/index.js';
import type { UdpWireConfig } from '../wire/wire-config.js';
import type { ControlRequest, ControlResponse, DatapathEdit, DatapathEvent, DatapathState, DatapathWorkerData } from './control-messages.js';

const log = createLogger('router.datapath');

type ControlBody = ControlRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The running data path. */
export class Datapath {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  /** Resolves with the worker's exit code once the data path has ended, whatever the reason. */
  readonly done: Promise<number>;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly stopFlag: StopFlag,
  ) {
    this.done = new Promise((resolve) => worker.once('exit', resolve));
    port.on('message', (res: ControlResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else p.reject(new ValidationError(res.error));
    });
  }

  /** Start the worker on TUN `io` (its name) or on UDP wires; resolves once the TUN is open or the wire's sockets are bound. */
  static async start(io: string | UdpWireConfig, localAddresses: string[], onNotification: (n: IkelessNotification) => void): Promise<Datapath> {
    const stop = new StopFlag();
    const { port1, port2 } = new MessageChannel();
    const data: DatapathWorkerData = {
      tunName: typeof io === 'string' ? io : '',
      ...(typeof io === 'string' ? {} : { wire: io }),
      localAddresses,
      stop: stop.buffer,
      controlPort: port2,
    };
    const worker = new Worker(new URL('./datapath-worker.js', import.meta.url), { workerData: data, transferList: [port2] });
    const dp = new Datapath(worker, port1, stop);
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (ev: DatapathEvent) => {
        if (ev.type === 'ready') resolve();
        else if (ev.type === 'fatal') {
          log.error('data path failed', { error: ev.error });
          reject(new QnfvError('DATAPATH', ev.error));
        } else onNotification(ev.notification);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        dp.exited = true;
        for (const p of dp.pending.values()) p.reject(new QnfvError('DATAPATH', `data path worker exited (${code})`));
        dp.pending.clear();
        reject(new QnfvError('DATAPATH', `data path worker exited (${code}) before it was ready`));
      });
    });
    await ready;
    return dp;
  }

  /** Apply an edit all-or-nothing; rejects with the engine's reason. */
  apply(edit: DatapathEdit): Promise<void> {
    return this.request({ op: 'apply', edit }) as Promise<void>;
  }

  /** UDP wires only: route exactly these prefixes into the tunnel (the SPD's protected remote prefixes). */
  setTunnelRoutes(prefixes: string[]): Promise<void> {
    return this.request({ op: 'tunnel-routes', prefixes }) as Promise<void>;
  }

  /** Counters and SA state. */
  state(): Promise<DatapathState> {
    return this.request({ op: 'state' }) as Promise<DatapathState>;
  }

  /** Stop the worker and wait for it to exit. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.stopFlag.stop();
    await once(this.worker, 'exit');
  }

  private request(body: ControlBody): Promise<unknown> {
    if (this.exited) return Promise.reject(new QnfvError('DATAPATH', 'data path is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ ...body, id });
    });
  }
}
