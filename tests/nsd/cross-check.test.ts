import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNsdAgainstVnfds, parseNsd } from '../../nsd/index.js';
import { parseVnfd, type Vnfd } from '../../vnfd/index.js';
import { CORPUS, expectProblem, lineOfText, OSM, replaceOnce } from '../vnfd/helpers.js';
import { SAMPLE_VNFD } from '../vnfd/sample-vnfd.js';
import { SAMPLE_NSD } from './sample-nsd.js';

const byId = (...vnfds: Vnfd[]): Map<string, Vnfd> => new Map(vnfds.map((v) => [v.id, v]));
const read = (...parts: string[]): string => readFileSync(join(...parts), 'utf8');

describe('checkNsdAgainstVnfds on public OSM packages', () => {
  it.each([
    [join(OSM, 'hackfest_basic_ns', 'hackfest_basic_nsd.yaml'), join(OSM, 'hackfest_basic_vnf', 'hackfest_basic_vnfd.yaml')],
    [join(CORPUS, 'accept', 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml'), join(CORPUS, 'accept', 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml')],
    [join(CORPUS, 'accept', 'slice_basic_middle_ns', 'slice_basic_middle_nsd.yaml'), join(CORPUS, 'accept', 'slice_basic_middle_vnf', 'slice_basic_middle_vnfd.yaml')],
  ])('%s resolves against its VNFD', (nsdFile, vnfdFile) => {
    const nsd = parseNsd(read(nsdFile), nsdFile);
    const vnfd = parseVnfd(read(vnfdFile), vnfdFile);
    expect(checkNsdAgainstVnfds(nsd, byId(vnfd))).toEqual([]);
  });

  it('interdomain_ns needs interdomain-vnf, which is not onboarded', () => {
    const file = join(CORPUS, 'accept', 'interdomain_ns', 'interdomain_nsd.yaml');
    const text = read(file);
    const problems = checkNsdAgainstVnfds(parseNsd(text, file), new Map());
    expectProblem(problems, 'nsd.nsd[0].vnfd-id[0]', /^Descriptor error at 'vnfd-id'='interdomain-vnf' references a non existing vnfd/, lineOfText(text, '    - interdomain-vnf'));
    expect(problems).toHaveLength(1);
  });
});

describe('checkNsdAgainstVnfds (path and line in the NSD)', () => {
  const vnfd = parseVnfd(SAMPLE_VNFD, 'v.yaml');

  it('the samples resolve', () => {
    expect(checkNsdAgainstVnfds(parseNsd(SAMPLE_NSD, 'n.yaml'), byId(vnfd))).toEqual([]);
  });

  it('every constituent-cpd-id is an ext-cpd of the VNFD of its profile', () => {
    const text = replaceOnce(SAMPLE_NSD, 'constituent-cpd-id: data-ext\n            ip-address', 'constituent-cpd-id: lan-ext\n            ip-address');
    const problems = checkNsdAgainstVnfds(parseNsd(text, 'n.yaml'), byId(vnfd));
    const p = expectProblem(
      problems,
      'nsd.nsd[0].df[0].vnf-profile[0].virtual-link-connectivity[1].constituent-cpd-id[0].constituent-cpd-id',
      /^Error at df\[id='default-df'\]:vnf-profile\[id='a'\]:virtual-link-connectivity\[virtual-link-profile-id='lan-a'\]:constituent-cpd-id='lan-ext' references a non existing ext-cpd:id inside vnfd 't-vnf'/,
      lineOfText(text, 'constituent-cpd-id: lan-ext'),
    );
    expect(p.file).toBe('n.yaml');
  });

  it('every vnfd-id is onboarded; a flavour-id names a df of that VNFD', () => {
    const text = replaceOnce(SAMPLE_NSD, '      - id: a\n        vnfd-id: t-vnf\n', '      - id: a\n        vnfd-id: t-vnf\n        flavour-id: big-df\n');
    const problems = checkNsdAgainstVnfds(parseNsd(text, 'n.yaml'), byId(vnfd));
    expectProblem(problems, 'nsd.nsd[0].df[0].vnf-profile[0].flavour-id', /^flavour-id='big-df' is not a df of vnfd 't-vnf' \(dfs: 'default-df'\)$/, lineOfText(text, 'flavour-id: big-df'));
    const missing = checkNsdAgainstVnfds(parseNsd(SAMPLE_NSD, 'n.yaml'), new Map());
    expect(missing.map((p) => [p.path, p.line])).toEqual([['nsd.nsd[0].vnfd-id[0]', lineOfText(SAMPLE_NSD, '    - t-vnf')]]);
  });

  it("a SAP on a VNF's external CP names an ext-cpd of that VNFD", () => {
    const text = replaceOnce(SAMPLE_NSD, '      virtual-link-desc: lan-a\n', '      vnf:\n        vnfd-id: t-vnf\n        ext-cpd-id: wan-ext\n');
    const problems = checkNsdAgainstVnfds(parseNsd(text, 'n.yaml'), byId(vnfd));
    expectProblem(problems, 'nsd.nsd[0].sapd[0].vnf.ext-cpd-id', /^sapd\[id='sap-a'\]:vnf:ext-cpd-id='wan-ext' references a non existing ext-cpd:id inside vnfd 't-vnf' \(ext-cpd ids: 'mgmt-ext', 'data-ext'\)$/, lineOfText(text, 'ext-cpd-id: wan-ext'));
  });
});
