/** createPacketBatch: one backing buffer, slot layout, offsets and argument checks. */
import { ValidationError } from '../../../common/index.js';
import { createPacketBatch, DEFAULT_HEADROOM, DEFAULT_PACKET_SPACE, DEFAULT_TAILROOM } from '../../../virtual-router/tun/index.js';

describe('createPacketBatch', () => {
  it('cuts all slots from one ArrayBuffer with the default layout', () => {
    const batch = createPacketBatch(4);
    const slot = DEFAULT_HEADROOM + DEFAULT_PACKET_SPACE + DEFAULT_TAILROOM;
    expect(batch.slotSize).toBe(slot);
    expect(batch.headroom).toBe(DEFAULT_HEADROOM);
    expect(batch.bufs).toHaveLength(4);
    const memory = batch.bufs[0].buffer;
    batch.bufs.forEach((b, i) => {
      expect(b.buffer).toBe(memory);
      expect(b.byteOffset).toBe(i * slot);
      expect(b.length).toBe(slot);
    });
    expect(Array.from(batch.offsets)).toEqual([DEFAULT_HEADROOM, DEFAULT_HEADROOM, DEFAULT_HEADROOM, DEFAULT_HEADROOM]);
    expect(batch.lens).toHaveLength(4);
  });

  it('keeps slots apart: writing one leaves its neighbours untouched', () => {
    const batch = createPacketBatch(3, { headroom: 8, packetSpace: 16, tailroom: 8 });
    batch.bufs[1].fill(0xab);
    expect(batch.bufs[0].every((b) => b === 0)).toBe(true);
    expect(batch.bufs[2].every((b) => b === 0)).toBe(true);
  });

  it('rejects impossible layouts, naming the field', () => {
    expect(() => createPacketBatch(0)).toThrow(ValidationError);
    expect(() => createPacketBatch(2, { headroom: -1 })).toThrow(/headroom: must be an integer >= 0, got -1/);
    expect(() => createPacketBatch(2, { packetSpace: 1.5 })).toThrow(/packetSpace/);
  });
});
