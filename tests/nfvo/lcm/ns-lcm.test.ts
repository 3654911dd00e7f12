/**
 * NS LCM bookkeeping (nfvo/lcm/ns-lcm.ts, operation-runner.ts, nfvo-server.ts):
 * an operation left PROCESSING by a crashed NFVO becomes FAILED_TEMP on
 * start, blocks new operations with 409 until `…/fail`, and the records
 * survive a restart on the same data directory.
 */
import type { NsInstance, NsLcmOpOcc, ProblemDetails } from '../../../nfvo/index.js';
import type { Hold } from './fake-domain-connector.js';
import { TWO_DOMAINS, createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, waitOp, type Harness } from '../api/harness.js';

describe('restart', () => {
  let first: Harness | undefined;
  let second: Harness | undefined;
  let hold: Hold | undefined;
  afterEach(async () => {
    // Let the first process's held operation finish so it can stop; the second removes the directory.
    hold?.release();
    await first?.close(false);
    await second?.close();
    first = second = hold = undefined;
  });

  it('an op left PROCESSING becomes FAILED_TEMP after start(); it blocks new operations until POST …/fail', async () => {
    first = await startHarness();
    await onboardBundled(first);
    await registerDomains(first);
    const ns = await createNs(first);
    const other = await createNs(first, 'other');
    // Crash in the middle of deploying: the op is persisted PROCESSING at stage 3.
    hold = first.connector.hold('vca.deploy', 'dom-b');
    const r = await first.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    const location = String(r.headers.location);
    await hold.reached;
    const stored = (await first.req<NsLcmOpOcc>('GET', location)).json;
    expect(stored.operationState).toBe('PROCESSING');

    second = await startHarness({ dataDir: first.dataDir });
    expect(await second.server.start()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const op = (await second.req<NsLcmOpOcc>('GET', location)).json;
    expect(op).toMatchObject({ id: stored.id, operationState: 'FAILED_TEMP', progress: stored.progress });
    expect(op.error).toMatchObject({ status: 500, title: 'NFVO restarted', detail: 'the NFVO stopped during stage 3/6 (deploying routers, networks and site hosts in dom-a, dom-b); retry or roll back' });
    expect(Date.parse(op.statusEnteredTime)).toBeGreaterThanOrEqual(Date.parse(stored.statusEnteredTime));

    // Records survived; the stuck op blocks this instance only.
    expect((await second.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.nsState).toBe('NOT_INSTANTIATED');
    const blocked = await second.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    expect(blocked.status).toBe(409);
    expect(blocked.json.detail).toContain(`operation ${op.id} on this NS instance is FAILED_TEMP`);
    expect((await second.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(409);
    expect((await instantiateAndWait(second, other.id)).operationState).toBe('COMPLETED');

    // fail: FAILED_TEMP → FAILED; only from FAILED_TEMP.
    const failed = await second.req<NsLcmOpOcc>('POST', `${location}/fail`);
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ id: op.id, operationState: 'FAILED', error: op.error });
    expect((await second.req<NsLcmOpOcc>('GET', location)).json.operationState).toBe('FAILED');
    const again = await second.req<ProblemDetails>('POST', `${location}/fail`);
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain('is FAILED, not FAILED_TEMP');

    const ok = await instantiateAndWait(second, ns.id);
    expect(ok.operationState).toBe('COMPLETED');
  });

  it('recover() also catches ROLLING_BACK, and leaves final states alone', async () => {
    const h = await startHarness();
    try {
      const base = { statusEnteredTime: '2026-01-01T00:00:00.000Z', startTime: '2026-01-01T00:00:00.000Z', nsInstanceId: 'ns-1', lcmOperationType: 'INSTANTIATE' as const, isAutomaticInvocation: false, operationParams: {}, isCancelPending: false, progress: { stage: '5/6', detail: 'x' }, _links: { self: { href: '' }, nsInstance: { href: '' } } };
      for (const [id, state] of [
        ['op-p', 'PROCESSING'],
        ['op-r', 'ROLLING_BACK'],
        ['op-c', 'COMPLETED'],
        ['op-f', 'FAILED'],
      ] as const) {
        await h.server.lcm.opOccs.put(id, { ...base, id, operationState: state });
      }
      expect(await h.server.lcm.recover()).toBe(2);
      const states = Object.fromEntries((await h.server.lcm.opOccs.list()).map((o) => [o.id, o.operationState]));
      expect(states).toEqual({ 'op-p': 'FAILED_TEMP', 'op-r': 'FAILED_TEMP', 'op-c': 'COMPLETED', 'op-f': 'FAILED' });
      expect(await h.server.lcm.recover()).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('one operation per instance', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await onboardBundled(h);
    await registerDomains(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('concurrent instantiate, terminate and delete on one instance: only the first starts', async () => {
    const ns = await createNs(h);
    const rs = await Promise.all([
      h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS),
      h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS),
      h.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`),
      h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, { vimAccountId: 'dom-a' }),
    ]);
    expect(rs.map((r) => r.status)).toEqual([202, 409, 409, 409]);
    expect((await waitOp(h, String(rs[0]!.headers.location))).operationState).toBe('COMPLETED');
    expect(await h.server.lcm.opOccs.list()).toHaveLength(1);
    const [t1, t2] = await Promise.all([h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`), h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`)]);
    expect([t1.status, t2.status]).toEqual([202, 409]);
    await h.server.lcm.settleAll();
    expect(h.connector.callsOf('vca.teardown')).toHaveLength(2);
  });

  it('operations on different instances run side by side', async () => {
    const [n1, n2] = [await createNs(h, 'one'), await createNs(h, 'two')];
    const hold = h.connector.hold('vca.deploy');
    const r1 = await h.req('POST', `/nslcm/v1/ns_instances/${n1.id}/instantiate`, TWO_DOMAINS);
    await hold.reached;
    const r2 = await h.req('POST', `/nslcm/v1/ns_instances/${n2.id}/instantiate`, TWO_DOMAINS);
    expect([r1.status, r2.status]).toEqual([202, 202]);
    expect((await waitOp(h, String(r2.headers.location))).operationState).toBe('COMPLETED');
    hold.release();
    expect((await waitOp(h, String(r1.headers.location))).operationState).toBe('COMPLETED');
  });
});
