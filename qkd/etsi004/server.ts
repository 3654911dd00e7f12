/**
 * A generic ETSI GS QKD 004 v2.1.1 server over plain TCP (JSON dialect of
 * CONTRACTS.md; TLS comes later). It frames and validates, then hands each
 * command to an `Etsi004Handler`; responses go back in request order on each
 * connection, one JSON object + `\n` each. Used by the Hybridization Module
 * (and later by the QKD node itself).
 *
 * Pipelining: a client may send several requests without waiting (several key
 * streams on one connection). They are handled side by side, except that the
 * requests naming one key stream run one after the other, in the order sent
 * (OPEN_CONNECT, then GET_KEY, then CLOSE); answers still leave in request
 * order, and those ready in the same tick leave in one TCP write.
 *
 * Errors: a handler throws `Etsi004StatusError` to answer with that status and a
 * `message`; an invalid request gets `STATUS_FOR_BAD_REQUEST` (4) with a message;
 * bytes that are not JSON objects get one such reply, then the connection is
 * closed because the stream cannot be resynchronised.
 */
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { QnfvError, ValidationError, createLogger, type Logger } from '../../common/index.js';
import { DEFAULT_HOST } from '../constants.js';
import { CMD_CLOSE, CMD_GET_KEY, CMD_OPEN_CONNECT, Etsi004Status, STATUS_FOR_BAD_REQUEST } from './constants.js';
import { JsonMessageReader, TickBatchedWriter } from './codec.js';
import {
  Etsi004StatusError,
  parseRequest,
  type CloseRequest,
  type CloseResponse,
  type GetKeyRequest,
  type GetKeyResponse,
  type OpenConnectRequest,
  type OpenConnectResponse,
} from './messages.js';

/** The TCP connection a request arrived on. */
export interface Etsi004Connection {
  id: number;
  remoteAddress: string;
  remotePort: number;
}

type MaybePromise<T> = T | Promise<T>;

/** What a 004 server does with each command. */
export interface Etsi004Handler {
  openConnect(req: OpenConnectRequest, conn: Etsi004Connection): MaybePromise<OpenConnectResponse>;
  getKey(req: GetKeyRequest, conn: Etsi004Connection): MaybePromise<GetKeyResponse>;
  close(req: CloseRequest, conn: Etsi004Connection): MaybePromise<CloseResponse>;
  /** The client went away (optional). */
  connectionClosed?(conn: Etsi004Connection): void;
}

/** Options of `Etsi004Server.start`. */
export interface Etsi004ServerOptions {
  handler: Etsi004Handler;
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** Logger name suffix. */
  name?: string;
}

/** A running 004 server. */
export class Etsi004Server {
  private readonly server: Server;
  private readonly handler: Etsi004Handler;
  private readonly sockets = new Set<Socket>();
  private readonly log: Logger;
  private readonly host: string;
  private nextId = 1;

  private constructor(opts: Etsi004ServerOptions) {
    this.handler = opts.handler;
    this.host = opts.host ?? DEFAULT_HOST;
    this.log = createLogger(`qkd.etsi004.${opts.name ?? 'server'}`);
    this.server = net.createServer((socket) => this.serve(socket));
  }

  /** Start listening. */
  static async start(opts: Etsi004ServerOptions): Promise<Etsi004Server> {
    const s = new Etsi004Server(opts);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(opts.port ?? 0, s.host, () => resolve());
    });
    s.log.info('ETSI 004 server listening (plain TCP)', { host: s.host, port: s.port });
    return s;
  }

  /** The TCP port in use. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stop listening and close every connection. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private serve(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Etsi004Connection = {
      id: this.nextId++,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
    };
    this.sockets.add(socket);
    const reader = new JsonMessageReader();
    const answers = new InOrderAnswers(socket);
    /** The last request of each key stream on this connection: the next one waits for it. */
    const streamTails = new Map<string, Promise<unknown>>();
    let broken = false;
    socket.on('data', (chunk: Buffer) => {
      if (broken) return;
      let messages: Record<string, unknown>[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        broken = true;
        const message = err instanceof Error ? err.message : String(err);
        this.log.warn('unreadable stream, closing connection', { conn: conn.id, error: message });
        // After the answers to the requests before it, then the connection ends.
        answers.add(Promise.resolve({ status: STATUS_FOR_BAD_REQUEST, message }), true);
        return;
      }
      for (const m of messages) {
        const ksid = streamOf(m);
        const before = ksid === undefined ? undefined : streamTails.get(ksid);
        const answer = before ? before.then(() => this.dispatch(m, conn)) : this.dispatch(m, conn);
        answers.add(answer);
        if (ksid !== undefined) {
          streamTails.set(ksid, answer);
          // Forget the stream's tail once nothing newer waits on it (the map stays as small as the work in flight).
          void answer.then(() => {
            if (streamTails.get(ksid) === answer) streamTails.delete(ksid);
          });
        }
      }
    });
    socket.on('error', (err) => this.log.debug('connection error', { conn: conn.id, error: err.message }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.handler.connectionClosed?.(conn);
    });
  }

  private async dispatch(msg: Record<string, unknown>, conn: Etsi004Connection): Promise<object> {
    try {
      const req = parseRequest(msg);
      switch (req.command) {
        case CMD_OPEN_CONNECT:
          return await this.handler.openConnect(req.data, conn);
        case CMD_GET_KEY:
          return await this.handler.getKey(req.data, conn);
        case CMD_CLOSE:
          return await this.handler.close(req.data, conn);
      }
    } catch (err) {
      if (err instanceof Etsi004StatusError) return { ...err.response, status: err.status, message: err.detail };
      if (err instanceof ValidationError) return { status: STATUS_FOR_BAD_REQUEST, message: `bad request: ${err.message}` };
      const message = err instanceof QnfvError ? err.message : 'internal error';
      this.log.error('handler failed', { conn: conn.id, command: String(msg.command), error: err instanceof Error ? err.message : String(err) });
      return { status: Etsi004Status.NO_QKD_CONNECTION, message };
    }
  }
}

/** The key stream a request names, if any (OPEN_CONNECT for a new stream names none). */
function streamOf(msg: Record<string, unknown>): string | undefined {
  const data = msg.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const ksid = (data as Record<string, unknown>).key_stream_id;
  return typeof ksid === 'string' ? ksid : undefined;
}

/**
 * The answers of one connection, written in request order whatever order they
 * are ready in. The socket is corked until the end of the tick, so answers
 * that are ready together leave in one write.
 */
class InOrderAnswers {
  private readonly slots: { answer?: object; endAfter: boolean }[] = [];
  private readonly writer: TickBatchedWriter;

  constructor(private readonly socket: Socket) {
    this.writer = new TickBatchedWriter(socket);
  }

  /** Queue the answer to the next request (`endAfter`: close the connection once it is sent). dispatch never rejects. */
  add(answer: Promise<object>, endAfter = false): void {
    const slot: { answer?: object; endAfter: boolean } = { endAfter };
    this.slots.push(slot);
    void answer.then((a) => {
      slot.answer = a;
      this.flush();
    });
  }

  private flush(): void {
    while (this.slots.length > 0 && this.slots[0]!.answer !== undefined) {
      const { answer, endAfter } = this.slots.shift()!;
      if (this.socket.destroyed) return;
      this.writer.write(answer!);
      if (endAfter) {
        this.socket.end();
        this.slots.length = 0;
      }
    }
  }
}
