/**
 * TERMINATE (nfvo/lcm/terminate.ts) through the REST API with the fake VCAs:
 * SAs and policies deleted by the names the controller gave them (outbound at
 * both ends before any inbound), keys released, every domain torn down; a
 * domain that fails is reported and the NS stays INSTANTIATED.
 */
import type { NsInstance, NsLcmOpOcc } from '../../../nfvo/index.js';
import { tunnelEntryNames } from '../../../nfvo/ccips/index.js';
import { createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, waitOp, type Harness } from '../api/harness.js';

let h: Harness;
let ns: NsInstance;

beforeEach(async () => {
  h = await startHarness();
  await onboardBundled(h);
  await registerDomains(h);
  ns = await createNs(h);
  expect((await instantiateAndWait(h, ns.id)).operationState).toBe('COMPLETED');
  ns = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
  h.connector.calls.length = 0;
});
afterEach(async () => {
  await h.close();
});

async function terminate(): Promise<NsLcmOpOcc> {
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
  expect(r.status).toBe(202);
  return waitOp(h, String(r.headers.location));
}

describe('terminate', () => {
  it('deletes outbound entries at both routers, then inbound, releases keys, tears down every domain', async () => {
    const op = await terminate();
    expect(op.error).toBeUndefined();
    expect(op.operationState).toBe('COMPLETED');
    const t = ns.qkdVpn!.tunnels[0]!;
    const names = tunnelEntryNames(t);
    const [aIn, aOut] = [0, 1].map((i) => ({ sad: names['site-a']!.sad[i], spd: names['site-a']!.spd[i] }));
    const [bIn, bOut] = [0, 1].map((i) => ({ sad: names['site-b']!.sad[i], spd: names['site-b']!.spd[i] }));
    expect(h.connector.callsOf('vca.applyIpsec').map((c) => [c.domain, c.params.vnfId, c.params.ikeless, c.params.keyBindings, c.params.deleteSad, c.params.deleteSpd])).toEqual([
      ['dom-a', 'site-a', null, [], [aOut.sad], [aOut.spd]],
      ['dom-b', 'site-b', null, [], [bOut.sad], [bOut.spd]],
      ['dom-a', 'site-a', null, [], [aIn.sad], [aIn.spd]],
      ['dom-b', 'site-b', null, [], [bIn.sad], [bIn.spd]],
    ]);
    // The outbound SA of site-a is the inbound SA of site-b (same name at both ends).
    expect(aOut.sad).toBe(bIn.sad);
    // After the outbound phase nothing sends, while every inbound SA still exists.
    expect(h.connector.callsOf('vca.releaseKey').map((c) => c.domain)).toEqual(['dom-a', 'dom-b']);
    expect(h.connector.callsOf('vca.teardown').map((c) => [c.domain, c.params])).toEqual([
      ['dom-a', { installationId: h.installationId, instanceId: ns.id }],
      ['dom-b', { installationId: h.installationId, instanceId: ns.id }],
    ]);
    expect(h.connector.calls.map((c) => c.method).indexOf('vca.teardown')).toBeGreaterThan(h.connector.calls.map((c) => c.method).lastIndexOf('vca.applyIpsec'));
    for (const v of h.connector.vcas.values()) expect(v.instances.size).toBe(0);
    // Every operation session is closed; only the rekey service's event sessions (one per domain) stay.
    const eventSessions = [...h.connector.vcas.values()].reduce((n, v) => n + v.subscribers.size, 0);
    expect(h.connector.closed + eventSessions).toBe(h.connector.opened);
    const after = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    expect(after).toMatchObject({ nsState: 'NOT_INSTANTIATED', vnfInstance: [], qkdVpn: { domains: [], tunnels: [], hosts: [] } });
    expect(after.qkdVpn!.history.at(-1)).toMatchObject({ event: 'terminated', detail: expect.stringContaining(ns.vnfInstance[0]!.vimId) });
  });

  it('continues past a router that cannot delete its SAs (it is removed anyway)', async () => {
    h.connector.fail({ method: 'vca.applyIpsec', domain: 'dom-a', error: new Error('NETCONF session lost') });
    const op = await terminate();
    expect(op.operationState).toBe('COMPLETED');
    expect(h.connector.callsOf('vca.teardown').map((c) => c.domain)).toEqual(['dom-a', 'dom-b']);
  });

  it('a domain whose teardown fails: FAILED naming it, the other domain still torn down, NS stays INSTANTIATED; a retry completes', async () => {
    h.connector.fail({ method: 'vca.teardown', domain: 'dom-a', error: new Error('namespace busy'), times: 1 });
    const op = await terminate();
    expect(op.operationState).toBe('FAILED');
    expect(op.error!.detail).toContain(`domain ${ns.vnfInstance[0]!.vimId}: VCA of dom-a: namespace busy`);
    expect(op.error!.detail).toMatch(/^Stage 3\/3 \(removing routers, hosts and networks\) failed/);
    expect(h.connector.callsOf('vca.teardown').map((c) => c.domain)).toEqual(['dom-a', 'dom-b']);
    expect((await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.nsState).toBe('INSTANTIATED');
    expect((await terminate()).operationState).toBe('COMPLETED');
    expect((await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.nsState).toBe('NOT_INSTANTIATED');
  });
});
