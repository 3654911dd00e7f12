/**
 * ETSI GS QKD 004 v2.1.1 client over plain TCP (JSON dialect of CONTRACTS.md):
 * `openConnect`, `getKey`, `close` on one connection, requests answered in
 * order. Requests may be pipelined (several key streams' requests in flight on
 * one connection); those issued in the same tick leave in one TCP write. Any non-zero status is thrown as `Etsi004StatusError` carrying the
 * status, its name and the response (e.g. status 1 on the second side means
 * "peer not connected yet", status 7 carries a QoS counter-proposal). It reads
 * `key_buffer` as a hex string (ours) or a list of byte values (QUBIP's HM).
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { ProtocolError, fromHex } from '../../common/index.js';
import { CMD_CLOSE, CMD_GET_KEY, CMD_OPEN_CONNECT, DEFAULT_QOS, DEFAULT_REQUEST_TIMEOUT_MS, Etsi004Status } from './constants.js';
import { JsonMessageReader, TickBatchedWriter } from './codec.js';
import { Etsi004StatusError, type Metadata, type Qos } from './messages.js';

/** A key chunk from GET_KEY. The caller owns `key` and zeroes it. */
export interface Etsi004Key {
  index: number;
  key: Uint8Array;
  metadata?: Metadata;
}

interface Pending {
  resolve: (msg: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** One client connection to a 004 server. */
export class Etsi004Client {
  private readonly socket: Socket;
  private readonly reader = new JsonMessageReader();
  private readonly pending: Pending[] = [];
  private readonly timeoutMs: number;
  private failure: Error | undefined;
  /** Requests issued in one tick leave in one write. */
  private readonly writer: TickBatchedWriter;

  private constructor(socket: Socket, timeoutMs: number) {
    this.socket = socket;
    this.writer = new TickBatchedWriter(socket);
    this.timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => {
      let messages: Record<string, unknown>[];
      try {
        messages = this.reader.push(chunk);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      for (const m of messages) {
        const p = this.pending.shift();
        if (!p) {
          this.fail(new ProtocolError('ETSI 004: response without a request'));
          return;
        }
        clearTimeout(p.timer);
        p.resolve(m);
      }
    });
    socket.on('error', (err) => this.fail(new ProtocolError(`ETSI 004 connection: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new ProtocolError('ETSI 004 connection closed')));
  }

  /** Connect to a 004 server. */
  static connect(opts: { host?: string; port: number; timeoutMs?: number }): Promise<Etsi004Client> {
    return new Promise((resolve, reject) => {
      // noDelay: small request/response messages, no Nagle delay.
      const socket = net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port, noDelay: true });
      socket.once('error', (err) => reject(new ProtocolError(`ETSI 004 connect to port ${opts.port}: ${err.message}`, { cause: err })));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new Etsi004Client(socket, opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS));
      });
    });
  }

  /** OPEN_CONNECT; without `ksid` the server assigns one. Returns the KSID and the agreed QoS. */
  async openConnect(source: string, destination: string, qos: Partial<Qos> = {}, ksid?: string): Promise<{ key_stream_id: string; qos: Qos }> {
    const data: Record<string, unknown> = { source, destination, qos: { ...DEFAULT_QOS, ...qos } };
    if (ksid !== undefined) data.key_stream_id = ksid;
    const res = checked(await this.request({ command: CMD_OPEN_CONNECT, data }));
    if (typeof res.key_stream_id !== 'string') throw new ProtocolError('ETSI 004 OPEN_CONNECT response lacks key_stream_id');
    return { key_stream_id: res.key_stream_id, qos: (res.qos as Qos | undefined) ?? { ...DEFAULT_QOS, ...qos } };
  }

  /** GET_KEY for `index` of stream `ksid`; `metadataSize` = the metadata buffer capacity offered. */
  async getKey(ksid: string, index: number, metadataSize?: number): Promise<Etsi004Key> {
    const data: Record<string, unknown> = { key_stream_id: ksid, index };
    if (metadataSize !== undefined) data.metadata = { size: metadataSize, buffer: '' };
    const res = checked(await this.request({ command: CMD_GET_KEY, data }));
    const out: Etsi004Key = { index: typeof res.index === 'number' ? res.index : index, key: decodeKeyBuffer(res.key_buffer) };
    const md = res.metadata as Partial<Metadata> | undefined;
    if (md && typeof md.size === 'number' && typeof md.buffer === 'string') out.metadata = { size: md.size, buffer: md.buffer };
    return out;
  }

  /** CLOSE the stream `ksid`. */
  async close(ksid: string): Promise<void> {
    checked(await this.request({ command: CMD_CLOSE, data: { key_stream_id: ksid } }));
  }

  /** Send any message and return the raw response (tests, diagnostics). */
  request(message: object): Promise<Record<string, unknown>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Responses are matched by order: after a timeout the connection is unusable.
        this.fail(new ProtocolError(`ETSI 004: no response within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.writer.write(message);
    });
  }

  /** True while the connection can carry requests (no transport failure, socket open): a pool may reuse it. */
  get usable(): boolean {
    return this.failure === undefined && !this.socket.destroyed && this.pending.length === 0;
  }

  /** Close the connection. */
  async end(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/** Throw `Etsi004StatusError` unless `status` is 0. */
function checked(res: Record<string, unknown>): Record<string, unknown> {
  const status = res.status;
  if (typeof status !== 'number') throw new ProtocolError('ETSI 004 response lacks a numeric status');
  if (status !== Etsi004Status.SUCCESSFUL) {
    const message = typeof res.message === 'string' ? res.message : 'no message';
    throw new Etsi004StatusError(status, message, res);
  }
  return res;
}

/** `key_buffer` as bytes: a hex string, or a list of byte values. */
function decodeKeyBuffer(v: unknown): Uint8Array {
  if (typeof v === 'string') return fromHex(v, 'key_buffer');
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Uint8Array.from(v as number[]);
  throw new ProtocolError('ETSI 004 GET_KEY response lacks a key_buffer');
}
