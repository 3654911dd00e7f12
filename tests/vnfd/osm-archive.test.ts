/**
 * OSM `.tar.gz` packages read by readPackage (package level; descriptor checks are in
 * tests/nsd/package-loader.test.ts): the real OSM-built archive of the corpus, every corpus folder
 * re-packed the way osmclient does (same problems as the folder), and crafted archives for each
 * NBI archive rule and each archive-bomb limit.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Problem } from '../../common/index.js';
import { readPackage, readTreeFile } from '../../vnfd/index.js';
import { scratchDir, tarGzFolder, tarGzOf, tarOf, type RawTarEntry } from './archives.js';
import { CORPUS, expectProblem } from './helpers.js';
import { SAMPLE_VNFD } from './sample-vnfd.js';

const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');
const scratch = scratchDir('qnfv-tgz-');
afterAll(() => scratch.cleanup());

/** A valid VNF package folder `pkg/` as tar entries, plus `extra`. */
const pkgEntries = (...extra: RawTarEntry[]): RawTarEntry[] => [{ path: 'pkg/', type: 'Directory' }, { path: 'pkg/pkg_vnfd.yaml', data: SAMPLE_VNFD }, { path: 'pkg/charms/simple/metadata.yaml', data: 'name: simple\n' }, ...extra];
const upload = (bytes: Buffer, name = 'pkg.tar.gz'): Promise<{ problems: Problem[]; files: string[] }> => readPackage(bytes, { name });

describe('the OSM-built interdomain_ns.tar.gz of the corpus', () => {
  const path = join(CORPUS, 'accept', 'interdomain_ns.tar.gz');

  it('is read from its path: one top folder, one descriptor at depth 2, checksums verified, foreign owners ignored', async () => {
    const pkg = await readPackage(path);
    expect(pkg.problems).toEqual([]);
    expect(pkg).toMatchObject({ format: 'tar.gz', name: 'interdomain_ns', descriptorFile: 'interdomain_nsd.yaml', files: ['README.md', 'checksums.txt', 'interdomain_nsd.yaml'] });
    expect(pkg.descriptorText).toBe(readFileSync(join(CORPUS, 'accept', 'interdomain_ns', 'interdomain_nsd.yaml'), 'utf8'));
    expect(pkg.descriptorName).toBe(`${path}/interdomain_ns/interdomain_nsd.yaml`);
  });

  it('is read from an uploaded buffer, named after the upload', async () => {
    const pkg = await readPackage(readFileSync(path), { name: 'interdomain_ns.tar.gz' });
    expect(pkg.problems).toEqual([]);
    expect(pkg.descriptorName).toBe('interdomain_ns.tar.gz/interdomain_ns/interdomain_nsd.yaml');
    expect((await readPackage(new Uint8Array(readFileSync(path)))).descriptorName).toBe('upload/interdomain_ns/interdomain_nsd.yaml');
  });
});

describe('every corpus folder packed as osmclient does gets the package problems of the folder', () => {
  const cases: [string, string][] = [];
  for (const f of readdirSync(join(CORPUS, 'accept'))) if (statSync(join(CORPUS, 'accept', f)).isDirectory()) cases.push([join(CORPUS, 'accept'), f]);
  for (const c of readdirSync(join(CORPUS, 'reject'))) for (const f of readdirSync(join(CORPUS, 'reject', c))) cases.push([join(CORPUS, 'reject', c), f]);

  it.each(cases)('%s/%s', async (parent, folder) => {
    const archive = tarGzFolder(parent, folder, join(scratch.dir, `${parent.split('/').pop()}-${folder}.tar.gz`));
    const fromFolder = await readPackage(join(parent, folder));
    const fromArchive = await readPackage(archive);
    const shape = (ps: Problem[]): unknown[] => ps.map((p) => [p.path, p.message, p.line]);
    expect(shape(fromArchive.problems)).toEqual(shape(fromFolder.problems));
    expect(fromArchive.files).toEqual(fromFolder.files);
    expect(fromArchive.descriptorText).toBe(fromFolder.descriptorText);
  });

  it('keeps symbolic links inside a charm as links, dangling ones included, in the folder and its tar.gz', async () => {
    // Charms carry links (hooks → src/charm.py; lib/ops → an unpopulated git submodule).
    scratch.write('links/links_vnf/links_vnfd.yaml', SAMPLE_VNFD);
    scratch.write('links/links_vnf/charms/simple/src/charm.py', '#!/usr/bin/env python3\n');
    mkdirSync(join(scratch.dir, 'links', 'links_vnf', 'charms', 'simple', 'hooks'));
    mkdirSync(join(scratch.dir, 'links', 'links_vnf', 'charms', 'simple', 'lib'));
    symlinkSync('../src/charm.py', join(scratch.dir, 'links', 'links_vnf', 'charms', 'simple', 'hooks', 'install'));
    symlinkSync('../mod/operator/ops', join(scratch.dir, 'links', 'links_vnf', 'charms', 'simple', 'lib', 'ops'));
    const folder = await readPackage(join(scratch.dir, 'links', 'links_vnf'));
    const archive = await readPackage(tarGzFolder(join(scratch.dir, 'links'), 'links_vnf', join(scratch.dir, 'links.tar.gz')));
    for (const pkg of [folder, archive]) {
      expect(pkg.problems).toEqual([]);
      expect(pkg.tree?.nodes.get('charms/simple/hooks/install')).toEqual({ type: 'symlink', target: '../src/charm.py' });
      expect(pkg.tree?.nodes.get('charms/simple/lib/ops')).toEqual({ type: 'symlink', target: '../mod/operator/ops' });
      expect(pkg.tree && readTreeFile(pkg.tree, 'charms/simple/hooks/install')?.toString()).toBe('#!/usr/bin/env python3\n');
    }
  });
});

describe('NBI archive rules (crafted archives)', () => {
  it('accepts a minimal package, and a hard link to a file of the package', async () => {
    const sums = `${md5('png')}\tpkg/icons/b.png\n`;
    const pkg = await upload(tarGzOf(pkgEntries({ path: 'pkg/icons/a.png', data: 'png' }, { path: 'pkg/icons/b.png', type: 'Link', linkpath: 'pkg/icons/a.png' }, { path: 'pkg/checksums.txt', data: sums })));
    expect(pkg.problems).toEqual([]);
    expect(pkg.files).toEqual(['charms/simple/metadata.yaml', 'checksums.txt', 'icons/a.png', 'icons/b.png', 'pkg_vnfd.yaml']);
  });

  it.each([['../evil.txt'], ['pkg/../../evil.txt'], ['/etc/evil.txt'], ['./pkg/../../evil.txt']])('refuses the entry %s (absolute or ..)', async (name) => {
    const { problems } = await upload(tarGzOf(pkgEntries({ path: name, data: 'x' })));
    const p = expectProblem(problems, name, /^Absolute path or '\.\.' are not allowed for package descriptor tar\.gz$/);
    expect(p.file).toBe('pkg.tar.gz');
  });

  it('refuses files outside one top folder', async () => {
    expectProblem((await upload(tarGzOf([...pkgEntries(), { path: 'other/x', data: 'x' }]))).problems, '(archive)', /^All files must be inside one top folder for package descriptor tar\.gz \(found other\/, pkg\/\)$/);
    expectProblem((await upload(tarGzOf([...pkgEntries(), { path: 'README', data: 'x' }]))).problems, '(archive)', /^All files must be inside a dir for package descriptor tar\.gz \(at the top: README\)$/);
  });

  it('wants exactly one descriptor at depth 2', async () => {
    expectProblem((await upload(tarGzOf(pkgEntries({ path: 'pkg/other.yml', data: SAMPLE_VNFD })))).problems, '(package)', /^Found more than one descriptor file at package descriptor tar\.gz: other\.yml, pkg_vnfd\.yaml$/);
    const deep = await upload(tarGzOf([{ path: 'pkg/sub/pkg_vnfd.yaml', data: SAMPLE_VNFD }]));
    const p = expectProblem(deep.problems, '(package)', /^Not found any descriptor file at package descriptor tar\.gz/);
    expect(p.file).toBe('pkg.tar.gz/pkg');
  });

  it('refuses symbolic links that leave the package, and hard links to what is not in it', async () => {
    const { problems } = await upload(
      tarGzOf(
        pkgEntries(
          { path: 'pkg/charms/up', type: 'SymbolicLink', linkpath: '../../../etc/passwd' },
          { path: 'pkg/charms/abs', type: 'SymbolicLink', linkpath: '/etc/passwd' },
          { path: 'pkg/charms/ok', type: 'SymbolicLink', linkpath: 'simple/metadata.yaml' },
          { path: 'pkg/hard', type: 'Link', linkpath: '/etc/shadow' },
          { path: 'pkg/hard2', type: 'Link', linkpath: 'pkg/nothing' },
        ),
      ),
    );
    expectProblem(problems, 'pkg/charms/up', /^symbolic link points outside the package \(to \.\.\/\.\.\/\.\.\/etc\/passwd\)/);
    expectProblem(problems, 'pkg/charms/abs', /^symbolic link points outside the package \(to \/etc\/passwd\)/);
    expectProblem(problems, 'pkg/hard', /^hard link to '\/etc\/shadow', which is not a file of the package$/);
    expectProblem(problems, 'pkg/hard2', /^hard link to 'pkg\/nothing', which is not a file of the package$/);
    expect(problems).toHaveLength(4);
  });

  it('refuses device and FIFO entries', async () => {
    const { problems } = await upload(tarGzOf(pkgEntries({ path: 'pkg/fifo', type: 'FIFO' }, { path: 'pkg/tty', type: 'CharacterDevice' })));
    expectProblem(problems, 'pkg/fifo', /^unsupported entry type FIFO: a package holds files, folders and links only$/);
    expectProblem(problems, 'pkg/tty', /^unsupported entry type CharacterDevice/);
  });

  it('reads a plain (uncompressed) tar too', async () => {
    const pkg = await readPackage(tarOf(pkgEntries()), { name: 'pkg.tar' });
    expect(pkg).toMatchObject({ format: 'tar', problems: [] });
  });

  it('writes nothing to disk, whatever the archive holds', async () => {
    const before = readdirSync(scratch.dir).sort();
    await upload(tarGzOf(pkgEntries({ path: '../escaped.txt', data: 'x' }, { path: 'pkg/l', type: 'SymbolicLink', linkpath: '../../x' })));
    await readPackage(join(CORPUS, 'accept', 'interdomain_ns.tar.gz'));
    expect(readdirSync(scratch.dir).sort()).toEqual(before);
    expect(readdirSync(join(scratch.dir, '..')).filter((f) => f === 'escaped.txt')).toEqual([]);
    expect(existsSync(join(process.cwd(), '..', 'escaped.txt'))).toBe(false);
  });
});

describe('archive-bomb limits', () => {
  const zeros = Buffer.alloc(16 * 1024 * 1024);

  it('refuses a tar.gz that inflates far more than files do (ratio), before reading any entry', async () => {
    const bomb = tarGzOf(pkgEntries({ path: 'pkg/zeros.img', data: zeros }));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const pkg = await upload(bomb);
    expectProblem(pkg.problems, '(archive)', /^the archive unpacks [0-9]+ bytes into 16\.0 MiB \(ratio [0-9]+:1, limit 100:1\); refused as a possible archive bomb$/);
    expect(pkg.files).toEqual([]);
  });

  it('stops inflating at maxUnpackedBytes', async () => {
    const random = createHash('sha512');
    const noise = Buffer.concat(Array.from({ length: 4096 }, (_, i) => random.copy().update(String(i)).digest()));
    const pkg = await readPackage(tarGzOf(pkgEntries({ path: 'pkg/noise', data: noise })), { name: 'n.tar.gz', limits: { maxUnpackedBytes: 64 * 1024 } });
    expectProblem(pkg.problems, '(archive)', /^the archive unpacks to more than 65536 bytes \(the limit\); refused as a possible archive bomb$/);
  });

  it('counts entries against maxEntries', async () => {
    const pkg = await readPackage(tarGzOf(pkgEntries({ path: 'pkg/a', data: 'a' }, { path: 'pkg/b', data: 'b' })), { limits: { maxEntries: 3 } });
    expectProblem(pkg.problems, '(archive)', /^the archive has 5 entries, more than the 3 limit$/);
  });

  it('checks the archive size before reading it (path) or unpacking it (buffer)', async () => {
    const archive = scratch.write('big.tar.gz', tarGzOf(pkgEntries()));
    expectProblem((await readPackage(archive, { limits: { maxArchiveBytes: 100 } })).problems, '(archive)', /^the file is [0-9]+ bytes, more than the 100 bytes limit$/);
    expectProblem((await readPackage(readFileSync(archive), { limits: { maxArchiveBytes: 100 } })).problems, '(archive)', /^the archive is [0-9]+ bytes, more than the 100 bytes limit$/);
  });
});

describe('what is not an OSM archive', () => {
  it('a broken gzip, a gzip of something else, an archive name on text', async () => {
    expectProblem((await upload(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(20, 7)]))).problems, '(archive)', /^not a valid gzip file: /);
    expectProblem((await upload(gzipSync(Buffer.from('just text, no tar\n'.repeat(40))))).problems, '(archive)', /^not a valid tar archive/);
    expectProblem((await upload(Buffer.from('hello'), 'x.tar.gz')).problems, '(package)', /^not a package: its name says archive but it is neither a gzip\/tar nor a zip file$/);
    expectProblem((await upload(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]), 'blob.bin')).problems, '(package)', /^not a package: expected an OSM package folder, a \.tar\.gz, a SOL004 CSAR/);
    expectProblem((await readPackage(join(scratch.dir, 'nothing-here'))).problems, '(package)', /^not a package: no such file or folder$/);
  });
});
