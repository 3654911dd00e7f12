/**
 * A small client of the NFVO's REST API (fetch), used by the CLI, the lab
 * and the tests that drive a running NFVO over a socket. It logs in, sends
 * the bearer token, turns ProblemDetails answers into `NfvoApiError`s that
 * keep the problem, reads whole lists by following their SOL013 paging links
 * (`Link: <…>; rel="next"`, clause 5.4.2) and follows an LCM operation
 * occurrence to its end.
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

/** The target of the `rel="next"` link of a Link header (RFC 8288), if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const m of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]*)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2]!);
    if (rel && (rel[1] ?? rel[2]!).toLowerCase().split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

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
    const url = this.urlOf(path);
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload });
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

  /** Every record of a GET list: the first page, then each `rel="next"` page the NFVO links to. */
  async list<T = unknown>(path: string): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    for (let next: string | undefined = path; next !== undefined; ) {
      // A server that links to a page already read would keep the loop going forever.
      if (seen.has(next)) throw new ProtocolError(`GET ${path}: the page links back to ${next}`);
      seen.add(next);
      const r: ApiReply<unknown> = await this.request<unknown>('GET', next);
      if (!Array.isArray(r.body)) throw new ProtocolError(`GET ${next}: expected a JSON array, got ${typeof r.body}`);
      out.push(...(r.body as T[]));
      const link = nextLink(r.headers.get('link'));
      // A reference like `?marker` or `page2` is relative to the page it came from (RFC 3986 5.2).
      next = link === undefined || link.startsWith('/') ? link : new URL(link, this.urlOf(next)).href;
    }
    return out;
  }

  /**
   * The URL of `path`: a path is relative to the base URL (as Location and
   * Link headers are: the NFVO serves both `/` and `/osm`), an absolute URL
   * must be on the NFVO itself (the bearer token goes nowhere else).
   */
  private urlOf(path: string): string {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(path)) return `${this.baseUrl}${path}`;
    if (new URL(path).origin !== new URL(this.baseUrl).origin) throw new ProtocolError(`${path} is not on the NFVO at ${this.baseUrl}`);
    return path;
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
