/**
 * VNF config primitives through the REST API with fake VCAs (which run the
 * real primitive code of vca/router-primitives.ts on fake routers): day-2
 * `action` with `member_vnf_index` (ping, show-ipsec; output recorded on the
 * occurrence), day-1 `initial-config-primitive`s with values from
 * `additionalParamsForVnf` at instantiation and at scaling, and every request
 * error at the field it names. Unit checks of the planning functions close it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledPackagePaths } from '../../../nsd/index.js';
import { ValidationError } from '../../../common/index.js';
import type { NsInstance, NsLcmOpOcc, ProblemDetails } from '../../../nfvo/index.js';
import { planAction, planDay1, fillBuiltins, type VnfPrimitives } from '../../../nfvo/lcm/vnf-primitives.js';
import { accountBody, instantiateAndWait, startHarness, waitOp, TWO_DOMAINS, type Harness } from '../api/harness.js';

const YAML = { 'content-type': 'application/yaml' };
type Problems = ProblemDetails & { problems?: { path: string; message: string }[] };

/** The bundled router VNFD with a day-1 ping to `<underlay_peer>` (seq 1) and one to the router's own management address (seq 2). */
async function vnfdWithDay1(): Promise<string> {
  const text = await readFile(join(bundledPackagePaths().routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8');
  return text.replace(
    '          config-primitive:\n',
    [
      '          initial-config-primitive:',
      '          - seq: 2',
      '            name: ping',
      '            parameter:',
      '            - name: destination',
      '              value: <rw_mgmt_ip>',
      '          - seq: 1',
      '            name: ping',
      '            parameter:',
      '            - name: destination',
      '              value: <underlay_peer>',
      '            - name: count',
      '              value: 2',
      '          config-primitive:',
      '',
    ].join('\n'),
  );
}

let h: Harness;

async function setUp(vnfd: string, nsdFile: 'qkdVpnNs' | 'qkdVpnMesh3Ns' = 'qkdVpnNs'): Promise<NsInstance> {
  h = await startHarness();
  expect((await h.req('POST', '/vnfpkgm/v1/vnf_packages_content', vnfd, YAML)).status).toBe(201);
  const dir = bundledPackagePaths()[nsdFile];
  const file = nsdFile === 'qkdVpnNs' ? 'qnfv_qkd_vpn_nsd.yaml' : 'qnfv_qkd_vpn_mesh3_nsd.yaml';
  expect((await h.req('POST', '/nsd/v1/ns_descriptors_content', await readFile(join(dir, file), 'utf8'), YAML)).status).toBe(201);
  for (const [name, digit] of [['dom-a', 'a'], ['dom-b', 'b'], ['dom-c', 'c']] as const) expect((await h.req('POST', '/admin/v1/vim_accounts', accountBody(name, digit))).status).toBe(201);
  const nsdId = nsdFile === 'qkdVpnNs' ? 'qnfv-qkd-vpn-ns' : 'qnfv-qkd-vpn-mesh3-ns';
  return (await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId, nsName: 'vpn' })).json;
}

afterEach(async () => {
  await h?.close();
});

async function action(ns: NsInstance, body: unknown): Promise<NsLcmOpOcc> {
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, body);
  if (r.status !== 202) throw new Error(`action: ${r.status} ${r.text}`);
  return waitOp(h, String(r.headers.location));
}

describe('day-2 VNF primitives (action with member_vnf_index)', () => {
  let ns: NsInstance;
  beforeEach(async () => {
    ns = await setUp(await readFile(join(bundledPackagePaths().routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'));
    expect((await instantiateAndWait(h, ns.id)).operationState).toBe('COMPLETED');
  });

  it('ping from site A to B’s tunnel endpoint: an ACTION op whose actionResult holds the output; count defaults from the VNFD', async () => {
    const op = await action(ns, { primitive: 'ping', member_vnf_index: 'site-a', primitive_params: { destination: '198.51.100.2' } });
    expect(op).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'ACTION', progress: { stage: '1/1' } });
    expect(op.actionResult).toEqual({ vnfId: 'site-a', primitive: 'ping', output: expect.stringContaining('3 packets transmitted, 3 received') });
    const call = h.connector.callsOf('vca.runPrimitive', 'dom-a')[0]!;
    expect(call.params).toEqual({ instanceId: ns.id, vnfId: 'site-a', primitive: 'ping', params: { destination: '198.51.100.2', count: 3 } });
  });

  it('a ping without reply fails the operation with the output’s last lines', async () => {
    const op = await action(ns, { primitive: 'ping', member_vnf_index: 'site-b', primitive_params: { destination: '198.51.100.99', count: '2' } });
    expect(op.operationState).toBe('FAILED');
    expect(op.error?.detail).toMatch(/ping 198\.51\.100\.99 failed: .*0 received/);
  });

  it('show-ipsec lists the router’s SAs with their SPIs, no keys', async () => {
    const op = await action(ns, { primitive: 'show-ipsec', member_vnf_index: 'site-b' });
    expect(op.operationState).toBe('COMPLETED');
    const t = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.qkdVpn!.tunnels[0]!;
    expect(op.actionResult!.output).toContain(`spi 0x${t.spiOut.toString(16).padStart(8, '0')}`);
    expect(op.actionResult!.output).toMatch(/datapath: encrypted 0/);
  });

  it.each([
    ['an undeclared primitive', { primitive: 'reboot', member_vnf_index: 'site-a' }, 'primitive', /defines no config primitive 'reboot' \(ping, show-ipsec\)/],
    ['an undeclared parameter', { primitive: 'ping', member_vnf_index: 'site-a', primitive_params: { destination: '1.2.3.4', size: 9000 } }, 'primitive_params.size', /declares no parameter 'size'/],
    ['a missing parameter', { primitive: 'ping', member_vnf_index: 'site-a' }, 'primitive_params.destination', /is required by 'ping'/],
    ['a bad value', { primitive: 'ping', member_vnf_index: 'site-a', primitive_params: { destination: 'example.org' } }, 'primitive_params.destination', /not an IPv4 address/],
    ['a bad type', { primitive: 'ping', member_vnf_index: 'site-a', primitive_params: { destination: '1.2.3.4', count: 'many' } }, 'primitive_params.count', /an integer/],
    ['an unknown VNF', { primitive: 'ping', member_vnf_index: 'site-z' }, 'member_vnf_index', /'site-z' is not a VNF/],
  ])('refuses %s with a 400 naming the field', async (_what, body, path, message) => {
    const r = await h.req<Problems>('POST', `/nslcm/v1/ns_instances/${ns.id}/action`, body);
    expect(r.status).toBe(400);
    expect(r.json.problems).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(h.connector.callsOf('vca.runPrimitive')).toEqual([]);
  });
});

describe('day-1 primitives (initial-config-primitive) with additionalParamsForVnf', () => {
  it('run in seq order once the NS is up, with <name> from the request and <rw_mgmt_ip> from the router; the history says what they answered', async () => {
    const ns = await setUp(await vnfdWithDay1());
    const body = {
      ...TWO_DOMAINS,
      additionalParamsForVnf: [
        { vnfProfileId: 'site-a', additionalParams: { underlay_peer: '203.0.113.2' } },
        { 'member-vnf-index': 'site-b', additionalParams: { underlay_peer: '203.0.113.1' } },
      ],
    };
    const op = await instantiateAndWait(h, ns.id, body);
    expect(op.error).toBeUndefined();
    const calls = h.connector.callsOf('vca.runPrimitive').map((c) => [c.params.vnfId, c.params.params.destination, c.params.params.count]);
    const n = (await h.req<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    const mgmt = (vnf: string): string => n.vnfInstance.find((v) => v.vnfProfileId === vnf)!.metadata.mgmtAddress;
    expect(calls).toEqual([
      ['site-a', '203.0.113.2', 2],
      ['site-a', mgmt('site-a'), 3],
      ['site-b', '203.0.113.1', 2],
      ['site-b', mgmt('site-b'), 3],
    ]);
    // Every primitive ran after the last SA check.
    const lastState = Math.max(...h.connector.callsOf('vca.routerState').map((c) => c.seq));
    expect(Math.min(...h.connector.callsOf('vca.runPrimitive').map((c) => c.seq))).toBeGreaterThan(lastState);
    expect(n.qkdVpn!.history.filter((e) => e.event === 'day1-primitive').map((e) => e.detail)).toEqual([
      expect.stringMatching(/^ping \(seq 1\) on site-a: 3 packets transmitted, 3 received/),
      expect.stringMatching(/^ping \(seq 2\) on site-a/),
      expect.stringMatching(/^ping \(seq 1\) on site-b/),
      expect.stringMatching(/^ping \(seq 2\) on site-b/),
    ]);
  });

  it('a missing value is a 400 per VNF at the field that should hold it; an unknown VNF too; nothing is deployed', async () => {
    const ns = await setUp(await vnfdWithDay1());
    const r = await h.req<Problems>('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, {
      ...TWO_DOMAINS,
      additionalParamsForVnf: [{ vnfProfileId: 'site-a', additionalParams: { other: 1 } }, { vnfProfileId: 'site-q', additionalParams: {} }],
    });
    expect(r.status).toBe(400);
    expect(r.json.problems).toHaveLength(3);
    expect(r.json.problems).toEqual(
      expect.arrayContaining([
        { path: 'additionalParamsForVnf[1].vnfProfileId', message: expect.stringContaining("'site-q' is not a VNF profile") },
        { path: 'additionalParamsForVnf[0].additionalParams.underlay_peer', message: "is needed by initial-config-primitive 'ping' (seq 1) of site-a (parameter destination)" },
        { path: 'additionalParamsForVnf[vnfProfileId=site-b].additionalParams.underlay_peer', message: "is needed by initial-config-primitive 'ping' (seq 1) of site-b (parameter destination)" },
      ]),
    );
    expect(h.connector.callsOf('vca.deploy')).toEqual([]);
  });

  it('a failing day-1 primitive fails the instantiation, and everything is undone', async () => {
    const ns = await setUp(await vnfdWithDay1());
    const op = await instantiateAndWait(h, ns.id, {
      ...TWO_DOMAINS,
      additionalParamsForVnf: [
        { vnfProfileId: 'site-a', additionalParams: { underlay_peer: '203.0.113.2' } },
        { vnfProfileId: 'site-b', additionalParams: { underlay_peer: '203.0.113.77' } },
      ],
    });
    expect(op.operationState).toBe('FAILED');
    expect(op.error?.detail).toMatch(/Stage 6\/6 \(day-1 primitive ping \(seq 1\) on site-b\) failed: day-1 primitive ping \(seq 1\) on site-b: .*ping 203\.0\.113\.77 failed/);
    for (const d of ['dom-a', 'dom-b']) expect(h.connector.vca(d).instances.has(ns.id)).toBe(false);
  });

  it('a site added by scaling runs its day-1 primitives with scaleNsData.additionalParamsForVnf', async () => {
    const ns = await setUp(await vnfdWithDay1(), 'qkdVpnMesh3Ns');
    const params = (vnf: string, peer: string) => ({ vnfProfileId: vnf, additionalParams: { underlay_peer: peer } });
    const inst = await instantiateAndWait(h, ns.id, { ...TWO_DOMAINS, additionalParamsForVnf: [params('site-a', '203.0.113.2'), params('site-b', '203.0.113.1')] });
    expect(inst.operationState).toBe('COMPLETED');
    const before = h.connector.callsOf('vca.runPrimitive').length;
    const scaleBody = (extra: object) => ({ scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-c' }], locationConstraints: [{ vnfProfileId: 'site-c', locationConstraints: { vimId: 'dom-c' } }], ...extra } });
    const refused = await h.req<Problems>('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, scaleBody({}));
    expect(refused.status).toBe(400);
    expect(refused.json.problems).toEqual([{ path: 'scaleNsData.additionalParamsForVnf[vnfProfileId=site-c].additionalParams.underlay_peer', message: expect.any(String) }]);
    const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/scale`, scaleBody({ additionalParamsForVnf: [params('site-c', '203.0.113.1')] }));
    expect((await waitOp(h, String(r.headers.location))).operationState).toBe('COMPLETED');
    expect(h.connector.callsOf('vca.runPrimitive').slice(before).map((c) => [c.domain, c.params.vnfId, c.params.params.destination])).toEqual([
      ['dom-c', 'site-c', '203.0.113.1'],
      ['dom-c', 'site-c', expect.stringMatching(/^169\.254\./)],
    ]);
  });
});

describe('planning (pure)', () => {
  const decl: VnfPrimitives = {
    initial: [],
    config: [
      { name: 'ping', parameter: [{ name: 'destination', dataType: 'STRING' }, { name: 'count', dataType: 'INTEGER', defaultValue: 3 }] },
      { name: 'show-ipsec', parameter: [], executionEnvironmentRef: 'charm-ee' },
      { name: 'touch', parameter: [] },
    ],
    environments: [{ id: 'charm-ee', juju: { charm: 'simple' } }],
  };
  const problemsOf = (fn: () => unknown): { path: string; message: string }[] => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ValidationError) return err.problems;
      throw err;
    }
    return [];
  };

  it('a primitive qnfv cannot run: one of another VNF (no built-in of that name), or one tied to a juju charm', () => {
    expect(problemsOf(() => planAction('v', 'vnfd', decl, 'touch', {}))).toEqual([{ path: 'primitive', message: expect.stringContaining("'touch' is not a primitive qnfv's VCA can run") }]);
    expect(problemsOf(() => planAction('v', 'vnfd', decl, 'show-ipsec', {}))).toEqual([{ path: 'primitive', message: expect.stringContaining("juju charm 'simple'") }]);
  });

  it('<rw_mgmt_ip> is checked once the router is known; other values at once', () => {
    const day1 = planDay1('v', { ...decl, initial: [{ name: 'ping', seq: 1, parameter: [{ name: 'destination', value: '<rw_mgmt_ip>' }] }] }, {}, 'p');
    expect(day1[0]!.params).toEqual({ destination: '<rw_mgmt_ip>', count: 3 });
    expect(fillBuiltins(day1[0]!, '100.64.0.2').params).toEqual({ destination: '100.64.0.2', count: 3 });
    expect(problemsOf(() => fillBuiltins(day1[0]!, 'not-an-ip'))).toEqual([{ path: 'params.destination', message: "'not-an-ip' is not an IPv4 address" }]);
  });
});
