/**
 * ETSI GS QKD 014 v1.1.1 REST API of one KME on node:http:
 *   GET       /api/v1/keys/{slave_SAE_ID}/status      §5.2
 *   GET|POST  /api/v1/keys/{slave_SAE_ID}/enc_keys    §5.3 (GET: ?number=&size=)
 *   GET|POST  /api/v1/keys/{master_SAE_ID}/dec_keys   §5.4 (GET: ?key_ID=)
 * Errors are HTTP 400 / 401 / 503 with a §6.5 body `{message, details?}`.
 *
 * Transport: HTTPS with client certificates when `tls` is given (GS QKD 014
 * §4.2; RFC 8446), the SAE id then taken from the verified client certificate
 * (`clientCertificateSaeIdentity`). By default the TLS handshake accepts any
 * or no client certificate and the KME answers 401 to a caller whose
 * certificate did not verify against its CA, as §5 prescribes for an
 * unauthorised SAE; `tls.rejectUnauthorized` refuses such handshakes instead.
 * Without `tls`: plain HTTP and, by default, the unauthenticated `X-SAE-ID`
 * header — for loopback tests only.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ValidationError, createLogger } from '../../common/index.js';
import { DEFAULT_HOST } from '../constants.js';
import { closeHttp, listenHttp, readJsonBody, sendJson } from '../http-json.js';
import {
  API_PREFIX,
  HTTP_BAD_REQUEST,
  HTTP_METHOD_NOT_ALLOWED,
  HTTP_NOT_FOUND,
  HTTP_OK,
  HTTP_SERVICE_UNAVAILABLE,
  MAX_BODY_BYTES,
  METHOD_DEC_KEYS,
  METHOD_ENC_KEYS,
  METHOD_STATUS,
} from './constants.js';
import { Etsi014HttpError, Kme, type KmeOptions } from './kme.js';
import type { Etsi014ServerTls } from './pki.js';
import { clientCertificateSaeIdentity, headerSaeIdentity, type SaeIdentityResolver } from './sae-identity.js';
import type { Etsi014KeyRequest } from './types.js';

/** Options of a KME server. */
export interface Etsi014KmeServerOptions extends KmeOptions {
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Serve HTTPS with client certificates (PEM: server certificate and key, CA of the SAEs). */
  tls?: Etsi014ServerTls;
  /** Who is calling (default: the client certificate with `tls`, else the unauthenticated `X-SAE-ID` header). */
  saeIdentity?: SaeIdentityResolver;
}

const PATH_RE = new RegExp(`^${API_PREFIX}/([^/]+)/([^/]+)$`);

/** A running ETSI 014 KME. */
export class Etsi014KmeServer {
  readonly kme: Kme;
  /** Whether the server speaks HTTPS with client certificates. */
  readonly secure: boolean;
  private readonly server: http.Server | https.Server;
  private readonly identify: SaeIdentityResolver;
  private readonly host: string;
  private readonly log;

  private constructor(opts: Etsi014KmeServerOptions) {
    this.kme = new Kme(opts);
    this.secure = opts.tls !== undefined;
    this.identify = opts.saeIdentity ?? (opts.tls ? clientCertificateSaeIdentity() : headerSaeIdentity());
    this.host = opts.host ?? DEFAULT_HOST;
    this.log = createLogger(`qkd.kme.${opts.kmeId}.http`);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    };
    this.server = opts.tls
      ? https.createServer(
          {
            key: opts.tls.key,
            cert: opts.tls.cert,
            ca: opts.tls.ca,
            requestCert: true,
            rejectUnauthorized: opts.tls.rejectUnauthorized ?? false,
            minVersion: 'TLSv1.2',
          },
          handler,
        )
      : http.createServer(handler);
    // An SAE's identity is its connection's client certificate, read once per connection
    // (sae-identity.ts): no TLS 1.2 renegotiation may swap the certificate under it.
    if (opts.tls) this.server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
  }

  /** Start a KME server listening on `host:port`. */
  static async start(opts: Etsi014KmeServerOptions): Promise<Etsi014KmeServer> {
    const s = new Etsi014KmeServer(opts);
    await listenHttp(s.server, s.host, opts.port);
    if (s.secure) s.log.info('ETSI 014 KME listening (HTTPS, SAE identified by client certificate)', { url: s.url });
    else s.log.info('ETSI 014 KME listening (plain HTTP, SAE identity not authenticated)', { url: s.url });
    return s;
  }

  /** The TCP port in use. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Base URL, e.g. `https://127.0.0.1:34567` (append `/api/v1/keys/...`). */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.secure ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /** Stop listening and drop open connections. */
  async stop(): Promise<void> {
    await closeHttp(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kme');
    const m = PATH_RE.exec(url.pathname);
    if (!m) return sendJson(res, HTTP_NOT_FOUND, { message: `no ETSI 014 method at ${url.pathname}` });
    const saeId = decodePathSegment(m[1]);
    const method = m[2];
    const caller = this.identify(req);
    const verb = req.method ?? 'GET';
    if (method === METHOD_STATUS) {
      if (verb !== 'GET') return this.notAllowed(res, 'GET');
      return sendJson(res, HTTP_OK, this.kme.status(caller, saeId));
    }
    if (method === METHOD_ENC_KEYS) {
      if (verb === 'GET') return sendJson(res, HTTP_OK, this.kme.encKeys(caller, saeId, keyRequestFromQuery(url)));
      if (verb === 'POST') {
        const body = parseKeyRequest(await readJsonBody(req, MAX_BODY_BYTES));
        return sendJson(res, HTTP_OK, this.kme.encKeys(caller, saeId, body));
      }
      return this.notAllowed(res, 'GET, POST');
    }
    if (method === METHOD_DEC_KEYS) {
      if (verb === 'GET') return sendJson(res, HTTP_OK, this.kme.decKeys(caller, saeId, url.searchParams.getAll('key_ID')));
      if (verb === 'POST') {
        const ids = parseKeyIds(await readJsonBody(req, MAX_BODY_BYTES));
        return sendJson(res, HTTP_OK, this.kme.decKeys(caller, saeId, ids));
      }
      return this.notAllowed(res, 'GET, POST');
    }
    return sendJson(res, HTTP_NOT_FOUND, { message: `unknown ETSI 014 method '${method}'` });
  }

  private notAllowed(res: ServerResponse, allow: string): void {
    res.setHeader('allow', allow);
    sendJson(res, HTTP_METHOD_NOT_ALLOWED, { message: `method not allowed; use ${allow}` });
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (err instanceof Etsi014HttpError) return sendJson(res, err.httpStatus, { message: err.message });
    if (err instanceof ValidationError) return sendJson(res, HTTP_BAD_REQUEST, { message: err.message });
    // §5: 503 "Error on server side". The message stays generic; the log has the cause.
    this.log.error('request failed', { error: err instanceof Error ? err.message : String(err) });
    if (!res.headersSent) sendJson(res, HTTP_SERVICE_UNAVAILABLE, { message: 'internal KME error' });
  }
}

/** Percent-decode one path segment; malformed escapes are a 400. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError(`malformed SAE_ID in path: '${segment}'`);
  }
}

/** `?number=&size=` of GET enc_keys as a §6.2 key request. */
function keyRequestFromQuery(url: URL): Etsi014KeyRequest {
  const out: Etsi014KeyRequest = {};
  for (const field of ['number', 'size'] as const) {
    const v = url.searchParams.get(field);
    if (v === null) continue;
    if (!/^\d+$/.test(v)) throw new ValidationError(`${field} must be a non-negative integer, got '${v}'`);
    out[field] = Number(v);
  }
  return out;
}

/** Validate the shape of a §6.2 key request body (values are checked by the KME). */
function parseKeyRequest(body: unknown): Etsi014KeyRequest {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('key request must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  for (const f of ['number', 'size']) {
    if (b[f] !== undefined && typeof b[f] !== 'number') throw new ValidationError(`${f} must be a number`);
  }
  for (const f of ['additional_slave_SAE_IDs', 'extension_mandatory', 'extension_optional']) {
    if (b[f] !== undefined && !Array.isArray(b[f])) throw new ValidationError(`${f} must be an array`);
  }
  return b as Etsi014KeyRequest;
}

/** The key_ID strings of a §6.4 Key IDs body. */
function parseKeyIds(body: unknown): string[] {
  const list = (body as { key_IDs?: unknown } | undefined)?.key_IDs;
  if (!Array.isArray(list)) throw new ValidationError('body must be {"key_IDs": [{"key_ID": "..."}]}');
  return list.map((e, i) => {
    const id = (e as { key_ID?: unknown } | null)?.key_ID;
    if (typeof id !== 'string') throw new ValidationError(`key_IDs[${i}].key_ID must be a string`);
    return id;
  });
}
