import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../common/index.js';
import { checkVnfPackage, inspectOsmPackage, loadVnfPackage, readOsmPackage } from '../../vnfd/index.js';
import { CORPUS, expectProblem, lineOfText, OSM, replaceOnce } from './helpers.js';
import { SAMPLE_VNFD } from './sample-vnfd.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'qnfv-pkg-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Write a package folder `<scratch>/<case>/<name>` with the given files (path → content). */
function makePackage(caseName: string, name: string, files: Record<string, string>): string {
  const dir = join(scratch, caseName, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('readOsmPackage on public OSM packages', () => {
  it('reads hackfest_basic_vnf: one descriptor, no checksums.txt, unreferenced icon ignored', () => {
    const pkg = readOsmPackage(join(OSM, 'hackfest_basic_vnf'));
    expect(pkg.name).toBe('hackfest_basic_vnf');
    expect(pkg.descriptorFile).toBe('hackfest_basic_vnfd.yaml');
    expect(pkg.files).toEqual(['hackfest_basic_vnfd.yaml', 'icons/osm.png']);
    expect(pkg.text).toBe(readFileSync(join(OSM, 'hackfest_basic_vnf', 'hackfest_basic_vnfd.yaml'), 'utf8'));
  });

  it('verifies a partial checksums.txt (cloud_init file unlisted) and finds the cloud-init file', () => {
    const { vnfd } = loadVnfPackage(join(CORPUS, 'accept', 'hackfest_basic_metrics_vnf'));
    expect(vnfd.vdu[0].cloudInitFile).toBe('cloud-config');
  });

  it('lists the charm and cloud-init files of native_charm_vnf', () => {
    const pkg = readOsmPackage(join(CORPUS, 'accept', 'native_charm_vnf'));
    expect(pkg.files).toEqual(expect.arrayContaining(['charms/simple/metadata.yaml', 'cloud_init/cloud-config.txt', 'native_charm_vnfd.yaml']));
  });

  it('does not crash on dangling symbolic links inside a charm and lists them', () => {
    const { pkg, problems } = checkVnfPackage(join(CORPUS, 'reject', 'atnog-test-vnf-dangling-vdu-ref', 'vnf'));
    expect(pkg?.files).toEqual(expect.arrayContaining(['charms/testvdu/lib/ops', 'charms/testvdu/hooks/install']));
    expect(problems.map((p) => p.path).sort()).toEqual(['vnfd.df[0].instantiation-level[0].vdu-level[0].vdu-id', 'vnfd.df[0].vdu-profile[0].id']);
  });
});

describe('package layout rules (OSM NBI)', () => {
  it('exactly one descriptor at the top of the folder', () => {
    const two = makePackage('two', 'two_vnf', { 'a_vnfd.yaml': SAMPLE_VNFD, 'b.yml': SAMPLE_VNFD });
    expectProblem(inspectOsmPackage(two).problems, '(package)', /^Found more than one descriptor file at package folder: a_vnfd\.yaml, b\.yml$/);
    const none = makePackage('none', 'none_vnf', { 'README.md': 'x', 'sub/deep.yaml': SAMPLE_VNFD });
    expectProblem(inspectOsmPackage(none).problems, '(package)', /^Not found any descriptor file at package folder/);
    const json = makePackage('json', 'json_vnf', { 'vnfd.json': JSON.stringify({ vnfd: { id: 'x' } }), 'charms/x/config.yaml': 'a: 1' });
    expect(readOsmPackage(json).descriptorFile).toBe('vnfd.json');
  });

  it('refuses what is not a folder, pointing archives to loadPackage', () => {
    expectProblem(inspectOsmPackage(join(scratch, 'missing')).problems, '(package)', /not a package folder/);
    expectProblem(inspectOsmPackage(join(CORPUS, 'accept', 'interdomain_ns.tar.gz')).problems, '(package)', /^package archives \(OSM \.tar\.gz, SOL004 \.zip\/\.csar\) are read by loadPackage\(\)/);
  });

  it('throws one ValidationError with every package problem', () => {
    const dir = makePackage('throw', 'throw_vnf', { 'a.yaml': SAMPLE_VNFD, 'b.yaml': SAMPLE_VNFD });
    expect(() => readOsmPackage(dir)).toThrow(ValidationError);
    expect(() => readOsmPackage(dir)).toThrow(/Found more than one descriptor file/);
  });

  it('a symbolic link leaving the package is a problem', () => {
    const dir = makePackage('link', 'link_vnf', { 'vnfd.yaml': SAMPLE_VNFD, 'charms/simple/metadata.yaml': 'name: simple' });
    symlinkSync('../../../../outside', join(dir, 'charms', 'escape'));
    expectProblem(inspectOsmPackage(dir).problems, 'charms/escape', /symbolic link points outside the package/);
  });
});

describe('checksums.txt', () => {
  const files = { 'pkg_vnfd.yaml': SAMPLE_VNFD, 'charms/simple/metadata.yaml': 'name: simple\n', 'icons/a.png': 'png' };

  it('accepts md5<TAB>path lines prefixed with the package folder, and md5sum two-space lines', () => {
    const sums = `${md5(SAMPLE_VNFD)}\tpkg_vnf/pkg_vnfd.yaml\n${md5('png')}  icons/a.png\n`;
    const dir = makePackage('sums-ok', 'pkg_vnf', { ...files, 'checksums.txt': sums });
    expect(inspectOsmPackage(dir).problems).toEqual([]);
  });

  it('names the file whose md5 differs, at its checksums.txt line', () => {
    const sums = `${md5(SAMPLE_VNFD)}\tpkg_vnf/pkg_vnfd.yaml\n${md5('other')}\tpkg_vnf/icons/a.png\n`;
    const dir = makePackage('sums-bad', 'pkg_vnf', { ...files, 'checksums.txt': sums });
    const p = expectProblem(inspectOsmPackage(dir).problems, 'pkg_vnf/icons/a.png', new RegExp(`^Error, MD5 mismatch: checksums.txt lists ${md5('other')}, the file's md5 is ${md5('png')}$`), 2);
    expect(p.file).toBe(join(dir, 'checksums.txt'));
  });

  it('reports listed files that are missing, grouping a missing folder', () => {
    const lines = [`${md5(SAMPLE_VNFD)}\tpkg_vnf/pkg_vnfd.yaml`, `${md5('x')}\tpkg_vnf/gone.txt`];
    for (let i = 0; i < 5; i++) lines.push(`${md5(String(i))}\tpkg_vnf/charms/big/f${i}`);
    const dir = makePackage('sums-missing', 'pkg_vnf', { 'pkg_vnfd.yaml': SAMPLE_VNFD, 'charms/simple/metadata.yaml': 'x', 'checksums.txt': lines.join('\n') });
    const problems = inspectOsmPackage(dir).problems;
    expectProblem(problems, 'pkg_vnf/gone.txt', /^listed file missing$/, 2);
    expectProblem(problems, 'pkg_vnf/charms/big/', /^listed file missing: 5 files are listed under this folder, which is not in the package/, 3);
    expect(problems).toHaveLength(2);
  });

  it('refuses malformed lines and paths leaving the package', () => {
    const sums = `pkg_vnfd.yaml  ${md5(SAMPLE_VNFD)}\n${md5('x')}\t../etc/passwd\n${md5('x')}\t/etc/passwd\n`;
    const dir = makePackage('sums-malformed', 'pkg_vnf', { ...files, 'checksums.txt': sums });
    const problems = inspectOsmPackage(dir).problems;
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['checksums.txt', 1],
      ['../etc/passwd', 2],
      ['/etc/passwd', 3],
    ]);
    expect(problems[0].message).toMatch(/^malformed line: expected '<md5><TAB><path>'/);
    expect(problems[1].message).toMatch(/must be relative and stay inside the package/);
  });
});

describe('files named by the VNFD', () => {
  const withCloudInit = replaceOnce(SAMPLE_VNFD, '    name: vm\n', '    name: vm\n    cloud-init-file: init.cfg\n');

  it('cloud-init-file must exist under cloud_init/ (or Scripts/cloud_init/)', () => {
    const missing = makePackage('ci-missing', 'ci_vnf', { 'vnfd.yaml': withCloudInit, 'charms/simple/x': 'x' });
    const p = expectProblem(
      inspectOsmPackage(missing).problems,
      'vnfd.vdu[0].cloud-init-file',
      /^Cloud-init defined in vnf\[id=t-vnf\]:vdu\[id=vm\] but not present in package: no cloud_init\/init\.cfg or Scripts\/cloud_init\/init\.cfg$/,
      lineOfText(withCloudInit, 'cloud-init-file: init.cfg'),
    );
    expect(p.file).toBe(join(missing, 'vnfd.yaml'));
    const present = makePackage('ci-ok', 'ci_vnf', { 'vnfd.yaml': withCloudInit, 'charms/simple/x': 'x', 'Scripts/cloud_init/init.cfg': '#cloud-config' });
    expect(inspectOsmPackage(present).problems).toEqual([]);
    const escape = makePackage('ci-escape', 'ci_vnf', { 'vnfd.yaml': replaceOnce(withCloudInit, 'init.cfg', '../init.cfg'), 'charms/simple/x': 'x' });
    expectProblem(inspectOsmPackage(escape).problems, 'vnfd.vdu[0].cloud-init-file', /must be a name inside the package's cloud_init\/ folder/);
  });

  it('a juju execution environment needs its charm under charms/ (folder or .charm file)', () => {
    const missing = makePackage('charm-missing', 'ch_vnf', { 'vnfd.yaml': SAMPLE_VNFD, 'charms/other/x': 'x' });
    expectProblem(
      inspectOsmPackage(missing).problems,
      'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2[0].execution-environment-list[0].juju.charm',
      /^Charm defined in vnf\[id=t-vnf\] but not present in package: no charms\/simple or Scripts\/charms\/simple$/,
      lineOfText(SAMPLE_VNFD, 'charm: simple'),
    );
    const packed = makePackage('charm-packed', 'ch_vnf', { 'vnfd.yaml': SAMPLE_VNFD, 'charms/simple.charm': 'zip' });
    expect(inspectOsmPackage(packed).problems).toEqual([]);
  });

  it('package and descriptor problems come in one list', () => {
    const text = replaceOnce(withCloudInit, 'mgmt-cp: mgmt-ext', 'mgmt-cp: nope');
    const dir = makePackage('both', 'both_vnf', { 'vnfd.yaml': text, 'checksums.txt': `${md5('x')}\tboth_vnf/vnfd.yaml\n` });
    const { problems } = checkVnfPackage(dir);
    expect(problems.map((p) => p.path).sort()).toEqual([
      'both_vnf/vnfd.yaml',
      'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2[0].execution-environment-list[0].juju.charm',
      'vnfd.mgmt-cp',
      'vnfd.vdu[0].cloud-init-file',
    ]);
    expect(() => loadVnfPackage(dir)).toThrow(ValidationError);
  });
});
