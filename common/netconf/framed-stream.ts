/**
 * One NETCONF transport connection (RFC 6242 §4) as whole messages: wraps a
 * Duplex (an SSH `netconf` subsystem channel, or any stream in tests),
 * decodes incoming bytes with the framing state machine and encodes outgoing
 * messages in the current framing. `useChunked()` switches both directions
 * at a message boundary; the message handler may call it synchronously for
 * the hello so that bytes already received after the hello are decoded
 * chunked. A framing error closes the connection (RFC 6242 §4.2).
 */
import type { Duplex } from 'node:stream';
import { errorMessage } from '../errors.js';
import { MAX_MESSAGE_BYTES } from './constants.js';
import { FrameDecoder, encodeFrame, type FramingMode } from './framing.js';

/** Callbacks of a framed stream. */
export interface FramedStreamHandlers {
  /** A complete message (UTF-8 decoded). */
  message(text: string): void;
  /** A framing or stream error; the stream is being destroyed. */
  error(err: Error): void;
  /** The peer finished sending (EOF); the write side is still open. */
  end(): void;
  /** The stream is closed. */
  close(): void;
}

/** Whole NETCONF messages over a byte stream. */
export class FramedStream {
  private readonly decoder: FrameDecoder;
  private writeMode: FramingMode = 'eom';
  private isClosed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly handlers: FramedStreamHandlers,
    maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {
    this.decoder = new FrameDecoder(maxMessageBytes);
    stream.on('data', (d: Buffer | string) => this.onData(typeof d === 'string' ? Buffer.from(d) : d));
    stream.on('end', () => handlers.end());
    stream.on('error', (err: Error) => handlers.error(err));
    stream.on('close', () => {
      if (this.isClosed) return;
      this.isClosed = true;
      handlers.close();
    });
  }

  /** Current framing (the same both ways). */
  get framing(): FramingMode {
    return this.writeMode;
  }

  /** True once the underlying stream has closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Switch both directions to chunked framing (after the hello exchange). */
  useChunked(): void {
    this.decoder.setMode('chunked');
    this.writeMode = 'chunked';
  }

  /** Send one message in the current framing; false when the stream is no longer writable. */
  send(text: string): boolean {
    if (this.isClosed || this.stream.writableEnded || this.stream.destroyed) return false;
    this.stream.write(encodeFrame(text, this.writeMode));
    return true;
  }

  /** Finish writing (after the last reply); the peer then closes. */
  end(): void {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
  }

  /** Tear the connection down now. */
  destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private onData(d: Buffer): void {
    if (this.stream.destroyed) return;
    try {
      this.decoder.push(d);
      for (let m = this.decoder.next(); m !== undefined; m = this.decoder.next()) {
        this.handlers.message(m.toString('utf8'));
        if (this.stream.destroyed) return;
      }
    } catch (err) {
      this.handlers.error(err instanceof Error ? err : new Error(errorMessage(err)));
      this.destroy();
    }
  }
}
