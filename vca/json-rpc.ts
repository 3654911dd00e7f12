/**
 * JSON-RPC 2.0 over a byte stream, one JSON object per line (the framing of
 * the NFVO → VCA channel, which runs inside an SSH subsystem). A server side
 * dispatches requests to handlers; a client side correlates responses by id.
 * Errors travel as JSON-RPC error objects carrying the QnfvError code, so the
 * NFVO can report a readable reason in the op occurrence. The server may also
 * push JSON-RPC notifications (requests without an id, §4.1) on a channel —
 * the VCA forwards its routers' RFC 9061 events that way.
 */
import type { Duplex } from 'node:stream';
import { QnfvError, ProtocolError, createLogger, errorMessage } from '../common/index.js';

const log = createLogger('vca.rpc');
/** Largest accepted line, to bound memory on a misbehaving peer. */
const MAX_LINE = 16 * 1024 * 1024;

interface RpcRequest {
  jsonrpc: '2.0';
  id: number;
  method: string;
  params: unknown;
}
interface RpcResponse {
  jsonrpc: '2.0';
  /** null when the request's id could not be read (JSON-RPC 2.0 §5). */
  id: number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { qnfvCode?: string } };
}

/** Split a stream into lines and hand each parsed JSON value to `onMessage`. */
function readLines(stream: Duplex, onMessage: (msg: unknown) => void, onError: (err: Error) => void): void {
  // The unterminated rest, in pieces: a long message arrives in many chunks, and each chunk is
  // searched for its newline once (not the whole rest again at every chunk).
  let parts: string[] = [];
  let partsLength = 0;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let from = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', from)) >= 0) {
      const piece = chunk.slice(from, nl);
      const line = parts.length === 0 ? piece : parts.join('') + piece;
      parts = [];
      partsLength = 0;
      from = nl + 1;
      // JSON.parse allows whitespace around the value; a blank line is no message.
      if (BLANK.test(line)) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (err) {
        onError(new ProtocolError(`malformed JSON-RPC message: ${errorMessage(err)}`));
        continue;
      }
      onMessage(msg);
    }
    if (from < chunk.length) {
      parts.push(from === 0 ? chunk : chunk.slice(from));
      partsLength += chunk.length - from;
    }
    // Only the unterminated rest counts: a chunk may carry many complete lines.
    if (partsLength > MAX_LINE) {
      parts = [];
      partsLength = 0;
      onError(new ProtocolError('JSON-RPC line too long'));
      stream.destroy();
    }
  });
}

const BLANK = /^\s*$/;

/** What a handler may do with the channel its request came on. */
export interface RpcChannel {
  /** Send a JSON-RPC notification to the peer; false once the channel is closed. */
  notify(method: string, params: unknown): boolean;
  /** Run `fn` when the channel closes. */
  onClose(fn: () => void): void;
}

/** Handlers by method name; each returns the result or throws. */
export type RpcHandlers = Record<string, (params: unknown, channel: RpcChannel) => Promise<unknown>>;

/** Serve JSON-RPC requests arriving on `stream` (the VCA side). */
export function serveJsonRpc(stream: Duplex, handlers: RpcHandlers): void {
  const send = (r: RpcResponse): void => {
    if (stream.writableEnded || stream.destroyed) return;
    let line: string;
    try {
      line = JSON.stringify(r);
    } catch (err) {
      // A result that cannot be serialised (a bigint) must still get a reply, not an unhandled rejection.
      log.error('result cannot be sent', { id: r.id, error: errorMessage(err) });
      line = JSON.stringify({ jsonrpc: '2.0', id: r.id, error: { code: -32603, message: `internal error: result cannot be serialised: ${errorMessage(err)}` } });
    }
    stream.write(line + '\n');
  };
  // A transport error (e.g. the SSH channel failing) must not become an uncaught exception.
  stream.on('error', (err: Error) => log.warn('channel error', { error: err.message }));
  const channel: RpcChannel = {
    notify: (method, params) => {
      if (stream.writableEnded || stream.destroyed) return false;
      stream.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');
      return true;
    },
    onClose: (fn) => {
      stream.once('close', fn);
    },
  };
  readLines(
    stream,
    (msg) => {
      const req = msg as Partial<RpcRequest>;
      if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || typeof req.method !== 'string') {
        const id = typeof req === 'object' && req !== null && typeof req.id === 'number' ? req.id : null;
        send({ jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request' } });
        return;
      }
      const id = req.id;
      const method = req.method;
      // Own methods only: `toString` or `constructor` must not reach Object.prototype.
      const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
      if (typeof handler !== 'function') {
        send({ jsonrpc: '2.0', id, error: { code: -32601, message: `method not found: ${method}` } });
        return;
      }
      // Inside a promise chain, so a handler that throws synchronously still gets an error reply.
      Promise.resolve(req.params ?? {})
        .then((params) => handler(params, channel))
        .then(
          (result) => send({ jsonrpc: '2.0', id, result: result ?? null }),
          (err: unknown) => {
            const qnfvCode = err instanceof QnfvError ? err.code : undefined;
            log.warn('request failed', { method, error: errorMessage(err) });
            send({ jsonrpc: '2.0', id, error: { code: -32000, message: errorMessage(err), data: { qnfvCode } } });
          },
        );
    },
    (err) => {
      log.warn('bad message on channel', { error: err.message });
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: err.message } });
    },
  );
}

/** The calling side of a JSON-RPC channel (the NFVO side). */
export class JsonRpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closedError: Error | undefined;
  private notificationHandler: ((method: string, params: unknown) => void) | undefined;

  constructor(private readonly stream: Duplex, private readonly peerName: string) {
    readLines(
      stream,
      (msg) => this.onResponse(msg),
      // A peer that sends garbage cannot be trusted with later replies either: fail and close.
      (err) => {
        this.failAll(err);
        stream.destroy();
      },
    );
    stream.on('close', () => this.failAll(new ProtocolError(`channel to ${peerName} closed`)));
    stream.on('error', (err: Error) => this.failAll(new ProtocolError(`channel to ${peerName}: ${err.message}`)));
  }

  /** Call `method` and wait for its result; rejects with the peer's error message. */
  call(method: string, params: unknown, timeoutMs = 120_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    let line: string;
    try {
      // Before anything is registered: params that cannot be serialised (a bigint) leave no pending call behind.
      line = JSON.stringify({ jsonrpc: '2.0', id, method, params } satisfies RpcRequest) + '\n';
    } catch (err) {
      return Promise.reject(new ProtocolError(`${this.peerName}: ${method}: params cannot be sent: ${errorMessage(err)}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError(`${this.peerName}: ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.stream.write(line);
    });
  }

  /** Receive the notifications the peer pushes on this channel. */
  onNotification(handler: (method: string, params: unknown) => void): void {
    this.notificationHandler = handler;
  }

  /** Resolves when the channel has closed (for whatever reason). */
  get closed(): Promise<void> {
    if (this.stream.destroyed || this.closedError) return Promise.resolve();
    return new Promise((resolve) => this.stream.once('close', () => resolve()));
  }

  /** End the channel. */
  close(): void {
    this.stream.end();
  }

  private onResponse(msg: unknown): void {
    if (typeof msg === 'object' && msg !== null && !('id' in msg) && typeof (msg as { method?: unknown }).method === 'string') {
      const n = msg as { method: string; params?: unknown };
      try {
        this.notificationHandler?.(n.method, n.params);
      } catch (err) {
        log.warn('notification handler failed', { method: n.method, error: errorMessage(err) });
      }
      return;
    }
    if (typeof msg !== 'object' || msg === null || typeof (msg as RpcResponse).id !== 'number') return;
    const r = msg as RpcResponse & { id: number };
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.error) {
      const e = new QnfvError(r.error.data?.qnfvCode ?? 'REMOTE', `${this.peerName}: ${r.error.message}`);
      p.reject(e);
    } else {
      p.resolve(r.result);
    }
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
