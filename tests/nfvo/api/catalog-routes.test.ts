/**
 * SOL005 catalog routes (nfvo/api/catalog-routes.ts, nfvo/catalog/catalog.ts)
 * through server.inject: two-step and OSM one-shot onboarding of the bundled
 * packages, descriptor problems (422 with path and line), archives (OSM
 * .tar.gz onboarded, broken ones 422),
 * and deletion refused while in use (409).
 */
import type { NsdInfo, ProblemDetails, VnfPkgInfo } from '../../../nfvo/index.js';
import { basename, dirname } from 'node:path';
import * as tar from 'tar';
import { bundledPackagePaths } from '../../../nsd/index.js';
import { bundledYaml, createNs, onboardBundled, startHarness, type Harness } from './harness.js';

const YAML = { 'content-type': 'application/yaml' };
let h: Harness;
let y: { vnfd: string; nsd: string };

beforeAll(async () => {
  y = await bundledYaml();
});
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function twoStepVnf(): Promise<VnfPkgInfo> {
  const created = await h.req<VnfPkgInfo>('POST', '/vnfpkgm/v1/vnf_packages', { userDefinedData: { owner: 'tests' } });
  expect(created.status).toBe(201);
  expect(created.headers.location).toBe(`/vnfpkgm/v1/vnf_packages/${created.json.id}`);
  expect(created.json).toMatchObject({ onboardingState: 'CREATED', operationalState: 'DISABLED', usageState: 'NOT_IN_USE', userDefinedData: { owner: 'tests' } });
  const put = await h.req('PUT', `/vnfpkgm/v1/vnf_packages/${created.json.id}/package_content`, y.vnfd, YAML);
  expect(put.status).toBe(202);
  return (await h.req<VnfPkgInfo>('GET', `/vnfpkgm/v1/vnf_packages/${created.json.id}`)).json;
}

describe('VNF packages', () => {
  it('SOL005 two-step: POST 201 + Location, PUT package_content 202, ONBOARDED/ENABLED, GET …/vnfd returns the YAML', async () => {
    const p = await twoStepVnf();
    expect(p).toMatchObject({
      vnfdId: 'qnfv-router-vnf',
      vnfProvider: 'qnfv',
      vnfProductName: 'qnfv-router-vnf',
      vnfdVersion: '1.0',
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      _links: { self: { href: `/vnfpkgm/v1/vnf_packages/${p.id}` }, vnfd: { href: `/vnfpkgm/v1/vnf_packages/${p.id}/vnfd` }, packageContent: { href: `/vnfpkgm/v1/vnf_packages/${p.id}/package_content` } },
    });
    const vnfd = await h.req('GET', p._links.vnfd.href);
    expect(vnfd.status).toBe(200);
    expect(vnfd.headers['content-type']).toMatch(/^application\/yaml/);
    expect(vnfd.text).toBe(y.vnfd);
    expect((await h.req<VnfPkgInfo[]>('GET', '/vnfpkgm/v1/vnf_packages')).json.map((x) => x.id)).toEqual([p.id]);
    // Uploading again: already onboarded.
    expect((await h.req('PUT', `/vnfpkgm/v1/vnf_packages/${p.id}/package_content`, y.vnfd, YAML)).status).toBe(409);
  });

  it('OSM one-shot vnf_packages_content: 201 + Location, a second package with the same vnfd id is refused (409, nothing left)', async () => {
    const r = await h.req<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages_content', y.vnfd, { 'content-type': 'text/plain' });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/vnfpkgm/v1/vnf_packages/${r.json.id}`);
    expect((await h.req<VnfPkgInfo>('GET', `/vnfpkgm/v1/vnf_packages/${r.json.id}`)).json.onboardingState).toBe('ONBOARDED');
    const again = await h.req<ProblemDetails>('POST', '/vnfpkgm/v1/vnf_packages_content', y.vnfd, YAML);
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain("vnfd id 'qnfv-router-vnf' is already onboarded");
    expect((await h.req<VnfPkgInfo[]>('GET', '/vnfpkgm/v1/vnf_packages')).json).toHaveLength(1);
  });

  it('a broken VNFD → 422 ProblemDetails listing each problem with its path and line; the record stays CREATED', async () => {
    const created = await h.req<VnfPkgInfo>('POST', '/vnfpkgm/v1/vnf_packages');
    const broken = y.vnfd.replace('  mgmt-cp: mgmt-ext', '  mgmt-cp: no-such-cp');
    const r = await h.req<ProblemDetails>('PUT', `/vnfpkgm/v1/vnf_packages/${created.json.id}/package_content`, broken, YAML);
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json.status).toBe(422);
    expect(r.json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('mgmt-cp'), line: broken.split('\n').findIndex((l) => l.includes('no-such-cp')) + 1 })]));
    expect(r.json.detail).toContain('no-such-cp');
    expect((await h.req<VnfPkgInfo>('GET', `/vnfpkgm/v1/vnf_packages/${created.json.id}`)).json.onboardingState).toBe('CREATED');
  });

  it('YAML that does not parse → 422 with the line; one-shot leaves no record behind', async () => {
    const r = await h.req<ProblemDetails>('POST', '/vnfpkgm/v1/vnf_packages_content', 'vnfd:\n  id: x\n   bad: [', YAML);
    expect(r.status).toBe(422);
    expect(r.json.problems!.length).toBeGreaterThan(0);
    expect(r.json.problems!.some((p) => typeof p.line === 'number')).toBe(true);
    expect((await h.req<VnfPkgInfo[]>('GET', '/vnfpkgm/v1/vnf_packages')).json).toEqual([]);
  });

  it.each([
    ['application/gzip', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])],
    ['application/zip', Buffer.from('PK\x03\x04')],
    ['application/octet-stream', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])],
  ])('a broken archive (%s) → 422 naming the problem, nothing onboarded', async (type, body) => {
    const created = await h.req<VnfPkgInfo>('POST', '/vnfpkgm/v1/vnf_packages');
    const r = await h.req<ProblemDetails>('PUT', `/vnfpkgm/v1/vnf_packages/${created.json.id}/package_content`, body, { 'content-type': type });
    expect(r.status).toBe(422);
    expect(r.json.problems!.length).toBeGreaterThan(0);
    expect((await h.req<VnfPkgInfo>('GET', `/vnfpkgm/v1/vnf_packages/${created.json.id}`)).json.onboardingState).toBe('CREATED');
    expect((await h.req('POST', '/nsd/v1/ns_descriptors_content', body, { 'content-type': type })).status).toBe(422);
  });

  it('onboards the bundled packages uploaded as OSM .tar.gz archives', async () => {
    const paths = bundledPackagePaths();
    const targz = async (dir: string) => {
      const chunks: Buffer[] = [];
      for await (const c of tar.c({ gzip: true, cwd: dirname(dir), portable: true }, [basename(dir)])) chunks.push(Buffer.from(c as Uint8Array));
      return Buffer.concat(chunks);
    };
    const gz = { 'content-type': 'application/gzip' };
    const v = await h.req<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages_content', await targz(paths.routerVnf), gz);
    expect(v.status).toBe(201);
    expect((await h.req<VnfPkgInfo>('GET', `/vnfpkgm/v1/vnf_packages/${v.json.id}`)).json).toMatchObject({ vnfdId: 'qnfv-router-vnf', onboardingState: 'ONBOARDED' });
    const n = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', await targz(paths.qkdVpnNs), gz);
    expect(n.status).toBe(201);
    expect((await h.req<NsdInfo>('GET', `/nsd/v1/ns_descriptors/${n.json.id}`)).json.nsdId).toBe('qnfv-qkd-vpn-ns');
  });

  it('unknown package → 404 for GET, PUT content, GET vnfd and DELETE', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [m, u] of [
      ['GET', `/vnfpkgm/v1/vnf_packages/${id}`],
      ['PUT', `/vnfpkgm/v1/vnf_packages/${id}/package_content`],
      ['GET', `/vnfpkgm/v1/vnf_packages/${id}/vnfd`],
      ['DELETE', `/vnfpkgm/v1/vnf_packages/${id}`],
    ] as const) {
      const r = await h.req<ProblemDetails>(m, u, m === 'PUT' ? y.vnfd : undefined, m === 'PUT' ? YAML : undefined);
      expect([m, u, r.status]).toEqual([m, u, 404]);
      expect(r.json.detail).toContain(id);
    }
  });
});

describe('NS descriptors', () => {
  it('NSD before its VNF package → 422 with the problems; after it, two-step onboarding works', async () => {
    const created = await h.req<NsdInfo>('POST', '/nsd/v1/ns_descriptors', {});
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/nsd/v1/ns_descriptors/${created.json.id}`);
    expect(created.json).toMatchObject({ nsdOnboardingState: 'CREATED', nsdOperationalState: 'DISABLED', nsdUsageState: 'NOT_IN_USE', vnfPkgIds: [] });
    const early = await h.req<ProblemDetails>('PUT', `/nsd/v1/ns_descriptors/${created.json.id}/nsd_content`, y.nsd, YAML);
    expect(early.status).toBe(422);
    expect(early.json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('qnfv-router-vnf') })]));
    const oneShotEarly = await h.req('POST', '/nsd/v1/ns_descriptors_content', y.nsd, YAML);
    expect(oneShotEarly.status).toBe(422);
    expect((await h.req<NsdInfo[]>('GET', '/nsd/v1/ns_descriptors')).json.map((n) => n.id)).toEqual([created.json.id]);

    const vnf = await twoStepVnf();
    const put = await h.req('PUT', `/nsd/v1/ns_descriptors/${created.json.id}/nsd_content`, y.nsd, YAML);
    expect(put.status).toBe(204);
    const info = (await h.req<NsdInfo>('GET', `/nsd/v1/ns_descriptors/${created.json.id}`)).json;
    expect(info).toMatchObject({ nsdId: 'qnfv-qkd-vpn-ns', nsdName: 'qnfv-qkd-vpn-ns', nsdVersion: '1.0', nsdDesigner: 'qnfv', vnfPkgIds: [vnf.id], nsdOnboardingState: 'ONBOARDED', nsdOperationalState: 'ENABLED' });
    const content = await h.req('GET', `/nsd/v1/ns_descriptors/${created.json.id}/nsd_content`);
    expect(content.status).toBe(200);
    expect(content.text).toBe(y.nsd);
    // Same nsd id again (one-shot): 409.
    expect((await h.req('POST', '/nsd/v1/ns_descriptors_content', y.nsd, YAML)).status).toBe(409);
  });

  it('a broken NSD → 422 listing the problem with its path and line', async () => {
    await h.req('POST', '/vnfpkgm/v1/vnf_packages_content', y.vnfd, YAML);
    const broken = y.nsd.replace('      virtual-link-desc: wan', '      virtual-link-desc: no-such-link');
    const r = await h.req<ProblemDetails>('POST', '/nsd/v1/ns_descriptors_content', broken, YAML);
    expect(r.status).toBe(422);
    const line = broken.split('\n').findIndex((l) => l.includes('no-such-link')) + 1;
    expect(r.json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('virtual-link-desc'), line })]));
  });

  it('DELETE of a VNF package referenced by an NSD → 409; after the NSD is gone → 204', async () => {
    const v = await h.req<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages_content', y.vnfd, YAML);
    const n = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', y.nsd, YAML);
    const refused = await h.req<ProblemDetails>('DELETE', `/vnfpkgm/v1/vnf_packages/${v.json.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain('qnfv-qkd-vpn-ns');
    expect((await h.req('DELETE', `/nsd/v1/ns_descriptors/${n.json.id}`)).status).toBe(204);
    expect((await h.req('GET', `/nsd/v1/ns_descriptors/${n.json.id}`)).status).toBe(404);
    expect((await h.req('GET', `/nsd/v1/ns_descriptors/${n.json.id}/nsd_content`)).status).toBe(404);
    expect((await h.req('DELETE', `/vnfpkgm/v1/vnf_packages/${v.json.id}`)).status).toBe(204);
    expect((await h.req('GET', `/vnfpkgm/v1/vnf_packages/${v.json.id}/vnfd`)).status).toBe(404);
  });

  it('DELETE of an NSD used by an NS instance → 409; after the instance is deleted → 204', async () => {
    await h.req('POST', '/vnfpkgm/v1/vnf_packages_content', y.vnfd, YAML);
    const n = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', y.nsd, YAML);
    const ns = await createNs(h);
    expect(ns.nsdInfoId).toBe(n.json.id);
    const refused = await h.req<ProblemDetails>('DELETE', `/nsd/v1/ns_descriptors/${n.json.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain(ns.id);
    expect((await h.req('DELETE', `/nslcm/v1/ns_instances/${ns.id}`)).status).toBe(204);
    expect((await h.req('DELETE', `/nsd/v1/ns_descriptors/${n.json.id}`)).status).toBe(204);
  });

  it('an NS instance cannot be created from an NSD that is not onboarded', async () => {
    const created = await h.req<NsdInfo>('POST', '/nsd/v1/ns_descriptors');
    const r = await h.req<ProblemDetails>('POST', '/nslcm/v1/ns_instances', { nsdId: created.json.id, nsName: 'x' });
    expect(r.status).toBe(409);
    expect(r.json.detail).toContain('CREATED');
  });
});

describe('PATCH and usage states (SOL005 5.4.3.3.4, 9.4.3.3.4)', () => {
  it('disables and enables an NSD and a VNF package; a disabled NSD cannot be instantiated; usage follows instances', async () => {
    const { nsdInfoId, vnfPkgId } = await onboardBundled(h);
    const off = await h.req('PATCH', `/nsd/v1/ns_descriptors/${nsdInfoId}`, { nsdOperationalState: 'DISABLED', userDefinedData: { owner: 'ops' } });
    expect(off.status).toBe(200);
    expect(off.json).toEqual({ nsdOperationalState: 'DISABLED', userDefinedData: { owner: 'ops' } });
    const nsd = await h.req<{ nsdOperationalState: string; userDefinedData: unknown; nsdUsageState: string }>('GET', `/nsd/v1/ns_descriptors/${nsdInfoId}`);
    expect(nsd.json).toMatchObject({ nsdOperationalState: 'DISABLED', userDefinedData: { owner: 'ops' }, nsdUsageState: 'NOT_IN_USE' });
    expect((await h.req('PATCH', `/nsd/v1/ns_descriptors/${nsdInfoId}`, { nsdOperationalState: 'DISABLED' })).status).toBe(409);
    const refused = await h.req<{ detail: string }>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain('DISABLED');
    expect((await h.req('PATCH', `/nsd/v1/ns_descriptors/${nsdInfoId}`, { nsdOperationalState: 'ENABLED', userDefinedData: { owner: null, site: 'x' } })).status).toBe(200);
    expect((await h.req<{ userDefinedData: unknown }>('GET', `/nsd/v1/ns_descriptors/${nsdInfoId}`)).json.userDefinedData).toEqual({ site: 'x' });
    await createNs(h);
    expect((await h.req<{ nsdUsageState: string }[]>('GET', '/nsd/v1/ns_descriptors')).json[0]!.nsdUsageState).toBe('IN_USE');
    expect((await h.req<{ usageState: string }>('GET', `/vnfpkgm/v1/vnf_packages/${vnfPkgId}`)).json.usageState).toBe('IN_USE');
    expect((await h.req('PATCH', `/vnfpkgm/v1/vnf_packages/${vnfPkgId}`, { operationalState: 'DISABLED' })).status).toBe(200);
    const bad = await h.req<{ problems: { path: string }[] }>('PATCH', `/vnfpkgm/v1/vnf_packages/${vnfPkgId}`, { operationalState: 'OFF' });
    expect(bad.status).toBe(400);
    expect((await h.req('PATCH', `/vnfpkgm/v1/vnf_packages/${vnfPkgId}`, {})).status).toBe(400);
    expect((await h.req('PATCH', '/vnfpkgm/v1/vnf_packages/nope', { operationalState: 'ENABLED' })).status).toBe(404);
  });
});
