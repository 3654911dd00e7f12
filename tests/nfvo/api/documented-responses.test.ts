/**
 * Every documented answer of the NBI is produced by a test: one case per
 * (operation, status) pair that `GET /openapi.json` lists (nfvo/api/openapi.ts
 * OPERATIONS, plus the 401/403 the document adds to authenticated routes),
 * each triggered for real with server.inject against one shared NFVO with the
 * fake VCAs. The first test pins the table to the document: a newly
 * documented code without a case, or a case for an undocumented code, fails.
 * 4xx answers must be ProblemDetails (`application/problem+json`, `status`
 * equal to the HTTP status).
 *
 * 401 and 403 are covered here too, route by route, from the document's pairs.
 * tests/nfvo/api/auth-routes.test.ts already sweeps every route in hapi's
 * table (401 without a token; 403 with a viewer token on every write and
 * /admin route), but checks the status only; this file checks the documented
 * pairs and the ProblemDetails body. The document lists 403 only on routes
 * that need a role above viewer (the lowest role).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledPackagePaths } from '../../../nsd/index.js';
import type { NsInstance, NsLcmOpOcc, ProblemDetails, VimAccount } from '../../../nfvo/index.js';
import { OPERATIONS } from '../../../nfvo/api/openapi.js';
import { ADMIN, TWO_DOMAINS, accountBody, bundledYaml, createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, waitOp, type Harness, type Reply } from './harness.js';

const YAML = { 'content-type': 'application/yaml' };
const JSON_TYPE = { 'content-type': 'application/json' };
const NO_TOKEN = { authorization: '' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
/** An id no record has. */
const NONE = '00000000-0000-4000-8000-000000000000';
const MESH = 'qnfv-qkd-vpn-mesh3-ns';
/** Routes that answer without a token (no 401/403 documented). */
const OPEN = new Set(['GET /health', 'POST /admin/v1/tokens']);
const TASKS = ['instantiate', 'terminate', 'scale', 'action', 'heal'];

/**
 * Authenticated operations a viewer may call (nfvo/auth/roles.ts: GETs outside
 * /admin, and own tokens by their `app.role`). A 403 there would need a role
 * below viewer, and there is none; the first tests check this list against
 * the document's "Role: viewer or above.".
 */
const VIEWER_OPS = Object.keys(OPERATIONS).filter((op) => {
  const [method, path] = op.split(' ') as [string, string];
  return !OPEN.has(op) && ((method === 'GET' && !path.startsWith('/admin/')) || (path.startsWith('/admin/v1/tokens') && method !== 'POST'));
});

// ---- the shared NFVO ---------------------------------------------------------------------

interface World {
  vnfPkgId: string;
  nsdInfoId: string;
  accounts: { a: VimAccount; b: VimAccount };
  viewer: string;
  /** An INSTANTIATED two-site NS, idle between cases. */
  live: NsInstance;
  /** Its COMPLETED instantiation. */
  liveOp: NsLcmOpOcc;
  /** An INSTANTIATED mesh3 NS (sites A and B; C optional, free). */
  mesh: NsInstance;
}

let h: Harness;
let w: World;
let callback: HttpServer;
let callbackUrl = '';
let n = 0;
/** A name no case has used. */
const uniq = (prefix: string) => `${prefix}-${++n}`;

/** A notification endpoint on loopback: GET …/ok answers 204 (the endpoint test), anything else under /fail 404. */
async function startCallback(): Promise<void> {
  callback = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = req.url?.startsWith('/fail') ? 404 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  h = await startHarness({ notifications: { retryDelaysMs: [10], timeoutMs: 200 } });
  await startCallback();
  const { vnfPkgId, nsdInfoId } = await onboardBundled(h);
  const meshText = await readFile(join(bundledPackagePaths().qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8');
  expect((await h.req('POST', '/nsd/v1/ns_descriptors_content', meshText, YAML)).status).toBe(201);
  const accounts = await registerDomains(h);
  expect((await h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-c', 'c'))).status).toBe(201);
  expect((await h.req('POST', '/admin/v1/users', { username: 'viewer1', password: 'a-long-password', role: 'viewer' })).status).toBe(201);
  const viewer = await h.login('viewer1', 'a-long-password');
  const live = await createNs(h, 'live');
  const liveOp = await instantiateAndWait(h, live.id);
  expect(liveOp.operationState).toBe('COMPLETED');
  const mesh = (await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: MESH, nsName: 'mesh' })).json;
  expect((await instantiateAndWait(h, mesh.id, TWO_DOMAINS)).operationState).toBe('COMPLETED');
  w = { vnfPkgId, nsdInfoId, accounts, viewer, live, liveOp, mesh };
});

afterAll(async () => {
  await h.close();
  callback.closeAllConnections();
  await new Promise((r) => callback.close(r));
});

// ---- helpers -----------------------------------------------------------------------------

/** POST /admin/v1/tokens from `remoteAddress` (the login throttle counts per address). */
async function login(payload: unknown, remoteAddress: string): Promise<Reply> {
  const res = await h.server.http.inject({ method: 'POST', url: '/admin/v1/tokens', payload: payload as object, remoteAddress });
  return { status: res.statusCode, json: JSON.parse(res.payload) as unknown, text: res.payload, headers: res.headers };
}

/** The bundled VNFD under a vnfd id nobody onboarded. */
async function freshVnfd(): Promise<string> {
  return (await bundledYaml()).vnfd.replaceAll('qnfv-router-vnf', uniq('case-router-vnf'));
}

/** The bundled two-site NSD under an nsd id nobody onboarded (same VNFD). */
async function freshNsd(): Promise<{ text: string; nsdId: string }> {
  const nsdId = uniq('case-vpn-ns');
  return { text: (await bundledYaml()).nsd.replaceAll('qnfv-qkd-vpn-ns', nsdId), nsdId };
}

/** An empty (CREATED) VNF package record. */
async function createdVnfPkg(): Promise<string> {
  const r = await h.req<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages', {});
  expect(r.status).toBe(201);
  return r.json.id;
}

/** An empty (CREATED) NSD record. */
async function createdNsd(): Promise<string> {
  const r = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors', {});
  expect(r.status).toBe(201);
  return r.json.id;
}

/** A fresh NOT_INSTANTIATED instance of the bundled NSD. */
const freshNs = () => createNs(h, uniq('ns'));

/** A fresh NS whose instantiation is held at dom-b's deploy; `then` runs while it is PROCESSING. */
async function processing<T>(then: (location: string) => Promise<T>): Promise<{ result: T; op: NsLcmOpOcc }> {
  const ns = await freshNs();
  const hold = h.connector.hold('vca.deploy', 'dom-b');
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/instantiate`, TWO_DOMAINS);
  expect(r.status).toBe(202);
  await hold.reached;
  const location = String(r.headers.location);
  let result: T;
  try {
    result = await then(location);
  } finally {
    hold.release();
  }
  return { result, op: await waitOp(h, location) };
}

/** A FAILED_TEMP instantiation: cancelled while PROCESSING (it stops at its next stage). */
async function failedTemp(): Promise<NsLcmOpOcc> {
  const { op } = await processing((location) => h.req('POST', `${location}/cancel`));
  expect(op.operationState).toBe('FAILED_TEMP');
  return op;
}

/** A 202 task answer, then its operation waited for (no case leaves an operation running). */
async function started(r: Reply, final = 'COMPLETED'): Promise<Reply> {
  if (r.status === 202) expect((await waitOp(h, String(r.headers.location))).operationState).toBe(final);
  return r;
}

/** A subscription of the loopback callback that matches no NS (no notifications). */
async function subscription(): Promise<string> {
  const r = await h.req<{ id: string }>('POST', '/nslcm/v1/subscriptions', { callbackUri: `${callbackUrl}/ok`, filter: { nsInstanceSubscriptionFilter: { nsInstanceIds: [NONE] } } });
  expect(r.status).toBe(201);
  return r.json.id;
}

const BAD_FILTER = '?filter=(eq,nsState';

// ---- the table: 'METHOD /path STATUS' → how to get that answer ---------------------------

type Trigger = () => Promise<Reply>;

const CASES: Record<string, Trigger> = {
  'GET /health 200': () => h.req('GET', '/health', undefined, NO_TOKEN),
  'GET /openapi.json 200': () => h.req('GET', '/openapi.json'),

  // Tokens and users.
  'POST /admin/v1/tokens 200': () => login(ADMIN, '192.0.2.50'),
  'POST /admin/v1/tokens 400': () => login({ user: ADMIN.username }, '192.0.2.50'),
  'POST /admin/v1/tokens 401': () => login({ username: ADMIN.username, password: 'wrong-password' }, '192.0.2.51'),
  'POST /admin/v1/tokens 429': async () => {
    // The default throttle: a few wrong passwords for one username + address lock it out.
    let r = await login({ username: 'ghost', password: 'wrong-password' }, '192.0.2.52');
    for (let i = 0; i < 25 && r.status === 401; i++) r = await login({ username: 'ghost', password: 'wrong-password' }, '192.0.2.52');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    return r;
  },
  'GET /admin/v1/tokens 200': () => h.req('GET', '/admin/v1/tokens'),
  'DELETE /admin/v1/tokens 204': async () => h.req('DELETE', '/admin/v1/tokens', undefined, bearer(await h.login(ADMIN.username, ADMIN.password))),
  'DELETE /admin/v1/tokens/{id} 204': async () => h.req('DELETE', `/admin/v1/tokens/${await h.login(ADMIN.username, ADMIN.password)}`),
  'DELETE /admin/v1/tokens/{id} 404': () => h.req('DELETE', `/admin/v1/tokens/${NONE}`),
  'POST /admin/v1/users 201': () => h.req('POST', '/admin/v1/users', { username: uniq('op'), password: 'a-long-password', role: 'operator' }),
  'POST /admin/v1/users 400': () => h.req('POST', '/admin/v1/users', { username: 'x y', password: 'short', role: 'root' }),
  'POST /admin/v1/users 409': () => h.req('POST', '/admin/v1/users', { username: ADMIN.username, password: 'a-long-password', role: 'viewer' }),
  'GET /admin/v1/users 200': () => h.req('GET', '/admin/v1/users'),
  'GET /admin/v1/users/{id} 200': () => h.req('GET', `/admin/v1/users/${ADMIN.username}`),
  'GET /admin/v1/users/{id} 404': () => h.req('GET', '/admin/v1/users/nobody'),
  'DELETE /admin/v1/users/{id} 204': async () => {
    const username = uniq('gone');
    expect((await h.req('POST', '/admin/v1/users', { username, password: 'a-long-password', role: 'viewer' })).status).toBe(201);
    return h.req('DELETE', `/admin/v1/users/${username}`);
  },
  'DELETE /admin/v1/users/{id} 404': () => h.req('DELETE', '/admin/v1/users/nobody'),
  'DELETE /admin/v1/users/{id} 409': () => h.req('DELETE', `/admin/v1/users/${ADMIN.username}`),

  // Domains.
  'POST /admin/v1/vim_accounts 201': () => h.req('POST', '/admin/v1/vim_accounts', accountBody(uniq('dom'), 'd')),
  'POST /admin/v1/vim_accounts 400': () => h.req('POST', '/admin/v1/vim_accounts', { name: 'x' }),
  'POST /admin/v1/vim_accounts 409': () => h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-a', 'e')),
  'GET /admin/v1/vim_accounts 200': () => h.req('GET', '/admin/v1/vim_accounts'),
  'GET /admin/v1/vim_accounts 400': () => h.req('GET', `/admin/v1/vim_accounts${BAD_FILTER}`),
  'GET /admin/v1/vim_accounts/{id} 200': () => h.req('GET', `/admin/v1/vim_accounts/${w.accounts.a.id}`),
  'GET /admin/v1/vim_accounts/{id} 404': () => h.req('GET', `/admin/v1/vim_accounts/${NONE}`),
  'DELETE /admin/v1/vim_accounts/{id} 204': async () => {
    const spare = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody(uniq('spare'), 'f'));
    return h.req('DELETE', `/admin/v1/vim_accounts/${spare.json.id}`);
  },
  'DELETE /admin/v1/vim_accounts/{id} 404': () => h.req('DELETE', `/admin/v1/vim_accounts/${NONE}`),
  'DELETE /admin/v1/vim_accounts/{id} 409': () => h.req('DELETE', `/admin/v1/vim_accounts/${w.accounts.a.id}`),

  // VNF packages.
  'POST /vnfpkgm/v1/vnf_packages 201': () => h.req('POST', '/vnfpkgm/v1/vnf_packages', { userDefinedData: { case: 'x' } }),
  'GET /vnfpkgm/v1/vnf_packages 200': () => h.req('GET', '/vnfpkgm/v1/vnf_packages'),
  'GET /vnfpkgm/v1/vnf_packages 400': () => h.req('GET', `/vnfpkgm/v1/vnf_packages${BAD_FILTER}`),
  'GET /vnfpkgm/v1/vnf_packages/{id} 200': () => h.req('GET', `/vnfpkgm/v1/vnf_packages/${w.vnfPkgId}`),
  'GET /vnfpkgm/v1/vnf_packages/{id} 404': () => h.req('GET', `/vnfpkgm/v1/vnf_packages/${NONE}`),
  'PATCH /vnfpkgm/v1/vnf_packages/{id} 200': () => h.req('PATCH', `/vnfpkgm/v1/vnf_packages/${w.vnfPkgId}`, { userDefinedData: { case: 'patched' } }),
  'PATCH /vnfpkgm/v1/vnf_packages/{id} 400': () => h.req('PATCH', `/vnfpkgm/v1/vnf_packages/${w.vnfPkgId}`, { operationalState: 'OFF' }),
  'PATCH /vnfpkgm/v1/vnf_packages/{id} 404': () => h.req('PATCH', `/vnfpkgm/v1/vnf_packages/${NONE}`, { operationalState: 'ENABLED' }),
  'PATCH /vnfpkgm/v1/vnf_packages/{id} 409': async () => h.req('PATCH', `/vnfpkgm/v1/vnf_packages/${await createdVnfPkg()}`, { operationalState: 'ENABLED' }),
  'DELETE /vnfpkgm/v1/vnf_packages/{id} 204': async () => h.req('DELETE', `/vnfpkgm/v1/vnf_packages/${await createdVnfPkg()}`),
  'DELETE /vnfpkgm/v1/vnf_packages/{id} 404': () => h.req('DELETE', `/vnfpkgm/v1/vnf_packages/${NONE}`),
  'DELETE /vnfpkgm/v1/vnf_packages/{id} 409': () => h.req('DELETE', `/vnfpkgm/v1/vnf_packages/${w.vnfPkgId}`),
  'PUT /vnfpkgm/v1/vnf_packages/{id}/package_content 202': async () => h.req('PUT', `/vnfpkgm/v1/vnf_packages/${await createdVnfPkg()}/package_content`, await freshVnfd(), YAML),
  'PUT /vnfpkgm/v1/vnf_packages/{id}/package_content 404': async () => h.req('PUT', `/vnfpkgm/v1/vnf_packages/${NONE}/package_content`, await freshVnfd(), YAML),
  'PUT /vnfpkgm/v1/vnf_packages/{id}/package_content 409': async () => h.req('PUT', `/vnfpkgm/v1/vnf_packages/${w.vnfPkgId}/package_content`, await freshVnfd(), YAML),
  'PUT /vnfpkgm/v1/vnf_packages/{id}/package_content 415': async () => h.req('PUT', `/vnfpkgm/v1/vnf_packages/${await createdVnfPkg()}/package_content`, { vnfd: {} }, JSON_TYPE),
  'PUT /vnfpkgm/v1/vnf_packages/{id}/package_content 422': async () =>
    h.req('PUT', `/vnfpkgm/v1/vnf_packages/${await createdVnfPkg()}/package_content`, (await freshVnfd()).replace('  mgmt-cp: mgmt-ext', '  mgmt-cp: no-such-cp'), YAML),
  'POST /vnfpkgm/v1/vnf_packages_content 201': async () => h.req('POST', '/vnfpkgm/v1/vnf_packages_content', await freshVnfd(), YAML),
  'POST /vnfpkgm/v1/vnf_packages_content 409': async () => h.req('POST', '/vnfpkgm/v1/vnf_packages_content', (await bundledYaml()).vnfd, YAML),
  'POST /vnfpkgm/v1/vnf_packages_content 415': () => h.req('POST', '/vnfpkgm/v1/vnf_packages_content', { vnfd: {} }, JSON_TYPE),
  'POST /vnfpkgm/v1/vnf_packages_content 422': () => h.req('POST', '/vnfpkgm/v1/vnf_packages_content', 'vnfd:\n  id: x\n   bad: [', YAML),
  'GET /vnfpkgm/v1/vnf_packages/{id}/vnfd 200': () => h.req('GET', `/vnfpkgm/v1/vnf_packages/${w.vnfPkgId}/vnfd`),
  'GET /vnfpkgm/v1/vnf_packages/{id}/vnfd 404': () => h.req('GET', `/vnfpkgm/v1/vnf_packages/${NONE}/vnfd`),

  // NS descriptors.
  'POST /nsd/v1/ns_descriptors 201': () => h.req('POST', '/nsd/v1/ns_descriptors', {}),
  'GET /nsd/v1/ns_descriptors 200': () => h.req('GET', '/nsd/v1/ns_descriptors'),
  'GET /nsd/v1/ns_descriptors 400': () => h.req('GET', `/nsd/v1/ns_descriptors${BAD_FILTER}`),
  'GET /nsd/v1/ns_descriptors/{id} 200': () => h.req('GET', `/nsd/v1/ns_descriptors/${w.nsdInfoId}`),
  'GET /nsd/v1/ns_descriptors/{id} 404': () => h.req('GET', `/nsd/v1/ns_descriptors/${NONE}`),
  'PATCH /nsd/v1/ns_descriptors/{id} 200': () => h.req('PATCH', `/nsd/v1/ns_descriptors/${w.nsdInfoId}`, { userDefinedData: { case: 'patched' } }),
  'PATCH /nsd/v1/ns_descriptors/{id} 400': () => h.req('PATCH', `/nsd/v1/ns_descriptors/${w.nsdInfoId}`, {}),
  'PATCH /nsd/v1/ns_descriptors/{id} 404': () => h.req('PATCH', `/nsd/v1/ns_descriptors/${NONE}`, { nsdOperationalState: 'DISABLED' }),
  'PATCH /nsd/v1/ns_descriptors/{id} 409': () => h.req('PATCH', `/nsd/v1/ns_descriptors/${w.nsdInfoId}`, { nsdOperationalState: 'ENABLED' }),
  'DELETE /nsd/v1/ns_descriptors/{id} 204': async () => h.req('DELETE', `/nsd/v1/ns_descriptors/${await createdNsd()}`),
  'DELETE /nsd/v1/ns_descriptors/{id} 404': () => h.req('DELETE', `/nsd/v1/ns_descriptors/${NONE}`),
  'DELETE /nsd/v1/ns_descriptors/{id} 409': () => h.req('DELETE', `/nsd/v1/ns_descriptors/${w.nsdInfoId}`),
  'PUT /nsd/v1/ns_descriptors/{id}/nsd_content 204': async () => h.req('PUT', `/nsd/v1/ns_descriptors/${await createdNsd()}/nsd_content`, (await freshNsd()).text, YAML),
  'PUT /nsd/v1/ns_descriptors/{id}/nsd_content 404': async () => h.req('PUT', `/nsd/v1/ns_descriptors/${NONE}/nsd_content`, (await freshNsd()).text, YAML),
  'PUT /nsd/v1/ns_descriptors/{id}/nsd_content 409': async () => h.req('PUT', `/nsd/v1/ns_descriptors/${w.nsdInfoId}/nsd_content`, (await freshNsd()).text, YAML),
  'PUT /nsd/v1/ns_descriptors/{id}/nsd_content 415': async () => h.req('PUT', `/nsd/v1/ns_descriptors/${await createdNsd()}/nsd_content`, { nsd: {} }, JSON_TYPE),
  'PUT /nsd/v1/ns_descriptors/{id}/nsd_content 422': async () =>
    h.req('PUT', `/nsd/v1/ns_descriptors/${await createdNsd()}/nsd_content`, (await freshNsd()).text.replace('      virtual-link-desc: wan', '      virtual-link-desc: no-such-link'), YAML),
  'GET /nsd/v1/ns_descriptors/{id}/nsd_content 200': () => h.req('GET', `/nsd/v1/ns_descriptors/${w.nsdInfoId}/nsd_content`),
  'GET /nsd/v1/ns_descriptors/{id}/nsd_content 404': () => h.req('GET', `/nsd/v1/ns_descriptors/${NONE}/nsd_content`),
  'POST /nsd/v1/ns_descriptors_content 201': async () => h.req('POST', '/nsd/v1/ns_descriptors_content', (await freshNsd()).text, YAML),
  'POST /nsd/v1/ns_descriptors_content 409': async () => h.req('POST', '/nsd/v1/ns_descriptors_content', (await bundledYaml()).nsd, YAML),
  'POST /nsd/v1/ns_descriptors_content 415': () => h.req('POST', '/nsd/v1/ns_descriptors_content', { nsd: {} }, JSON_TYPE),
  'POST /nsd/v1/ns_descriptors_content 422': async () => h.req('POST', '/nsd/v1/ns_descriptors_content', (await freshNsd()).text.replaceAll('qnfv-router-vnf', 'no-such-vnf'), YAML),

  // NS instances.
  'POST /nslcm/v1/ns_instances 201': () => h.req('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: uniq('ns') }),
  'POST /nslcm/v1/ns_instances 400': () => h.req('POST', '/nslcm/v1/ns_instances', { nsdId: 'no-such-nsd', nsName: 'x' }),
  'POST /nslcm/v1/ns_instances 409': async () => {
    const { text, nsdId } = await freshNsd();
    const onboarded = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', text, YAML);
    expect((await h.req('PATCH', `/nsd/v1/ns_descriptors/${onboarded.json.id}`, { nsdOperationalState: 'DISABLED' })).status).toBe(200);
    return h.req('POST', '/nslcm/v1/ns_instances', { nsdId, nsName: 'x' });
  },
  'GET /nslcm/v1/ns_instances 200': () => h.req('GET', '/nslcm/v1/ns_instances'),
  'GET /nslcm/v1/ns_instances 400': () => h.req('GET', `/nslcm/v1/ns_instances${BAD_FILTER}`),
  'GET /nslcm/v1/ns_instances/{id} 200': () => h.req('GET', `/nslcm/v1/ns_instances/${w.live.id}`),
  'GET /nslcm/v1/ns_instances/{id} 404': () => h.req('GET', `/nslcm/v1/ns_instances/${NONE}`),
  'DELETE /nslcm/v1/ns_instances/{id} 204': async () => h.req('DELETE', `/nslcm/v1/ns_instances/${(await freshNs()).id}`),
  'DELETE /nslcm/v1/ns_instances/{id} 404': () => h.req('DELETE', `/nslcm/v1/ns_instances/${NONE}`),
  'DELETE /nslcm/v1/ns_instances/{id} 409': () => h.req('DELETE', `/nslcm/v1/ns_instances/${w.live.id}`),

  'POST /nslcm/v1/ns_instances/{id}/instantiate 202': async () => started(await h.req('POST', `/nslcm/v1/ns_instances/${(await freshNs()).id}/instantiate`, TWO_DOMAINS)),
  'POST /nslcm/v1/ns_instances/{id}/instantiate 400': async () => h.req('POST', `/nslcm/v1/ns_instances/${(await freshNs()).id}/instantiate`, {}),
  'POST /nslcm/v1/ns_instances/{id}/instantiate 404': () => h.req('POST', `/nslcm/v1/ns_instances/${NONE}/instantiate`, TWO_DOMAINS),
  'POST /nslcm/v1/ns_instances/{id}/instantiate 409': () => h.req('POST', `/nslcm/v1/ns_instances/${w.live.id}/instantiate`, TWO_DOMAINS),
  'POST /nslcm/v1/ns_instances/{id}/terminate 202': async () => {
    const ns = await freshNs();
    expect((await instantiateAndWait(h, ns.id)).operationState).toBe('COMPLETED');
    return started(await h.req('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {}));
  },
  'POST /nslcm/v1/ns_instances/{id}/terminate 404': () => h.req('POST', `/nslcm/v1/ns_instances/${NONE}/terminate`, {}),
  'POST /nslcm/v1/ns_instances/{id}/terminate 409': async () => h.req('POST', `/nslcm/v1/ns_instances/${(await freshNs()).id}/terminate`, {}),
  'POST /nslcm/v1/ns_instances/{id}/scale 202': async () =>
    started(
      await h.req('POST', `/nslcm/v1/ns_instances/${w.mesh.id}/scale`, {
        scaleType: 'SCALE_NS',
        scaleNsData: { vnfInstanceToBeAdded: [{ vnfProfileId: 'site-c' }], locationConstraints: [{ vnfProfileId: 'site-c', locationConstraints: { vimId: 'dom-c' } }] },
      }),
    ),
  'POST /nslcm/v1/ns_instances/{id}/scale 400': () => h.req('POST', `/nslcm/v1/ns_instances/${w.mesh.id}/scale`, { scaleType: 'SCALE_VNF' }),
  'POST /nslcm/v1/ns_instances/{id}/scale 404': () => h.req('POST', `/nslcm/v1/ns_instances/${NONE}/scale`, { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: ['site-b'] } }),
  'POST /nslcm/v1/ns_instances/{id}/scale 409': async () => h.req('POST', `/nslcm/v1/ns_instances/${(await freshNs()).id}/scale`, { scaleType: 'SCALE_NS', scaleNsData: { vnfInstanceToBeRemoved: ['site-b'] } }),
  'POST /nslcm/v1/ns_instances/{id}/action 202': async () => started(await h.req('POST', `/nslcm/v1/ns_instances/${w.live.id}/action`, { primitive: 'show-ipsec', member_vnf_index: 'site-a' })),
  'POST /nslcm/v1/ns_instances/{id}/action 400': () => h.req('POST', `/nslcm/v1/ns_instances/${w.live.id}/action`, { primitive: 'reboot', member_vnf_index: 'site-a' }),
  'POST /nslcm/v1/ns_instances/{id}/action 404': () => h.req('POST', `/nslcm/v1/ns_instances/${NONE}/action`, { primitive: 'rekey' }),
  'POST /nslcm/v1/ns_instances/{id}/action 409': async () => h.req('POST', `/nslcm/v1/ns_instances/${(await freshNs()).id}/action`, { primitive: 'rekey' }),
  'POST /nslcm/v1/ns_instances/{id}/heal 202': async () => started(await h.req('POST', `/nslcm/v1/ns_instances/${w.live.id}/heal`, {})),
  'POST /nslcm/v1/ns_instances/{id}/heal 400': () => h.req('POST', `/nslcm/v1/ns_instances/${w.live.id}/heal`, { healVnfData: [{ vnfInstanceId: 'site-z' }] }),
  'POST /nslcm/v1/ns_instances/{id}/heal 404': () => h.req('POST', `/nslcm/v1/ns_instances/${NONE}/heal`, {}),
  'POST /nslcm/v1/ns_instances/{id}/heal 409': async () => h.req('POST', `/nslcm/v1/ns_instances/${(await freshNs()).id}/heal`, {}),

  // LCM operation occurrences.
  'GET /nslcm/v1/ns_lcm_op_occs 200': () => h.req('GET', `/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${w.live.id}`),
  'GET /nslcm/v1/ns_lcm_op_occs 400': () => h.req('GET', `/nslcm/v1/ns_lcm_op_occs${BAD_FILTER}`),
  'GET /nslcm/v1/ns_lcm_op_occs/{id} 200': () => h.req('GET', `/nslcm/v1/ns_lcm_op_occs/${w.liveOp.id}`),
  'GET /nslcm/v1/ns_lcm_op_occs/{id} 404': () => h.req('GET', `/nslcm/v1/ns_lcm_op_occs/${NONE}`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/retry 202': async () => started(await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${(await failedTemp()).id}/retry`)),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/retry 404': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${NONE}/retry`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/retry 409': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${w.liveOp.id}/retry`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/rollback 202': async () => started(await h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${(await failedTemp()).id}/rollback`), 'ROLLED_BACK'),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/rollback 404': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${NONE}/rollback`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/rollback 409': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${w.liveOp.id}/rollback`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/fail 200': async () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${(await failedTemp()).id}/fail`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/fail 404': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${NONE}/fail`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/fail 409': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${w.liveOp.id}/fail`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/cancel 202': async () => (await processing((location) => h.req('POST', `${location}/cancel`))).result,
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/cancel 404': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${NONE}/cancel`),
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/cancel 409': () => h.req('POST', `/nslcm/v1/ns_lcm_op_occs/${w.liveOp.id}/cancel`),

  // Subscriptions.
  'POST /nslcm/v1/subscriptions 201': () => h.req('POST', '/nslcm/v1/subscriptions', { callbackUri: `${callbackUrl}/ok`, filter: { nsInstanceSubscriptionFilter: { nsInstanceIds: [NONE] } } }),
  'POST /nslcm/v1/subscriptions 400': () => h.req('POST', '/nslcm/v1/subscriptions', { callbackUri: `${callbackUrl}/fail` }),
  'GET /nslcm/v1/subscriptions 200': () => h.req('GET', '/nslcm/v1/subscriptions'),
  'GET /nslcm/v1/subscriptions 400': () => h.req('GET', `/nslcm/v1/subscriptions${BAD_FILTER}`),
  'GET /nslcm/v1/subscriptions/{id} 200': async () => h.req('GET', `/nslcm/v1/subscriptions/${await subscription()}`),
  'GET /nslcm/v1/subscriptions/{id} 404': () => h.req('GET', `/nslcm/v1/subscriptions/${NONE}`),
  'DELETE /nslcm/v1/subscriptions/{id} 204': async () => h.req('DELETE', `/nslcm/v1/subscriptions/${await subscription()}`),
  'DELETE /nslcm/v1/subscriptions/{id} 404': () => h.req('DELETE', `/nslcm/v1/subscriptions/${NONE}`),
};

/** The operation with its path parameters filled with an id no record has. */
const concrete = (op: string): [string, string] => {
  const [method, path] = op.split(' ') as [string, string];
  return [method, path.replace(/\{[^}]+\}/g, NONE)];
};
/** A body for any method (hapi authenticates before it reads one). */
const someBody = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});

// Methods other than POST on the task resources: 405 with Allow: POST.
for (const task of TASKS) {
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    CASES[`${method} /nslcm/v1/ns_instances/{id}/${task} 405`] = async () => {
      const r = await h.req(method, `/nslcm/v1/ns_instances/${w.live.id}/${task}`, someBody(method));
      expect(r.headers.allow).toBe('POST');
      return r;
    };
  }
}

for (const op of Object.keys(OPERATIONS).filter((o) => !OPEN.has(o))) {
  const [method, url] = concrete(op);
  CASES[`${op} 401`] = () => h.req(method, url, someBody(method), NO_TOKEN);
  if (!VIEWER_OPS.includes(op)) CASES[`${op} 403`] = () => h.req(method, url, someBody(method), bearer(w.viewer));
}

// ---- the tests ---------------------------------------------------------------------------

interface Doc {
  paths: Record<string, Record<string, { description?: string; security: unknown[]; responses: Record<string, unknown> }>>;
}

const split = (key: string): [string, number] => {
  const i = key.lastIndexOf(' ');
  return [key.slice(0, i), Number(key.slice(i + 1))];
};

describe('every documented (operation, status) has a case', () => {
  let doc: Doc;
  beforeAll(async () => {
    doc = (await h.req<Doc>('GET', '/openapi.json')).json;
  });

  it('the table holds exactly the pairs GET /openapi.json documents', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).flatMap(([m, op]) => Object.keys(op.responses).map((code) => `${m.toUpperCase()} ${path} ${code}`)));
    expect(Object.keys(CASES).sort()).toEqual(documented.sort());
  });

  it('the open routes and the viewer routes are the ones the document says', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const key = `${m.toUpperCase()} ${path}`;
        expect([key, op.security.length === 0]).toEqual([key, OPEN.has(key)]);
        expect([key, op.description === 'Role: viewer or above.']).toEqual([key, VIEWER_OPS.includes(key)]);
      }
    }
  });
});

describe('each documented answer, triggered', () => {
  for (const [key, trigger] of Object.entries(CASES)) {
    const [op, status] = split(key);
    it(`${op} → ${status}`, async () => {
      const r = await trigger();
      expect([key, r.status, r.status === status ? '' : r.text]).toEqual([key, status, '']);
      if (status >= 400) {
        expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect((r.json as ProblemDetails).status).toBe(status);
        expect((r.json as ProblemDetails).detail.length).toBeGreaterThan(0);
      }
    });
  }
});
