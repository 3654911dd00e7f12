/**
 * loadPackage, the NFVO's one entry point for packages: every source (folder, .tar.gz, CSAR zip,
 * single descriptor; path or uploaded bytes), the kind told by the descriptor or expected by the
 * caller, package and descriptor problems in one list (with file and line inside the archive),
 * the descriptor text and the package files for later.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { loadPackage, validatePackageCli } from '../../nsd/index.js';
import { scratchDir, tarGzOf, zipOf } from '../vnfd/archives.js';
import { CORPUS, expectProblem, lineOfText, OSM, replaceOnce } from '../vnfd/helpers.js';
import { SAMPLE_VNFD } from '../vnfd/sample-vnfd.js';
import { SAMPLE_NSD } from './sample-nsd.js';

describe('loadPackage', () => {
  it('an OSM folder: the typed descriptor, its text byte for byte, the files and their bytes', async () => {
    const dir = join(OSM, 'hackfest_basic_vnf');
    const pkg = await loadPackage(dir);
    expect(pkg.problems).toEqual([]);
    expect(pkg.kind).toBe('vnf');
    expect(pkg.kind === 'vnf' && pkg.descriptor?.id).toBe('hackfest_basic-vnf');
    expect(pkg).toMatchObject({ format: 'folder', name: 'hackfest_basic_vnf', descriptorFile: 'hackfest_basic_vnfd.yaml', files: ['hackfest_basic_vnfd.yaml', 'icons/osm.png'] });
    expect(pkg.descriptorText).toBe(readFileSync(join(dir, 'hackfest_basic_vnfd.yaml'), 'utf8'));
    expect(pkg.readFile('icons/osm.png')?.equals(readFileSync(join(dir, 'icons', 'osm.png')))).toBe(true);
    expect(pkg.readFile('nope')).toBeUndefined();
  });

  it('the OSM-built .tar.gz, from its path and uploaded', async () => {
    const path = join(CORPUS, 'accept', 'interdomain_ns.tar.gz');
    for (const pkg of [await loadPackage(path), await loadPackage(readFileSync(path), { name: 'interdomain_ns.tar.gz', kind: 'ns' })]) {
      expect(pkg.problems).toEqual([]);
      expect(pkg.kind === 'ns' && pkg.descriptor?.id).toBe('interdomain-ns');
      expect(pkg.readFile('README.md')?.toString()).toBe(readFileSync(join(CORPUS, 'accept', 'interdomain_ns', 'README.md'), 'utf8'));
    }
  });

  it('an upload of the other kind than expected is a problem, not a crash', async () => {
    const pkg = await loadPackage(readFileSync(join(CORPUS, 'accept', 'interdomain_ns.tar.gz')), { name: 'up.tar.gz', kind: 'vnf' });
    expect(pkg.kind).toBe('vnf');
    expect(pkg.descriptor).toBeUndefined();
    const p = expectProblem(pkg.problems, 'nsd', /^expected a VNFD \(top-level 'vnfd'\) but this document is an NSD$/, 1);
    expect(p.file).toBe('up.tar.gz/interdomain_ns/interdomain_nsd.yaml');
  });

  it('descriptor problems inside an archive name the member file and line', async () => {
    const vnfd = replaceOnce(SAMPLE_VNFD, 'mgmt-cp: mgmt-ext', 'mgmt-cp: nope');
    const tgz = tarGzOf([{ path: 't_vnf/t_vnfd.yaml', data: vnfd }, { path: 't_vnf/charms/simple/metadata.yaml', data: 'name: simple' }]);
    const fromTar = await loadPackage(tgz, { name: 't_vnf.tar.gz' });
    const p = expectProblem(fromTar.problems, 'vnfd.mgmt-cp', /^mgmt-cp='nope' must match an existing ext-cpd/, lineOfText(vnfd, 'mgmt-cp: nope'));
    expect(p.file).toBe('t_vnf.tar.gz/t_vnf/t_vnfd.yaml');
    const zip = await zipOf([
      { path: 'TOSCA-Metadata/TOSCA.meta', data: 'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: t\nEntry-Definitions: Definitions/t_vnfd.yaml\nETSI-Entry-Manifest: t.mf\n' },
      { path: 't.mf', data: "metadata:\n  vnf_provider_id: p\n  vnf_product_name: t\n  vnf_release_date_time: 2024-05-01T00:00:00Z\n  vnf_package_version: '1'\n" },
      { path: 'Definitions/t_vnfd.yaml', data: vnfd },
      { path: 'Scripts/charms/simple/metadata.yaml', data: 'name: simple' },
    ]);
    const fromZip = await loadPackage(zip, { name: 't.zip' });
    expect(fromZip.format).toBe('csar');
    expect(expectProblem(fromZip.problems, 'vnfd.mgmt-cp', /must match an existing ext-cpd/, lineOfText(vnfd, 'mgmt-cp: nope')).file).toBe('t.zip/Definitions/t_vnfd.yaml');
    expect(fromZip.problems).toHaveLength(1);
  });

  it('a CSAR file on disk, through qnfv package validate', async () => {
    const scratch = scratchDir('qnfv-csar-');
    try {
      const mf = `metadata:\n  vnf_provider_id: p\n  vnf_product_name: t\n  vnf_release_date_time: 2024-05-01T00:00:00Z\n  vnf_package_version: '1'\n\nSource: t_vnfd.yaml\nAlgorithm: SHA-512\nHash: ${createHash('sha512').update(SAMPLE_VNFD).digest('hex')}\n`;
      const path = scratch.write('t_vnfd.csar', await zipOf([{ path: 't_vnfd.yaml', data: SAMPLE_VNFD }, { path: 't_vnfd.mf', data: mf }, { path: 'charms/simple/metadata.yaml', data: 'name: simple' }]));
      expect(await validatePackageCli(path)).toEqual({ ok: true, lines: [`${path}: valid VNF package (VNFD t-vnf, SOL004 CSAR)`] });
      const broken = scratch.write('broken.csar', await zipOf([{ path: 't_vnfd.yaml', data: SAMPLE_VNFD }, { path: 't_vnfd.mf', data: mf.replace('SHA-512', 'SHA-256') }, { path: 'charms/simple/metadata.yaml', data: 'name: simple' }]));
      const report = await validatePackageCli(broken);
      expect(report.ok).toBe(false);
      expect(report.lines).toEqual([`${broken}: invalid package (1 problem, SOL004 CSAR)`, `  t_vnfd.yaml: malformed SHA-256 hash: expected 64 hexadecimal digits (found '${createHash('sha512').update(SAMPLE_VNFD).digest('hex').slice(0, 20)}…') (${broken}/t_vnfd.mf:9)`]);
    } finally {
      scratch.cleanup();
    }
  });

  it('a single descriptor file or upload is a package of one file (OSM rules for named files apply)', async () => {
    const nsdPath = join('nsd', 'packages', 'qnfv_qkd_vpn_ns', 'qnfv_qkd_vpn_nsd.yaml');
    const ns = await loadPackage(nsdPath);
    expect(ns).toMatchObject({ format: 'descriptor', kind: 'ns', files: ['qnfv_qkd_vpn_nsd.yaml'], problems: [] });
    expect(ns.kind === 'ns' && ns.descriptor?.id).toBe('qnfv-qkd-vpn-ns');
    const upload = await loadPackage(Buffer.from(SAMPLE_NSD), { name: 'nsd.yaml' });
    expect(upload.kind === 'ns' && upload.descriptor?.file).toBe('nsd.yaml');
    const charmless = await loadPackage(Buffer.from(SAMPLE_VNFD), { name: 'vnfd.yaml' });
    expectProblem(charmless.problems, 'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2[0].execution-environment-list[0].juju.charm', /^Charm defined in vnf\[id=t-vnf\] but not present in package/);
  });

  it('what holds no descriptor of either kind', async () => {
    const neither = await loadPackage(Buffer.from('name: qnfv\n'), { name: 'x.yaml' });
    expect(neither.kind).toBeUndefined();
    expectProblem(neither.problems, '(root)', /^the descriptor is neither a VNFD \(top-level vnfd:\) nor an NSD \(top-level nsd:\)$/, 1);
    expectProblem((await loadPackage(Buffer.from('vnfd: [x\n'), { name: 'x.yaml' })).problems, '(yaml)', /^YAML error/);
    const none = await loadPackage('no/such/package');
    expect(none.kind).toBeUndefined();
    expect(none).toMatchObject({ files: [], problems: [expect.objectContaining({ path: '(package)' })] });
    expect((await loadPackage('no/such/package', { kind: 'ns' })).kind).toBe('ns');
  });
});
