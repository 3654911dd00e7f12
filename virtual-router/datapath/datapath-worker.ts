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
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { EspEngine, PacketBatch, isWrite } from '../esp/index.js';
import { openTun, StopFlag, type TunDevice } from '../tun/index.js';
import { errorMessage } from '../../common/index.js';
import type { ControlRequest, ControlResponse, DatapathEdit, DatapathEvent, DatapathState, DatapathWorkerData } from './control-messages.js';

/** Poll timeout of a TUN read: also the longest a SAD/SPD edit waits to be applied (the loop
 * checks control messages between reads), so an SA is installed within a few ms. */
const READ_TIMEOUT_MS = 5;
/** How often time-based lifetimes are checked: a soft expiry is noticed within this time. */
const TICK_INTERVAL_MS = 250;
const BATCH = 64;

function post(ev: DatapathEvent): void {
  parentPort!.postMessage(ev);
}

/** Apply an edit; on failure undo what this edit already did, so it is all-or-nothing. */
function applyEdit(engine: EspEngine, edit: DatapathEdit): void {
  const addedSas: string[] = [];
  const addedPolicies: string[] = [];
  // An outbound SA replaced under the same name keeps counting where it was: restarting its
  // sequence number would repeat AES-GCM IVs (IV = sequence number) under a key that may be unchanged.
  const carried = new Map<string, bigint>();
  for (const sa of engine.listSas()) {
    if (sa.direction === 'outbound' && edit.addSa.some((e) => e.name === sa.name)) carried.set(sa.name, sa.state.replayStats.seqNumberCounter);
  }
  try {
    // Deleting first lets an edit replace an entry under the same name.
    for (const name of edit.deletePolicy) engine.deletePolicy(name);
    for (const name of edit.deleteSa) engine.deleteSa(name);
    for (const sa of edit.addSa) {
      const seq = carried.get(sa.name);
      engine.addSa(sa, seq === undefined ? {} : { seqNumberCounter: seq });
      addedSas.push(sa.name);
    }
    for (const sp of edit.addPolicy) {
      engine.addPolicy(sp);
      addedPolicies.push(sp.name);
    }
  } catch (err) {
    for (const n of addedPolicies) engine.deletePolicy(n);
    for (const n of addedSas) engine.deleteSa(n);
    throw err;
  } finally {
    for (const sa of edit.addSa) {
      sa.espSa.encryption.key?.fill(0);
      sa.espSa.integrity.key?.fill(0);
    }
  }
}

function stateOf(engine: EspEngine, tun: TunDevice): DatapathState {
  const c = engine.counters();
  return {
    sas: engine.listSas().map((s) => ({
      name: s.name,
      spi: s.spi,
      direction: s.direction,
      state: s.state,
      authFailures: s.counters.authFailures,
      replayDrops: s.counters.replayDrops + s.counters.tooOldDrops,
    })),
    counters: { encrypted: c.encrypted, decrypted: c.decrypted, bypassed: c.bypassed, drops: { ...c.drops } },
    tun: tun.stats(),
  };
}

function handleControl(engine: EspEngine, tun: TunDevice, port: MessagePort, stop: StopFlag): void {
  for (;;) {
    const msg = receiveMessageOnPort(port);
    if (!msg) return;
    const req = msg.message as ControlRequest;
    let res: ControlResponse;
    try {
      if (req.op === 'apply') {
        applyEdit(engine, req.edit);
        res = { id: req.id, ok: true };
      } else if (req.op === 'state') {
        res = { id: req.id, ok: true, result: stateOf(engine, tun) };
      } else {
        stop.stop();
        res = { id: req.id, ok: true };
      }
    } catch (err) {
      res = { id: req.id, ok: false, error: errorMessage(err) };
    }
    port.postMessage(res);
  }
}

function main(): void {
  const data = workerData as DatapathWorkerData;
  const stop = new StopFlag(data.stop);
  let tun: TunDevice;
  try {
    tun = openTun(data.tunName);
  } catch (err) {
    post({ type: 'fatal', error: errorMessage(err) });
    return;
  }
  const engine = new EspEngine({ localAddresses: data.localAddresses, onEvent: (n) => post({ type: 'notification', notification: n }) });
  const batch = new PacketBatch({ size: BATCH });
  // Results to write: where each starts in the batch's one allocation, and its length.
  const outStarts = new Uint32Array(BATCH);
  const outLengths = new Uint32Array(BATCH);
  post({ type: 'ready', tun: tun.name });
  let lastTick = Date.now();
  try {
    while (!stop.stopped) {
      handleControl(engine, tun, data.controlPort, stop);
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

main();
