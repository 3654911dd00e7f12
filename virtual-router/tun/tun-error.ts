/**
 * The error a TUN device operation throws when the kernel refuses it: the
 * errno name (`EBADFD`, `EIO`, ...), the syscall and, for writes, the index
 * of the packet that failed (the packets before it were sent). The message
 * comes from the native addon and says what to do.
 */
import { QnfvError } from '../../common/index.js';

/** A failed syscall on a TUN device. */
export class TunIoError extends QnfvError {
  /** errno name, e.g. `EBADFD`. */
  readonly errno: string;
  /** The syscall that failed: `open`, `ioctl`, `read`, `write`, `poll`, `close`. */
  readonly syscall: string;
  /** For `write`: the batch index of the packet that failed. */
  readonly index: number | undefined;
  constructor(message: string, errno: string, syscall: string, index?: number, options?: { cause?: unknown }) {
    super('TUN_IO', message, options);
    this.errno = errno;
    this.syscall = syscall;
    this.index = index;
  }
}
