/**
 * `qnfv package build` (nsd/package-build.ts): each bundled package becomes a one-top-folder
 * .tar.gz with a fresh checksums.txt (OSM's `md5<TAB><folder>/<path>` lines) that validates; a
 * file changed after the build fails validation; an invalid folder is refused and nothing is
 * written; a stale checksums.txt in the folder is replaced in the archive, the folder untouched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { create, extract } from 'tar';
import { buildPackage, buildPackageCli, bundledPackagePaths, loadPackage, validatePackageCli } from '../../nsd/index.js';
import { scratchDir } from '../vnfd/archives.js';
import { OSM, replaceOnce } from '../vnfd/helpers.js';
import { SAMPLE_VNFD } from '../vnfd/sample-vnfd.js';

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/** Unpack an archive into `dir`; returns the top-level entries. */
async function unpack(archive: string, dir: string): Promise<string[]> {
  const entries: string[] = [];
  await extract({ file: archive, cwd: dir, onReadEntry: (e) => entries.push(e.path) });
  return [...new Set(entries.map((p) => p.split('/')[0]!))];
}

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('qnfv-build-test-');
});
afterEach(() => scratch.cleanup());

describe('buildPackage on the bundled packages', () => {
  const paths = bundledPackagePaths();
  const bundled: { name: string; folder: string; descriptor: string; kind: 'vnf' | 'ns'; id: string }[] = [
    { name: 'qnfv_router_vnf', folder: paths.routerVnf, descriptor: 'qnfv_router_vnfd.yaml', kind: 'vnf', id: 'qnfv-router-vnf' },
    { name: 'qnfv_qkd_vpn_ns', folder: paths.qkdVpnNs, descriptor: 'qnfv_qkd_vpn_nsd.yaml', kind: 'ns', id: 'qnfv-qkd-vpn-ns' },
    { name: 'qnfv_qkd_vpn_mesh3_ns', folder: paths.qkdVpnMesh3Ns, descriptor: 'qnfv_qkd_vpn_mesh3_nsd.yaml', kind: 'ns', id: 'qnfv-qkd-vpn-mesh3-ns' },
  ];

  it.each(bundled)('$name: one top folder, a fresh checksums.txt, and the archive validates', async ({ name, folder, descriptor, kind, id }) => {
    expect(basename(folder)).toBe(name);
    const r = await buildPackage(folder, { out: scratch.dir });
    expect(r).toMatchObject({ ok: true, problems: [], kind, descriptorId: id, archive: join(scratch.dir, `${name}.tar.gz`) });
    const expectedLine = `${md5(readFileSync(join(folder, descriptor)))}\t${name}/${descriptor}`;
    expect(r.checksums).toEqual([expectedLine]);

    const v = await validatePackageCli(r.archive);
    expect(v.ok).toBe(true);
    expect(v.lines[0]).toContain('OSM package archive (tar.gz)');

    const out = join(scratch.dir, 'x');
    mkdirSync(out);
    expect(await unpack(r.archive, out)).toEqual([name]);
    const sums = readFileSync(join(out, name, 'checksums.txt'), 'utf8');
    expect(sums).toBe(`${expectedLine}\n`);
    // The committed checksums.txt of a bundled package is fresh, so the build reproduces it.
    expect(sums).toBe(readFileSync(join(folder, 'checksums.txt'), 'utf8'));
    expect(readFileSync(join(out, name, descriptor)).equals(readFileSync(join(folder, descriptor)))).toBe(true);
  });

  it('a file changed after the build fails validation with an MD5 mismatch', async () => {
    const folder = paths.routerVnf;
    const name = basename(folder);
    const r = await buildPackage(folder, { out: scratch.dir });
    expect(r.ok).toBe(true);
    const out = join(scratch.dir, 'tampered');
    mkdirSync(out);
    await unpack(r.archive, out);
    const file = join(out, name, 'qnfv_router_vnfd.yaml');
    writeFileSync(file, replaceOnce(readFileSync(file, 'utf8'), 'default-user: admin', 'default-user: root'));
    const rebuilt = join(scratch.dir, 'tampered.tar.gz');
    await create({ gzip: true, file: rebuilt, cwd: out, portable: true }, [name]);
    for (const path of [rebuilt, join(out, name)]) {
      const v = await validatePackageCli(path);
      expect(v.ok).toBe(false);
      expect(v.lines).toHaveLength(2);
      expect(v.lines[1]).toMatch(new RegExp(`^  ${name}/qnfv_router_vnfd.yaml: Error, MD5 mismatch: checksums.txt lists ${r.checksums[0]!.slice(0, 32)}, the file's md5 is [0-9a-f]{32} \\(.*checksums.txt:1\\)$`));
    }
  });
});

describe('buildPackage on other folders', () => {
  it('lists every regular file in sub-folders (not links, not checksums.txt), replaces a stale checksums.txt, leaves the folder as it was', async () => {
    const folder = join(scratch.dir, 't_vnf');
    scratch.write('t_vnf/t_vnfd.yaml', SAMPLE_VNFD);
    scratch.write('t_vnf/charms/simple/metadata.yaml', 'name: simple\n');
    scratch.write('t_vnf/charms/simple/hooks/install', '#!/bin/sh\n');
    scratch.write('t_vnf/icons/t.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    symlinkSync('simple', join(folder, 'charms', 'current'));
    const stale = `${'0'.repeat(32)}\tt_vnf/t_vnfd.yaml\nnot a checksum line\n`;
    scratch.write('t_vnf/checksums.txt', stale);
    expect((await validatePackageCli(folder)).ok).toBe(false); // stale as it is

    const r = await buildPackage(folder); // default: next to the folder
    expect(r.problems).toEqual([]);
    expect(r.archive).toBe(`${folder}.tar.gz`);
    const read = (rel: string) => readFileSync(join(folder, rel));
    expect(r.checksums).toEqual([
      `${md5(read('charms/simple/hooks/install'))}\tt_vnf/charms/simple/hooks/install`,
      `${md5(read('charms/simple/metadata.yaml'))}\tt_vnf/charms/simple/metadata.yaml`,
      `${md5(read('icons/t.png'))}\tt_vnf/icons/t.png`,
      `${md5(read('t_vnfd.yaml'))}\tt_vnf/t_vnfd.yaml`,
    ]);
    expect(readFileSync(join(folder, 'checksums.txt'), 'utf8')).toBe(stale);
    const pkg = await loadPackage(r.archive);
    expect(pkg.problems).toEqual([]);
    expect(pkg.files).toEqual(['charms/current', 'charms/simple/hooks/install', 'charms/simple/metadata.yaml', 'checksums.txt', 'icons/t.png', 't_vnfd.yaml']);
    expect(pkg.readFile('checksums.txt')?.toString()).toBe(r.checksums.map((l) => `${l}\n`).join(''));
  });

  it('builds a read-only folder (the OSM hackfest fixture) into a named file', async () => {
    const out = join(scratch.dir, 'basic.tar.gz');
    const r = await buildPackage(join(OSM, 'hackfest_basic_vnf'), { out });
    expect(r).toMatchObject({ ok: true, archive: out, descriptorId: 'hackfest_basic-vnf' });
    expect(r.checksums.map((l) => l.split('\t')[1])).toEqual(['hackfest_basic_vnf/hackfest_basic_vnfd.yaml', 'hackfest_basic_vnf/icons/osm.png']);
    expect((await validatePackageCli(out)).ok).toBe(true);
  });

  it('refuses an invalid folder: every problem, one line each, and no archive', async () => {
    const folder = join(scratch.dir, 'bad_vnf');
    scratch.write('bad_vnf/bad_vnfd.yaml', replaceOnce(replaceOnce(SAMPLE_VNFD, '    - id: vm\n      min', '    - id: vn\n      min'), 'mgmt-cp: mgmt-ext', 'mgmt-cp: nowhere'));
    scratch.write('bad_vnf/charms/simple/metadata.yaml', 'name: simple\n');
    const r = await buildPackage(folder, { out: scratch.dir });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.path).sort()).toEqual(['vnfd.df[0].vdu-profile[0].id', 'vnfd.mgmt-cp']);
    expect(existsSync(join(scratch.dir, 'bad_vnf.tar.gz'))).toBe(false);

    const cli = await buildPackageCli(folder, { out: scratch.dir });
    expect(cli.ok).toBe(false);
    expect(cli.lines[0]).toBe(`${folder}: invalid package, nothing built (2 problems)`);
    expect(cli.lines.slice(1)).toEqual(r.problems.map((p) => `  ${p.path}: ${p.message} (${p.file}:${p.line})`));
    expect(existsSync(join(scratch.dir, 'bad_vnf.tar.gz'))).toBe(false);
  });

  it('refuses what is not a package folder: a missing path, an archive, a folder without a descriptor', async () => {
    scratch.write('empty_vnf/README.md', 'nothing\n');
    for (const source of [join(scratch.dir, 'missing'), join(scratch.dir, 'empty_vnf')]) {
      const r = await buildPackage(source, { out: scratch.dir });
      expect(r.ok).toBe(false);
      expect(r.problems).toHaveLength(1);
    }
    const built = await buildPackage(bundledPackagePaths().routerVnf, { out: scratch.dir });
    const again = await buildPackage(built.archive, { out: join(scratch.dir, 'again.tar.gz') });
    expect(again.ok).toBe(false);
    expect(again.problems[0]!.message).toMatch(/^not a package folder/);
    expect(existsSync(join(scratch.dir, 'again.tar.gz'))).toBe(false);
  });

  it('the CLI text of a build', async () => {
    const r = await buildPackageCli(bundledPackagePaths().qkdVpnMesh3Ns, { out: scratch.dir });
    expect(r).toEqual({
      ok: true,
      lines: [`${join(scratch.dir, 'qnfv_qkd_vpn_mesh3_ns.tar.gz')}: built from ${bundledPackagePaths().qkdVpnMesh3Ns} (NS package, NSD qnfv-qkd-vpn-mesh3-ns; checksums.txt lists 1 file)`],
    });
  });
});
