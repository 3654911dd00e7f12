/**
 * Errors at the HTTP edge (nfvo/api/problem.ts): every error is an ETSI
 * SOL005 ProblemDetails (`application/problem+json`, status and detail),
 * unknown routes and ids are 404, other methods on task resources 405 with
 * Allow, and unexpected errors are 500 without leaking their message.
 */
import Boom from '@hapi/boom';
import { ConflictError, NotFoundError, NotSupportedError, ProtocolError, ValidationError } from '../../../common/index.js';
import { problemOf, statusOf, toBoom } from '../../../nfvo/api/problem.js';
import type { ProblemDetails } from '../../../nfvo/index.js';
import { createNs, onboardBundled, startHarness, type Harness } from './harness.js';

describe('error mapping', () => {
  it('maps the project errors to HTTP statuses', () => {
    expect(statusOf(new ValidationError('v'))).toBe(400);
    expect(statusOf(new NotFoundError('NS instance', 'x'))).toBe(404);
    expect(statusOf(new ConflictError('c'))).toBe(409);
    expect(statusOf(new NotSupportedError('n'))).toBe(501);
    expect(statusOf(Boom.badData('d'))).toBe(422);
    expect(statusOf(new ProtocolError('p'))).toBe(500);
    expect(statusOf(new Error('e'))).toBe(500);
  });

  it('keeps the problems of a ValidationError; hides the message of an unexpected error', () => {
    const v = problemOf(new ValidationError('bad', [{ path: 'a.b', message: 'is required' }]), '/x');
    expect(v).toEqual({ status: 400, title: 'ValidationError', detail: 'bad: a.b: is required', instance: '/x', problems: [{ path: 'a.b', message: 'is required' }] });
    expect(problemOf(new TypeError('secret internals at 0xdeadbeef'))).toEqual({ status: 500, title: 'Internal Server Error', detail: 'an unexpected error occurred; see the NFVO log', instance: undefined });
    const b = toBoom(new ConflictError('busy'));
    expect(b.output.statusCode).toBe(409);
    expect(problemOf((b.data as { cause: unknown }).cause)).toMatchObject({ status: 409, detail: 'busy' });
    expect(toBoom(b)).toBe(b);
  });
});

describe('over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await onboardBundled(h);
  });
  afterAll(async () => {
    await h.close();
  });

  const expectProblem = (r: { status: number; headers: Record<string, unknown>; json: unknown }, status: number): ProblemDetails => {
    expect(r.status).toBe(status);
    expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const p = r.json as ProblemDetails;
    expect(p.status).toBe(status);
    expect(typeof p.detail).toBe('string');
    expect(p.detail.length).toBeGreaterThan(0);
    return p;
  };

  it.each([
    ['GET', '/nope'],
    ['GET', '/nslcm/v1/nothing'],
    ['POST', '/nslcm/v1/ns_instances/x/update'],
    ['GET', '/nslcm/v2/ns_instances'],
  ])('unknown route %s %s → 404 ProblemDetails', async (method, url) => {
    expectProblem(await h.req(method, url), 404);
  });

  it.each([
    ['GET', '/nslcm/v1/ns_instances/6c1e3b0c-0000-4000-8000-000000000000'],
    ['DELETE', '/nslcm/v1/ns_instances/6c1e3b0c-0000-4000-8000-000000000000'],
    ['POST', '/nslcm/v1/ns_instances/6c1e3b0c-0000-4000-8000-000000000000/instantiate'],
    ['POST', '/nslcm/v1/ns_instances/6c1e3b0c-0000-4000-8000-000000000000/terminate'],
    ['POST', '/nslcm/v1/ns_instances/6c1e3b0c-0000-4000-8000-000000000000/heal'],
    ['GET', '/nslcm/v1/ns_lcm_op_occs/6c1e3b0c-0000-4000-8000-000000000000'],
    ['POST', '/nslcm/v1/ns_lcm_op_occs/6c1e3b0c-0000-4000-8000-000000000000/fail'],
    ['GET', '/nsd/v1/ns_descriptors/6c1e3b0c-0000-4000-8000-000000000000'],
    ['GET', '/admin/v1/vim_accounts/6c1e3b0c-0000-4000-8000-000000000000'],
  ])('unknown id %s %s → 404 ProblemDetails naming it', async (method, url) => {
    const p = expectProblem(await h.req(method, url, method === 'POST' ? {} : undefined), 404);
    expect(p.detail).toContain('6c1e3b0c-0000-4000-8000-000000000000');
    expect(p.instance).toBe(url);
  });

  it.each(['..%2F..%2Fvim_accounts%2Fx', 'a%20b', '..', 'x%3Ay'])('an id that cannot exist (%s) is 404 too, not 400', async (id) => {
    expectProblem(await h.req('GET', `/nslcm/v1/ns_instances/${id}`), 404);
    expectProblem(await h.req('GET', `/nslcm/v1/ns_lcm_op_occs/${id}`), 404);
    expectProblem(await h.req('GET', `/vnfpkgm/v1/vnf_packages/${id}`), 404);
    expectProblem(await h.req('DELETE', `/admin/v1/vim_accounts/${id}`), 404);
  });

  it('other methods on the task resources → 405 with Allow: POST', async () => {
    const ns = await createNs(h, 'tasks');
    for (const task of ['instantiate', 'terminate']) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const r = await h.req(method, `/nslcm/v1/ns_instances/${ns.id}/${task}`, method === 'GET' || method === 'DELETE' ? undefined : {});
        expectProblem(r, 405);
        expect(r.headers.allow).toBe('POST');
      }
    }
  });

  it('a request body that is not JSON → 400 ProblemDetails', async () => {
    const r = await h.req('POST', '/nslcm/v1/ns_instances', '{"nsdId": ', { 'content-type': 'application/json' });
    expectProblem(r, 400);
  });

  it('GET /health needs nothing', async () => {
    const r = await h.req('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'UP' });
  });
});
