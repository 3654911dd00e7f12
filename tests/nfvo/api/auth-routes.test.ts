/**
 * NBI security (nfvo/auth, nfvo/api/auth-routes.ts): login and tokens,
 * revocation, expiry, users and roles, and a sweep of every route in the
 * server's table without a token (401) and with a viewer token (403 where
 * the route needs more). Login throttling (429 with Retry-After) on a fake
 * clock. Also the `/osm` path alias.
 */
import type { ProblemDetails, IssuedToken, User } from '../../../nfvo/index.js';
import { jest } from '@jest/globals';
import { addLogSink, type LogRecord } from '../../../common/index.js';
import { ADMIN, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const NO_TOKEN = { authorization: '' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function addUser(username: string, role: string, password = 'a-long-password'): Promise<string> {
  const r = await h.req<User>('POST', '/admin/v1/users', { username, password, role });
  expect(r.status).toBe(201);
  return h.login(username, password);
}

describe('tokens', () => {
  it('POST /admin/v1/tokens issues a token with OSM fields; wrong credentials get one 401 message', async () => {
    const r = await h.req<IssuedToken>('POST', '/admin/v1/tokens', { username: ADMIN.username, password: ADMIN.password, project_id: 'admin' }, NO_TOKEN);
    expect(r.status).toBe(200);
    expect(r.json.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.json._id).toBe(r.json.id);
    expect(r.json).toMatchObject({ username: 'admin', role: 'admin', admin: true });
    expect(r.json.expires - r.json.issued_at).toBe(3600);
    const wrongPw = await h.req<ProblemDetails>('POST', '/admin/v1/tokens', { username: 'admin', password: 'nope' }, NO_TOKEN);
    const noUser = await h.req<ProblemDetails>('POST', '/admin/v1/tokens', { username: 'ghost', password: 'nope' }, NO_TOKEN);
    expect([wrongPw.status, noUser.status]).toEqual([401, 401]);
    expect(wrongPw.json.detail).toBe(noUser.json.detail);
    const bad = await h.req<ProblemDetails>('POST', '/admin/v1/tokens', { user: 'admin' }, NO_TOKEN);
    expect(bad.status).toBe(400);
    expect(bad.json.problems!.map((p) => p.message).join()).toContain('username');
  });

  it('the store holds no password and no bearer value', async () => {
    const users = JSON.stringify(await h.server.store.collection('users').list());
    const tokens = JSON.stringify(await h.server.store.collection('tokens').list());
    expect(users).not.toContain(ADMIN.password);
    expect(users).toContain('scrypt$');
    expect(tokens).not.toContain(h.token);
  });

  it('a missing, malformed or unknown token is 401 with WWW-Authenticate: Bearer', async () => {
    for (const headers of [NO_TOKEN, { authorization: 'Basic YWRtaW46eA==' }, bearer('not-a-real-token')]) {
      const r = await h.req<ProblemDetails>('GET', '/nslcm/v1/ns_instances', undefined, headers);
      expect(r.status).toBe(401);
      expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer/);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json.detail.length).toBeGreaterThan(10);
    }
  });

  it('revoking: DELETE /admin/v1/tokens (own, current) and /admin/v1/tokens/{id}; the token stops working at once', async () => {
    const t1 = await h.login(ADMIN.username, ADMIN.password);
    expect((await h.req('GET', '/nsd/v1/ns_descriptors', undefined, bearer(t1))).status).toBe(200);
    expect((await h.req('DELETE', '/admin/v1/tokens', undefined, bearer(t1))).status).toBe(204);
    expect((await h.req('GET', '/nsd/v1/ns_descriptors', undefined, bearer(t1))).status).toBe(401);

    const viewer = await addUser('v1', 'viewer');
    const list = await h.req<{ tokenId: string; username: string }[]>('GET', '/admin/v1/tokens', undefined, bearer(viewer));
    expect(list.json.map((t) => t.username)).toEqual(['v1']);
    expect(JSON.stringify(list.json)).not.toContain(viewer);
    const adminsToken = (await h.req<{ tokenId: string; username: string }[]>('GET', '/admin/v1/tokens')).json.find((t) => t.username === 'admin')!;
    // A viewer cannot revoke someone else's token (404: it does not see it) ...
    expect((await h.req('DELETE', `/admin/v1/tokens/${adminsToken.tokenId}`, undefined, bearer(viewer))).status).toBe(404);
    // ... an admin can revoke anyone's, by tokenId or by the bearer value (OSM).
    expect((await h.req('DELETE', `/admin/v1/tokens/${list.json[0]!.tokenId}`)).status).toBe(204);
    expect((await h.req('GET', '/nsd/v1/ns_descriptors', undefined, bearer(viewer))).status).toBe(401);
    const t2 = await h.login(ADMIN.username, ADMIN.password);
    expect((await h.req('DELETE', `/admin/v1/tokens/${t2}`)).status).toBe(204);
    expect((await h.req('GET', '/nsd/v1/ns_descriptors', undefined, bearer(t2))).status).toBe(401);
  });

  it('tokens expire', async () => {
    const short = await startHarness();
    await short.close();
    const { NfvoServer } = await import('../../../nfvo/index.js');
    const { FakeDomainConnector } = await import('../lcm/fake-domain-connector.js');
    const s = new NfvoServer({ dataDir: short.dataDir, installationId: 'x', connector: new FakeDomainConnector(), tokenTtlS: 1, bootstrapAdmin: ADMIN });
    await s.auth.bootstrapAdmin(ADMIN.username, ADMIN.password);
    const t = (await s.auth.login(ADMIN.username, ADMIN.password))!.id;
    expect((await s.http.inject({ method: 'GET', url: '/nsd/v1/ns_descriptors', headers: bearer(t) })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await s.http.inject({ method: 'GET', url: '/nsd/v1/ns_descriptors', headers: bearer(t) })).statusCode).toBe(401);
    await s.stop();
  });
});

describe('login throttling', () => {
  const clock = { t: 1_700_000_000_000 };
  let t: Harness;
  let logs: LogRecord[];
  let removeSink: () => void;
  beforeEach(async () => {
    t = await startHarness({ loginThrottle: { maxFailures: 3, maxFailuresPerAddress: 5, windowS: 60, lockoutS: 120, clock: () => clock.t } });
    logs = [];
    removeSink = addLogSink((r) => logs.push(r));
  });
  afterEach(async () => {
    removeSink();
    await t.close();
  });

  /** POST /admin/v1/tokens from `address` (server.inject's remoteAddress). */
  const login = async (username: string, password: string, address = '192.0.2.1') => {
    const res = await t.server.http.inject({ method: 'POST', url: '/admin/v1/tokens', payload: { username, password }, remoteAddress: address });
    return { status: res.statusCode, headers: res.headers, json: JSON.parse(res.payload) as ProblemDetails & IssuedToken };
  };

  it('after maxFailures wrong passwords: 429 ProblemDetails with Retry-After, even for the right password, without checking it', async () => {
    for (let i = 0; i < 3; i++) expect((await login(ADMIN.username, 'wrong-password')).status).toBe(401);
    const check = jest.spyOn(t.server.auth as unknown as { checkPassword: () => Promise<unknown> }, 'checkPassword');
    const r = await login(ADMIN.username, ADMIN.password);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('120');
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json).toMatchObject({ status: 429, title: 'Too Many Requests', instance: '/admin/v1/tokens' });
    expect(r.json.detail).toBe(`too many failed logins for this user from this address; try again in 120 s (after ${new Date(clock.t + 120_000).toISOString()})`);
    expect(check).not.toHaveBeenCalled();
    // The lockout runs out: the right password works again.
    clock.t += 120_000;
    expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
  });

  it('a success resets the username + address counter', async () => {
    await login(ADMIN.username, 'wrong-password');
    await login(ADMIN.username, 'wrong-password');
    expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
    await login(ADMIN.username, 'wrong-password');
    await login(ADMIN.username, 'wrong-password');
    expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
  });

  it('another address is not locked by the username + address counter', async () => {
    for (let i = 0; i < 3; i++) await login(ADMIN.username, 'wrong-password', '192.0.2.66');
    expect((await login(ADMIN.username, ADMIN.password, '192.0.2.66')).status).toBe(429);
    expect((await login(ADMIN.username, ADMIN.password, '2001:db8::7')).status).toBe(200);
  });

  it('unknown usernames are throttled alike, with the same answers as a known one', async () => {
    const known: number[] = [];
    const ghost: number[] = [];
    for (let i = 0; i < 4; i++) known.push((await login(ADMIN.username, 'wrong-password', '192.0.2.10')).status);
    for (let i = 0; i < 4; i++) ghost.push((await login('ghost', 'wrong-password', '192.0.2.11')).status);
    expect(ghost).toEqual(known);
    expect(ghost).toEqual([401, 401, 401, 429]);
    const a = await login(ADMIN.username, 'x', '192.0.2.10');
    const b = await login('ghost', 'x', '192.0.2.11');
    expect(b.json.detail).toBe(a.json.detail);
    expect(b.headers['retry-after']).toBe(a.headers['retry-after']);
  });

  it('the per-address cap locks every username from that address', async () => {
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) expect((await login(u, 'wrong-password')).status).toBe(401);
    const r = await login(ADMIN.username, ADMIN.password);
    expect(r.status).toBe(429);
    expect(r.json.detail).toMatch(/^too many failed logins from this address; try again in 120 s/);
    expect((await login(ADMIN.username, ADMIN.password, '192.0.2.2')).status).toBe(200);
  });

  it('logs failures and lockouts with username and address, never the password', async () => {
    for (let i = 0; i < 4; i++) await login('mallory', 'Secret-Guess-42');
    const auth = logs.filter((r) => r.component.endsWith('auth'));
    expect(auth.filter((r) => r.msg.startsWith('login failed'))).toHaveLength(3);
    expect(auth.find((r) => r.msg.startsWith('login locked out'))).toMatchObject({ level: 'warn', username: 'mallory', address: '192.0.2.1', scope: 'username+address', lockoutS: 120 });
    expect(auth.find((r) => r.msg.startsWith('login refused'))).toMatchObject({ username: 'mallory', address: '192.0.2.1', retryAfterS: 120 });
    expect(JSON.stringify(logs)).not.toContain('Secret-Guess-42');
  });
});

describe('users and roles', () => {
  it('admins manage users; the password never comes back; deleting a user revokes their tokens; the last admin stays', async () => {
    const op = await addUser('op1', 'operator');
    const users = await h.req<User[]>('GET', '/admin/v1/users');
    expect(users.json.map((u) => `${u.username}:${u.role}`)).toEqual(['admin:admin', 'op1:operator']);
    expect(JSON.stringify(users.json)).not.toMatch(/password|scrypt/i);
    const dup = await h.req<ProblemDetails>('POST', '/admin/v1/users', { username: 'op1', password: 'another-password', role: 'viewer' });
    expect(dup.status).toBe(409);
    const bad = await h.req<ProblemDetails>('POST', '/admin/v1/users', { username: 'x y', password: 'short', role: 'root' });
    expect(bad.status).toBe(400);
    expect(bad.json.problems!.map((p) => p.path)).toEqual(expect.arrayContaining(['UserRequest.password', 'UserRequest.role']));
    expect((await h.req('DELETE', '/admin/v1/users/op1')).status).toBe(204);
    expect((await h.req('GET', '/nsd/v1/ns_descriptors', undefined, bearer(op))).status).toBe(401);
    const last = await h.req<ProblemDetails>('DELETE', '/admin/v1/users/admin');
    expect(last.status).toBe(409);
    expect(last.json.detail).toContain('last admin');
  });

  it('an operator runs the catalog and LCM but not the domain registry; a viewer only reads', async () => {
    const op = await addUser('op1', 'operator');
    const viewer = await addUser('v1', 'viewer');
    expect((await h.req('POST', '/nslcm/v1/ns_instances', { nsdId: 'none', nsName: 'x' }, bearer(op))).status).toBe(400);
    const forbidden = await h.req<ProblemDetails>('POST', '/admin/v1/vim_accounts', {}, bearer(op));
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.detail).toBe("POST /admin/v1/vim_accounts needs the 'admin' role; user 'op1' has 'operator'");
    expect((await h.req('GET', '/nslcm/v1/ns_instances', undefined, bearer(viewer))).status).toBe(200);
    expect((await h.req('POST', '/nslcm/v1/ns_instances', { nsdId: 'none', nsName: 'x' }, bearer(viewer))).status).toBe(403);
  });
});

describe('every route', () => {
  /** Every route with a concrete path ({params} filled with a dummy id). */
  const routes = () =>
    h.server.http
      .table()
      .map((r) => ({ method: r.method.toUpperCase(), path: r.path, url: r.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'), auth: (r.settings.auth as unknown) !== false }))
      .filter((r) => r.method !== '*');

  it('needs a token, except health and login', async () => {
    const open: string[] = [];
    for (const r of routes()) {
      const res = await h.req('GET' === r.method ? 'GET' : r.method, r.url, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}, NO_TOKEN);
      if (res.status !== 401) open.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(open.sort()).toEqual(['GET /health → 200', 'POST /admin/v1/tokens → 400']);
    expect(routes().length).toBeGreaterThan(30);
  });

  it('with a viewer token: every write and every /admin route except own tokens is 403', async () => {
    const viewer = await addUser('v1', 'viewer');
    const wrong: string[] = [];
    for (const r of routes()) {
      // Logging out (DELETE /admin/v1/tokens) would end the sweep's token; tested above.
      if (!r.auth || (r.method === 'DELETE' && r.path === '/admin/v1/tokens')) continue;
      const res = await h.req(r.method, r.url, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}, bearer(viewer));
      const ownTokens = r.path.startsWith('/admin/v1/tokens');
      const mayRead = r.method === 'GET' && !r.path.startsWith('/admin/');
      const expectForbidden = !(ownTokens || mayRead);
      if ((res.status === 403) !== expectForbidden) wrong.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('/osm alias', () => {
  it('serves every path under /osm too', async () => {
    const direct = await h.req('GET', '/nsd/v1/ns_descriptors');
    const osm = await h.req('GET', '/osm/nsd/v1/ns_descriptors');
    expect(osm.status).toBe(200);
    expect(osm.json).toEqual(direct.json);
    const login = await h.req<IssuedToken>('POST', '/osm/admin/v1/tokens', ADMIN, NO_TOKEN);
    expect(login.status).toBe(200);
    expect((await h.req('GET', '/osm/nslcm/v1/ns_instances?x=1', undefined, bearer(login.json.id))).status).toBe(200);
    expect((await h.req('GET', '/osm/health', undefined, NO_TOKEN)).status).toBe(200);
  });
});
