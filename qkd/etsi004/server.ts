/**
 * A generic ETSI GS QKD 004 v2.1.1 server over plain TCP (JSON dialect of
 * CONTRACTS.md; TLS comes later). It frames and validates, then hands each
 * command to an `Etsi004Handler`; responses go back in request order on each
 * connection, one JSON object + `\n` each. Used by the Hybridization Module
 * (and later by the QKD node itself).
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
import { JsonMessageReader, encodeMessage } from './codec.js';
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
    let queue: Promise<void> = Promise.resolve();
    let broken = false;
    const reply = (msg: object): void => {
      if (!socket.destroyed) socket.write(encodeMessage(msg));
    };
    socket.on('data', (chunk: Buffer) => {
      if (broken) return;
      let messages: Record<string, unknown>[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        broken = true;
        const message = err instanceof Error ? err.message : String(err);
        this.log.warn('unreadable stream, closing connection', { conn: conn.id, error: message });
        queue = queue.then(() => {
          reply({ status: STATUS_FOR_BAD_REQUEST, message });
          socket.end();
        });
        return;
      }
      for (const m of messages) {
        queue = queue.then(async () => reply(await this.dispatch(m, conn)));
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

