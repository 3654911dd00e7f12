/**
 * The task resources of an NS LCM operation occurrence (SOL005 6.4.10–6.4.14):
 * cancel a PROCESSING instantiation (it stops at its next stage, FAILED_TEMP,
 * nothing undone), then retry it (leftovers cleared, COMPLETED on the same
 * occurrence) or roll it back (the domains emptied, ROLLED_BACK), fail it, and
 * the 409s when the state does not allow the task. Also a restart that finds
 * an occurrence PROCESSING (FAILED_TEMP with its stage) and retries it.
 */
import type { NsInstance, NsLcmOpOcc, ProblemDetails } from '../../../nfvo/index.js';
import { createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, waitOp, TWO_DOMAINS, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await onboardBundled(h);
  await registerDomains(h);
});
afterEach(async () => {
  await h.close();
});

/** Start instantiating, hold dom-b's deploy, cancel; returns the FAILED_TEMP occurrence. */
async function cancelledInstantiation(ns: NsInstance): Promise<NsLcmOpOcc> {
  const hold = h.connector.hold('vca.deploy', 'dom-b');
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
  await hold.reached;
  const location = String(r.headers.location);
  const c = await h.req('POST', `${location}/cancel`, { cancelMode: 'GRACEFUL' });
  expect(c.status).toBe(202);
  expect(c.headers.location).toBe(location);
  expect((await h.req<NsLcmOpOcc>('GET', location)).json.isCancelPending).toBe(true);
  hold.release();
  const op = await waitOp(h, location);
  expect(op).toMatchObject({ operationState: 'FAILED_TEMP', isCancelPending: false, error: { title: 'INSTANTIATE cancelled' } });
  expect(op.error!.detail).toContain('nothing was undone');
  // dom-b was deployed before the cancel took effect at the next stage.
  expect(h.connector.vca('dom-b').instances.has(ns.id)).toBe(true);
  return op;
}

describe('cancel, retry, rollback, fail', () => {
  it('cancel → FAILED_TEMP; another operation is refused while it is; retry completes it on the same occurrence', async () => {
    const ns = await createNs(h);
    const op = await cancelledInstantiation(ns);
    const blocked = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    expect(blocked.status).toBe(409);
    expect(blocked.json.detail).toContain('FAILED_TEMP');
    const r = await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/retry`);
    expect(r.status).toBe(202);
    const done = await waitOp(h, String(r.headers.location));
    expect(done).toMatchObject({ id: op.id, operationState: 'COMPLETED', lcmOperationType: 'INSTANTIATE' });
    expect(done.error).toBeUndefined();
    expect((await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.nsState).toBe('INSTANTIATED');
    // The leftovers of the interrupted run were removed before the new run deployed.
    const teardowns = h.connector.calls.filter((c) => c.method === 'vca.teardown').map((c) => c.domain);
    expect(teardowns.sort()).toEqual(['dom-a', 'dom-b']);
    expect((await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/retry`)).status).toBe(409);
    expect((await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/cancel`)).status).toBe(409);
  });

  it('rollback removes what the cancelled instantiation created: ROLLED_BACK, NOT_INSTANTIATED, domains empty', async () => {
    const ns = await createNs(h);
    const op = await cancelledInstantiation(ns);
    const r = await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/rollback`);
    expect(r.status).toBe(202);
    const done = await waitOp(h, String(r.headers.location));
    expect(done).toMatchObject({ id: op.id, operationState: 'ROLLED_BACK', progress: { stage: '1/1', detail: 'rolled back' } });
    expect(h.connector.vca('dom-a').instances.has(ns.id)).toBe(false);
    expect(h.connector.vca('dom-b').instances.has(ns.id)).toBe(false);
    expect((await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.nsState).toBe('NOT_INSTANTIATED');
    // The instance is free again.
    expect((await instantiateAndWait(h, ns.id)).operationState).toBe('COMPLETED');
  });

  it('a failing rollback stays FAILED_TEMP and can be retried; fail ends it FAILED for good', async () => {
    const ns = await createNs(h);
    const op = await cancelledInstantiation(ns);
    h.connector.fail({ method: 'vca.teardown', domain: 'dom-b', error: new Error('VCA of dom-b unreachable'), times: 1 });
    const r = await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/rollback`);
    const failed = await waitOp(h, String(r.headers.location));
    expect(failed).toMatchObject({ operationState: 'FAILED_TEMP', error: { title: 'INSTANTIATE rollback failed' } });
    expect(failed.error!.detail).toContain('VCA of dom-b unreachable');
    const f = await h.req<NsLcmOpOcc>('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/fail`);
    expect(f.status).toBe(200);
    expect(f.json.operationState).toBe('FAILED');
    for (const verb of ['retry', 'rollback', 'fail', 'cancel']) expect((await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/${verb}`)).status).toBe(409);
  });

  it('a terminate cannot be rolled back; unknown occurrences are 404', async () => {
    const ns = await createNs(h);
    await instantiateAndWait(h, ns.id);
    const hold = h.connector.hold('vca.teardown', 'dom-a');
    const t = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    await hold.reached;
    await h.req('POST', `${String(t.headers.location)}/cancel`);
    hold.release();
    const op = await waitOp(h, String(t.headers.location));
    // Cancel arrived during the last stage: the terminate ends normally, or FAILED_TEMP if a stage was left.
    if (op.operationState === 'FAILED_TEMP') {
      const rb = await h.req<ProblemDetails>('POST', `/nslcm/v1/ns_lcm_op_occs/${op.id}/rollback`);
      expect(rb.status).toBe(409);
      expect(rb.json.detail).toContain('cannot be rolled back');
    } else expect(op.operationState).toBe('COMPLETED');
    expect((await h.req('POST', '/nslcm/v1/ns_lcm_op_occs/00000000-0000-4000-8000-000000000000/retry')).status).toBe(404);
  });
});

describe('restart in the middle of an operation', () => {
  it('an occurrence left PROCESSING is FAILED_TEMP after a restart, with its stage; retry completes it', async () => {
    const ns = await createNs(h);
    const hold = h.connector.hold('vca.deploy', 'dom-b');
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
    await hold.reached;
    const location = String(r.headers.location);
    // What a killed process leaves: the record as it was at stage 3, nothing running.
    const snapshot = (await h.req<NsLcmOpOcc>('GET', location)).json;
    hold.release();
    await waitOp(h, location);
    await h.server.store.collection('ns_lcm_op_occs').put(snapshot.id, snapshot);
    await h.server.store.collection('ns_instances').put(ns.id, { ...ns, nsState: 'NOT_INSTANTIATED' });
    await h.close(false);

    h = await startHarness({ dataDir: h.dataDir, connector: h.connector });
    await h.server.start();
    const found = (await h.req<NsLcmOpOcc>('GET', location)).json;
    expect(found).toMatchObject({ operationState: 'FAILED_TEMP', error: { title: 'NFVO restarted' } });
    expect(found.error!.detail).toContain('stage 3/6 (deploying routers, networks and site hosts in dom-a, dom-b)');
    const retry = await h.req('POST', `${location}/retry`);
    expect((await waitOp(h, String(retry.headers.location))).operationState).toBe('COMPLETED');
  });
});
