/**
 * Subscriptions to NS lifecycle changes and delivery of their notifications
 * (SOL005 clause 6.4.16–6.4.18, SOL013 clause 5.3 for delivery). Creating a
 * subscription first tests its callback with a GET that must answer 204
 * (SOL005 6.4.18.3.2). Notifications are POSTed as JSON in order per
 * subscription, each retried with exponential back-off on a network error or
 * a non-2xx answer, then dropped with a log line: delivery runs beside the
 * LCM and never delays or fails an operation.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, createLogger, errorMessage, type Logger } from '../../common/index.js';
import type { Collection, Store } from '../store/index.js';
import type { LcmNotice, LccnFilter, LccnSubscription, LccnSubscriptionRequest, Notification, SubscriptionAuthentication, SubscriptionRecord } from './model.js';

export interface SubscriptionManagerOptions {
  store: Store;
  basePath?: string;
  logger?: Logger;
  /** Back-off before each retry (default 1, 2, 4, 8, 16 s: five retries). */
  retryDelaysMs?: number[];
  /** Timeout of one POST or of the callback test (default 5 s). */
  timeoutMs?: number;
}

export class SubscriptionManager {
  readonly subscriptions: Collection<SubscriptionRecord>;
  private readonly log: Logger;
  private readonly base: string;
  private readonly delays: number[];
  private readonly timeoutMs: number;
  /** The delivery chain per subscription (keeps its notifications in order). */
  private readonly queues = new Map<string, Promise<void>>();
  /** notify() calls still reading the subscriptions. */
  private readonly listings = new Set<Promise<void>>();
  private stopped = false;
  /** Cuts back-off waits short at stop. */
  private readonly halt = new AbortController();

  constructor(opts: SubscriptionManagerOptions) {
    this.subscriptions = opts.store.collection<SubscriptionRecord>('subscriptions');
    this.log = opts.logger ?? createLogger('nfvo.subscriptions');
    this.base = opts.basePath ?? '/nslcm/v1';
    this.delays = opts.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16000];
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** POST /subscriptions: test the callback, then store. */
  async create(req: LccnSubscriptionRequest, createdBy: string): Promise<LccnSubscription> {
    checkAuthentication(req.authentication);
    let url: URL;
    try {
      url = new URL(req.callbackUri);
    } catch {
      throw new ValidationError('invalid LccnSubscriptionRequest', [{ path: 'callbackUri', message: `'${req.callbackUri}' is not an absolute URI` }]);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('invalid LccnSubscriptionRequest', [{ path: 'callbackUri', message: 'must be http or https' }]);
    const test = await this.send('GET', req.callbackUri, req.authentication).catch((err: unknown) => errorMessage(err));
    if (test !== 204) {
      throw new ValidationError(`the callback ${req.callbackUri} failed the notification endpoint test (GET must answer 204): ${typeof test === 'number' ? `got ${test}` : test}`);
    }
    const rec: SubscriptionRecord = { id: randomUUID(), callbackUri: req.callbackUri, createdBy, ...(req.filter ? { filter: req.filter } : {}), ...(req.authentication ? { authentication: req.authentication } : {}) };
    await this.subscriptions.put(rec.id, rec);
    this.log.info('subscription created', { subscriptionId: rec.id, callbackUri: rec.callbackUri });
    return this.view(rec);
  }

  async list(): Promise<LccnSubscription[]> {
    return (await this.subscriptions.list()).map((r) => this.view(r));
  }

  async get(id: string): Promise<LccnSubscription> {
    const r = await this.subscriptions.get(id);
    if (!r) throw new NotFoundError('subscription', id);
    return this.view(r);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.subscriptions.delete(id))) throw new NotFoundError('subscription', id);
  }

  /** Queue the notifications a lifecycle event causes (returns at once). */
  notify(notice: LcmNotice): void {
    if (this.stopped) return;
    const listing = this.subscriptions.list().then(
      (subs) => {
        for (const s of subs) {
          if (matches(s.filter, notice)) this.enqueue(s, this.build(s, notice));
        }
      },
      (err: unknown) => this.log.error('cannot read subscriptions', { error: errorMessage(err) }),
    );
    this.listings.add(listing);
    void listing.finally(() => this.listings.delete(listing));
  }

  /** Wait until everything queued so far is delivered or given up (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.listings.size > 0 || this.queues.size > 0) await Promise.allSettled([...this.listings, ...this.queues.values()]);
  }

  /** Stop delivering (pending retries give up). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    await this.drain();
  }

  private enqueue(sub: SubscriptionRecord, n: Notification): void {
    const prev = this.queues.get(sub.id) ?? Promise.resolve();
    const next = prev.then(() => this.deliver(sub, n));
    this.queues.set(sub.id, next);
    void next.then(() => {
      if (this.queues.get(sub.id) === next) this.queues.delete(sub.id);
    });
  }

  private async deliver(sub: SubscriptionRecord, n: Notification): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.send('POST', sub.callbackUri, sub.authentication, n).catch((err: unknown) => errorMessage(err));
      if (typeof result === 'number' && result >= 200 && result < 300) return;
      const delay = this.delays[attempt];
      if (delay === undefined || this.stopped) {
        this.log.warn('notification dropped after retries', { subscriptionId: sub.id, notificationType: n.notificationType, attempts: attempt + 1, last: String(result) });
        return;
      }
      this.log.info('notification not accepted, will retry', { subscriptionId: sub.id, attempt: attempt + 1, inMs: delay, last: String(result) });
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.halt.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  }

  /** One request to a callback; resolves to the HTTP status. */
  private async send(method: 'GET' | 'POST', uri: string, auth: SubscriptionAuthentication | undefined, body?: Notification): Promise<number> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'qnfv-nfvo' };
    if (auth?.authType.includes('BASIC') && auth.paramsBasic) headers.authorization = `Basic ${Buffer.from(`${auth.paramsBasic.userName}:${auth.paramsBasic.password}`).toString('base64')}`;
    else if (auth?.authType.includes('BEARER') && auth.paramsBearer) headers.authorization = `Bearer ${auth.paramsBearer.token}`;
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(uri, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  private build(sub: SubscriptionRecord, notice: LcmNotice): Notification {
    const common = { id: randomUUID(), subscriptionId: sub.id, timeStamp: new Date().toISOString() };
    const subscription = { href: `${this.base}/subscriptions/${sub.id}` };
    if (notice.kind === 'operation') {
      const op = notice.op;
      return {
        ...common,
        notificationType: 'NsLcmOperationOccurrenceNotification',
        nsInstanceId: op.nsInstanceId,
        nsLcmOpOccId: op.id,
        operation: op.lcmOperationType,
        notificationStatus: notice.status,
        operationState: op.operationState,
        isAutomaticInvocation: op.isAutomaticInvocation,
        ...(op.error ? { error: op.error } : {}),
        _links: { nsInstance: { href: `${this.base}/ns_instances/${op.nsInstanceId}` }, subscription, nslcmOpOcc: { href: `${this.base}/ns_lcm_op_occs/${op.id}` } },
      };
    }
    return {
      ...common,
      notificationType: notice.kind === 'created' ? 'NsIdentifierCreationNotification' : 'NsIdentifierDeletionNotification',
      nsInstanceId: notice.nsInstanceId,
      _links: { nsInstance: { href: `${this.base}/ns_instances/${notice.nsInstanceId}` }, subscription },
    };
  }

  private view(r: SubscriptionRecord): LccnSubscription {
    return { id: r.id, ...(r.filter ? { filter: r.filter } : {}), callbackUri: r.callbackUri, _links: { self: { href: `${this.base}/subscriptions/${r.id}` } } };
  }
}

function checkAuthentication(a: SubscriptionAuthentication | undefined): void {
  if (!a) return;
  const problems = [];
  if (a.authType.includes('BASIC') && !a.paramsBasic) problems.push({ path: 'authentication.paramsBasic', message: "required when authType includes 'BASIC'" });
  if (a.authType.includes('BEARER') && !a.paramsBearer) problems.push({ path: 'authentication.paramsBearer', message: "required when authType includes 'BEARER'" });
  if (problems.length > 0) throw new ValidationError('invalid LccnSubscriptionRequest', problems);
}

/** SOL005 6.5.3.8: every present attribute must match; lists match when they contain the value. */
export function matches(filter: LccnFilter | undefined, notice: LcmNotice): boolean {
  if (!filter) return true;
  const type = notice.kind === 'operation' ? 'NsLcmOperationOccurrenceNotification' : notice.kind === 'created' ? 'NsIdentifierCreationNotification' : 'NsIdentifierDeletionNotification';
  if (filter.notificationTypes?.length && !filter.notificationTypes.includes(type)) return false;
  const nsId = notice.kind === 'operation' ? notice.op.nsInstanceId : notice.nsInstanceId;
  const f = filter.nsInstanceSubscriptionFilter;
  if (f?.nsInstanceIds?.length && !f.nsInstanceIds.includes(nsId)) return false;
  if (f?.nsdIds?.length && !f.nsdIds.includes(notice.nsdId)) return false;
  if (f?.nsInstanceNames?.length && !f.nsInstanceNames.includes(notice.nsInstanceName)) return false;
  if (notice.kind === 'operation') {
    if (filter.operationTypes?.length && !filter.operationTypes.includes(notice.op.lcmOperationType)) return false;
    if (filter.operationStates?.length && !filter.operationStates.includes(notice.op.operationState)) return false;
  } else if (filter.operationTypes?.length || filter.operationStates?.length) {
    // Operation attributes select operation notifications; identifier ones pass only when named.
    return Boolean(filter.notificationTypes?.length);
  }
  return true;
}
