/**
 * The public OSM fixtures and onboarding corpus (shared/fixtures/osm*, see their READMEs) at
 * package level: every `accept/` entry is accepted (folders and the OSM-built
 * `interdomain_ns.tar.gz`), every `reject/` case is rejected with the reason the corpus README
 * gives, at the path and line it names — through the folder API, through `qnfv package validate`
 * (validatePackageCli), and with each folder re-packed as a .tar.gz (same verdict, same problems).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../../common/index.js';
import { checkDescriptorPackage, checkNsdAgainstVnfds, loadDescriptorPackage, loadPackage, validatePackageCli, type Nsd } from '../../nsd/index.js';
import type { Vnfd } from '../../vnfd/index.js';
import { scratchDir, tarGzFolder } from '../vnfd/archives.js';
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

describe('qnfv package validate PATH (validatePackageCli) on every corpus entry', () => {
  const accept = [
    ...readdirSync(join(CORPUS, 'accept')).map((f) => join(CORPUS, 'accept', f)),
    join(OSM, 'hackfest_basic_vnf'),
    join(OSM, 'hackfest_basic_ns'),
  ];
  const reject: [string, RegExp[]][] = [
    [join(CORPUS, 'reject', 'atnog-test-vnf-dangling-vdu-ref', 'vnf'), [/^ {2}vnfd\.df\[0\]\.vdu-profile\[0\]\.id: .*'testVdu' .*vnfd\.yaml:11\)$/, /^ {2}vnfd\.df\[0\]\.instantiation-level\[0\]\.vdu-level\[0\]\.vdu-id: .*vnfd\.yaml:9\)$/]],
    [join(CORPUS, 'reject', 'atnog-interdomain-vnf-charm-not-bundled', 'interdomain_vnf'), [/^ {2}interdomain_vnf\/charms\/: listed file missing: 745 files/, /^ {2}vnfd\.df\[0\].*juju\.charm: Charm defined in vnf\[id=interdomain-vnf\] but not present in package/]],
    [join(CORPUS, 'reject', 'atnog-interdomain-ns-stale-checksum', 'interdomain_ns'), [/^ {2}interdomain_ns\/interdomain_nsd\.yaml: Error, MD5 mismatch: .*checksums\.txt:1\)$/]],
    [join(CORPUS, 'reject', '5ginfire-vnfd-catalog', 'test_platform_vnfd'), [/^ {2}vnfd:vnfd-catalog: ERROR: Unsupported descriptor format\./]],
    [join(CORPUS, 'reject', '5ginfire-nsd-catalog', 'scenario_suavs_nsd'), [/^ {2}nsd:nsd-catalog: ERROR: Unsupported descriptor format\./]],
    [join(CORPUS, 'reject', '5ginfire-unprefixed-vnfd-catalog', 'hello_world_vnf'), [/^ {2}vnfd-catalog: ERROR: Unsupported descriptor format\..*hello_world_vnfd\.yaml:17\)$/]],
  ];

  it('covers every accept/ entry and every reject/ case of the README', () => {
    expect(accept.filter((p) => p.startsWith(CORPUS))).toHaveLength(8);
    expect(reject.map(([p]) => p.split('/').slice(-2, -1)[0]).sort()).toEqual(readdirSync(join(CORPUS, 'reject')).sort());
  });

  it.each(accept)('accepts %s: one summary line, ok', async (path) => {
    const { ok, lines } = await validatePackageCli(path);
    expect(ok).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid (VNF package \\(VNFD|NS package \\(NSD) `));
  });

  it('names the format and, for an NS, the VNF packages to onboard first', async () => {
    const tgz = join(CORPUS, 'accept', 'interdomain_ns.tar.gz');
    expect((await validatePackageCli(tgz)).lines).toEqual([`${tgz}: valid NS package (NSD interdomain-ns, OSM package archive (tar.gz); onboard its VNF packages first: interdomain-vnf)`]);
  });

  it.each(reject)('rejects %s: a summary line, then one line per problem with the README reason', async (path, reasons) => {
    const { ok, lines } = await validatePackageCli(path);
    expect(ok).toBe(false);
    const n = lines.length - 1;
    expect(lines[0]).toBe(`${path}: invalid package (${n} problem${n === 1 ? '' : 's'}, OSM package folder)`);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}\S+: .+ \(.+:[0-9]+\)$/);
    for (const reason of reasons) expect(lines.slice(1).filter((l) => reason.test(l))).toHaveLength(1);
  });
});

describe('each corpus folder packed as a .tar.gz gets the verdict and problems of the folder', () => {
  const scratch = scratchDir('qnfv-corpus-');
  afterAll(() => scratch.cleanup());
  const cases: [string, string][] = [];
  for (const f of readdirSync(join(CORPUS, 'accept'))) if (statSync(join(CORPUS, 'accept', f)).isDirectory()) cases.push([join(CORPUS, 'accept'), f]);
  for (const c of readdirSync(join(CORPUS, 'reject'))) for (const f of readdirSync(join(CORPUS, 'reject', c))) cases.push([join(CORPUS, 'reject', c), f]);

  it.each(cases)('%s/%s', async (parent, folder) => {
    const folderPkg = await loadPackage(join(parent, folder));
    const archivePkg = await loadPackage(tarGzFolder(parent, folder, join(scratch.dir, `${cases.findIndex((c) => c[1] === folder && c[0] === parent)}.tar.gz`)));
    const shape = (ps: Problem[]): unknown[] => ps.map((p) => [p.path, p.message, p.line]);
    expect(shape(archivePkg.problems)).toEqual(shape(folderPkg.problems));
    expect([archivePkg.kind, archivePkg.descriptor === undefined]).toEqual([folderPkg.kind, folderPkg.descriptor === undefined]);
    expect(folderPkg.descriptor === undefined).toBe(parent.includes('/reject/'));
  });
});
