/**
 * `GET /openapi.json` (nfvo/api/openapi.ts) matches the server: every route
 * in hapi's table is documented and every documented operation is a route;
 * path parameters are declared; validated bodies carry the route's schema;
 * open routes have no security; 4xx answers are ProblemDetails; GET lists
 * document SOL013 paging (marker parameter, Link header). The
 * document is checked against the OpenAPI 3.0 rules it relies on.
 */
import { startHarness, type Harness } from './harness.js';

interface Op {
  summary: string;
  parameters?: { name: string; in: string; description?: string }[];
  requestBody?: { content: Record<string, { schema: { title?: string; type?: string } }> };
  security: unknown[];
  responses: Record<string, { description: string; content?: Record<string, unknown>; headers?: Record<string, { description: string }> }>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  components: { securitySchemes: Record<string, unknown> };
  servers: { url: string }[];
}

let h: Harness;
let doc: Doc;
beforeAll(async () => {
  h = await startHarness();
  const r = await h.req<Doc>('GET', '/openapi.json');
  expect(r.status).toBe(200);
  doc = r.json;
});
afterAll(async () => {
  await h.close();
});

const documented = () => Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));

describe('/openapi.json', () => {
  it('documents every route, and nothing that is not a route', () => {
    const routes = h.server.http.table().map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(documented().sort()).toEqual(routes.sort());
  });

  it('declares every path parameter, a summary and at least one success answer per operation', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        expect([method, path, (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)]).toEqual([method, path, names]);
        expect(op.summary.length).toBeGreaterThan(5);
        const codes = Object.keys(op.responses).map(Number);
        expect(codes.every((c) => c >= 200 && c < 600)).toBe(true);
        if (!codes.includes(405)) expect(codes.some((c) => c < 300)).toBe(true);
        for (const [code, r] of Object.entries(op.responses)) {
          if (Number(code) >= 400) expect(Object.keys(r.content ?? {})).toEqual(['application/problem+json']);
        }
      }
    }
  });

  it('takes request schemas from the routes and security from their auth', () => {
    expect(doc.paths['/admin/v1/vim_accounts']!.post!.requestBody!.content['application/json']!.schema.title).toBe('VimAccount');
    expect(doc.paths['/nslcm/v1/ns_instances/{id}/instantiate']!.post!.requestBody!.content['application/json']!.schema.title).toBe('InstantiateNsRequest');
    expect(Object.keys(doc.paths['/nsd/v1/ns_descriptors_content']!.post!.requestBody!.content)).toEqual(['application/yaml', 'application/gzip', 'application/zip']);
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(doc.paths['/admin/v1/tokens']!.post!.security).toEqual([]);
    expect(doc.paths['/nslcm/v1/ns_instances']!.get!.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/nslcm/v1/ns_instances']!.get!.responses['401']).toBeDefined();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.servers.map((s) => s.url)).toEqual(['/', '/osm']);
    expect(doc.openapi).toBe('3.0.3');
  });

  it('documents SOL013 paging on every GET list: the marker parameter, the Link header, 400', () => {
    const lists = ['/admin/v1/vim_accounts', '/vnfpkgm/v1/vnf_packages', '/nsd/v1/ns_descriptors', '/nslcm/v1/ns_instances', '/nslcm/v1/ns_lcm_op_occs', '/nslcm/v1/subscriptions'];
    for (const path of lists) {
      const op = doc.paths[path]!.get!;
      expect([path, (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)]).toEqual([path, ['filter', 'nextpage_opaque_marker']]);
      expect([path, op.responses['200']!.headers?.Link?.description]).toEqual([path, expect.stringContaining('rel="next"')]);
      expect([path, op.responses['400']!.description]).toEqual([path, expect.stringContaining('nextpage_opaque_marker')]);
    }
    // Single records are not paged.
    expect(doc.paths['/nslcm/v1/ns_instances/{id}']!.get!.responses['200']!.headers).toBeUndefined();
  });

  it('the documented answers include what the routes really answer for common errors', async () => {
    // A 404 on an unknown id and 401 without a token, for every documented GET with a parameter.
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!ops.get || !path.includes('{')) continue;
      const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const r = await h.req('GET', url);
      expect([path, Object.keys(ops.get.responses)]).toEqual([path, expect.arrayContaining([String(r.status)])]);
      const anon = await h.req('GET', url, undefined, { authorization: '' });
      expect([path, anon.status]).toEqual([path, 401]);
    }
  });
});
