/**
 * The stream a subsystem handler gets: a Duplex over one ssh2 server channel
 * that, when the handler ends it, first sends `exit-status 0` (RFC 4254
 * §6.10) and then EOF and CLOSE. Without an exit status OpenSSH's `ssh -s`
 * reports failure (exit code 255) even after a clean NETCONF close-session.
 * ssh2's channel cannot send the status once `end()` has begun (its
 * `exit()` checks `writable`), hence this thin wrapper: its `_final` runs
 * after every write has been handed to the channel, while the channel is
 * still open.
 */
import { Duplex } from 'node:stream';
import type { ServerChannel } from 'ssh2';

/** Duplex over a server channel that exits with status 0 when ended. */
export class SubsystemStream extends Duplex {
  constructor(private readonly channel: ServerChannel) {
    super({ allowHalfOpen: true });
    channel.on('data', (d: Buffer) => {
      if (!this.push(d)) channel.pause();
    });
    channel.on('end', () => this.push(null));
    channel.on('error', (err: Error) => this.destroy(err));
    channel.on('close', () => {
      if (!this.destroyed) {
        this.push(null);
        this.destroy();
      }
    });
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.channel.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.channel.exit(0);
    this.channel.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.channel.destroy();
    cb(err);
  }
}
