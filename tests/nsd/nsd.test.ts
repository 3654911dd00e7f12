import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { ValidationError, type Problem } from '../../common/index.js';
import { checkNsdText, parseNsd, validateNsd } from '../../nsd/index.js';
import { CORPUS, expectProblem, lineOfText, OSM, replaceOnce } from '../vnfd/helpers.js';
import { SAMPLE_NSD } from './sample-nsd.js';

const problemsOf = (text: string): Problem[] => checkNsdText(text, 'n.yaml').problems;
const EL = 'nsd.nsd[0]';

describe('OSM hackfest_basic NSD (public fixture, unchanged)', () => {
  const file = join(OSM, 'hackfest_basic_ns', 'hackfest_basic_nsd.yaml');
  const text = readFileSync(file, 'utf8');
  const nsd = parseNsd(text, file);

  it('is accepted with its typed view', () => {
    expect(nsd).toMatchObject({ id: 'hackfest_basic-ns', name: 'hackfest_basic-ns', version: '1.0', vnfdId: ['hackfest_basic-vnf'] });
    expect(nsd.virtualLinkDesc).toEqual([{ id: 'mgmtnet', mgmtNetwork: true }]);
    expect(nsd.df).toEqual([
      {
        id: 'default-df',
        vnfProfile: [
          {
            id: 'vnf',
            vnfdId: 'hackfest_basic-vnf',
            minNumberOfInstances: 1,
            maxNumberOfInstances: 1,
            virtualLinkConnectivity: [{ virtualLinkProfileId: 'mgmtnet', constituentCpdId: [{ constituentBaseElementId: 'vnf', constituentCpdId: 'vnf-cp0-ext' }] }],
          },
        ],
        virtualLinkProfile: [],
      },
    ]);
  });

  it('keeps every field: raw equals a plain YAML load, text is the file byte for byte', () => {
    expect(nsd.raw).toEqual(load(text));
    expect(nsd.text).toBe(text);
    expect(nsd.element).toBe((nsd.raw.nsd as { nsd: unknown[] }).nsd[0]);
    expect(validateNsd(load(text))).toEqual([]);
  });
});

describe('NSDs of the corpus', () => {
  it('keeps fixed IP addresses, quoted ids and vim-network-name', () => {
    const file = join(CORPUS, 'accept', 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml');
    const nsd = parseNsd(readFileSync(file, 'utf8'), file);
    expect(nsd.version).toBe('1.0');
    expect(nsd.virtualLinkDesc).toEqual([
      { id: 'mgmtnet', mgmtNetwork: true, vimNetworkName: 'osm-ext' },
      { id: 'datanet', mgmtNetwork: false, vimNetworkName: 'osm-ext' },
    ]);
    expect(nsd.df[0].vnfProfile[0].virtualLinkConnectivity[0].constituentCpdId[0]).toEqual({ constituentBaseElementId: '1', constituentCpdId: 'vnf-mgmt-ext', ipAddress: '172.21.18.81' });
  });

  it('reads SAPs and the designer', () => {
    const file = join(CORPUS, 'accept', 'slice_basic_middle_ns', 'slice_basic_middle_nsd.yaml');
    const nsd = parseNsd(readFileSync(file, 'utf8'), file);
    expect(nsd.designer).toBe('OSM');
    expect(nsd.sapd).toEqual([
      { id: 'nsd_cp_mgmt', virtualLinkDesc: 'nsd_vnfd_vld_mgmt' },
      { id: 'nsd_cp_data1', virtualLinkDesc: 'nsd_vnfd_vld_data1' },
      { id: 'nsd_cp_data2', virtualLinkDesc: 'nsd_vnfd_vld_data2' },
    ]);
  });
});

describe('NSD semantic checks (path and line)', () => {
  it('the sample itself is valid (virtual-link-profile-id may name a df virtual-link-profile)', () => {
    expect(problemsOf(SAMPLE_NSD)).toEqual([]);
  });

  it('nsd.nsd holds exactly one element', () => {
    const two = `${SAMPLE_NSD}  - id: second\n    name: second\n    version: '1'\n    vnfd-id: [t-vnf]\n    df: [{id: d}]\n`;
    expectProblem(problemsOf(two), 'nsd.nsd', /^'nsd' must be a list of only one element \(found 2\)/, 2);
    expectProblem(problemsOf('nsd:\n  nsd: []\n'), 'nsd.nsd', /must have at least 1 item/, 2);
  });

  it('vnf-profile.vnfd-id must be in vnfd-id (OSM message)', () => {
    const text = replaceOnce(SAMPLE_NSD, '      - id: b\n        vnfd-id: t-vnf', '      - id: b\n        vnfd-id: other-vnf');
    expectProblem(
      problemsOf(text),
      `${EL}.df[0].vnf-profile[1].vnfd-id`,
      /^Error at df\[id='default-df'\]:vnf_profile\[id='b'\]:vnfd-id='other-vnf' does not match any vnfd-id/,
      lineOfText(text, 'vnfd-id: other-vnf'),
    );
  });

  it('virtual-link-profile-id must name a virtual-link-desc or a df virtual-link-profile', () => {
    const text = replaceOnce(SAMPLE_NSD, 'virtual-link-profile-id: lan-a', 'virtual-link-profile-id: lan-z');
    expectProblem(problemsOf(text), `${EL}.df[0].vnf-profile[0].virtual-link-connectivity[1].virtual-link-profile-id`, /^virtual-link-profile-id='lan-z' matches no virtual-link-desc/, lineOfText(text, 'lan-z'));
  });

  it('constituent-base-element-id must name a vnf-profile of the same df', () => {
    const text = replaceOnce(SAMPLE_NSD, '          - constituent-base-element-id: b\n', '          - constituent-base-element-id: c\n');
    expectProblem(
      problemsOf(text),
      `${EL}.df[0].vnf-profile[1].virtual-link-connectivity[0].constituent-cpd-id[0].constituent-base-element-id`,
      /^constituent-base-element-id='c' does not name a vnf-profile of df 'default-df' \(vnf-profile ids: 'a', 'b'\)$/,
      lineOfText(text, 'constituent-base-element-id: c'),
    );
  });

  it('ids are unique; SAPs and df virtual-link-profiles name existing links', () => {
    let text = replaceOnce(SAMPLE_NSD, '    - id: lan-a\n', '    - id: mgmtnet\n');
    text = replaceOnce(text, '      virtual-link-desc-id: wan', '      virtual-link-desc-id: wan2');
    const problems = problemsOf(text);
    expectProblem(problems, `${EL}.virtual-link-desc[1].id`, /virtual-link-desc\[id='mgmtnet'\] is already used by other virtual-link-desc/, lineOfText(text, '    - id: mgmtnet\n    - id: wan'));
    expectProblem(problems, `${EL}.sapd[0].virtual-link-desc`, /sapd\[id='sap-a'\]:virtual-link-desc='lan-a' does not match any virtual-link-desc id/);
    expectProblem(problems, `${EL}.df[0].virtual-link-profile[0].virtual-link-desc-id`, /virtual-link-desc-id='wan2' does not match any virtual-link-desc id/, lineOfText(text, 'wan2'));
  });

  it('a management link carries no virtual-link-protocol-data (OSM rule)', () => {
    const text = replaceOnce(SAMPLE_NSD, '      - id: wan-profile\n        virtual-link-desc-id: wan\n', '      - id: m\n        virtual-link-desc-id: mgmtnet\n        virtual-link-protocol-data: {}\n');
    expectProblem(problemsOf(text), `${EL}.df[0].virtual-link-profile[0].virtual-link-protocol-data`, /You cannot set a virtual-link-protocol-data when mgmt-network is True/);
  });
});

describe('NSD links, addresses and SAPs (path and line)', () => {
  it('a virtual-link-profile flavour-id names a df of its virtual link; link dfs are unique', () => {
    let text = replaceOnce(SAMPLE_NSD, '    - id: wan\n', '    - id: wan\n      df:\n      - id: fast\n      - id: fast\n');
    text = replaceOnce(text, '        virtual-link-desc-id: wan\n', '        virtual-link-desc-id: wan\n        flavour-id: slow\n');
    const problems = problemsOf(text);
    expectProblem(problems, `${EL}.df[0].virtual-link-profile[0].flavour-id`, /^flavour-id='slow' is not a df of virtual-link-desc 'wan' \(dfs: 'fast'\)$/, lineOfText(text, 'flavour-id: slow'));
    expectProblem(problems, `${EL}.virtual-link-desc[2].df[1].id`, /^df\[id='fast'\] is already used by other df/, lineOfText(text, '      - id: fast\n    sapd:'));
    expect(parseNsd(replaceOnce(text, 'flavour-id: slow', 'flavour-id: fast').replace('      - id: fast\n      - id: fast\n', '      - id: fast\n')).df[0].virtualLinkProfile).toEqual([{ id: 'wan-profile', virtualLinkDescId: 'wan', flavourId: 'fast' }]);
  });

  it('a fixed ip-address is given once per virtual link', () => {
    const text = replaceOnce(SAMPLE_NSD, '            constituent-cpd-id: data-ext\n    qnfv', '            constituent-cpd-id: data-ext\n            ip-address: 10.0.0.1\n        - virtual-link-profile-id: lan-a\n          constituent-cpd-id:\n          - constituent-base-element-id: b\n            constituent-cpd-id: mgmt-ext\n            ip-address: 10.0.0.1\n    qnfv');
    const problems = problemsOf(text);
    expectProblem(problems, `${EL}.df[0].vnf-profile[1].virtual-link-connectivity[1].constituent-cpd-id[0].ip-address`, /^ip-address '10\.0\.0\.1' on virtual link 'lan-a' is already given to ext-cpd 'data-ext' of vnf-profile 'a'$/, lineOfText(text, 'mgmt-ext\n            ip-address: 10.0.0.1') + 1);
    expect(problems).toHaveLength(1); // the same address on the WAN link is fine
  });

  it('an external CP attaches to one virtual link', () => {
    const text = replaceOnce(SAMPLE_NSD, '            constituent-cpd-id: mgmt-ext\n        - virtual-link-profile-id: lan-a', '            constituent-cpd-id: data-ext\n        - virtual-link-profile-id: lan-a');
    expectProblem(
      problemsOf(text),
      `${EL}.df[0].vnf-profile[0].virtual-link-connectivity[1].constituent-cpd-id[0].constituent-cpd-id`,
      /^ext-cpd 'data-ext' of vnf-profile 'a' is connected to virtual links 'mgmtnet' and 'lan-a'; an external CP attaches to one link$/,
      lineOfText(text, 'constituent-cpd-id: data-ext\n            ip-address'),
    );
  });

  it('a SAP is on a virtual link or on a VNF external CP of a listed VNFD', () => {
    const both = replaceOnce(SAMPLE_NSD, '      virtual-link-desc: lan-a\n', '      virtual-link-desc: lan-a\n      vnf:\n        vnfd-id: other-vnf\n        ext-cpd-id: data-ext\n');
    const problems = problemsOf(both);
    expectProblem(problems, `${EL}.sapd[0]`, /^sapd\[id='sap-a'\] has both virtual-link-desc and vnf/, lineOfText(both, '- id: sap-a'));
    expectProblem(problems, `${EL}.sapd[0].vnf.vnfd-id`, /^sapd\[id='sap-a'\]:vnf:vnfd-id='other-vnf' does not match any vnfd-id \(vnfd-id: 't-vnf'\)$/, lineOfText(both, 'vnfd-id: other-vnf'));
    const onVnf = replaceOnce(SAMPLE_NSD, '      virtual-link-desc: lan-a\n', '      vnf:\n        vnfd-id: t-vnf\n        ext-cpd-id: data-ext\n');
    expect(parseNsd(onVnf).sapd).toEqual([{ id: 'sap-a', vnf: { vnfdId: 't-vnf', extCpdId: 'data-ext' } }]);
  });

  it("vim-network-name, when given, is not empty", () => {
    const text = replaceOnce(SAMPLE_NSD, '    - id: lan-a\n', "    - id: lan-a\n      vim-network-name: ''\n");
    expectProblem(problemsOf(text), `${EL}.virtual-link-desc[1].vim-network-name`, /^must be a non-empty string \(found ''\)$/, lineOfText(text, 'vim-network-name'));
  });
});

describe('NSD schema errors (path and line)', () => {
  it('mandatory fields, types and IP addresses', () => {
    let text = replaceOnce(SAMPLE_NSD, '    name: t-ns\n', '');
    text = replaceOnce(text, 'ip-address: 10.0.0.1', 'ip-address: 10.0.0.300');
    text = replaceOnce(text, '      mgmt-network: true', '      mgmt-network: yes');
    const problems = problemsOf(text);
    expectProblem(problems, `${EL}.name`, /^'name' is a mandatory field and it is not defined$/, 3);
    expectProblem(problems, `${EL}.df[0].vnf-profile[0].virtual-link-connectivity[1].constituent-cpd-id[0].ip-address`, /^must be an IPv4 or IPv6 address \(found '10\.0\.0\.300'\)$/, lineOfText(text, '10.0.0.300'));
    expectProblem(problems, `${EL}.virtual-link-desc[0].mgmt-network`, /must be a boolean \(true or false\) \(found 'yes'\)/, lineOfText(text, 'mgmt-network: yes'));
  });

  it('accepts IPv6 constituent addresses and extra SOL006 fields', () => {
    let text = replaceOnce(SAMPLE_NSD, 'ip-address: 10.0.0.1', "ip-address: '2001:db8::1'");
    text = replaceOnce(text, '    - id: wan\n', '    - id: wan\n      connectivity-type:\n        layer-protocol: [ipv4]\n      df:\n      - id: fast\n        qos: {latency: 10}\n');
    expect(problemsOf(text)).toEqual([]);
  });
});

describe('descriptor format', () => {
  it('refuses the pre-SOL006 nsd:nsd-catalog and nsd-catalog formats', () => {
    for (const key of ['nsd:nsd-catalog', 'nsd-catalog']) {
      const problems = problemsOf(`${key}:\n  nsd:\n  - id: x\n`);
      expect(problems).toHaveLength(1);
      expectProblem(problems, key, /^ERROR: Unsupported descriptor format\. Please, use an ETSI SOL006 descriptor\..*osm package-translate/, 1);
    }
  });

  it('refuses a VNFD given as an NSD', () => {
    expectProblem(problemsOf('vnfd:\n  id: x\n'), 'vnfd', /expected an NSD \(top-level 'nsd'\) but this document is a VNFD/);
  });

  it('parseNsd throws one ValidationError with every problem', () => {
    let text = replaceOnce(SAMPLE_NSD, 'virtual-link-profile-id: lan-a', 'virtual-link-profile-id: lan-z');
    text = replaceOnce(text, '    - t-vnf\n', '    - t-vnf\n    - t-vnf\n');
    let thrown: unknown;
    try {
      parseNsd(text, 'n.yaml');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).problems.map((p) => p.path)).toEqual([
      `${EL}.vnfd-id[1]`,
      `${EL}.df[0].vnf-profile[0].virtual-link-connectivity[1].virtual-link-profile-id`,
    ]);
  });
});
