/**
 * The router's data path, run in a worker thread (FEASIBILITY §3: TUN reads
 * are synchronous, so they must not block the NETCONF event loop):
 *   1. read up to a batch of packets from the TUN (poll with a timeout) straight
 *      into the slots of one PacketBatch allocation, after the headroom,
 *   2. the ESP engine classifies each: encrypt, decrypt, bypass or drop, in place,
 *   3. write the results back into the TUN from the same memory (the kernel
 *      routes them on),
 *   4. between batches, apply control requests from the main thread
 *      (all-or-nothing SAD/SPD edits, state reads) and tick lifetimes.
 * The loop ends when the shared stop flag is set; the TUN closes with it.
 * With `wire` in the worker data (the `local` VIM's routers) there is no TUN:
 * the worker's event loop runs the UDP-wire data path (wire/wire-datapath.ts),
 * which batches packets for the engine the same way; control requests arrive
 * as messages, and a timer ticks lifetimes and watches the stop flag.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { EspEngine, PacketBatch, isWrite } from '../esp/index.js';
import { openTun, StopFlag, type TunDevice } from '../tun/index.js';
import { WireDatapath } from '../wire/wire-datapath.js';
import { errorMessage } from '../../common/index.js';
import type { UdpWireConfig } from '../wire/wire-config.js';
import { handleRequest, type ControlContext } from './engine-control.js';
import type { ControlRequest, DatapathEvent, DatapathWorkerData } from './control-messages.js';

/** Poll timeout of a TUN read: also the longest a SAD/SPD edit waits to be applied (the loop
 * checks control messages between reads), so an SA is installed within a few ms. */
const READ_TIMEOUT_MS = 5;
/** How often time-based lifetimes are checked: a soft expiry is noticed within this time. */
const TICK_INTERVAL_MS = 250;
/** On UDP wires: how often the stop flag is looked at (the stop latency). */
const STOP_POLL_MS = 20;
const BATCH = 64;

function post(ev: DatapathEvent): void {
  parentPort!.postMessage(ev);
}

/** Answer every control request waiting on the port (between two TUN reads). */
function drainControl(ctx: ControlContext, data: DatapathWorkerData): void {
  for (;;) {
    const msg = receiveMessageOnPort(data.controlPort);
    if (!msg) return;
    data.controlPort.postMessage(handleRequest(ctx, msg.message as ControlRequest));
  }
}

function runTun(data: DatapathWorkerData, engine: EspEngine, stop: StopFlag): void {
  let tun: TunDevice;
  try {
    tun = openTun(data.tunName);
  } catch (err) {
    engine.close();
    post({ type: 'fatal', error: errorMessage(err) });
    return;
  }
  const ctx: ControlContext = { engine, stop, ioState: () => ({ tun: tun.stats() }) };
  const batch = new PacketBatch({ size: BATCH });
  // Results to write: where each starts in the batch's one allocation, and its length.
  const outStarts = new Uint32Array(BATCH);
  const outLengths = new Uint32Array(BATCH);
  post({ type: 'ready', device: tun.name });
  let lastTick = Date.now();
  try {
    while (!stop.stopped) {
      drainControl(ctx, data);
      const n = tun.readSlots(batch.memory, batch.slotSize, batch.headroom, batch.mtu, BATCH, batch.lengths, READ_TIMEOUT_MS);
      if (n > 0) {
        for (let i = 0; i < n; i++) batch.setPacket(i, batch.lengths[i]!);
        batch.count = n;
        engine.process(batch);
        let k = 0;
        for (let i = 0; i < n; i++) {
          if (!isWrite(batch.verdicts[i]!)) continue;
          outStarts[k] = i * batch.slotSize + batch.offsets[i]!;
          outLengths[k] = batch.lengths[i]!;
          k++;
        }
        if (k > 0) tun.writeSlots(batch.memory, outStarts, outLengths, k);
        batch.clear();
      }
      const now = Date.now();
      if (now - lastTick >= TICK_INTERVAL_MS) {
        engine.tick(now);
        lastTick = now;
      }
    }
  } catch (err) {
    post({ type: 'fatal', error: errorMessage(err) });
  } finally {
    engine.close();
    tun.close();
  }
}

async function runWire(data: DatapathWorkerData, wireConfig: UdpWireConfig, engine: EspEngine, stop: StopFlag): Promise<void> {
  let wire: WireDatapath;
  try {
    wire = await WireDatapath.open(wireConfig, engine, data.localAddresses);
  } catch (err) {
    engine.close();
    post({ type: 'fatal', error: errorMessage(err) });
    data.controlPort.close();
    return;
  }
  const ctx: ControlContext = { engine, stop, ioState: () => ({ wire: wire.stats() }), setTunnelRoutes: (p) => wire.setTunnelPrefixes(p) };
  data.controlPort.on('message', (req: ControlRequest) => data.controlPort.postMessage(handleRequest(ctx, req)));
  post({ type: 'ready', device: `udp-wire ${wire.describe()}` });
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    if (stop.stopped) {
      clearInterval(timer);
      data.controlPort.close();
      void wire.close().finally(() => engine.close());
      return;
    }
    if (now - lastTick >= TICK_INTERVAL_MS) {
      engine.tick(now);
      lastTick = now;
    }
  }, STOP_POLL_MS);
}

function main(): void {
  const data = workerData as DatapathWorkerData;
  const stop = new StopFlag(data.stop);
  const engine = new EspEngine({ localAddresses: data.localAddresses, onEvent: (n) => post({ type: 'notification', notification: n }) });
  if (data.wire) void runWire(data, data.wire, engine, stop);
  else runTun(data, engine, stop);
}

main();
