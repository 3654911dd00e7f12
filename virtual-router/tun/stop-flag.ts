/**
 * A stop signal that a synchronous loop in a worker thread can see: one
 * Int32 in a SharedArrayBuffer read with Atomics. A worker busy in
 * `runReadLoop` never returns to its event loop, so a postMessage would not
 * reach it; the flag does, within one read timeout.
 */

/** A shareable boolean that turns true once. */
export class StopFlag {
  /** Pass this to the worker (workerData) and wrap it there with `new StopFlag(buffer)`. */
  readonly buffer: SharedArrayBuffer;
  private readonly cell: Int32Array;

  /** A new flag, or a view of one shared by another thread. */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.cell = new Int32Array(buffer, 0, 1);
  }

  /** Ask the loop to stop. */
  stop(): void {
    Atomics.store(this.cell, 0, 1);
  }

  /** Whether stop() was called in any thread. */
  get stopped(): boolean {
    return Atomics.load(this.cell, 0) !== 0;
  }
}
