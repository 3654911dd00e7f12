/**
 * The little JSON-over-HTTP(S) plumbing the ETSI GS QKD 014 KME and the
 * Hybridization Module's peer endpoint share (RFC 9110 semantics, RFC 8259
 * JSON): read a size-limited request body, write a JSON response, and make one
 * JSON request with a timeout, over http: or https: (with a client certificate
 * when given, RFC 8446 mutual authentication).
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProtocolError, ValidationError } from '../common/index.js';

/** An HTTP or HTTPS server. */
type AnyHttpServer = http.Server | https.Server;

/** Client-side TLS material (PEM): the client certificate and key, and the CA that signed the server. */
export interface ClientTls {
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer;
}

/** A request body that is not valid JSON or is too large (the server answers 400). */
export class BadBodyError extends ValidationError {}

/** Read and parse a JSON request body of at most `limit` bytes (empty body = undefined). */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadBodyError(`request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadBodyError('request body is not valid JSON');
  }
}

/** Send `body` as a JSON response with HTTP `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** One HTTP exchange's outcome: status code and parsed JSON body (undefined when empty). */
export interface JsonReply {
  status: number;
  body: unknown;
}

/** Make one JSON request; rejects with ProtocolError on network errors, timeouts and non-JSON replies. */
export function requestJson(opts: {
  url: string;
  method: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Connection pool (keep-alive); default none (one connection per request). */
  agent?: http.Agent;
  /** TLS material for https: URLs when no agent carries it. */
  tls?: ClientTls;
}): Promise<JsonReply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string | number> = { accept: 'application/json', ...opts.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const secure = opts.url.startsWith('https:');
    const base = { method: opts.method, headers, agent: opts.agent ?? false, timeout: opts.timeoutMs };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new ProtocolError(`${opts.method} ${opts.url}: ${err.message}`, { cause: err })));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        // The reply may carry key material (ETSI 014 key containers): wipe the byte copies.
        raw.fill(0);
        for (const c of chunks) c.fill(0);
        if (text.trim() === '') return resolve({ status: res.statusCode ?? 0, body: undefined });
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          reject(new ProtocolError(`${opts.method} ${opts.url}: HTTP ${res.statusCode} reply is not JSON`));
        }
      });
    };
    const req = secure ? https.request(opts.url, { ...base, ...opts.tls }, onResponse) : http.request(opts.url, base, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no reply within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => reject(new ProtocolError(`${opts.method} ${opts.url}: ${err.message}`, { cause: err })));
    req.end(payload);
  });
}

/** Start `server` listening on host:port (0 = ephemeral); resolves once bound. */
export async function listenHttp(server: AnyHttpServer, host: string, port = 0): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stop listening and drop open connections (keep-alive ones included). */
export async function closeHttp(server: AnyHttpServer): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

