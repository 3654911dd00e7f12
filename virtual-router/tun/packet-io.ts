/**
 * `PacketIo`: batched packet I/O as the data path sees it, after
 * wireguard-go's `tun.Device` (tun/tun.go). The ESP engine reads and writes
 * whole IP packets in batches and knows nothing about TUN devices or
 * sockets. Buffers belong to the caller and are reused (see
 * `createPacketBatch`), so nothing is allocated per packet. Calls are
 * synchronous and may block for `timeoutMs`: run them in a worker thread.
 */

/** A batched packet source and sink (a TUN device, or a fake in tests). */
export interface PacketIo {
  /** Interface name, e.g. `qtun0`. */
  readonly name: string;
  /** Most packets one `read` or `write` call takes (`bufs.length` may not exceed it). */
  readonly batchSize: number;
  /**
   * Read up to `bufs.length` packets: packet i goes to `bufs[i]` starting at
   * `offset` (headroom), its length to `lens[i]`. Waits at most `timeoutMs`
   * for the first packet; returns how many were read (0 = none arrived).
   */
  read(bufs: readonly Uint8Array[], offset: number, lens: Uint32Array, timeoutMs: number): number;
  /**
   * Write packets `bufs[i][offsets[i] .. offsets[i] + lens[i])` for i < count.
   * Returns how many were consumed (sent, or dropped as malformed); fewer
   * than `count` means the device pushed back and `[result, count)` were not sent.
   */
  write(bufs: readonly Uint8Array[], offsets: Uint32Array, lens: Uint32Array, count: number): number;
  /** Release the device. Idempotent; `read`/`write` afterwards throw. */
  close(): void;
}
