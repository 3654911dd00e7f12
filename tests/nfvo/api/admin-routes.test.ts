/**
 * The domain registry `/admin/v1/vim_accounts` (nfvo/api/admin-routes.ts):
 * create with 201 + Location, ProblemDetails 400 naming each bad field,
 * 409 on a duplicate name or while an instantiated NS uses the account.
 */
import type { NsInstance, ProblemDetails, VimAccount } from '../../../nfvo/index.js';
import { accountBody, createNs, instantiateAndWait, onboardBundled, registerDomains, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('/admin/v1/vim_accounts', () => {
  it('POST creates an account: 201, Location, an id; GET lists and reads it', async () => {
    const r = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody('dom-a'));
    expect(r.status).toBe(201);
    expect(r.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.location).toBe(`/admin/v1/vim_accounts/${r.json.id}`);
    expect(r.json).toEqual({ id: r.json.id, ...accountBody('dom-a') });
    expect((await h.req<VimAccount>('GET', String(r.headers.location))).json).toEqual(r.json);
    expect((await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts')).json).toEqual([r.json]);
  });

  it('a bad body → 400 ProblemDetails with every field path', async () => {
    const body = { ...accountBody('bad name!'), vimType: 'openstack', vca: { host: '', port: 70000, username: 'u', hostKeyFingerprint: 'MD5:ab' }, extra: 1 };
    const r = await h.req<ProblemDetails>('POST', '/admin/v1/vim_accounts', body);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json.status).toBe(400);
    const paths = r.json.problems!.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['VimAccount.name', 'VimAccount.vimType', 'VimAccount.vca.host', 'VimAccount.vca.port', 'VimAccount.vca.hostKeyFingerprint', 'VimAccount']));
    expect(r.json.problems).toContainEqual({ path: 'VimAccount', message: "unknown field 'extra'" });
    expect(r.json.detail).toContain('VimAccount.vca.port');
    const missing = await h.req<ProblemDetails>('POST', '/admin/v1/vim_accounts', { name: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.json.problems!.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringContaining('vimType'), expect.stringContaining('vca'), expect.stringContaining('hybridNodeUuid')]));
    expect((await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts')).json).toEqual([]);
  });

  it('a duplicate name → 409', async () => {
    expect((await h.req('POST', '/admin/v1/vim_accounts', accountBody('dom-a'))).status).toBe(201);
    const dup = await h.req<ProblemDetails>('POST', '/admin/v1/vim_accounts', accountBody('dom-a', '2'));
    expect(dup.status).toBe(409);
    expect(dup.json.detail).toContain("'dom-a'");
    expect((await h.req<VimAccount[]>('GET', '/admin/v1/vim_accounts')).json).toHaveLength(1);
  });

  it('DELETE: 204, then 404; 409 while an instantiated NS runs in that domain', async () => {
    await onboardBundled(h);
    const { a, b } = await registerDomains(h);
    const ns: NsInstance = await createNs(h);
    expect((await instantiateAndWait(h, ns.id)).operationState).toBe('COMPLETED');
    const busy = await h.req<ProblemDetails>('DELETE', `/admin/v1/vim_accounts/${a.id}`);
    expect(busy.status).toBe(409);
    expect(busy.json.detail).toContain(a.id);
    const spare = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody('spare', 'c'));
    expect((await h.req('DELETE', `/admin/v1/vim_accounts/${spare.json.id}`)).status).toBe(204);
    expect((await h.req('DELETE', `/admin/v1/vim_accounts/${spare.json.id}`)).status).toBe(404);
    expect((await h.req('GET', `/admin/v1/vim_accounts/${spare.json.id}`)).status).toBe(404);
    expect((await h.req('GET', `/admin/v1/vim_accounts/${b.id}`)).status).toBe(200);
  });
});

describe('QKD node endpoints', () => {
  it('are kept with the account when given, and checked', async () => {
    const body = { ...accountBody('dom-q'), qkdNode: { kme014Url: 'https://127.0.0.1:8443', saeId: 'sae-hm-a' } };
    const r = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', body);
    expect(r.status).toBe(201);
    expect(r.json.qkdNode).toEqual(body.qkdNode);
    const bad = await h.req<ProblemDetails>('POST', '/admin/v1/vim_accounts', { ...accountBody('dom-r'), qkdNode: { kme014Url: 'ftp://x', port: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.json.problems!.map((p) => p.path)).toEqual(expect.arrayContaining(['VimAccount.qkdNode.kme014Url', 'VimAccount.qkdNode']));
  });
});
