/**
 * A small client of the NFVO's REST API (fetch), used by the CLI, the lab
 * and the tests that drive a running NFVO over a socket. It logs in, sends
 * the bearer token, turns ProblemDetails answers into `NfvoApiError`s that
 * keep the problem, and follows an LCM operation occurrence to its end.
 */
import { ProtocolError, QnfvError } from '../../common/index.js';
import type { IssuedToken } from '../auth/index.js';
import type { NsLcmOpOcc, ProblemDetails } from '../model.js';

/** An error answer of the NFVO, with its ProblemDetails. */
export class NfvoApiError extends QnfvError {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
    readonly request: string,
  ) {
    super('NFVO_API', `${request}: ${status} ${problem.detail}`);
  }
}

export interface ApiReply<T> {
  status: number;
  headers: Headers;
  body: T;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'FAILED_TEMP', 'ROLLED_BACK', 'PARTIALLY_COMPLETED']);

/** A client of one NFVO. */
export class NfvoClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Log in with a username and password; the client then uses the token. */
  async login(username: string, password: string): Promise<IssuedToken> {
    const t = (await this.request<IssuedToken>('POST', '/admin/v1/tokens', { username, password })).body;
    this.token = t.id;
    return t;
  }

  /** One request; a JSON body unless `contentType` says otherwise. Error answers throw NfvoApiError. */
  async request<T = unknown>(method: string, path: string, body?: unknown, opts: { contentType?: string } = {}): Promise<ApiReply<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Uint8Array | undefined;
    if (body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    }
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    } catch (err) {
      throw new ProtocolError(`${what}: cannot reach the NFVO at ${this.baseUrl} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message})`);
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const parsed: unknown = type.includes('json') && text ? JSON.parse(text) : text;
    if (res.status >= 400) {
      const problem = typeof parsed === 'object' && parsed !== null && 'detail' in parsed ? (parsed as ProblemDetails) : { status: res.status, detail: String(text || res.statusText) };
      throw new NfvoApiError(res.status, problem, what);
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  async get<T = unknown>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  /** POST and return the Location header (task resources, creations). */
  async postForLocation(path: string, body?: unknown, contentType?: string): Promise<string> {
    const r = await this.request('POST', path, body ?? {}, { contentType });
    const location = r.headers.get('location');
    if (!location) throw new ProtocolError(`POST ${path}: the answer (${r.status}) has no Location`);
    return location;
  }

  /** Poll an operation occurrence until it ends; `onProgress` sees every change of stage. */
  async waitOp(location: string, opts: { timeoutMs?: number; intervalMs?: number; onProgress?: (op: NsLcmOpOcc) => void } = {}): Promise<NsLcmOpOcc> {
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    let last = '';
    for (;;) {
      const op = await this.get<NsLcmOpOcc>(location);
      const key = `${op.operationState} ${op.progress.stage} ${op.progress.detail}`;
      if (key !== last) opts.onProgress?.(op);
      last = key;
      if (FINAL.has(op.operationState)) return op;
      if (Date.now() > deadline) throw new ProtocolError(`operation ${op.id} still ${op.operationState} at stage ${op.progress.stage} after ${opts.timeoutMs ?? 600_000} ms`);
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
    }
  }
}
