/**
 * The native addon (virtual-router/tun/native/tun.c): argument checks and
 * loader errors in-process, then real TUN devices inside a `qtt-` namespace
 * through fixtures/addon-scenarios.mjs (needs root and /dev/net/tun).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrerequisiteError } from '../../../common/index.js';
import { findProjectRoot, loadTunAddon } from '../../../virtual-router/tun/index.js';
import { createNetns, deleteNetns, runFixture, WITHOUT_CAP_NET_ADMIN, WITHOUT_DEV_NET_TUN } from './netns.js';

const NOT_OPEN_FD = 1_000_000;

describe('loading the addon', () => {
  it('loads build/Release/qnfv_tun.node from the project root', () => {
    const addon = loadTunAddon();
    expect(addon.maxBatch).toBe(256);
    expect(loadTunAddon()).toBe(addon);
  });

  it('finds the project root by walking up to package.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qtt-tun-root-'));
    try {
      await writeFile(join(dir, 'package.json'), '{}');
      await mkdir(join(dir, 'dist', 'virtual-router', 'tun'), { recursive: true });
      expect(findProjectRoot(pathToFileURL(join(dir, 'dist', 'virtual-router', 'tun', 'tun-addon.js')).href)).toBe(dir);
      expect(findProjectRoot(pathToFileURL(join(process.cwd(), 'virtual-router', 'tun', 'tun-addon.ts')).href)).toBe(process.cwd());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says how to build it when it is missing or broken', async () => {
    expect(() => loadTunAddon('/nonexistent/qnfv_tun.node')).toThrow(PrerequisiteError);
    expect(() => loadTunAddon('/nonexistent/qnfv_tun.node')).toThrow(/is missing — run 'npm run build:native'/);
    const dir = await mkdtemp(join(tmpdir(), 'qtt-tun-bad-'));
    try {
      await writeFile(join(dir, 'qnfv_tun.node'), 'not an ELF file');
      expect(() => loadTunAddon(join(dir, 'qnfv_tun.node'))).toThrow(/does not load: .*npm run build:native/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('addon argument checks and fd errors (no device needed)', () => {
  const addon = loadTunAddon();
  const bufs = [new Uint8Array(64)];
  const lens = new Uint32Array(1);

  it('rejects bad readBatch arguments, naming them', () => {
    expect(() => addon.readBatch(-1, bufs, 0, lens, 0)).toThrow(/fd must be >= 0/);
    expect(() => addon.readBatch(1.5, bufs, 0, lens, 0)).toThrow(/fd must be an integer/);
    expect(() => addon.readBatch(NOT_OPEN_FD, [], 0, lens, 0)).toThrow(/bufs has 0 entries; a batch has 1\.\.256/);
    expect(() => addon.readBatch(NOT_OPEN_FD, new Array(257).fill(bufs[0]), 0, new Uint32Array(257), 0)).toThrow(
      /bufs has 257 entries/,
    );
    expect(() => addon.readBatch(NOT_OPEN_FD, ['x' as unknown as Uint8Array, bufs[0]], 0, new Uint32Array(2), 0)).toThrow(
      /bufs\[0\] must be a Uint8Array or Buffer/,
    );
    expect(() => addon.readBatch(NOT_OPEN_FD, [new Uint16Array(8) as unknown as Uint8Array], 0, lens, 0)).toThrow(
      /bufs\[0\] must be a Uint8Array/,
    );
    expect(() => addon.readBatch(NOT_OPEN_FD, bufs, 64, lens, 0)).toThrow(/bufs\[0\] has 64 bytes, no room after offset 64/);
    expect(() => addon.readBatch(NOT_OPEN_FD, [bufs[0], bufs[0]], 0, lens, 0)).toThrow(/lens has 1 entries, needs at least 2/);
    expect(() => addon.readBatch(NOT_OPEN_FD, bufs, 0, new Int32Array(1) as unknown as Uint32Array, 0)).toThrow(
      /lens must be a Uint32Array/,
    );
    expect(() => addon.readBatch(NOT_OPEN_FD, bufs, 0, lens, -1)).toThrow(/timeoutMs must be >= 0/);
    expect(() => addon.readBatch(NOT_OPEN_FD, bufs, 0, lens, 0, new Uint32Array(1))).toThrow(/counters has 1 entries/);
  });

  it('rejects bad writeBatch arguments, naming them', () => {
    const offsets = new Uint32Array([60]);
    const eight = new Uint32Array([8]);
    expect(() => addon.writeBatch(NOT_OPEN_FD, bufs, offsets, eight, 1)).toThrow(/offsets\[0\] \+ lens\[0\] = 68 is past its end/);
    expect(() => addon.writeBatch(NOT_OPEN_FD, bufs, offsets, eight, 2)).toThrow(/count must be 0\.\.1/);
    expect(() => addon.writeBatch(NOT_OPEN_FD, [bufs[0], bufs[0]], offsets, eight, 2)).toThrow(/offsets has 1 entries/);
    expect(addon.writeBatch(NOT_OPEN_FD, bufs, offsets, eight, 0)).toBe(0);
  });

  it('rejects bad readSlots/writeSlots arguments, naming them (nothing outside the buffer is touched)', () => {
    const memory = new Uint8Array(1024);
    const lens8 = new Uint32Array(8);
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 128, 16, 100, 9, new Uint32Array(9), 0)).toThrow(
      /memory has 1024 bytes; 9 slots of 128 bytes need 1140/,
    );
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 128, 16, 120, 8, lens8, 0)).toThrow(/offset \+ space <= slotSize/);
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 128, 0, 128, 0, lens8, 0)).toThrow(/count is 0; a batch has 1\.\.256/);
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 4, 0, 4, 257, new Uint32Array(257), 0)).toThrow(/count is 257/);
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 128, 0, 128, 8, new Uint32Array(7), 0)).toThrow(/lens has 7 entries, needs at least 8/);
    expect(() => addon.readSlots(NOT_OPEN_FD, [memory] as unknown as Uint8Array, 128, 0, 128, 8, lens8, 0)).toThrow(
      /memory must be a Uint8Array or Buffer/,
    );
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 128, 0, 128, 8, lens8, -1)).toThrow(/timeoutMs must be >= 0/);
    expect(() => addon.writeSlots(NOT_OPEN_FD, memory, new Uint32Array([1000]), new Uint32Array([40]), 1)).toThrow(
      /memory has 1024 bytes; starts\[0\] \+ lens\[0\] = 1040 is past its end/,
    );
    expect(() => addon.writeSlots(NOT_OPEN_FD, memory, new Uint32Array(1), new Uint32Array(2), 2)).toThrow(/starts has 1 entries/);
    expect(() => addon.writeSlots(NOT_OPEN_FD, memory, new Uint32Array(1), new Uint32Array(1), 257)).toThrow(/count must be 0\.\.256/);
    expect(addon.writeSlots(NOT_OPEN_FD, memory, new Uint32Array(1), new Uint32Array(1), 0)).toBe(0);
    expect(() => addon.readSlots(NOT_OPEN_FD, memory, 128, 0, 128, 8, lens8, 0)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'read' }));
    expect(() => addon.writeSlots(NOT_OPEN_FD, memory, new Uint32Array([0]), new Uint32Array([20]), 1)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'write', index: 0 }),
    );
  });

  it('reports a closed or never-opened fd as EBADF with advice', () => {
    expect(() => addon.readBatch(NOT_OPEN_FD, bufs, 0, lens, 0)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'read', message: expect.stringMatching(/EBADF .*— the fd is not open/) }),
    );
    expect(() => addon.writeBatch(NOT_OPEN_FD, bufs, new Uint32Array([0]), new Uint32Array([20]), 1)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'write', index: 0 }),
    );
    expect(() => addon.close(NOT_OPEN_FD)).toThrow(/close fd 1000000: EBADF .*closed twice\?/);
    expect(() => addon.open('qtt-name-too-long')).toThrow(/TUN name 'qtt-name-too-lo\.\.\.' is 17 bytes; Linux interface names have 1\.\.15 bytes/);
    expect(() => addon.open('')).toThrow(/is 0 bytes/);
    expect(() => addon.open('qtt\0x')).toThrow(/is not a valid interface name \(no '\/', ':', NUL or whitespace\)/);
  });
});

describe('addon on a real TUN in a qtt- namespace', () => {
  let ns: string | undefined;
  beforeAll(async () => {
    ns = await createNetns('addon');
  });
  afterAll(async () => {
    await deleteNetns(ns);
  });
  const scenario = <T>(name: string, wrap?: readonly string[]) =>
    runFixture<T>(ns as string, 'addon-scenarios.mjs', [name], wrap ? { wrap } : {});

  it('reads a UDP packet routed into the TUN, after the headroom', async () => {
    const { json } = await scenario<{
      name: string; n: number; len: number; packet: Record<string, unknown>;
      headroomUntouched: boolean; tailUntouched: boolean; otherSlotsUntouched: boolean;
    }>('read-udp');
    expect(json.name).toBe('qtt0');
    expect(json.n).toBe(1);
    expect(json.len).toBe(20 + 8 + 'hello qnfv'.length);
    expect(json.packet).toEqual({
      version: 4, ihl: 20, totalLength: json.len, ttl: 64, protocol: 17, headerChecksumOk: true,
      src: '10.201.0.1', dst: '10.202.0.7', sport: 40001, dport: 4242, udpLength: 18, udpChecksumOk: true,
      payload: 'hello qnfv',
    });
    expect(json.headroomUntouched).toBe(true);
    expect(json.tailUntouched).toBe(true);
    expect(json.otherSlotsUntouched).toBe(true);
  });

  it('writes crafted IPv4/UDP packets at their offsets to a socket; drops and counts a non-IP one', async () => {
    const { json } = await scenario<{ consumed: number; counters: number[]; received: { text: string; from: string }[] }>(
      'write-udp',
    );
    expect(json.consumed).toBe(5);
    expect(json.counters).toEqual([0, 1]);
    // The packet with a wrong UDP checksum is dropped by the kernel: the checksums are really checked.
    expect(json.received).toEqual([
      { text: 'one', from: '10.202.0.9:7777' },
      { text: 'two', from: '10.202.0.9:7777' },
      { text: 'three', from: '10.202.0.9:7777' },
    ]);
  });

  it('readSlots fills the slots of one buffer at their offset, drops a too-big packet; writeSlots sends from it', async () => {
    const { json } = await scenario<{ n: number; payloads: string[]; untouched: boolean; counters: number[]; consumed: number; received: string[] }>(
      'slots',
    );
    expect(json).toEqual({
      n: 4,
      payloads: ['slot 0', 'slot 1', 'slot 2', 'last'],
      untouched: true,
      counters: [1, 0],
      consumed: 3,
      received: ['w-one', 'w-two', 'w-three'],
    });
  });

  it('returns 0 after about timeoutMs when nothing arrives, at once for 0', async () => {
    const { json } = await scenario<{ n200: number; ms200: number; n0: number; ms0: number }>('timeout');
    expect(json.n200).toBe(0);
    expect(json.ms200).toBeGreaterThanOrEqual(195);
    expect(json.ms200).toBeLessThan(1000);
    expect(json.n0).toBe(0);
    expect(json.ms0).toBeLessThan(50);
  });

  it('returns queued packets in one batch, at most bufs.length, in order', async () => {
    const { json } = await scenario<Record<string, unknown>>('batch');
    expect(json).toEqual({
      all: 5, allSeq: ['seq 0', 'seq 1', 'seq 2', 'seq 3', 'seq 4'],
      first: 3, firstSeq: ['seq 5', 'seq 6', 'seq 7'],
      rest: 2, restSeq: ['seq 8', 'seq 9'],
      empty: 0,
    });
  });

  it('drops and counts a packet that does not fit instead of returning it cut', async () => {
    const { json } = await scenario<Record<string, unknown>>('truncated');
    expect(json).toEqual({ n: 1, payload: 'fits', counters: [1, 0] });
  });

  it('lets a polling worker stop on its flag; close removes the device; the process exits promptly', async () => {
    const r = await scenario<{ ready: string; reads: number; stopMs: number; existedWhileOpen: boolean; existsAfterClose: boolean }>(
      'worker-stop',
    );
    expect(r.json.ready).toBe('polling');
    expect(r.json.reads).toBeGreaterThanOrEqual(1);
    expect(r.json.stopMs).toBeLessThan(100 + 400);
    expect(r.json.existedWhileOpen).toBe(true);
    expect(r.json.existsAfterClose).toBe(false);
    expect(r.ms).toBeLessThan(5000);
  });

  it('attaches to a persistent device once (EBUSY for a second) and leaves it on close', async () => {
    const { json } = await scenario<{ second: Record<string, unknown>; existsAfterClose: boolean; reattachedName: string }>(
      'persistent',
    );
    expect(json.second).toMatchObject({ code: 'EBUSY', syscall: 'ioctl' });
    expect(json.second.message).toMatch(/^TUNSETIFF qtt1: EBUSY .*— the device is attached to another process/);
    expect(json.existsAfterClose).toBe(true);
    expect(json.reattachedName).toBe('qtt1');
  });

  it('explains the errors a router meets', async () => {
    const { json } = await scenario<Record<string, Record<string, string>> & { templatedName: string }>('errors');
    expect(json.tapConflict.message).toMatch(/^TUNSETIFF qtt2: EINVAL .*exists and is not a TUN/);
    expect(json.notTun.message).toMatch(/^TUNSETIFF lo: EINVAL/);
    expect(json.tooLong).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(json.badChars.message).toMatch(/'qtt\/0' is not a valid interface name/);
    expect(json.templatedName).toBe('qtt0');
    expect(json.writeDown).toMatchObject({ code: 'EIO', syscall: 'write', index: 0 });
    expect(json.writeDown.message).toMatch(/EIO .*ip link set <name> up/);
    expect(json.readDeleted).toMatchObject({ code: 'EBADFD', syscall: 'read' });
    expect(json.readDeleted.message).toMatch(/the TUN device is gone .*open the device again/);
    expect(json.writeDeleted).toMatchObject({ code: 'EBADFD', syscall: 'write' });
    expect(json.closeTwice.message).toMatch(/EBADF .*closed twice\?/);
    expect(json.readClosed).toMatchObject({ code: 'EBADF', syscall: 'read' });
  });

  it('says what to do when /dev/net/tun is missing', async () => {
    const { json } = await scenario<{ error: Record<string, string> }>('open-enoent', WITHOUT_DEV_NET_TUN);
    expect(json.error).toMatchObject({ code: 'ENOENT', syscall: 'open' });
    expect(json.error.message).toBe(
      'open /dev/net/tun: ENOENT (No such file or directory) — the tun module/device is missing ' +
        '(modprobe tun; in a container pass --device /dev/net/tun)',
    );
  });

  it('says what to do without CAP_NET_ADMIN', async () => {
    const { json } = await scenario<{ error: Record<string, string> }>('open-eperm', WITHOUT_CAP_NET_ADMIN);
    expect(json.error).toMatchObject({ code: 'EPERM', syscall: 'ioctl' });
    expect(json.error.message).toBe(
      'TUNSETIFF qtt0: EPERM (Operation not permitted) — needs CAP_NET_ADMIN (run as root; in a container --cap-add NET_ADMIN)',
    );
  });
});
