/**
 * RFC 6242 message framing. A session starts with end-of-message framing
 * (§4.3: each message followed by `]]>]]>`, base:1.0) and switches to
 * chunked framing (§4.2, base:1.1) once both hellos are exchanged and both
 * peers advertise base:1.1. The decoder is a state machine that accepts
 * input split at any byte and several messages per read; `next()` returns
 * one message at a time, so a caller can switch the mode between two
 * messages that arrived in one read (the hello and the first rpc).
 *
 *   Chunked-Message = 1*chunk end-of-chunks
 *   chunk           = LF HASH chunk-size LF chunk-data
 *   chunk-size      = 1*DIGIT1 0*DIGIT        ; 1..4294967295, no leading zero
 *   end-of-chunks   = LF HASH HASH LF
 *
 * Any deviation is a framing error (ProtocolError); RFC 6242 §4.2 says the
 * session must then be closed, and the decoder stays failed.
 */
import { ProtocolError, ValidationError } from '../errors.js';
import { ENCODE_CHUNK_BYTES, EOM_MARKER, MAX_CHUNK_SIZE, MAX_CHUNK_SIZE_DIGITS, MAX_MESSAGE_BYTES } from './constants.js';

export type FramingMode = 'eom' | 'chunked';

const EOM = Buffer.from(EOM_MARKER, 'latin1');
const LF = 0x0a;
const HASH = 0x23;
const DIGIT0 = 0x30;
const DIGIT9 = 0x39;

/** States of the chunked-framing machine (RFC 6242 §4.2 ABNF). */
const enum S {
  /** Expect the LF that opens a chunk header or end-of-chunks. */
  HeaderLf,
  /** Expect HASH. */
  HeaderHash,
  /** Expect DIGIT1 (chunk-size) or a second HASH (end-of-chunks). */
  SizeFirst,
  /** Expect more DIGITs or the LF that ends the chunk-size. */
  SizeMore,
  /** Inside chunk-data. */
  Data,
  /** Expect the LF that ends end-of-chunks. */
  EndLf,
  /** A framing error happened; the session is unusable. */
  Failed,
}

/** Streaming RFC 6242 decoder for both framings. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private modeNow: FramingMode = 'eom';
  // EOM mode: where to resume scanning for the marker.
  private scanFrom = 0;
  // Chunked mode.
  private state = S.HeaderLf;
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(private readonly maxMessageBytes = MAX_MESSAGE_BYTES) {}

  /** The framing the next message is decoded with. */
  get mode(): FramingMode {
    return this.modeNow;
  }

  /** Switch framing for the bytes after the last message returned by `next()`. */
  setMode(mode: FramingMode): void {
    if (mode === this.modeNow) return;
    // Bytes not yet returned as a message are (re)read in the new mode; only a
    // half-decoded chunked message prevents the switch.
    if (this.parts.length > 0 || this.state !== S.HeaderLf) {
      throw new ProtocolError('cannot switch NETCONF framing in the middle of a message');
    }
    this.modeNow = mode;
    this.scanFrom = this.pos;
  }

  /** Append received bytes. */
  push(data: Buffer): void {
    if (this.state === S.Failed) return;
    // Drop consumed bytes; chunk parts already taken keep referencing the old buffer.
    this.buf = this.pos === this.buf.length ? data : Buffer.concat([this.buf.subarray(this.pos), data]);
    this.scanFrom = Math.max(0, this.scanFrom - this.pos);
    this.pos = 0;
  }

  /** The next complete message, or undefined until more bytes arrive; throws ProtocolError on a framing error. */
  next(): Buffer | undefined {
    if (this.state === S.Failed) throw new ProtocolError('NETCONF framing failed earlier on this session');
    try {
      return this.modeNow === 'eom' ? this.nextEom() : this.nextChunked();
    } catch (err) {
      this.state = S.Failed;
      throw err;
    }
  }

  private nextEom(): Buffer | undefined {
    const at = this.buf.indexOf(EOM, Math.max(this.scanFrom, this.pos));
    if (at < 0) {
      // The marker may start in the last 5 bytes; rescan those next time.
      this.scanFrom = Math.max(this.pos, this.buf.length - (EOM.length - 1));
      if (this.buf.length - this.pos > this.maxMessageBytes) {
        throw new ProtocolError(`NETCONF message exceeds ${this.maxMessageBytes} bytes without ${EOM_MARKER}`);
      }
      return undefined;
    }
    const msg = Buffer.from(this.buf.subarray(this.pos, at));
    this.pos = at + EOM.length;
    this.scanFrom = this.pos;
    return msg;
  }

  private nextChunked(): Buffer | undefined {
    const buf = this.buf;
    while (this.pos < buf.length) {
      if (this.state === S.Data) {
        const n = Math.min(this.remaining, buf.length - this.pos);
        this.parts.push(buf.subarray(this.pos, this.pos + n));
        this.partsBytes += n;
        this.pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = S.HeaderLf;
        continue;
      }
      const b = buf[this.pos++]!;
      switch (this.state) {
        case S.HeaderLf:
          if (b !== LF) throw framingError(`expected LF at start of chunk header, got ${show(b)}`);
          this.state = S.HeaderHash;
          break;
        case S.HeaderHash:
          if (b !== HASH) throw framingError(`expected '#' in chunk header, got ${show(b)}`);
          this.state = S.SizeFirst;
          break;
        case S.SizeFirst:
          if (b === HASH) {
            if (this.parts.length === 0) throw framingError('end-of-chunks before any chunk');
            this.state = S.EndLf;
          } else if (b > DIGIT0 && b <= DIGIT9) {
            this.size = b - DIGIT0;
            this.digits = 1;
            this.state = S.SizeMore;
          } else {
            throw framingError(`chunk-size must start with a digit 1-9, got ${show(b)}`);
          }
          break;
        case S.SizeMore:
          if (b >= DIGIT0 && b <= DIGIT9) {
            this.size = this.size * 10 + (b - DIGIT0);
            if (++this.digits > MAX_CHUNK_SIZE_DIGITS || this.size > MAX_CHUNK_SIZE) {
              throw framingError(`chunk-size exceeds ${MAX_CHUNK_SIZE}`);
            }
          } else if (b === LF) {
            if (this.partsBytes + this.size > this.maxMessageBytes) {
              throw new ProtocolError(`NETCONF message exceeds ${this.maxMessageBytes} bytes (chunk of ${this.size})`);
            }
            this.remaining = this.size;
            this.state = S.Data;
          } else {
            throw framingError(`unexpected ${show(b)} in chunk-size`);
          }
          break;
        case S.EndLf: {
          if (b !== LF) throw framingError(`expected LF after '##', got ${show(b)}`);
          const msg = Buffer.concat(this.parts, this.partsBytes);
          this.parts = [];
          this.partsBytes = 0;
          this.state = S.HeaderLf;
          return msg;
        }
      }
    }
    // Everything consumed: keep the partial chunk data (it references `buf`).
    return undefined;
  }
}

function framingError(what: string): ProtocolError {
  return new ProtocolError(`NETCONF chunked framing error (RFC 6242 §4.2): ${what}`);
}

function show(b: number): string {
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `0x${b.toString(16).padStart(2, '0')}`;
}

/** Frame one message with the base:1.0 end-of-message marker (RFC 6242 §4.3). */
export function encodeEom(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (body.includes(EOM)) throw new ValidationError(`a NETCONF 1.0 message must not contain ${EOM_MARKER}`);
  return Buffer.concat([body, EOM]);
}

/** Frame one message as chunks of at most `maxChunk` bytes plus end-of-chunks (RFC 6242 §4.2). */
export function encodeChunked(message: string | Buffer, maxChunk = ENCODE_CHUNK_BYTES): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (body.length === 0) throw new ValidationError('an empty NETCONF message cannot be chunk-framed (chunk-size >= 1)');
  if (!Number.isInteger(maxChunk) || maxChunk < 1 || maxChunk > MAX_CHUNK_SIZE) {
    throw new ValidationError(`maxChunk must be an integer in 1..${MAX_CHUNK_SIZE}`);
  }
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += maxChunk) {
    const part = body.subarray(i, i + maxChunk);
    out.push(Buffer.from(`\n#${part.length}\n`, 'latin1'), part);
  }
  out.push(Buffer.from('\n##\n', 'latin1'));
  return Buffer.concat(out);
}

/** Frame a message in the given mode. */
export function encodeFrame(message: string | Buffer, mode: FramingMode): Buffer {
  return mode === 'eom' ? encodeEom(message) : encodeChunked(message);
}
