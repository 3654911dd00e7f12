/**
 * The ETSI GS QKD 004 v2.1.1 JSON-over-TCP framing of CONTRACTS.md: one JSON
 * object (RFC 8259) per message, terminated by `\n` when we write. The reader
 * accepts what is seen in the wild: newline-terminated objects, objects split
 * over several TCP segments, several objects in one segment, and objects with
 * no terminator at all (QUBIP's clients send none), by scanning for complete
 * top-level objects (string- and escape-aware brace matching) rather than lines.
 */
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ProtocolError } from '../../common/index.js';
import { MAX_MESSAGE_CHARS } from './constants.js';

/** Encode one message: compact JSON plus `\n`. */
export function encodeMessage(message: object): string {
  return JSON.stringify(message) + '\n';
}

/**
 * Writes messages to a socket, corked until the end of the tick: the messages written in one
 * tick (pipelined requests, answers ready together) leave in one TCP write.
 */
export class TickBatchedWriter {
  private corked = false;

  constructor(private readonly socket: Writable) {}

  write(message: object): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeMessage(message));
  }
}

/** Incremental reader of a stream of JSON objects. After it throws, the stream is unusable. */
export class JsonMessageReader {
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxChars: number;
  private buf = '';
  /** Scan position in `buf`. */
  private pos = 0;
  /** Start of the object being scanned, or -1 between objects. */
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(maxChars: number = MAX_MESSAGE_CHARS) {
    this.maxChars = maxChars;
  }

  /** Feed bytes (or text); returns every object completed by them, in order. */
  push(chunk: Uint8Array | string): Record<string, unknown>[] {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const out: Record<string, unknown>[] = [];
    const s = this.buf;
    for (let i = this.pos; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.start === -1) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c !== 0x7b /* { */) {
          throw new ProtocolError(`ETSI 004 stream: expected a JSON object, got '${s.slice(i, i + 16)}'`);
        }
        this.start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b /* [ */) this.depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.depth--;
        if (this.depth === 0) {
          out.push(parseObject(s.slice(this.start, i + 1)));
          this.start = -1;
        }
      }
    }
    // Keep only the unfinished object (if any).
    if (this.start === -1) {
      this.buf = '';
      this.pos = 0;
    } else {
      this.buf = s.slice(this.start);
      this.pos = this.buf.length;
      this.start = 0;
    }
    if (this.buf.length > this.maxChars) {
      throw new ProtocolError(`ETSI 004 stream: message exceeds ${this.maxChars} characters`);
    }
    return out;
  }

  /** Characters of an unfinished message held (0 between messages). */
  get pending(): number {
    return this.buf.length;
  }
}

function parseObject(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`ETSI 004 stream: invalid JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ProtocolError('ETSI 004 stream: a message must be a JSON object');
  }
  return v as Record<string, unknown>;
}
