/**
 * A reusable batch of packet buffers, allocated once: `size` slots cut from
 * one ArrayBuffer, each laid out as [headroom | packet | tailroom] so that
 * headers and trailers are written in place (wireguard-go device/pools.go,
 * device/send.go). `lens` and `offsets` go with `PacketIo.read`/`write`.
 */
import { ValidationError } from '../../common/index.js';
import { DEFAULT_HEADROOM, DEFAULT_PACKET_SPACE, DEFAULT_TAILROOM } from './constants.js';

/** Layout of each slot in a batch. */
export interface PacketBatchLayout {
  /** Bytes in front of the packet (default `DEFAULT_HEADROOM`). */
  headroom?: number;
  /** Bytes for the packet itself; at least the MTU (default `DEFAULT_PACKET_SPACE`). */
  packetSpace?: number;
  /** Bytes behind the packet (default `DEFAULT_TAILROOM`). */
  tailroom?: number;
}

/** `size` packet slots and their length/offset arrays. */
export interface PacketBatch {
  /** One view per slot, all over the same ArrayBuffer. */
  readonly bufs: readonly Uint8Array[];
  /** Packet lengths, filled by `read`, read by `write`. */
  readonly lens: Uint32Array;
  /** Packet start per slot for `write`; initialised to `headroom`. */
  readonly offsets: Uint32Array;
  /** Headroom of every slot: the `offset` to pass to `read`. */
  readonly headroom: number;
  /** Bytes per slot. */
  readonly slotSize: number;
}

/** Allocate a batch of `size` slots laid out as `layout`. */
export function createPacketBatch(size: number, layout: PacketBatchLayout = {}): PacketBatch {
  const headroom = layout.headroom ?? DEFAULT_HEADROOM;
  const packetSpace = layout.packetSpace ?? DEFAULT_PACKET_SPACE;
  const tailroom = layout.tailroom ?? DEFAULT_TAILROOM;
  const problems = [
    ...check('size', size, 1),
    ...check('headroom', headroom, 0),
    ...check('packetSpace', packetSpace, 1),
    ...check('tailroom', tailroom, 0),
  ];
  if (problems.length > 0) throw new ValidationError('invalid packet batch', problems);
  const slotSize = headroom + packetSpace + tailroom;
  const memory = new ArrayBuffer(slotSize * size);
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < size; i++) bufs.push(new Uint8Array(memory, i * slotSize, slotSize));
  return { bufs, lens: new Uint32Array(size), offsets: new Uint32Array(size).fill(headroom), headroom, slotSize };
}

function check(path: string, value: number, min: number): { path: string; message: string }[] {
  return Number.isSafeInteger(value) && value >= min ? [] : [{ path, message: `must be an integer >= ${min}, got ${value}` }];
}
