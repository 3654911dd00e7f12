/**
 * Client of an ETSI GS QKD 014 v1.1.1 KME, as an SAE: `status` (§5.2),
 * `encKeys` (§5.3, as master) and `decKeys` (§5.4, as slave), by GET or POST.
 * Keys come back as `Uint8Array`s the caller owns and zeroes.
 *
 * Transport: HTTPS with this SAE's client certificate when `tls` is given
 * (GS QKD 014 §4.2), over one keep-alive connection pool; otherwise plain HTTP
 * with the SAE id in the unauthenticated `X-SAE-ID` header (loopback tests).
 */
import https from 'node:https';
import { ProtocolError, ValidationError } from '../../common/index.js';
import { requestJson, type JsonReply } from '../http-json.js';
import type { Etsi014ClientTls } from './pki.js';
import {
  API_PREFIX,
  DEFAULT_CLIENT_TIMEOUT_MS,
  HTTP_OK,
  METHOD_DEC_KEYS,
  METHOD_ENC_KEYS,
  METHOD_STATUS,
  SAE_ID_HEADER,
} from './constants.js';
import type { Etsi014Key, Etsi014KeyContainer, Etsi014Status } from './types.js';

/** A KME answered with an error (HTTP 400/401/503…); `message` is the KME's §6.5 message. */
export class Etsi014ClientError extends ProtocolError {
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

/** Options of a 014 client. */
export interface Etsi014ClientOptions {
  /** KME base URL, e.g. `https://127.0.0.1:34567`. */
  baseUrl: string;
  /** This SAE's id (sent as `X-SAE-ID` over plain HTTP; over HTTPS the certificate names it). */
  saeId: string;
  /** Client certificate, key and CA (PEM) for an https: base URL; see `etsi014ClientTls`. */
  tls?: Etsi014ClientTls;
  timeoutMs?: number;
}

/** An SAE's connection to its KME. */
export class Etsi014Client {
  readonly saeId: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly agent: https.Agent | undefined;

  constructor(opts: Etsi014ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.saeId = opts.saeId;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    const secure = this.baseUrl.startsWith('https:');
    if (secure !== (opts.tls !== undefined)) {
      throw new ValidationError(secure ? 'an https: KME URL needs tls (client certificate, key, CA)' : 'tls needs an https: KME URL');
    }
    if (opts.tls) this.agent = new https.Agent({ keepAlive: true, cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca });
  }

  /** Close pooled connections (HTTPS keep-alive). */
  close(): void {
    this.agent?.destroy();
  }

  /** §5.2 Get status of the link to `slaveSaeId`. */
  async status(slaveSaeId: string): Promise<Etsi014Status> {
    const reply = await this.call('GET', this.path(slaveSaeId, METHOD_STATUS));
    return reply as Etsi014Status;
  }

  /** §5.3 Get `number` keys of `size` bits shared with `slaveSaeId` (as master). */
  async encKeys(slaveSaeId: string, req: { number?: number; size?: number } = {}, method: 'GET' | 'POST' = 'POST'): Promise<Etsi014Key[]> {
    const path = this.path(slaveSaeId, METHOD_ENC_KEYS);
    if (method === 'GET') {
      const q = new URLSearchParams();
      if (req.number !== undefined) q.set('number', String(req.number));
      if (req.size !== undefined) q.set('size', String(req.size));
      const qs = q.toString();
      return decodeContainer(await this.call('GET', qs ? `${path}?${qs}` : path));
    }
    return decodeContainer(await this.call('POST', path, req));
  }

  /** §5.4 Get the keys `masterSaeId` obtained for this SAE, by key_ID (as slave). */
  async decKeys(masterSaeId: string, keyIds: readonly string[], method: 'GET' | 'POST' = 'POST'): Promise<Etsi014Key[]> {
    const path = this.path(masterSaeId, METHOD_DEC_KEYS);
    if (method === 'GET') {
      const q = new URLSearchParams(keyIds.map((id): [string, string] => ['key_ID', id]));
      return decodeContainer(await this.call('GET', `${path}?${q.toString()}`));
    }
    return decodeContainer(await this.call('POST', path, { key_IDs: keyIds.map((key_ID) => ({ key_ID })) }));
  }

  private path(saeId: string, method: string): string {
    return `${API_PREFIX}/${encodeURIComponent(saeId)}/${method}`;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const reply: JsonReply = await requestJson({
      url: this.baseUrl + path,
      method,
      body,
      headers: this.agent ? {} : { [SAE_ID_HEADER]: this.saeId },
      timeoutMs: this.timeoutMs,
      agent: this.agent,
    });
    if (reply.status !== HTTP_OK) {
      const msg = (reply.body as { message?: unknown } | undefined)?.message;
      throw new Etsi014ClientError(reply.status, `ETSI 014 ${method} ${path}: HTTP ${reply.status}: ${typeof msg === 'string' ? msg : 'no message'}`);
    }
    return reply.body;
  }
}

/** Decode a §6.3 key container into key_IDs and key bytes. */
function decodeContainer(body: unknown): Etsi014Key[] {
  const keys = (body as Partial<Etsi014KeyContainer> | undefined)?.keys;
  if (!Array.isArray(keys)) throw new ProtocolError('ETSI 014 reply is not a key container');
  const out: Etsi014Key[] = [];
  for (const k of keys) {
    if (typeof k?.key_ID !== 'string' || typeof k.key !== 'string') {
      throw new ProtocolError('ETSI 014 key container entry lacks key_ID or key');
    }
    out.push({ key_ID: k.key_ID, key: new Uint8Array(Buffer.from(k.key, 'base64')) });
  }
  return out;
}
