/**
 * Subscriptions and notifications (nfvo/subscriptions, SOL005 6.4.16–6.4.18)
 * against a real HTTP callback server on loopback: the endpoint test on
 * create, START and RESULT of every operation, identifier creation and
 * deletion, filters, the callback's basic and bearer credentials, retries
 * with back-off, and a callback that never answers not delaying anything.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LccnSubscription, NsLcmOperationOccurrenceNotification, Notification } from '../../../nfvo/subscriptions/index.js';
import type { ProblemDetails } from '../../../nfvo/index.js';
import { createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, waitOp, type Harness } from './harness.js';
import { ProtocolError } from '../../../common/index.js';

interface Seen {
  method: string;
  authorization?: string;
  body?: Notification;
}

/** A callback endpoint: records every request; `answer` decides the status. */
class Callback {
  readonly seen: Seen[] = [];
  answer: (req: IncomingMessage, n: number) => number | 'hang' = (req) => (req.method === 'GET' ? 204 : 204);
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        this.seen.push({ method: req.method!, authorization: req.headers.authorization, body: data ? (JSON.parse(data) as Notification) : undefined });
        const a = this.answer(req, this.seen.length);
        if (a === 'hang') return;
        res.statusCode = a;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  posts(): Notification[] {
    return this.seen.filter((s) => s.method === 'POST').map((s) => s.body!);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

let h: Harness;
let cb: Callback;
beforeEach(async () => {
  h = await startHarness({ notifications: { retryDelaysMs: [20, 40, 80], timeoutMs: 300 } });
  cb = new Callback();
  await cb.start();
});
afterEach(async () => {
  await h.close();
  await cb.stop();
});

async function subscribe(body: Record<string, unknown> = {}): Promise<LccnSubscription> {
  const r = await h.req<LccnSubscription>('POST', '/nslcm/v1/subscriptions', { callbackUri: cb.url, ...body });
  if (r.status !== 201) throw new Error(`${r.status} ${r.text}`);
  return r.json;
}

describe('/nslcm/v1/subscriptions', () => {
  it('POST tests the callback with GET, answers 201 + Location, and never shows the credentials again', async () => {
    const r = await h.req<LccnSubscription>('POST', '/nslcm/v1/subscriptions', {
      callbackUri: cb.url,
      filter: { operationTypes: ['INSTANTIATE'] },
      authentication: { authType: ['BASIC'], paramsBasic: { userName: 'oss', password: 'callback-secret' } },
    });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/nslcm/v1/subscriptions/${r.json.id}`);
    expect(cb.seen).toEqual([{ method: 'GET', authorization: `Basic ${Buffer.from('oss:callback-secret').toString('base64')}`, body: undefined }]);
    expect(r.json).toEqual({ id: r.json.id, callbackUri: cb.url, filter: { operationTypes: ['INSTANTIATE'] }, _links: { self: { href: r.headers.location } } });
    const all = await h.req<LccnSubscription[]>('GET', '/nslcm/v1/subscriptions');
    expect(all.json).toEqual([r.json]);
    expect((await h.req('GET', String(r.headers.location))).json).toEqual(r.json);
    expect(JSON.stringify(all.json)).not.toContain('callback-secret');
    expect((await h.req('DELETE', String(r.headers.location))).status).toBe(204);
    expect((await h.req('DELETE', String(r.headers.location))).status).toBe(404);
    expect((await h.req('GET', String(r.headers.location))).status).toBe(404);
  });

  it('a callback that fails the endpoint test, a bad URI or bad filters are refused with the reason', async () => {
    cb.answer = () => 404;
    const failed = await h.req<ProblemDetails>('POST', '/nslcm/v1/subscriptions', { callbackUri: cb.url });
    expect(failed.status).toBe(400);
    expect(failed.json.detail).toContain('GET must answer 204');
    const bad = await h.req<ProblemDetails>('POST', '/nslcm/v1/subscriptions', { callbackUri: 'ftp://x', filter: { operationTypes: ['EXPLODE'] }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.problems!.map((p) => p.path)).toEqual(expect.arrayContaining(['LccnSubscriptionRequest.filter.operationTypes.0', 'LccnSubscriptionRequest']));
    const scheme = await h.req<ProblemDetails>('POST', '/nslcm/v1/subscriptions', { callbackUri: 'ftp://x/y' });
    expect(scheme.status).toBe(400);
    expect(scheme.json.problems).toEqual([{ path: 'callbackUri', message: 'must be http or https' }]);
    const auth = await h.req<ProblemDetails>('POST', '/nslcm/v1/subscriptions', { callbackUri: cb.url, authentication: { authType: ['BEARER'] } });
    expect(auth.json.problems).toEqual([{ path: 'authentication.paramsBearer', message: "required when authType includes 'BEARER'" }]);
    expect((await h.req('GET', '/nslcm/v1/subscriptions')).json).toEqual([]);
  });
});

describe('notifications', () => {
  it('creation, START and RESULT of instantiate and terminate, deletion: in order, SOL005 fields, bearer credentials', async () => {
    const sub = await subscribe({ authentication: { authType: ['BEARER'], paramsBearer: { token: 'oss-token' } } });
    await onboardBundled(h);
    await registerDomains(h);
    const ns = await createNs(h);
    const inst = await instantiateAndWait(h, ns.id);
    expect(inst.operationState).toBe('COMPLETED');
    const term = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    await waitOp(h, String(term.headers.location));
    expect((await h.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(204);
    await h.server.subscriptions.drain();

    const posts = cb.posts();
    expect(posts.map((n) => `${n.notificationType}${'notificationStatus' in n ? ` ${n.operation} ${n.notificationStatus} ${n.operationState}` : ''}`)).toEqual([
      'NsIdentifierCreationNotification',
      'NsLcmOperationOccurrenceNotification INSTANTIATE START PROCESSING',
      'NsLcmOperationOccurrenceNotification INSTANTIATE RESULT COMPLETED',
      'NsLcmOperationOccurrenceNotification TERMINATE START PROCESSING',
      'NsLcmOperationOccurrenceNotification TERMINATE RESULT COMPLETED',
      'NsIdentifierDeletionNotification',
    ]);
    expect(cb.seen.filter((s) => s.method === 'POST').every((s) => s.authorization === 'Bearer oss-token')).toBe(true);
    const result = posts[2] as NsLcmOperationOccurrenceNotification;
    expect(result).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      subscriptionId: sub.id,
      timeStamp: expect.any(String),
      notificationType: 'NsLcmOperationOccurrenceNotification',
      nsInstanceId: ns.id,
      nsLcmOpOccId: inst.id,
      operation: 'INSTANTIATE',
      notificationStatus: 'RESULT',
      operationState: 'COMPLETED',
      isAutomaticInvocation: false,
      _links: { nsInstance: { href: `/nslcm/v1/ns_instances/${ns.id}` }, subscription: { href: `/nslcm/v1/subscriptions/${sub.id}` }, nslcmOpOcc: { href: `/nslcm/v1/ns_lcm_op_occs/${inst.id}` } },
    });
  });

  it('a failed operation notifies RESULT FAILED with the error; filters select types, operations and states', async () => {
    await subscribe({ filter: { operationTypes: ['INSTANTIATE'], operationStates: ['FAILED'] } });
    await onboardBundled(h);
    await registerDomains(h);
    const ns = await createNs(h);
    const other = await createNs(h, 'other');
    await subscribe({ filter: { nsInstanceSubscriptionFilter: { nsInstanceIds: [other.id] } } });
    h.connector.fail({ method: 'vca.deploy', domain: 'dom-b', error: new ProtocolError('no room in dom-b') });
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('FAILED');
    await h.server.subscriptions.drain();
    const posts = cb.posts() as NsLcmOperationOccurrenceNotification[];
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ operation: 'INSTANTIATE', notificationStatus: 'RESULT', operationState: 'FAILED', error: { detail: expect.stringContaining('no room in dom-b') } });
  });

  it('retries with back-off until the callback accepts; gives up after the last retry', async () => {
    await subscribe({ filter: { notificationTypes: ['NsIdentifierCreationNotification'] } });
    let posts = 0;
    cb.answer = (req) => (req.method === 'GET' ? 204 : ++posts <= 2 ? 503 : 204);
    await onboardBundled(h);
    await createNs(h);
    await h.server.subscriptions.drain();
    expect(cb.posts()).toHaveLength(3);
    expect(new Set(cb.posts().map((n) => n.id)).size).toBe(1);
    cb.answer = (req) => (req.method === 'GET' ? 204 : 500);
    await createNs(h, 'second');
    await h.server.subscriptions.drain();
    // 1 + 3 retries for the second.
    expect(cb.posts()).toHaveLength(3 + 4);
  });

  it('a callback that never answers delays no operation', async () => {
    await subscribe();
    cb.answer = (req) => (req.method === 'GET' ? 204 : 'hang');
    await onboardBundled(h);
    await registerDomains(h);
    const ns = await createNs(h);
    const t0 = Date.now();
    const op = await instantiateAndWait(h, ns.id);
    expect(op.operationState).toBe('COMPLETED');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
