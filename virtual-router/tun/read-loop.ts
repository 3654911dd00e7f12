/**
 * The read side of a data path over a `PacketIo`, for a worker thread:
 *   1. allocate one batch of buffers (headroom in front of every packet);
 *   2. until `shouldStop()`: read a batch, waiting at most `timeoutMs`;
 *   3. hand the non-empty batches to `onBatch`, which must finish with the
 *      buffers before it returns (they are reused by the next read).
 * Errors from `read` or `onBatch` end the loop by propagating.
 */
import { DEFAULT_BATCH, DEFAULT_READ_TIMEOUT_MS } from './constants.js';
import { createPacketBatch, type PacketBatch, type PacketBatchLayout } from './packet-batch.js';
import type { PacketIo } from './packet-io.js';

/** Options of `runReadLoop`. */
export interface ReadLoopOptions extends PacketBatchLayout {
  /** Packets per read (default `DEFAULT_BATCH`, at most `io.batchSize`). */
  batch?: number;
  /** Longest wait per read, so also the stop latency (default `DEFAULT_READ_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Checked before every read, e.g. `() => stopFlag.stopped`. */
  shouldStop: () => boolean;
  /** Called with the batch and the number of packets read into it (>= 1). */
  onBatch: (batch: PacketBatch, count: number) => void;
}

/** What a finished loop did. */
export interface ReadLoopResult {
  /** Non-empty batches handed to onBatch. */
  batches: number;
  /** Packets in them. */
  packets: number;
}

/** Read batches from `io` until `shouldStop()`; see the file comment. */
export function runReadLoop(io: PacketIo, options: ReadLoopOptions): ReadLoopResult {
  const size = Math.min(options.batch ?? DEFAULT_BATCH, io.batchSize);
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const batch = createPacketBatch(size, options);
  const result: ReadLoopResult = { batches: 0, packets: 0 };
  while (!options.shouldStop()) {
    const count = io.read(batch.bufs, batch.headroom, batch.lens, timeoutMs);
    if (count === 0) continue;
    result.batches++;
    result.packets += count;
    options.onBatch(batch, count);
  }
  return result;
}
