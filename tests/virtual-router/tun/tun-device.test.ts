/**
 * TunDevice / openTun: name checks and error mapping in-process (with a fake
 * addon where the kernel's answer is simulated), then the real thing in a
 * `qtt-` namespace through fixtures/device-scenarios.mjs, which runs a
 * transpiled copy of virtual-router/tun (see transpile.ts).
 */
import { PrerequisiteError, ValidationError } from '../../../common/index.js';
import { checkTunName, openTun, TunIoError, type TunAddon } from '../../../virtual-router/tun/index.js';
import { createNetns, deleteNetns, runFixture, WITHOUT_CAP_NET_ADMIN, WITHOUT_DEV_NET_TUN } from './netns.js';
import { transpileTree, type TranspiledTree } from './transpile.js';

/** An Error shaped like the addon's: message, code, syscall. */
function addonError(code: string, syscall: string, message: string): Error {
  return Object.assign(new Error(message), { code, syscall });
}

/** A fake addon: open returns fd 7, the other calls run the given functions. */
function fakeAddon(overrides: Partial<TunAddon> = {}): TunAddon & { closed: number[] } {
  const closed: number[] = [];
  return {
    open: (name: string) => ({ fd: 7, name }),
    readBatch: () => 0,
    writeBatch: (_fd, _bufs, _offsets, _lens, count) => count,
    readSlots: () => 0,
    writeSlots: (_fd, _memory, _starts, _lens, count) => count,
    close: (fd: number) => {
      closed.push(fd);
    },
    maxBatch: 256,
    closed,
    ...overrides,
  };
}

describe('checkTunName', () => {
  it('accepts Linux interface names, including %d templates', () => {
    for (const name of ['tun0', 'qtt0', 'a', 'x'.repeat(15), 'qtun%d']) expect(() => checkTunName(name)).not.toThrow();
  });
  it('rejects what the kernel would, naming the argument', () => {
    expect(() => checkTunName('x'.repeat(16))).toThrow(/invalid TUN name: name: 'x{16}' is 16 bytes; Linux interface names have 1\.\.15/);
    expect(() => checkTunName('')).toThrow(ValidationError);
    expect(() => checkTunName('a/b')).toThrow(/'a\/b' is not an interface name \(no '\/', ':', NUL or whitespace/);
    expect(() => checkTunName('a\0b')).toThrow(ValidationError);
    expect(() => checkTunName('a b')).toThrow(ValidationError);
    expect(() => checkTunName('..')).toThrow(ValidationError);
  });
});

describe('TunDevice over a fake addon', () => {
  it('maps open failures: machine prerequisites vs. device conflicts', () => {
    const fail = (code: string, syscall: string) =>
      fakeAddon({
        open: () => {
          throw addonError(code, syscall, `${syscall} failed: ${code} — advice`);
        },
      });
    expect(() => openTun('qtt0', { addon: fail('ENOENT', 'open') })).toThrow(PrerequisiteError);
    expect(() => openTun('qtt0', { addon: fail('EPERM', 'ioctl') })).toThrow(PrerequisiteError);
    expect(() => openTun('qtt0', { addon: fail('EPERM', 'ioctl') })).toThrow('ioctl failed: EPERM — advice');
    expect(() => openTun('qtt0', { addon: fail('EBUSY', 'ioctl') })).toThrow(
      expect.objectContaining({ name: 'TunIoError', code: 'TUN_IO', errno: 'EBUSY', syscall: 'ioctl' }),
    );
  });

  it('maps read/write failures to TunIoError with errno and packet index, argument errors to ValidationError', () => {
    const dev = openTun('qtt0', {
      addon: fakeAddon({
        readBatch: () => {
          throw addonError('EBADFD', 'read', 'read TUN fd 7: EBADFD — gone');
        },
        writeBatch: () => {
          throw Object.assign(addonError('EIO', 'write', 'write TUN fd 7 (packet 2): EIO'), { index: 2 });
        },
      }),
    });
    const bufs = [new Uint8Array(64)];
    const lens = new Uint32Array(1);
    expect(() => dev.read(bufs, 0, lens, 10)).toThrow(expect.objectContaining({ errno: 'EBADFD', syscall: 'read' }));
    expect(() => dev.write(bufs, lens, lens, 1)).toThrow(expect.objectContaining({ errno: 'EIO', index: 2 }));
    expect(() => dev.write(bufs, lens, lens, 1)).toThrow(TunIoError);

    const argErr = openTun('qtt1', {
      addon: fakeAddon({
        readBatch: () => {
          throw Object.assign(new RangeError('offset must be >= 0'), { code: 'ERR_OUT_OF_RANGE' });
        },
      }),
    });
    expect(() => argErr.read(bufs, -1, lens, 10)).toThrow(ValidationError);
    expect(() => argErr.read(bufs, -1, lens, 10)).toThrow('offset must be >= 0');
  });

  it('passes its counters to the addon and reports them as stats', () => {
    const dev = openTun('qtt0', {
      addon: fakeAddon({
        readBatch: (_fd, _bufs, _offset, _lens, _timeout, counters) => {
          if (counters) counters[0] += 2;
          return 0;
        },
        writeBatch: (_fd, _bufs, _offsets, _lens, count, counters) => {
          if (counters) counters[1] += 1;
          return count;
        },
      }),
    });
    dev.read([new Uint8Array(8)], 0, new Uint32Array(1), 0);
    dev.write([new Uint8Array(8)], new Uint32Array(1), new Uint32Array(1), 1);
    expect(dev.stats()).toEqual({ readTruncated: 2, writeRejected: 1 });
  });

  it('readSlots/writeSlots pass the slot layout and the counters, and map errors like read/write', () => {
    const calls: unknown[][] = [];
    const dev = openTun('qtt0', {
      addon: fakeAddon({
        readSlots: (...args) => {
          calls.push(args.slice(1, 8));
          if (args[8]) args[8][0] += 1;
          return 3;
        },
        writeSlots: (_fd, _memory, _starts, _lens, count, counters) => {
          if (counters) counters[1] += 2;
          if (count === 9) throw Object.assign(addonError('EIO', 'write', 'write TUN fd 7 (packet 4): EIO'), { index: 4 });
          return count;
        },
      }),
    });
    const memory = new Uint8Array(512);
    const lens = new Uint32Array(4);
    expect(dev.readSlots(memory, 128, 16, 100, 4, lens, 50)).toBe(3);
    expect(calls).toEqual([[memory, 128, 16, 100, 4, lens, 50]]);
    expect(dev.writeSlots(memory, new Uint32Array(2), new Uint32Array(2), 2)).toBe(2);
    expect(dev.stats()).toEqual({ readTruncated: 1, writeRejected: 2 });
    expect(() => dev.writeSlots(memory, new Uint32Array(9), new Uint32Array(9), 9)).toThrow(expect.objectContaining({ errno: 'EIO', index: 4 }));
    dev.close();
    expect(() => dev.readSlots(memory, 128, 16, 100, 4, lens, 0)).toThrow(/TUN qtt0 is closed/);
    expect(() => dev.writeSlots(memory, new Uint32Array(1), new Uint32Array(1), 1)).toThrow(TunIoError);
  });

  it('closes once; read and write after close throw', () => {
    const addon = fakeAddon();
    const dev = openTun('qtt0', { addon });
    expect(dev.fileDescriptor).toBe(7);
    expect(dev.batchSize).toBe(256);
    dev.close();
    dev.close();
    expect(addon.closed).toEqual([7]);
    expect(dev.closed).toBe(true);
    expect(() => dev.read([new Uint8Array(8)], 0, new Uint32Array(1), 0)).toThrow(/TUN qtt0 is closed/);
    expect(() => dev.write([new Uint8Array(8)], new Uint32Array(1), new Uint32Array(1), 1)).toThrow(TunIoError);
  });

  it('checks the name before touching the addon', () => {
    const addon = fakeAddon({
      open: () => {
        throw new Error('must not be called');
      },
    });
    expect(() => openTun('x'.repeat(16), { addon })).toThrow(ValidationError);
  });
});

describe('TunDevice on a real TUN in a qtt- namespace', () => {
  let ns: string | undefined;
  let tree: TranspiledTree | undefined;
  beforeAll(async () => {
    tree = await transpileTree();
    ns = await createNetns('device');
  });
  afterAll(async () => {
    await deleteNetns(ns);
    await tree?.cleanup();
  });
  const scenario = <T>(name: string, wrap?: readonly string[]) =>
    runFixture<T>(ns as string, 'device-scenarios.mjs', [(tree as TranspiledTree).root, name], wrap ? { wrap } : {});

  it('reads a packet and writes the answer in place through PacketIo', async () => {
    const { json } = await scenario<Record<string, unknown> & { request: Record<string, unknown> }>('roundtrip');
    expect(json.n).toBe(1);
    expect(json.request).toMatchObject({ src: '10.201.0.1', dst: '10.202.0.7', sport: 40005, dport: 4242, payload: 'ping' });
    expect(json.consumed).toBe(2);
    expect(json.answers).toEqual([{ text: 'pong', from: '10.202.0.7:4242' }]);
    expect(json.stats).toEqual({ readTruncated: 0, writeRejected: 1 });
    expect(json.batchSize).toBe(256);
    expect(json.closed).toBe(true);
    expect(json.existsAfterClose).toBe(false);
    expect(json.readAfterClose).toMatchObject({ isTunIoError: true, isQnfvError: true, errno: 'EBADF' });
    expect(json.closeAgain).toBeNull();
  });

  it('runs runReadLoop in a worker that stops on a StopFlag within a read timeout', async () => {
    const r = await scenario<{
      opened: { opened: string }; payloads: string[]; result: { batches: number; packets: number };
      exitCode: number; stopMs: number; timeoutMs: number; existsAfterStop: boolean;
    }>('worker-loop');
    expect(r.json.opened).toEqual({ opened: 'qtt0' });
    expect(r.json.payloads).toEqual(['loop 0', 'loop 1', 'loop 2']);
    expect(r.json.result.packets).toBe(3);
    expect(r.json.result.batches).toBeGreaterThanOrEqual(1);
    expect(r.json.exitCode).toBe(0);
    expect(r.json.stopMs).toBeLessThan(r.json.timeoutMs + 400);
    expect(r.json.existsAfterStop).toBe(false);
    expect(r.ms).toBeLessThan(5000);
  });

  it('maps kernel errors to the project error classes', async () => {
    const { json } = await scenario<Record<string, Record<string, unknown>>>('errors');
    expect(json.notTun).toMatchObject({ isTunIoError: true, errno: 'EINVAL' });
    expect(json.tooLong).toMatchObject({ isValidationError: true });
    expect(json.shortOffsets).toMatchObject({ isValidationError: true, message: 'offsets has 1 entries, needs at least 2' });
    expect(json.readDeleted).toMatchObject({ isTunIoError: true, errno: 'EBADFD' });
  });

  it('reports a missing /dev/net/tun as a PrerequisiteError', async () => {
    const { json } = await scenario<{ error: Record<string, unknown> }>('prereq-enoent', WITHOUT_DEV_NET_TUN);
    expect(json.error).toMatchObject({ isPrerequisiteError: true, code: 'PREREQUISITE' });
    expect(json.error.message).toMatch(/--device \/dev\/net\/tun/);
  });

  it('reports a missing CAP_NET_ADMIN as a PrerequisiteError', async () => {
    const { json } = await scenario<{ error: Record<string, unknown> }>('prereq-eperm', WITHOUT_CAP_NET_ADMIN);
    expect(json.error).toMatchObject({ isPrerequisiteError: true, code: 'PREREQUISITE' });
    expect(json.error.message).toMatch(/needs CAP_NET_ADMIN/);
  });
});
