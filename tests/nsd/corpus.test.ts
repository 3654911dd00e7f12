/**
 * The public OSM fixtures and onboarding corpus (shared/fixtures/osm*, see their READMEs) at
 * package level: every `accept/` folder is accepted, every `reject/` case this slice can detect
 * is rejected with the reason the corpus README gives, at the path and line it names.
 * Not here: `accept/interdomain_ns.tar.gz` (archives are read by a later slice).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../../common/index.js';
import { checkDescriptorPackage, checkNsdAgainstVnfds, loadDescriptorPackage, type Nsd } from '../../nsd/index.js';
import type { Vnfd } from '../../vnfd/index.js';
import { CORPUS, expectProblem, OSM } from '../vnfd/helpers.js';

const problemsOf = (dir: string): Problem[] => checkDescriptorPackage(dir).problems;

describe('public OSM hackfest packages (fixtures/osm)', () => {
  it('both are accepted unchanged and the NSD resolves against the VNFD', () => {
    const vnf = loadDescriptorPackage(join(OSM, 'hackfest_basic_vnf'));
    const ns = loadDescriptorPackage(join(OSM, 'hackfest_basic_ns'));
    expect(vnf.kind).toBe('vnf');
    expect(ns.kind).toBe('ns');
    const vnfd = (vnf as { vnfd: Vnfd }).vnfd;
    const nsd = (ns as { nsd: Nsd }).nsd;
    expect(checkNsdAgainstVnfds(nsd, new Map([[vnfd.id, vnfd]]))).toEqual([]);
  });
});

describe('corpus accept/: every package folder is accepted', () => {
  const folders = readdirSync(join(CORPUS, 'accept')).filter((f) => statSync(join(CORPUS, 'accept', f)).isDirectory());

  it('holds the folders its README lists', () => {
    expect(folders.sort()).toEqual([
      'hackfest_basic_metrics_vnf',
      'hackfest_multivdu_ns',
      'hackfest_multivdu_vnf',
      'interdomain_ns',
      'native_charm_vnf',
      'slice_basic_middle_ns',
      'slice_basic_middle_vnf',
    ]);
  });

  it.each(folders)('%s', (folder) => {
    expect(problemsOf(join(CORPUS, 'accept', folder))).toEqual([]);
  });
});

describe('corpus reject/: each case is rejected with the README reason', () => {
  const reject = (name: string, pkg: string): string => join(CORPUS, 'reject', name, pkg);

  it('holds the cases its README lists (all covered below)', () => {
    expect(readdirSync(join(CORPUS, 'reject')).sort()).toEqual([
      '5ginfire-nsd-catalog',
      '5ginfire-unprefixed-vnfd-catalog',
      '5ginfire-vnfd-catalog',
      'atnog-interdomain-ns-stale-checksum',
      'atnog-interdomain-vnf-charm-not-bundled',
      'atnog-test-vnf-dangling-vdu-ref',
    ]);
  });

  it('atnog-test-vnf-dangling-vdu-ref: vdu-profile (line 11) and instantiation level (line 9) name no VDU', () => {
    const problems = problemsOf(reject('atnog-test-vnf-dangling-vdu-ref', 'vnf'));
    expectProblem(problems, 'vnfd.df[0].vdu-profile[0].id', /vdu-profile id='testVdu' does not match any vdu id \(vdu ids: 'test'\)/, 11);
    expectProblem(problems, 'vnfd.df[0].instantiation-level[0].vdu-level[0].vdu-id', /vdu-id='testVdu' does not match any vdu id/, 9);
    expect(problems).toHaveLength(2);
  });

  it('atnog-interdomain-vnf-charm-not-bundled: listed charm files missing, and the charm is not in the package', () => {
    const problems = problemsOf(reject('atnog-interdomain-vnf-charm-not-bundled', 'interdomain_vnf'));
    expectProblem(problems, 'interdomain_vnf/charms/', /^listed file missing: 745 files are listed under this folder/, 3);
    const charm = expectProblem(
      problems,
      'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2[0].execution-environment-list[0].juju.charm',
      /^Charm defined in vnf\[id=interdomain-vnf\] but not present in package/,
    );
    expect(charm.line).toBeGreaterThanOrEqual(15);
    expect(charm.line).toBeLessThanOrEqual(25);
    expect(problems).toHaveLength(2);
  });

  it('atnog-interdomain-ns-stale-checksum: md5 mismatch for the descriptor', () => {
    const problems = problemsOf(reject('atnog-interdomain-ns-stale-checksum', 'interdomain_ns'));
    expectProblem(problems, 'interdomain_ns/interdomain_nsd.yaml', /MD5 mismatch: checksums.txt lists 68a65856efae8d38022501f5086b0cdd, the file's md5 is d42e147c24fe4f1934b3eca552e5dd4c/, 1);
    expect(problems).toHaveLength(1);
  });

  it.each([
    ['5ginfire-vnfd-catalog', 'test_platform_vnfd', 'vnfd:vnfd-catalog', 1],
    ['5ginfire-nsd-catalog', 'scenario_suavs_nsd', 'nsd:nsd-catalog', 1],
    ['5ginfire-unprefixed-vnfd-catalog', 'hello_world_vnf', 'vnfd-catalog', 17],
  ])('%s: pre-SOL006 format, with how to convert', (name, pkg, key, line) => {
    const problems = problemsOf(reject(name, pkg));
    expectProblem(problems, key, /^ERROR: Unsupported descriptor format\. Please, use an ETSI SOL006 descriptor\. .*pre-SOL006.*'osm package-translate/, line);
  });

  it('5ginfire-vnfd-catalog: also reports its reversed checksums.txt line as malformed', () => {
    expectProblem(problemsOf(reject('5ginfire-vnfd-catalog', 'test_platform_vnfd')), 'checksums.txt', /^malformed line/, 1);
  });
});
