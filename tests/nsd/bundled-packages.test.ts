import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, relative } from 'node:path';
import { bundledPackagePaths, checkNsdAgainstVnfds, loadNsPackage, nsVirtualLinks, securityProfiles, validatePackageCli } from '../../nsd/index.js';
import { loadVnfPackage, md5File, parseChecksums, projectRoot } from '../../vnfd/index.js';

describe("the product's own packages", () => {
  const paths = bundledPackagePaths();

  it('are found from the project root (the folder whose package.json is qnfv)', () => {
    const root = projectRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('qnfv');
    expect(relative(root, paths.routerVnf)).toBe(join('vnfd', 'packages', 'qnfv_router_vnf'));
    expect(relative(root, paths.qkdVpnNs)).toBe(join('nsd', 'packages', 'qnfv_qkd_vpn_ns'));
    expect(relative(root, paths.qkdVpnMesh3Ns)).toBe(join('nsd', 'packages', 'qnfv_qkd_vpn_mesh3_ns'));
    // Compiled code runs from dist/vnfd/, which holds no package.json: the walk goes up to the root.
    expect(projectRoot(pathToFileURL(join(root, 'dist', 'vnfd', 'project-root.js')).href)).toBe(root);
  });

  it('use the OSM layout: one descriptor and a checksums.txt listing it with the folder prefix', () => {
    for (const [dir, descriptor] of [
      [paths.routerVnf, 'qnfv_router_vnfd.yaml'],
      [paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'],
      [paths.qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'],
    ]) {
      const sums = parseChecksums(readFileSync(join(dir, 'checksums.txt'), 'utf8'), 'checksums.txt');
      expect(sums.problems).toEqual([]);
      const name = dir.split('/').pop();
      expect(sums.entries.map((e) => [e.md5, e.listed])).toEqual([[md5File(join(dir, descriptor)), `${name}/${descriptor}`]]);
    }
  });

  it('the router VNF package validates and describes the QKD virtual router', () => {
    const { pkg, vnfd } = loadVnfPackage(paths.routerVnf);
    expect(pkg.descriptorFile).toBe('qnfv_router_vnfd.yaml');
    expect(vnfd).toMatchObject({ id: 'qnfv-router-vnf', mgmtCp: 'mgmt-ext', version: '1.0' });
    expect(vnfd.swImageDesc.map((s) => s.image)).toEqual(['qnfv-router']);
    expect(vnfd.vdu.map((v) => [v.id, v.swImageDesc, v.intCpd.map((c) => c.id)])).toEqual([['router', 'qnfv-router', ['mgmt', 'lan', 'wan']]]);
    expect(vnfd.extCpd).toEqual([
      { id: 'mgmt-ext', intCpd: { vduId: 'router', cpd: 'mgmt' } },
      { id: 'lan-ext', intCpd: { vduId: 'router', cpd: 'lan' } },
      { id: 'wan-ext', intCpd: { vduId: 'router', cpd: 'wan' } },
    ]);
    expect(vnfd.virtualComputeDesc).toHaveLength(1);
    const df = vnfd.df[0];
    expect(df.id).toBe('default-df');
    expect(df.vduProfile).toEqual([{ id: 'router', minNumberOfInstances: 1, maxNumberOfInstances: 1 }]);
    expect(df.instantiationLevel).toHaveLength(1);
    expect(df.day12).toEqual([
      { id: 'qnfv-router-vnf', sshAccess: { required: true, defaultUser: 'admin' }, executionEnvironmentList: [], initialConfigPrimitive: [],
        configPrimitive: [
          { name: 'ping', parameter: [{ name: 'destination', dataType: 'STRING' }, { name: 'count', dataType: 'INTEGER', defaultValue: 3 }] },
          { name: 'show-ipsec', parameter: [] },
        ],
        terminateConfigPrimitive: [],
      },
    ]);
  });

  it('the QKD VPN NS package validates, resolves against the router VNFD and has one security profile', () => {
    const { vnfd } = loadVnfPackage(paths.routerVnf);
    const { nsd } = loadNsPackage(paths.qkdVpnNs);
    expect(checkNsdAgainstVnfds(nsd, new Map([[vnfd.id, vnfd]]))).toEqual([]);
    expect(nsd).toMatchObject({ id: 'qnfv-qkd-vpn-ns', vnfdId: ['qnfv-router-vnf'] });
    expect(nsd.virtualLinkDesc).toEqual([
      { id: 'mgmtnet', mgmtNetwork: true },
      { id: 'site-a-lan', mgmtNetwork: false },
      { id: 'site-b-lan', mgmtNetwork: false },
      { id: 'wan', mgmtNetwork: false },
    ]);
    const links = nsd.df[0].vnfProfile.map((vp) => [
      vp.id,
      vp.vnfdId,
      vp.virtualLinkConnectivity.map((c) => `${c.constituentCpdId.map((cc) => `${cc.constituentBaseElementId}:${cc.constituentCpdId}`).join()}→${c.virtualLinkProfileId}`),
    ]);
    expect(links).toEqual([
      ['site-a', 'qnfv-router-vnf', ['site-a:mgmt-ext→mgmtnet', 'site-a:lan-ext→site-a-lan', 'site-a:wan-ext→wan']],
      ['site-b', 'qnfv-router-vnf', ['site-b:mgmt-ext→mgmtnet', 'site-b:lan-ext→site-b-lan', 'site-b:wan-ext→wan']],
    ]);
    expect(securityProfiles(nsd)).toEqual([
      {
        id: 'wan-qkd-hybrid',
        description: expect.any(String),
        virtualLinkDesc: 'wan',
        keySources: ['QKD', 'ML-KEM-512'],
        combiner: 'kdf',
        singleSourcePolicy: 'require-all',
        qkdInterface: 'etsi-014',
        esp: { encryption: 'AES-GCM-16-256', esn: false, replayWindow: 64 },
        lifetime: { soft: { time: 3000 }, hard: { time: 3600 } },
      },
    ]);
  });

  it('the three-site mesh NS package validates, resolves against the router VNFD, and protects one WAN shared by all three sites', async () => {
    const { vnfd } = loadVnfPackage(paths.routerVnf);
    const { nsd } = loadNsPackage(paths.qkdVpnMesh3Ns);
    expect(checkNsdAgainstVnfds(nsd, new Map([[vnfd.id, vnfd]]))).toEqual([]);
    expect(nsd).toMatchObject({ id: 'qnfv-qkd-vpn-mesh3-ns', name: 'qnfv-qkd-vpn-mesh3-ns', version: '1.0', vnfdId: ['qnfv-router-vnf'] });
    expect(nsVirtualLinks(nsd).map((l) => [l.id, l.role, l.connections.map((c) => `${c.vnfProfileId}:${c.extCpd}`)])).toEqual([
      ['mgmtnet', 'mgmt', ['site-a:mgmt-ext', 'site-b:mgmt-ext', 'site-c:mgmt-ext']],
      ['site-a-lan', 'lan', ['site-a:lan-ext']],
      ['site-b-lan', 'lan', ['site-b:lan-ext']],
      ['site-c-lan', 'lan', ['site-c:lan-ext']],
      ['wan', 'wan', ['site-a:wan-ext', 'site-b:wan-ext', 'site-c:wan-ext']],
    ]);
    // The same profile as the two-site NS: every pair of routers on the WAN gets a tunnel keyed by it.
    const twoSite = securityProfiles(loadNsPackage(paths.qkdVpnNs).nsd);
    expect(securityProfiles(nsd)).toEqual(twoSite.map((p) => ({ ...p, description: expect.stringContaining('A-B, A-C, B-C') })));
    const cli = await validatePackageCli(paths.qkdVpnMesh3Ns);
    expect(cli).toEqual({ ok: true, lines: [`${paths.qkdVpnMesh3Ns}: valid NS package (NSD qnfv-qkd-vpn-mesh3-ns, OSM package folder; onboard its VNF packages first: qnfv-router-vnf)`] });
  });

  it('the full example in docs/descriptors.md is the bundled NSD, and the page shows the mesh NSD too', () => {
    const doc = readFileSync(join(projectRoot(), 'docs', 'descriptors.md'), 'utf8');
    const nsdText = readFileSync(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8');
    expect(doc).toContain(nsdText.trimEnd());
    const meshText = readFileSync(join(paths.qkdVpnMesh3Ns, 'qnfv_qkd_vpn_mesh3_nsd.yaml'), 'utf8');
    expect(doc).toContain(meshText.trimEnd());
  });
});
