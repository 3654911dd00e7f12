/**
 * A batch of packet buffers with headroom and tailroom, the unit the engine
 * processes (after wireguard-go's `device/send.go` buffers and `tun.Device`
 * batch reads). One allocation holds every slot. A TUN reader reads packet i
 * into `readView(i)` (at offset `headroom` of slot i), records its length with
 * `setPacket(i, n)` and sets `count`; after `EspEngine.process` each slot has a
 * verdict and, when it is to be written, the result at `offsets[i]`,
 * `lengths[i]` in the same slot buffer.
 */
import { ValidationError } from '../../common/index.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_HEADROOM, DEFAULT_SLOT_MTU, DEFAULT_TAILROOM } from './constants.js';
import { DropReason, Verdict, isWrite } from './drop-reason.js';

/** Sizes of a batch. */
export interface PacketBatchOptions {
  /** Slots (packets per batch). */
  size?: number;
  /** Largest packet read into a slot. */
  mtu?: number;
  /** Bytes before the packet (≥ 44 for ESP with CBC). */
  headroom?: number;
  /** Bytes after the packet (≥ 33 for ESP with CBC). */
  tailroom?: number;
}

/** N preallocated packet slots with per-slot offset, length, verdict and drop reason. */
export class PacketBatch {
  readonly size: number;
  readonly mtu: number;
  readonly headroom: number;
  readonly slotSize: number;
  /** One allocation backing every slot. */
  readonly memory: Buffer;
  /** Slot i, `slotSize` bytes. */
  readonly buffers: Buffer[];
  /** Where the packet (input) or the result (output) starts in its slot. */
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  /** A `Verdict` per slot, set by `process`. */
  readonly verdicts: Uint8Array;
  /** A `DropReason` per slot when the verdict is Drop. */
  readonly reasons: Uint8Array;
  /** Slots in use, 0..size. */
  count = 0;
  private readonly readViews: Buffer[];

  constructor(opts: PacketBatchOptions = {}) {
    this.size = opts.size ?? DEFAULT_BATCH_SIZE;
    this.mtu = opts.mtu ?? DEFAULT_SLOT_MTU;
    this.headroom = opts.headroom ?? DEFAULT_HEADROOM;
    const tailroom = opts.tailroom ?? DEFAULT_TAILROOM;
    if (!(this.size >= 1) || !(this.mtu >= 20) || !(this.headroom >= 0) || !(tailroom >= 0)) {
      throw new ValidationError('invalid packet batch sizes', [{ path: 'size/mtu/headroom/tailroom', message: 'out of range' }]);
    }
    this.slotSize = this.headroom + this.mtu + tailroom;
    this.memory = Buffer.alloc(this.slotSize * this.size);
    this.buffers = [];
    this.readViews = [];
    for (let i = 0; i < this.size; i++) {
      const slot = this.memory.subarray(i * this.slotSize, (i + 1) * this.slotSize);
      this.buffers.push(slot);
      this.readViews.push(slot.subarray(this.headroom, this.headroom + this.mtu));
    }
    this.offsets = new Uint32Array(this.size);
    this.lengths = new Uint32Array(this.size);
    this.verdicts = new Uint8Array(this.size);
    this.reasons = new Uint8Array(this.size);
  }

  /** The `mtu`-byte view of slot i a reader fills (starts at the headroom). */
  readView(i: number): Buffer {
    return this.readViews[i];
  }

  /** Record that slot i holds an `length`-byte packet at the headroom offset. */
  setPacket(i: number, length: number): void {
    this.offsets[i] = this.headroom;
    this.lengths[i] = length;
    this.verdicts[i] = Verdict.None;
    this.reasons[i] = DropReason.None;
  }

  /** Copy a packet into the next free slot and return the slot index (tests, UDP backends). */
  push(packet: Uint8Array): number {
    if (this.count >= this.size) throw new ValidationError('packet batch is full');
    if (packet.length > this.mtu) throw new ValidationError(`packet of ${packet.length} bytes exceeds the slot MTU ${this.mtu}`);
    const i = this.count++;
    this.buffers[i].set(packet, this.headroom);
    this.setPacket(i, packet.length);
    return i;
  }

  /** The result of slot i as a view, or undefined when it was dropped or not processed. */
  output(i: number): Buffer | undefined {
    if (!isWrite(this.verdicts[i])) return undefined;
    return this.buffers[i].subarray(this.offsets[i], this.offsets[i] + this.lengths[i]);
  }

  /** Empty the batch for the next read. */
  clear(): void {
    this.count = 0;
  }
}
