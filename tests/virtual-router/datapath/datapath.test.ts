/**
 * The router's data path handle and worker (virtual-router/datapath/,
 * compiled in dist/ — `npm run build` first) on a real TUN inside a `qtv-`
 * namespace, through datapath-scenarios.mjs: start failures reject instead
 * of hanging, edits are all-or-nothing inside the worker and leave the
 * caller's keys alone, lifetime events come back as notifications,
 * stop() ends the worker promptly and removes its TUN, and real packets
 * cross the kernel and the worker both ways as ESP and as ESP-in-UDP
 * (RFC 3948), full-size ones included.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../../../virtual-router/tun/index.js';
import { routerMainPath } from '../../../virtual-router/index.js';
import { createNs, deleteNs, run } from '../router-fixture.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'datapath-scenarios.mjs');
const DIST = join(findProjectRoot(import.meta.url), 'dist');

interface ErrorInfo {
  name: string;
  code: string;
  message: string;
}

describe('Datapath (worker thread on a TUN)', () => {
  let ns: string | undefined;
  beforeAll(async () => {
    routerMainPath(); // throws when dist/ is not built
    ns = await createNs('dp');
  });
  afterAll(async () => {
    await deleteNs(ns);
  });

  async function scenario<T>(name: string): Promise<T> {
    const r = await run(['ip', 'netns', 'exec', ns!, process.execPath, SCRIPT, DIST, name], 20_000);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !last.startsWith('{')) throw new Error(`scenario ${name} failed (exit ${r.code}, ${r.signal}):\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(last) as T;
  }

  it('start rejects with the reason when the TUN cannot be opened', async () => {
    const r = await scenario<{ error: ErrorInfo; ms: number }>('bad-name');
    expect(r.error).toMatchObject({ code: 'DATAPATH', message: expect.stringMatching(/bad\/name/) });
    expect(r.ms).toBeLessThan(3000);
  });

  it('a second data path on an attached persistent TUN gets EBUSY; the first keeps working', async () => {
    const r = await scenario<{ error: ErrorInfo; ms: number; firstStillWorks: boolean; persistentStays: boolean }>('busy');
    expect(r.error).toMatchObject({ code: 'DATAPATH', message: expect.stringMatching(/EBUSY|busy/i) });
    expect(r.ms).toBeLessThan(3000);
    expect(r.firstStillWorks).toBe(true);
    expect(r.persistentStays).toBe(true);
  });

  it('applies edits all-or-nothing, keeps the caller’s keys, stops promptly and removes its TUN', async () => {
    const r = await scenario<Record<string, unknown>>('apply');
    expect(r.tunWhileRunning).toBe(true);
    expect(r.badEdit).toMatchObject({ message: expect.stringMatching(/sad-entry 'bad' is unusable/) });
    expect(r.afterBad).toEqual([]);
    expect(r.dupEdit).toMatchObject({ message: expect.stringMatching(/SPI 0x1001 is already used by sad-entry 'out-1'/) });
    expect(r.afterDup).toEqual([]);
    expect(r.afterGood).toEqual(['in-1:inbound', 'out-1:outbound']);
    expect(r.callerKeyIntact).toBe(true);
    expect(r.counters).toMatchObject({ encrypted: 0, decrypted: 0, bypassed: 0 });
    expect(r.tunStats).toMatchObject({ readTruncated: 0, writeRejected: 0 });
    expect(r.afterReplace).toEqual(['out-1:outbound']);
    expect(r.afterDelete).toEqual([]);
    expect(r.deleteMissing).toBeNull();
    expect(r.many).toBe(50);
    expect(r.stopMs).toBeLessThan(1000);
    expect(r.tunAfterStop).toBe(false);
    expect(r.doneCode).toBe(0);
    expect(r.afterStop).toMatchObject({ code: 'DATAPATH', message: 'data path is not running' });
    expect(r.secondStop).toBe(true);
  });

  it.each([
    ['ESP', 'traffic-esp', 50],
    ['ESP-in-UDP (RFC 3948)', 'traffic-udp', 17],
  ] as const)('carries real traffic as %s both ways through the kernel and the worker', async (_what, name, proto) => {
    const r = await scenario<{
      inboundWire: { proto: number; dport: number | null; len: number }[];
      inboundDelivered: boolean[];
      outboundWire: { proto: number; sport: number | null; dport: number | null; chksum: number | null }[];
      outboundDecrypted: (boolean | number)[];
      counters: { encrypted: number; decrypted: number; notEsp: number };
    }>(name);
    const udp = proto === 17;
    expect(r.inboundWire.map((w) => [w.proto, w.dport])).toEqual([
      [proto, udp ? 4500 : null],
      [proto, udp ? 4500 : null],
    ]);
    expect(r.inboundWire[1]!.len).toBeGreaterThan(1400); // a full-size inner packet plus ESP overhead
    expect(r.inboundDelivered).toEqual([true, true]);
    expect(r.outboundWire).toEqual([0, 1].map(() => ({ proto, sport: udp ? 4500 : null, dport: udp ? 4500 : null, chksum: udp ? 0 : null })));
    expect(r.outboundDecrypted).toEqual([true, true]);
    expect(r.counters).toEqual({ encrypted: 2, decrypted: 2, notEsp: udp ? 1 : 0 });
  });

  it('passes lifetime events on as sadb-expire notifications (soft, then hard, which removes the SA)', async () => {
    const r = await scenario<{ notifications: { type: string; sa: string; soft: boolean; after: number }[]; afterHard: string[] }>('notify');
    expect(r.notifications.map((n) => [n.type, n.sa, n.soft])).toEqual([
      ['sadb-expire', 'short', true],
      ['sadb-expire', 'short', false],
    ]);
    expect(r.notifications[0]!.after).toBeGreaterThanOrEqual(900);
    expect(r.notifications[1]!.after).toBeGreaterThanOrEqual(1900);
    expect(r.afterHard).toEqual([]);
  });
});
