/**
 * SA lifetimes (RFC 9061 sa-lifetime-soft/-hard, RFC 4301 §4.4.2.1) with a fake
 * clock: soft expiry raises one `sadb-expire` (softLifetimeExpire true) and
 * keeps the SA; hard expiry removes it and raises `sadb-expire` (false).
 */
import type { IkelessNotification, Lifetime, SadbExpire } from '../../../common/ikeless/types.js';
import { EspEngine, Verdict } from '../../../virtual-router/esp/index.js';
import { GW_A, GW_B, HOST_A, HOST_B, run, sadEntry, spdEntry, udpPacket } from './helpers/fixtures.js';

function setup(hard: Lifetime | undefined, soft: Lifetime | undefined): {
  engine: EspEngine;
  events: IkelessNotification[];
  clock: { now: number };
  send: (n?: number, size?: number) => number[];
} {
  const clock = { now: 1_000_000 };
  const events: IkelessNotification[] = [];
  const engine = new EspEngine({ localAddresses: [GW_A], onEvent: (e) => events.push(e), now: () => clock.now });
  engine.addSa(sadEntry({ name: 'ab', spi: 0x1001, extra: { lifetimeHard: hard, lifetimeSoft: soft ? { ...soft, action: 'replace' } : undefined } }));
  engine.addPolicy(spdEntry({ name: 'p', action: 'protect' }));
  const send = (n = 1, size = 72): number[] =>
    run(engine, Array.from({ length: n }, () => udpPacket(HOST_A, HOST_B, 1, 2, Buffer.alloc(size - 28)))).map((r) => r.verdict);
  return { engine, events, clock, send };
}

const expires = (events: IkelessNotification[]): SadbExpire[] => events.filter((e): e is SadbExpire => e.type === 'sadb-expire');

describe('SA lifetimes', () => {
  it('time: soft once at 25 s, hard at 50 s removes the SA', () => {
    const { engine, events, clock, send } = setup({ time: 50 }, { time: 25 });
    clock.now += 24_999;
    engine.tick(clock.now);
    expect(events).toEqual([]);
    clock.now += 1;
    engine.tick(clock.now);
    engine.tick(clock.now + 1000);
    expect(expires(events)).toEqual([
      { type: 'sadb-expire', ipsecSaName: 'ab', softLifetimeExpire: true, lifetimeCurrent: { time: 25, bytes: 0n, packets: 0, idle: 25 } },
    ]);
    expect(send()).toEqual([Verdict.Encrypted]); // soft expiry keeps the SA working
    clock.now += 25_000;
    engine.tick(clock.now);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true, false]);
    expect(expires(events)[1].lifetimeCurrent).toMatchObject({ time: 50, packets: 1, bytes: 72n });
    expect(engine.saState('ab')).toBeUndefined();
    expect(send()).toEqual([Verdict.Drop]);
    expect(engine.counters().drops['no-sa']).toBe(1);
  });

  it('a tick that finds both limits passed still sends the soft notification first', () => {
    const { engine, events, clock } = setup({ time: 2 }, { time: 1 });
    clock.now += 2_500; // one late tick: soft (1 s) and hard (2 s) are both behind us
    engine.tick(clock.now);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true, false]);
    expect(engine.saState('ab')).toBeUndefined();
  });

  it('packets: soft at 3, hard at 5 (the 5th packet is sent, then the SA is gone)', () => {
    const { engine, events, send } = setup({ packets: 5 }, { packets: 3 });
    expect(send(2)).toEqual([Verdict.Encrypted, Verdict.Encrypted]);
    expect(events).toEqual([]);
    expect(send(1)).toEqual([Verdict.Encrypted]);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true]);
    expect(send(3)).toEqual([Verdict.Encrypted, Verdict.Encrypted, Verdict.Drop]);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true, false]);
    expect(engine.listSas()).toEqual([]);
  });

  it('bytes (uint64 as bigint): soft at 200, hard at 400 inner bytes', () => {
    const { engine, events, send } = setup({ bytes: 400n }, { bytes: 200n });
    send(1, 100);
    expect(events).toEqual([]);
    send(1, 100);
    expect(expires(events)).toHaveLength(1);
    send(1, 100);
    expect(expires(events)).toHaveLength(1);
    expect(engine.saState('ab')!.lifetimeCurrent.bytes).toBe(300n);
    send(1, 100);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true, false]);
  });

  it('idle: traffic resets the idle time; hard idle removes an unused SA', () => {
    const { engine, events, clock, send } = setup({ idle: 10 }, { idle: 5 });
    clock.now += 4_000;
    send();
    clock.now += 4_000;
    engine.tick(clock.now);
    expect(events).toEqual([]);
    expect(engine.saState('ab')!.lifetimeCurrent).toMatchObject({ time: 8, idle: 4, packets: 1 });
    clock.now += 1_000;
    engine.tick(clock.now);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true]);
    clock.now += 5_000;
    engine.tick(clock.now);
    expect(expires(events).map((e) => e.softLifetimeExpire)).toEqual([true, false]);
    expect(engine.listSas()).toEqual([]);
  });

  it('0 or absent means infinite', () => {
    const { engine, events, clock, send } = setup({ time: 0, packets: 0, bytes: 0n, idle: 0 }, undefined);
    send(50);
    clock.now += 10 * 365 * 86_400_000;
    engine.tick(clock.now);
    expect(events).toEqual([]);
    expect(engine.saState('ab')!.lifetimeCurrent.packets).toBe(50);
  });

  it('also expires inbound SAs, and keeps running when the event handler throws', () => {
    const clock = { now: 0 };
    const b = new EspEngine({
      localAddresses: [GW_B],
      now: () => clock.now,
      onEvent: () => {
        throw new Error('handler bug');
      },
    });
    b.addSa(sadEntry({ name: 'in', spi: 0x1001, from: GW_A, to: GW_B, extra: { lifetimeHard: { time: 1 } } }));
    expect(b.listSas()[0].direction).toBe('inbound');
    b.tick(1000);
    expect(b.listSas()).toEqual([]);
  });
});
