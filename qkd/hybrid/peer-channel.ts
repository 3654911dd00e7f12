/**
 * The HM-to-HM channel: side A POSTs one offer per hybrid key to the peer
 * HM's `POST /hybrid/v1/key-exchange` (JSON, plain HTTP on the peer's own
 * port) and gets the peer's reply fields back. Errors are `{message}` with
 * 400 (bad offer), 409 (offer conflicts with what the peer holds), 503 (peer
 * cannot hold more offers).
 *
 * NOT AUTHENTICATED: neither end proves who it is and nothing is integrity
 * protected. HM-to-HM authentication (and TLS) come in a later issue; until
 * then the ML-KEM share is only as good as the network between the HMs (see
 * `ml-kem-peer-source.ts`). Listen on 127.0.0.1 or a trusted network only.
 */
import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictError, ProtocolError, QnfvError, ValidationError, createLogger } from '../../common/index.js';
import { closeHttp, listenHttp, readJsonBody, requestJson, sendJson } from '../http-json.js';
import { MAX_PEER_BODY_BYTES, PEER_EXCHANGE_PATH, PEER_TIMEOUT_MS } from './constants.js';
import type { PeerFields } from './key-source.js';

/** The peer cannot take the offer now (HTTP 503). */
export class PeerBusyError extends QnfvError {
  constructor(message: string) {
    super('PEER_BUSY', message);
  }
}

/** The peer HM refused an offer or could not be reached. */
export class PeerExchangeError extends ProtocolError {
  /** HTTP status of the refusal; 0 when the peer was unreachable. */
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.httpStatus = httpStatus;
  }
}

/** What the receiving HM does with an offer: returns the reply fields. */
export type PeerOfferHandler = (offer: PeerFields) => Promise<PeerFields>;

/** The receiving end (side B's HM). */
export class PeerServer {
  private readonly server: Server;
  private readonly host: string;

  private constructor(host: string, handler: PeerOfferHandler, name: string) {
    this.host = host;
    const log = createLogger(`qkd.hm.${name}.peer`);
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://hm');
      if (url.pathname !== PEER_EXCHANGE_PATH) return sendJson(res, 404, { message: `no HM-to-HM method at ${url.pathname}` });
      if (req.method !== 'POST') return sendJson(res, 405, { message: 'use POST' });
      readJsonBody(req, MAX_PEER_BODY_BYTES)
        .then((body) => {
          if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('offer must be a JSON object');
          return handler(body as PeerFields);
        })
        .then((reply) => sendJson(res, 200, reply))
        .catch((err: unknown) => {
          if (err instanceof ValidationError) return sendJson(res, 400, { message: err.message });
          if (err instanceof ConflictError) return sendJson(res, 409, { message: err.message });
          if (err instanceof PeerBusyError) return sendJson(res, 503, { message: err.message });
          log.error('offer failed', { error: err instanceof Error ? err.message : String(err) });
          sendJson(res, 500, { message: err instanceof QnfvError ? err.message : 'internal error' });
        });
    });
  }

  /** Listen on `host:port` (0 = ephemeral). */
  static async start(opts: { host: string; port?: number; handler: PeerOfferHandler; name: string }): Promise<PeerServer> {
    const s = new PeerServer(opts.host, opts.handler, opts.name);
    await listenHttp(s.server, opts.host, opts.port);
    return s;
  }

  /** The TCP port in use. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Base URL to give the peer HM (`setPeerUrl`). */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Stop listening and drop connections. */
  async stop(): Promise<void> {
    await closeHttp(this.server);
  }
}

/** Send one offer to the peer HM at `baseUrl`; returns its reply fields. */
export async function sendOffer(baseUrl: string, offer: PeerFields, timeoutMs = PEER_TIMEOUT_MS): Promise<PeerFields> {
  const url = baseUrl.replace(/\/+$/, '') + PEER_EXCHANGE_PATH;
  let reply;
  try {
    reply = await requestJson({ url, method: 'POST', body: offer, timeoutMs });
  } catch (err) {
    throw new PeerExchangeError(0, `peer HM unreachable at ${baseUrl}: ${(err as Error).message}`, { cause: err });
  }
  const body = reply.body as PeerFields | undefined;
  if (reply.status !== 200) {
    const msg = typeof body?.message === 'string' ? body.message : 'no message';
    throw new PeerExchangeError(reply.status, `peer HM refused the offer (HTTP ${reply.status}): ${msg}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PeerExchangeError(reply.status, 'peer HM reply is not a JSON object');
  return body;
}
