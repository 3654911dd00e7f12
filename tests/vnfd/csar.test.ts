/**
 * SOL004 CSAR zips read by readPackage (package level): both layouts (TOSCA-Metadata, or a root
 * YAML with its .mf), the TOSCA.meta keys, the manifest (metadata, Source/Algorithm/Hash blocks
 * with SHA-256/384/512, non-MANO artifacts, CMS block), osmclient's own CSAR dialect, the SOL001
 * refusal, and the zip rules (names, links, bombs). Archives are built with yazl in memory.
 */
import { createHash } from 'node:crypto';
import { readPackage } from '../../vnfd/index.js';
import { renameEntry, zipOf, type ZipEntry } from './archives.js';
import { expectProblem, lineOfText, replaceOnce } from './helpers.js';
import { SAMPLE_VNFD } from './sample-vnfd.js';
import { SAMPLE_NSD } from '../nsd/sample-nsd.js';

const hash = (algorithm: string, data: string): string => createHash(algorithm).update(data).digest('hex');
const VNFD = replaceOnce(SAMPLE_VNFD, '    name: vm\n', '    name: vm\n    cloud-init-file: init.cfg\n');
const CLOUD_INIT = '#cloud-config\npassword: x\n';
const CHARM = 'name: simple\n';
const META = `TOSCA-Meta-File-Version: 1.0
CSAR-Version: 1.1
Created-By: qnfv tests
Entry-Definitions: Definitions/t_vnfd.yaml
ETSI-Entry-Manifest: t_vnf.mf
ETSI-Entry-Change-Log: ChangeLog.txt
ETSI-Entry-Licenses: Licenses

Name: Files/images/disk.img
Content-Type: application/x-qcow2
`;
const METADATA = `metadata:
  vnf_provider_id: qnfv
  vnf_product_name: t-vnf
  vnf_release_date_time: 2024-01-01T10:00+03:00
  vnf_package_version: '1.0'
`;
const MANIFEST = `${METADATA}
Source: Definitions/t_vnfd.yaml
Algorithm: SHA-256
Hash: ${hash('sha256', VNFD)}

Source: Scripts/cloud_init/init.cfg
Algorithm: SHA-384
Hash: ${hash('sha384', CLOUD_INIT)}

Source: Scripts/charms/simple/metadata.yaml
Algorithm: SHA-512
Hash: ${hash('sha512', CHARM)}

Source: https://images.example/t-vnf/disk.qcow2
Algorithm: SHA-256
Hash: ${'0'.repeat(64)}

Source: ChangeLog.txt

non_mano_artifact_sets:
  onap_ves_events:
    Source: Files/Events/ves.yaml
`;

/** The files of a valid VNF CSAR, with `changes` applied (undefined deletes). */
function csar(changes: Record<string, string | undefined> = {}): ZipEntry[] {
  const files: Record<string, string | undefined> = {
    'TOSCA-Metadata/TOSCA.meta': META,
    't_vnf.mf': MANIFEST,
    'Definitions/t_vnfd.yaml': VNFD,
    'Scripts/cloud_init/init.cfg': CLOUD_INIT,
    'Scripts/charms/simple/metadata.yaml': CHARM,
    'Files/Events/ves.yaml': 'events: []\n',
    'Files/images/disk.img': 'qcow',
    'ChangeLog.txt': '1.0: first\n',
    'Licenses/LICENSE': 'Apache-2.0\n',
    ...changes,
  };
  return Object.entries(files)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([path, data]) => ({ path, data }));
}
const read = async (entries: ZipEntry[] | Buffer, name = 't_vnf.zip') => readPackage(Buffer.isBuffer(entries) ? entries : await zipOf(entries), { name });
const MF = 't_vnf.zip/t_vnf.mf';
const TM = 't_vnf.zip/TOSCA-Metadata/TOSCA.meta';

describe('a valid SOL004 CSAR with TOSCA-Metadata', () => {
  it('is read: entry definitions, manifest verified (SHA-256, -384, -512), OSM SOL004 layout for cloud-init and charms', async () => {
    const pkg = await read(csar());
    expect(pkg.problems).toEqual([]);
    expect(pkg).toMatchObject({ format: 'csar', name: 't_vnf', descriptorFile: 'Definitions/t_vnfd.yaml', descriptorText: VNFD, descriptorName: 't_vnf.zip/Definitions/t_vnfd.yaml' });
    expect(pkg.csar).toEqual({
      toscaMeta: {
        'TOSCA-Meta-File-Version': '1.0',
        'CSAR-Version': '1.1',
        'Created-By': 'qnfv tests',
        'Entry-Definitions': 'Definitions/t_vnfd.yaml',
        'ETSI-Entry-Manifest': 't_vnf.mf',
        'ETSI-Entry-Change-Log': 'ChangeLog.txt',
        'ETSI-Entry-Licenses': 'Licenses',
      },
      entryDefinitions: 'Definitions/t_vnfd.yaml',
      manifestFile: 't_vnf.mf',
      manifestMetadata: { vnf_provider_id: 'qnfv', vnf_product_name: 't-vnf', vnf_release_date_time: '2024-01-01T10:00+03:00', vnf_package_version: "'1.0'" },
      signed: false,
    });
  });

  it('an NS CSAR (SOL007 nsd_* metadata) is read too', async () => {
    const nsMeta = replaceOnce(META, 'Definitions/t_vnfd.yaml', 'Definitions/t_nsd.yaml');
    const mf = `metadata:\n  nsd_designer: qnfv\n  nsd_invariant_id: t-ns\n  nsd_name: t-ns\n  nsd_release_date_time: 2024-01-01T10:00:00Z\n  nsd_file_structure_version: '1.0'\n\nSource: Definitions/t_nsd.yaml\nAlgorithm: SHA-256\nHash: ${hash('sha256', SAMPLE_NSD)}\n`;
    const pkg = await read([
      { path: 'TOSCA-Metadata/TOSCA.meta', data: nsMeta },
      { path: 't_vnf.mf', data: mf },
      { path: 'Definitions/t_nsd.yaml', data: SAMPLE_NSD },
      { path: 'ChangeLog.txt', data: 'x' },
      { path: 'Licenses/LICENSE', data: 'x' },
    ]);
    expect(pkg.problems).toEqual([]);
    expect(pkg.csar?.manifestMetadata?.nsd_name).toBe('t-ns');
  });

  it("accepts osmclient's dialect: metadata without the header, the manifest listing itself, 'Created-by', a CMS block", async () => {
    const mf = `${METADATA.replace('metadata:\n', '').replace(/^ {2}/gm, '')}
Source: Definitions/t_vnfd.yaml
Algorithm: SHA-512
Hash: ${hash('sha512', VNFD)}

Source: t_vnf.mf
Algorithm: SHA-512
Hash: ${hash('sha512', 'whatever was there while it was written')}

-----BEGIN CMS-----
MIIBhQYJKoZIhvcNAQcCoIIBdjCCAXICAQExDTALBglghkgBZQMEAgEwCwYJKoZI
-----END CMS-----
`;
    const pkg = await read(csar({ 't_vnf.mf': mf, 'TOSCA-Metadata/TOSCA.meta': replaceOnce(META, 'Created-By', 'Created-by') }));
    expect(pkg.problems).toEqual([]);
    expect(pkg.csar?.signed).toBe(true);
    expect(pkg.csar?.toscaMeta?.['Created-By']).toBe('qnfv tests');
  });
});

describe('the manifest: each problem names the .mf and its line', () => {
  it('a hash that does not match the file', async () => {
    const { problems } = await read(csar({ 'Scripts/cloud_init/init.cfg': `${CLOUD_INIT}# changed\n` }));
    const p = expectProblem(problems, 'Scripts/cloud_init/init.cfg', new RegExp(`^SHA-384 hash mismatch: the manifest lists ${hash('sha384', CLOUD_INIT)}, the file's hash is ${hash('sha384', `${CLOUD_INIT}# changed\n`)}$`), lineOfText(MANIFEST, hash('sha384', CLOUD_INIT)));
    expect(p.file).toBe(MF);
    expect(problems).toHaveLength(1);
  });

  it('an Algorithm/Hash block without its Source', async () => {
    const mf = replaceOnce(MANIFEST, 'Source: Scripts/cloud_init/init.cfg\n', '');
    const { problems } = await read(csar({ 't_vnf.mf': mf }));
    expectProblem(problems, '(manifest)', /^'Algorithm:' without a 'Source:' line above it; each artifact block starts with Source$/, lineOfText(mf, 'Algorithm: SHA-384'));
    expect(problems).toHaveLength(1);
  });

  it('an unsupported algorithm, a malformed hash, a half block', async () => {
    let mf = replaceOnce(MANIFEST, 'Algorithm: SHA-384', 'Algorithm: MD5');
    mf = replaceOnce(mf, `Hash: ${hash('sha512', CHARM)}`, 'Hash: 12ab');
    mf = replaceOnce(mf, `Algorithm: SHA-256\nHash: ${hash('sha256', VNFD)}`, `Hash: ${hash('sha256', VNFD)}`);
    const { problems } = await read(csar({ 't_vnf.mf': mf }));
    expectProblem(problems, 'Scripts/cloud_init/init.cfg', /^unsupported algorithm 'MD5': qnfv verifies SHA-256, SHA-384, SHA-512$/, lineOfText(mf, 'Algorithm: MD5'));
    expectProblem(problems, 'Scripts/charms/simple/metadata.yaml', /^malformed SHA-512 hash: expected 128 hexadecimal digits \(found '12ab'\)$/, lineOfText(mf, 'Hash: 12ab'));
    expectProblem(problems, 'Definitions/t_vnfd.yaml', /^'Hash:' without 'Algorithm:'$/, lineOfText(mf, `Hash: ${hash('sha256', VNFD)}`));
    expect(problems).toHaveLength(3);
  });

  it('a Source that is not in the package, or leaves it; a missing non-MANO artifact', async () => {
    let mf = replaceOnce(MANIFEST, 'Source: ChangeLog.txt', 'Source: Scripts/gone.sh');
    mf = replaceOnce(mf, 'Source: https://images.example/t-vnf/disk.qcow2', 'Source: ../outside.qcow2');
    const { problems } = await read(csar({ 't_vnf.mf': mf, 'Files/Events/ves.yaml': undefined }));
    expectProblem(problems, 'Scripts/gone.sh', /^Source 'Scripts\/gone\.sh' is not a file of the package$/, lineOfText(mf, 'Scripts/gone.sh'));
    expectProblem(problems, '../outside.qcow2', /^Source must be a path inside the package/, lineOfText(mf, '../outside.qcow2'));
    expectProblem(problems, 'Files/Events/ves.yaml', /^non-MANO artifact Source 'Files\/Events\/ves\.yaml' is not a file of the package$/, lineOfText(mf, 'Files/Events/ves.yaml'));
  });

  it('metadata: mandatory keys, RFC 3339 date, one kind of package that matches the descriptor', async () => {
    const noDate = replaceOnce(MANIFEST, '  vnf_release_date_time: 2024-01-01T10:00+03:00\n', '');
    expectProblem((await read(csar({ 't_vnf.mf': noDate }))).problems, 'metadata.vnf_release_date_time', /^'vnf_release_date_time' is a mandatory field of the manifest metadata and it is not defined$/, 1);
    const badDate = replaceOnce(MANIFEST, '2024-01-01T10:00+03:00', '2017.01.01T10:00+03:00');
    expectProblem((await read(csar({ 't_vnf.mf': badDate }))).problems, 'metadata.vnf_release_date_time', /must be a date and time as in RFC 3339/, lineOfText(badDate, '2017.01.01'));
    const none = MANIFEST.slice(METADATA.length + 1);
    expectProblem((await read(csar({ 't_vnf.mf': none }))).problems, 'metadata', /must describe a VNF package \(vnf_provider_id, .*\) or an NS package \(nsd_designer, .*\); it has neither$/, 1);
    const ns = replaceOnce(MANIFEST, METADATA, "metadata:\n  nsd_designer: a\n  nsd_invariant_id: b\n  nsd_name: c\n  nsd_release_date_time: 2024-01-01T10:00Z\n  nsd_file_structure_version: '1.0'\n");
    expectProblem((await read(csar({ 't_vnf.mf': ns }))).problems, 'metadata', /^the manifest describes an NS package \(nsd_\* keys\) but the entry definitions hold a VNFD$/, 2);
  });
});

describe('TOSCA.meta', () => {
  it.each(['TOSCA-Meta-File-Version', 'CSAR-Version', 'Created-By', 'Entry-Definitions', 'ETSI-Entry-Manifest'])('%s is mandatory', async (key) => {
    const meta = META.split('\n').filter((l) => !l.startsWith(`${key}:`)).join('\n');
    const { problems } = await read(csar({ 'TOSCA-Metadata/TOSCA.meta': meta }));
    const p = expectProblem(problems, key, new RegExp(`^'${key}' is a mandatory field of TOSCA.meta and it is not defined$`), 1);
    expect(p.file).toBe(TM);
  });

  it('names files of the package, with versions such as 1.0', async () => {
    let meta = replaceOnce(META, 'Entry-Definitions: Definitions/t_vnfd.yaml', 'Entry-Definitions: Definitions/nope.yaml');
    meta = replaceOnce(meta, 'ETSI-Entry-Change-Log: ChangeLog.txt', 'ETSI-Entry-Change-Log: ../ChangeLog.txt');
    meta = replaceOnce(meta, 'ETSI-Entry-Licenses: Licenses', 'ETSI-Entry-Licenses: Legal');
    meta = replaceOnce(meta, 'CSAR-Version: 1.1', 'CSAR-Version: one');
    const { problems } = await read(csar({ 'TOSCA-Metadata/TOSCA.meta': meta }));
    expectProblem(problems, 'Entry-Definitions', /^'Definitions\/nope\.yaml' is not a file of the package$/, 4);
    expectProblem(problems, 'ETSI-Entry-Change-Log', /^'\.\.\/ChangeLog\.txt' is not a path inside the package/, 6);
    expectProblem(problems, 'ETSI-Entry-Licenses', /^'Legal' is not a file or folder of the package$/, 7);
    expectProblem(problems, 'CSAR-Version', /^must be a version such as 1\.0 \(found 'one'\)$/, 2);
  });

  it('refuses a malformed line and a manifest without .mf', async () => {
    const meta = replaceOnce(replaceOnce(META, 'ETSI-Entry-Manifest: t_vnf.mf', 'ETSI-Entry-Manifest: t_vnf.txt'), 'Created-By: qnfv tests\n', 'Created-By: qnfv tests\nthis is not a key\n');
    const { problems } = await read(csar({ 'TOSCA-Metadata/TOSCA.meta': meta, 't_vnf.txt': MANIFEST }));
    expectProblem(problems, 'TOSCA.meta', /^malformed line: expected '<Key>: <value>' \(found 'this is not a key'\)$/, 4);
    expectProblem(problems, 'ETSI-Entry-Manifest', /must be a manifest file with the \.mf extension/);
  });
});

describe('a CSAR without TOSCA-Metadata', () => {
  const flat = (changes: Record<string, string | undefined> = {}): ZipEntry[] =>
    Object.entries({ 't_vnfd.yaml': SAMPLE_VNFD, 't_vnfd.mf': `${METADATA}\nSource: t_vnfd.yaml\nAlgorithm: SHA-256\nHash: ${hash('sha256', SAMPLE_VNFD)}\n`, 'charms/simple/metadata.yaml': CHARM, ...changes })
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([path, data]) => ({ path, data }));

  it('takes the only root YAML and its same-name .mf', async () => {
    const pkg = await read(flat(), 't_vnfd.csar');
    expect(pkg.problems).toEqual([]);
    expect(pkg.csar).toMatchObject({ entryDefinitions: 't_vnfd.yaml', manifestFile: 't_vnfd.mf' });
  });

  it('wants the .mf, one root YAML, and a package zipped from inside its folder', async () => {
    expectProblem((await read(flat({ 't_vnfd.mf': undefined }))).problems, '(package)', /^a CSAR without TOSCA-Metadata\/TOSCA\.meta must have its manifest 't_vnfd\.mf' next to 't_vnfd\.yaml' at the root$/);
    expectProblem((await read(flat({ 'other.yml': 'a: 1' }))).problems, '(package)', /^Found more than one descriptor file at the root of the CSAR: other\.yml, t_vnfd\.yaml/);
    const nested = csar().map((e) => ({ ...e, path: `t_vnf/${e.path}` }));
    expectProblem((await read(nested)).problems, '(package)', /^not a SOL004 CSAR: .*\(found t_vnf\/TOSCA-Metadata\/TOSCA\.meta: archive the package folder's contents, not the folder\)$/);
  });
});

describe('entry definitions', () => {
  it('a SOL001 TOSCA VNFD is refused as not supported yet, at its line', async () => {
    const tosca = "# SOL001\ntosca_definitions_version: tosca_simple_yaml_1_3\nimports:\n  - etsi_nfv_sol001_vnfd_types.yaml\n";
    const mf = replaceOnce(MANIFEST, hash('sha256', VNFD), hash('sha256', tosca));
    const pkg = await read(csar({ 'Definitions/t_vnfd.yaml': tosca, 't_vnf.mf': mf }));
    const p = expectProblem(pkg.problems, 'tosca_definitions_version', /^SOL001 TOSCA descriptors are not supported yet/, 2);
    expect(p.file).toBe('t_vnf.zip/Definitions/t_vnfd.yaml');
    expect(pkg.descriptorText).toBeUndefined();
  });
});

describe('zip safety', () => {
  it.each([
    ['a/XX/XX/evil.txt', 'a/../../evil.txt'],
    ['Xetc/evil.txt', '/etc/evil.txt'],
  ])('refuses the entry %s patched to %s', async (placeholder, name) => {
    const zip = renameEntry(await zipOf([...csar(), { path: placeholder, data: 'x' }]), placeholder, name);
    const { problems } = await read(zip);
    const p = expectProblem(problems, name, /^Absolute path or '\.\.' are not allowed for package descriptor zip$/);
    expect(p.file).toBe('t_vnf.zip');
  });

  it('refuses a symbolic link (Unix mode 0120000) leaving the package, keeps one inside', async () => {
    const { problems, tree } = await read([...csar(), { path: 'Scripts/escape', data: '../../etc/passwd', mode: 0o120777 }, { path: 'Scripts/init', data: 'cloud_init/init.cfg', mode: 0o120777 }]);
    expectProblem(problems, 'Scripts/escape', /^symbolic link points outside the package \(to \.\.\/\.\.\/etc\/passwd\)/);
    expect(problems).toHaveLength(1);
    expect(tree?.nodes.get('Scripts/init')).toEqual({ type: 'symlink', target: 'cloud_init/init.cfg' });
  });

  it('refuses a zip bomb entry (ratio) and a zip declaring more than maxUnpackedBytes, before inflating', async () => {
    const bomb = await zipOf([...csar(), { path: 'Files/images/zeros.img', data: Buffer.alloc(16 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const pkg = await read(bomb);
    expectProblem(pkg.problems, 'Files/images/zeros.img', /^the entry unpacks [0-9]+ bytes into 16\.0 MiB \(ratio [0-9]+:1, limit 100:1\); refused as a possible archive bomb$/);
    expect(pkg.files).toEqual([]);
    const big = await readPackage(await zipOf(csar()), { name: 'b.zip', limits: { maxUnpackedBytes: 1000 } });
    expectProblem(big.problems, '(archive)', /^the archive unpacks to [0-9]+ bytes, more than the 1000 bytes limit; refused as a possible archive bomb$/);
    const many = await readPackage(await zipOf(csar()), { name: 'm.zip', limits: { maxEntries: 4 } });
    expectProblem(many.problems, '(archive)', /^the archive has 9 entries, more than the 4 limit$/);
  });

  it('refuses what is not a zip', async () => {
    expectProblem((await read(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 1)]))).problems, '(archive)', /^not a valid zip archive: /);
  });
});
