/**
 * A Linux TUN device (IFF_TUN | IFF_NO_PI: raw IPv4/IPv6 packets, no
 * packet-information prefix) as a `PacketIo`, over the native addon. The fd
 * is non-blocking and reads wait in poll() for at most `timeoutMs`, because
 * Node cannot wrap a TUN fd in a socket and a thread blocked in read() holds
 * up process exit (design/FEASIBILITY.md section 3).
 *
 * Opening a name that does not exist creates a non-persistent device that
 * disappears on close(); opening a persistent one (`ip tuntap add mode tun`)
 * attaches to it, and only one process may be attached at a time (EBUSY).
 * Creating needs CAP_NET_ADMIN. Caveat: the device is created in the
 * network namespace of the calling process.
 */
import { PrerequisiteError, ValidationError, createLogger } from '../../common/index.js';
import { MAX_IFNAME_BYTES } from './constants.js';
import type { PacketIo } from './packet-io.js';
import { COUNTER_READ_TRUNCATED, COUNTER_WRITE_REJECTED, loadTunAddon, type TunAddon } from './tun-addon.js';
import { TunIoError } from './tun-error.js';

const log = createLogger('virtual-router.tun');

/** Drop counters of one device since it was opened. */
export interface TunDeviceStats {
  /** Packets dropped on read because they did not fit the buffer after the offset. */
  readTruncated: number;
  /** Packets the kernel refused on write (EINVAL: not an IPv4/IPv6 packet). */
  writeRejected: number;
}

/** Options of `openTun`. */
export interface OpenTunOptions {
  /** The addon to use (tests); default: the one under build/Release. */
  addon?: TunAddon;
}

/** Errors whose fix is on the machine, not in the code (their messages say what to do). */
const PREREQUISITE_ERRNOS: Record<string, readonly string[]> = {
  open: ['ENOENT', 'ENXIO', 'ENODEV', 'EACCES', 'EPERM'],
  ioctl: ['EPERM', 'EACCES'],
};

/** A TUN device opened by name; see the file comment. */
export class TunDevice implements PacketIo {
  readonly name: string;
  readonly batchSize: number;
  private fd: number;
  private readonly addon: TunAddon;
  /** [truncated reads, rejected writes], updated in place by the addon. */
  private readonly counters = new Uint32Array(2);

  /** Use `openTun`. */
  constructor(addon: TunAddon, fd: number, name: string) {
    this.addon = addon;
    this.fd = fd;
    this.name = name;
    this.batchSize = addon.maxBatch;
  }

  /** The file descriptor, or -1 once closed. */
  get fileDescriptor(): number {
    return this.fd;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.fd < 0;
  }

  /** Drop counters (a fresh object per call; read it off the hot path). */
  stats(): TunDeviceStats {
    return {
      readTruncated: this.counters[COUNTER_READ_TRUNCATED],
      writeRejected: this.counters[COUNTER_WRITE_REJECTED],
    };
  }

  /** Read up to bufs.length packets at `offset`, waiting at most `timeoutMs` (see PacketIo.read). */
  read(bufs: readonly Uint8Array[], offset: number, lens: Uint32Array, timeoutMs: number): number {
    const fd = this.openFd('read');
    try {
      return this.addon.readBatch(fd, bufs, offset, lens, timeoutMs, this.counters);
    } catch (err) {
      throw toQnfvError(err);
    }
  }

  /** Write `count` packets; returns how many were consumed (see PacketIo.write). */
  write(bufs: readonly Uint8Array[], offsets: Uint32Array, lens: Uint32Array, count: number): number {
    const fd = this.openFd('write');
    try {
      return this.addon.writeBatch(fd, bufs, offsets, lens, count, this.counters);
    } catch (err) {
      throw toQnfvError(err);
    }
  }

  /**
   * Read up to `count` packets into one buffer of fixed-size slots: packet i at
   * `memory[i * slotSize + offset]`, at most `space` bytes (a batch's single allocation;
   * no per-packet views cross into the addon). Waits at most `timeoutMs`; returns the count.
   */
  readSlots(memory: Uint8Array, slotSize: number, offset: number, space: number, count: number, lens: Uint32Array, timeoutMs: number): number {
    const fd = this.openFd('read');
    try {
      return this.addon.readSlots(fd, memory, slotSize, offset, space, count, lens, timeoutMs, this.counters);
    } catch (err) {
      throw toQnfvError(err);
    }
  }

  /** Write `count` packets `memory[starts[i], + lens[i])`; returns how many were consumed (see PacketIo.write). */
  writeSlots(memory: Uint8Array, starts: Uint32Array, lens: Uint32Array, count: number): number {
    const fd = this.openFd('write');
    try {
      return this.addon.writeSlots(fd, memory, starts, lens, count, this.counters);
    } catch (err) {
      throw toQnfvError(err);
    }
  }

  /** Close the fd; a non-persistent device disappears. Idempotent. */
  close(): void {
    const fd = this.fd;
    if (fd < 0) return;
    this.fd = -1;
    try {
      this.addon.close(fd);
    } catch (err) {
      throw toQnfvError(err);
    }
    log.debug('TUN closed', { name: this.name, ...this.stats() });
  }

  private openFd(syscall: string): number {
    if (this.fd < 0) throw new TunIoError(`TUN ${this.name} is closed`, 'EBADF', syscall);
    return this.fd;
  }
}

/** Open (create, or attach to a persistent) TUN device `name` in this process's network namespace. */
export function openTun(name: string, options: OpenTunOptions = {}): TunDevice {
  checkTunName(name);
  const addon = options.addon ?? loadTunAddon();
  let opened: { fd: number; name: string };
  try {
    opened = addon.open(name);
  } catch (err) {
    throw toQnfvError(err);
  }
  log.debug('TUN opened', { name: opened.name, fd: opened.fd });
  return new TunDevice(addon, opened.fd, opened.name);
}

/** Throw a ValidationError unless `name` is a usable Linux interface name (`%d` templates allowed). */
export function checkTunName(name: string): void {
  const bytes = typeof name === 'string' ? Buffer.byteLength(name) : 0;
  let problem: string | undefined;
  if (typeof name !== 'string' || bytes === 0) problem = 'must be a non-empty string';
  else if (bytes > MAX_IFNAME_BYTES) problem = `'${name}' is ${bytes} bytes; Linux interface names have 1..${MAX_IFNAME_BYTES}`;
  else if (/[/:\s\0]/.test(name) || name === '.' || name === '..') {
    problem = `'${name}' is not an interface name (no '/', ':', NUL or whitespace; not '.' or '..')`;
  }
  if (problem !== undefined) throw new ValidationError('invalid TUN name', [{ path: 'name', message: problem }]);
}

/** Map an addon exception to the project's errors, keeping its message. */
function toQnfvError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const { code, syscall, index } = err as Error & { code?: unknown; syscall?: unknown; index?: unknown };
  if (code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_OUT_OF_RANGE') {
    return new ValidationError(err.message);
  }
  if (typeof code !== 'string' || typeof syscall !== 'string') return err;
  if (PREREQUISITE_ERRNOS[syscall]?.includes(code)) return new PrerequisiteError(err.message);
  return new TunIoError(err.message, code, syscall, typeof index === 'number' ? index : undefined, { cause: err });
}
