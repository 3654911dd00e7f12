/**
 * The data path worker's edit of its engine (virtual-router/datapath/engine-control.ts), in-process:
 * an outbound SA replaced under its name keeps its sequence number (an inbound one does not carry
 * one), a failing edit is undone, the edit's keys are zeroed either way, and an edit looks up only
 * the SAs it names (listing every SA made its cost grow with the SAs installed).
 */
import { jest } from '@jest/globals';
import { EspEngine } from '../../../virtual-router/esp/index.js';
import { applyEdit } from '../../../virtual-router/datapath/engine-control.js';
import type { DatapathEdit } from '../../../virtual-router/datapath/control-messages.js';
import { GW_A, GW_B, sadEntry, spdEntry } from '../esp/helpers/fixtures.js';

const edit = (e: Partial<DatapathEdit>): DatapathEdit => ({ addSa: [], deleteSa: [], addPolicy: [], deletePolicy: [], ...e });

describe('applyEdit', () => {
  let engine: EspEngine;
  beforeEach(() => {
    engine = new EspEngine({ localAddresses: [GW_A] });
  });
  afterEach(() => engine.close());

  it('carries the sequence number of an outbound SA replaced under its name, not of an inbound one', () => {
    engine.addSa(sadEntry({ name: 'out', spi: 0x1001 }), { seqNumberCounter: 41n });
    engine.addSa(sadEntry({ name: 'in', spi: 0x2001, from: GW_B, to: GW_A }));
    applyEdit(engine, edit({ deleteSa: ['out', 'in'], addSa: [sadEntry({ name: 'out', spi: 0x1001, seed: 9 }), sadEntry({ name: 'in', spi: 0x2001, seed: 9, from: GW_B, to: GW_A })] }));
    expect(engine.saState('out')!.replayStats.seqNumberCounter).toBe(41n);
    expect(engine.saState('in')!.replayStats.seqNumberCounter).toBe(0n);
    expect(engine.saInfo('out')).toMatchObject({ name: 'out', direction: 'outbound', spi: 0x1001 });
    expect(engine.saInfo('missing')).toBeUndefined();
  });

  it('undoes what it did when a later entry fails, and zeroes the keys it was given', () => {
    engine.addSa(sadEntry({ name: 'kept', spi: 0x1001 }));
    const fresh = sadEntry({ name: 'fresh', spi: 0x1002, reqid: 2n });
    const clash = sadEntry({ name: 'clash', spi: 0x1001, reqid: 3n });
    expect(() => applyEdit(engine, edit({ addSa: [fresh, clash], addPolicy: [spdEntry({ name: 'p', action: 'protect' })] }))).toThrow(/already used/);
    expect(engine.listSas().map((s) => s.name)).toEqual(['kept']);
    expect(engine.listPolicies()).toEqual([]);
    expect(fresh.espSa.encryption.key!.every((b) => b === 0)).toBe(true);
    expect(clash.espSa.encryption.key!.every((b) => b === 0)).toBe(true);
  });

  it('does not list the installed SAs to apply an edit', () => {
    for (let i = 0; i < 50; i++) engine.addSa(sadEntry({ name: `sa${i}`, spi: 0x1000 + i, reqid: BigInt(i + 1) }));
    const list = jest.spyOn(engine, 'listSas');
    applyEdit(engine, edit({ addSa: [sadEntry({ name: 'new', spi: 0x9000, reqid: 99n })], deleteSa: ['sa3'] }));
    expect(list).not.toHaveBeenCalled();
    expect(engine.saInfo('new')).toBeDefined();
    expect(engine.saInfo('sa3')).toBeUndefined();
  });
});
