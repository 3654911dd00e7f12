import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { ValidationError, type Problem } from '../../common/index.js';
import { checkVnfdText, parseVnfd, validateVnfd } from '../../vnfd/index.js';
import { CORPUS, expectProblem, lineOfText, OSM, replaceOnce } from './helpers.js';
import { SAMPLE_VNFD } from './sample-vnfd.js';

const problemsOf = (text: string): Problem[] => checkVnfdText(text, 't.yaml').problems;

describe('OSM hackfest_basic VNFD (public fixture, unchanged)', () => {
  const file = join(OSM, 'hackfest_basic_vnf', 'hackfest_basic_vnfd.yaml');
  const text = readFileSync(file, 'utf8');
  const vnfd = parseVnfd(text, file);

  it('is accepted with its typed view', () => {
    expect(vnfd.id).toBe('hackfest_basic-vnf');
    expect(vnfd.version).toBe('1.0'); // unquoted YAML number, kept as written
    expect(vnfd.mgmtCp).toBe('vnf-cp0-ext');
    expect(vnfd.provider).toBeUndefined();
    expect(vnfd.vdu).toHaveLength(1);
    expect(vnfd.vdu[0]).toMatchObject({
      id: 'hackfest_basic-VM',
      swImageDesc: 'ubuntu18.04',
      alternativeSwImageDesc: ['ubuntu18.04-aws', 'ubuntu18.04-azure', 'ubuntu18.04-gcp'],
      virtualComputeDesc: 'hackfest_basic-VM-compute',
      virtualStorageDesc: ['hackfest_basic-VM-storage'],
    });
    expect(vnfd.vdu[0].intCpd[0].virtualNetworkInterfaceRequirement[0]).toEqual({ name: 'vdu-eth0', virtualInterfaceType: 'PARAVIRT' });
    expect(vnfd.extCpd).toEqual([{ id: 'vnf-cp0-ext', intCpd: { vduId: 'hackfest_basic-VM', cpd: 'vdu-eth0-int' } }]);
    expect(vnfd.virtualComputeDesc).toEqual([{ id: 'hackfest_basic-VM-compute', numVirtualCpu: 1, virtualMemorySize: 1 }]);
    // max-number-of-instances is absent: SOL006 default 1.
    expect(vnfd.df[0].vduProfile).toEqual([{ id: 'hackfest_basic-VM', minNumberOfInstances: 1, maxNumberOfInstances: 1 }]);
    expect(vnfd.df[0].instantiationLevel[0].vduLevel).toEqual([{ vduId: 'hackfest_basic-VM', numberOfInstances: 1 }]);
  });

  it('keeps every field: raw equals a plain YAML load, text is the file byte for byte', () => {
    expect(vnfd.raw).toEqual(load(text));
    expect(vnfd.text).toBe(text);
    const images = (vnfd.raw.vnfd as { 'sw-image-desc': Record<string, unknown>[] })['sw-image-desc'];
    expect(images.map((i) => i['vim-type'])).toEqual([undefined, 'aws', 'azure', 'gcp']);
    expect((vnfd.raw.vnfd as Record<string, unknown>).version).toBe(1); // not rewritten in raw
  });

  it('validateVnfd accepts the loaded object too', () => {
    expect(validateVnfd(load(text), file)).toEqual([]);
  });
});

describe('OSM IM extras in the corpus', () => {
  it('reads day1-2 configuration, typed parameters and seq', () => {
    const file = join(CORPUS, 'accept', 'native_charm_vnf', 'native_charm_vnfd.yaml');
    const vnfd = parseVnfd(readFileSync(file, 'utf8'), file);
    const day12 = vnfd.df[0].day12[0];
    expect(day12.id).toBe('mgmtVM');
    expect(day12.sshAccess).toEqual({ required: true, defaultUser: 'ubuntu' });
    expect(day12.executionEnvironmentList).toEqual([{ id: 'simple-ee', juju: { charm: 'simple', proxy: false } }]);
    expect(day12.initialConfigPrimitive[0]).toEqual({
      name: 'touch',
      seq: 1,
      executionEnvironmentRef: 'simple-ee',
      parameter: [{ name: 'filename', value: '/home/ubuntu/first-touch', dataType: 'STRING' }],
    });
    expect(day12.configPrimitive[0].parameter[0].defaultValue).toBe('/home/ubuntu/touched');
  });

  it('accepts monitoring parameters and a scaling aspect that refers to them', () => {
    const file = join(CORPUS, 'accept', 'hackfest_basic_metrics_vnf', 'hackfest_basic_metrics_vnfd.yaml');
    const vnfd = parseVnfd(readFileSync(file, 'utf8'), file);
    expect(vnfd.vdu[0].monitoringParameter.map((m) => m.id)).toContain('vnf_cpu_util');
    expect(vnfd.df[0].vduProfile[0].maxNumberOfInstances).toBe(2);
  });
});

describe('VNFD semantic checks (one broken reference each, with path and line)', () => {
  it('the sample itself is valid', () => {
    expect(problemsOf(SAMPLE_VNFD)).toEqual([]);
  });

  it("VDUs require 'mgmt-cp'", () => {
    const text = replaceOnce(SAMPLE_VNFD, '  mgmt-cp: mgmt-ext\n', '');
    expectProblem(problemsOf(text), 'vnfd.mgmt-cp', /^'mgmt-cp' is a mandatory field and it is not defined$/, 1);
  });

  it('mgmt-cp must name an ext-cpd', () => {
    const text = replaceOnce(SAMPLE_VNFD, 'mgmt-cp: mgmt-ext', 'mgmt-cp: nope');
    expectProblem(problemsOf(text), 'vnfd.mgmt-cp', /^mgmt-cp='nope' must match an existing ext-cpd/, lineOfText(text, 'mgmt-cp: nope'));
  });

  it('a VNFD without VDUs needs no mgmt-cp', () => {
    const text = "vnfd:\n  id: empty\n  product-name: empty\n  version: '1'\n  df:\n  - id: default-df\n";
    expect(problemsOf(text)).toEqual([]);
  });

  it('ids are unique within their list', () => {
    const text = replaceOnce(SAMPLE_VNFD, '  - id: data-ext\n', '  - id: mgmt-ext\n');
    expectProblem(problemsOf(text), 'vnfd.ext-cpd[1].id', /^ext-cpd\[id='mgmt-ext'\] is already used by other ext-cpd \(vnfd\.ext-cpd\[0\]\)/, lineOfText(text, '  - id: mgmt-ext\n    int-virtual'));
    const dupCpd = replaceOnce(SAMPLE_VNFD, '    - id: eth1\n', '    - id: eth0\n');
    expectProblem(problemsOf(dupCpd), 'vnfd.vdu[0].int-cpd[1].id', /int-cpd\[id='eth0'\] is already used by other int-cpd/);
    const dupVdu = replaceOnce(SAMPLE_VNFD, '  ext-cpd:\n', '  - id: vm\n    name: vm2\n    sw-image-desc: img\n    virtual-compute-desc: small\n    int-cpd:\n    - id: x\n  ext-cpd:\n');
    expectProblem(problemsOf(dupVdu), 'vnfd.vdu[1].id', /vdu\[id='vm'\] is already used by other vdu/);
  });

  it('ext-cpd.int-cpd must resolve to an existing (vdu-id, cpd)', () => {
    const badVdu = replaceOnce(SAMPLE_VNFD, '      vdu-id: vm\n      cpd: eth0', '      vdu-id: ghost\n      cpd: eth0');
    expectProblem(problemsOf(badVdu), 'vnfd.ext-cpd[0].int-cpd.vdu-id', /vdu-id='ghost' matches no vdu/, lineOfText(badVdu, 'vdu-id: ghost'));
    const badCpd = replaceOnce(SAMPLE_VNFD, '      cpd: eth0', '      cpd: eth9');
    expectProblem(problemsOf(badCpd), 'vnfd.ext-cpd[0].int-cpd.cpd', /^ext-cpd\[id='mgmt-ext'\]:int-cpd must match an existing vdu int-cpd: vdu 'vm' has no int-cpd 'eth9'/, lineOfText(badCpd, 'cpd: eth9'));
  });

  it('ext-cpd binds to an int-cpd or an internal VL, not both; the VL must exist', () => {
    const both = replaceOnce(SAMPLE_VNFD, '      cpd: eth0\n', '      cpd: eth0\n    int-virtual-link-desc: internal\n');
    expectProblem(problemsOf(both), 'vnfd.ext-cpd[0]', /has both int-cpd and int-virtual-link-desc/, lineOfText(both, '  - id: mgmt-ext'));
    const badVl = replaceOnce(SAMPLE_VNFD, '  - id: data-ext\n    int-virtual-link-desc: internal', '  - id: data-ext\n    int-virtual-link-desc: nowhere');
    expectProblem(problemsOf(badVl), 'vnfd.ext-cpd[1].int-virtual-link-desc', /int-virtual-link-desc='nowhere' must match an existing int-virtual-link-desc/, lineOfText(badVl, 'int-virtual-link-desc: nowhere'));
  });

  it('int-cpd.int-virtual-link-desc must resolve', () => {
    const text = replaceOnce(SAMPLE_VNFD, '    - id: eth1\n      int-virtual-link-desc: internal', '    - id: eth1\n      int-virtual-link-desc: external');
    expectProblem(
      problemsOf(text),
      'vnfd.vdu[0].int-cpd[1].int-virtual-link-desc',
      /^vdu\[id='vm'\]:int-cpd\[id='eth1'\]:int-virtual-link-desc='external' must match an existing int-virtual-link-desc/,
      lineOfText(text, 'int-virtual-link-desc: external'),
    );
  });

  it("a VDU's image, compute and storage references must resolve", () => {
    let text = replaceOnce(SAMPLE_VNFD, '    sw-image-desc: img', '    sw-image-desc: imgX');
    text = replaceOnce(text, '    virtual-compute-desc: small', '    virtual-compute-desc: huge');
    text = replaceOnce(text, '    - disk', '    - tape');
    const problems = problemsOf(text);
    expectProblem(problems, 'vnfd.vdu[0].sw-image-desc', /sw-image-desc='imgX' does not match any sw-image-desc id/, lineOfText(text, 'sw-image-desc: imgX'));
    expectProblem(problems, 'vnfd.vdu[0].virtual-compute-desc', /^vdu\[virtual-compute-desc='huge'\] not defined in vnfd/, lineOfText(text, 'virtual-compute-desc: huge'));
    expectProblem(problems, 'vnfd.vdu[0].virtual-storage-desc[0]', /virtual-storage-desc='tape'\] not defined in vnfd/, lineOfText(text, '- tape'));
  });

  it('vdu-profile and instantiation-level must name VDUs; min <= max', () => {
    let text = replaceOnce(SAMPLE_VNFD, '    - id: vm\n      min-number-of-instances: 1', '    - id: vmX\n      min-number-of-instances: 3');
    text = replaceOnce(text, '      - vdu-id: vm\n', '      - vdu-id: vmY\n');
    const problems = problemsOf(text);
    expectProblem(problems, 'vnfd.df[0].vdu-profile[0].id', /^df\[id='default-df'\]:vdu-profile id='vmX' does not match any vdu id \(vdu ids: 'vm'\)/, lineOfText(text, '- id: vmX'));
    expectProblem(problems, 'vnfd.df[0].vdu-profile[0].max-number-of-instances', /max-number-of-instances \(2\) must be >= min-number-of-instances \(3\)/, lineOfText(text, 'max-number-of-instances: 2'));
    expectProblem(problems, 'vnfd.df[0].instantiation-level[0].vdu-level[0].vdu-id', /vdu-id='vmY' does not match any vdu id/, lineOfText(text, 'vdu-id: vmY'));
  });

  it('day1-2: id names the VNFD or a VDU, execution-environment refs and external CP refs resolve', () => {
    let text = replaceOnce(SAMPLE_VNFD, '        - id: t-vnf', '        - id: someone');
    text = replaceOnce(text, '            execution-environment-ref: ee', '            execution-environment-ref: ee2');
    text = replaceOnce(text, 'external-connection-point-ref: mgmt-ext', 'external-connection-point-ref: nope-ext');
    const problems = problemsOf(text);
    const base = 'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2[0]';
    expectProblem(problems, `${base}.id`, /day1-2 id='someone' names neither the VNFD \('t-vnf'\) nor any vdu/, lineOfText(text, '- id: someone'));
    expectProblem(
      problems,
      `${base}.config-primitive[0].execution-environment-ref`,
      /^day1-2\[id='someone'\]:config-primitive\[name='touch'\]:execution-environment-ref='ee2' does not match any execution-environment-list id \(ids: 'ee'\)$/,
      lineOfText(text, 'execution-environment-ref: ee2'),
    );
    expectProblem(problems, `${base}.execution-environment-list[0].external-connection-point-ref`, /external-connection-point-ref='nope-ext' does not match any ext-cpd/, lineOfText(text, 'nope-ext'));
  });

  it('scaling aspects refer to VDUs and monitoring parameters', () => {
    const file = join(CORPUS, 'accept', 'hackfest_basic_metrics_vnf', 'hackfest_basic_metrics_vnfd.yaml');
    let text = replaceOnce(readFileSync(file, 'utf8'), 'vnf-monitoring-param-ref: vnf_cpu_util', 'vnf-monitoring-param-ref: vnf_gpu_util');
    text = replaceOnce(text, '          - id: hackfest_basic_metrics-VM\n            number-of-instances: 1', '          - id: other-VM\n            number-of-instances: 1');
    const problems = problemsOf(text);
    expectProblem(problems, 'vnfd.df[0].scaling-aspect[0].scaling-policy[0].scaling-criteria[0].vnf-monitoring-param-ref', /vnf-monitoring-param-ref='vnf_gpu_util' not defined in any monitoring-param/, lineOfText(text, 'vnf_gpu_util'));
    expectProblem(problems, 'vnfd.df[0].scaling-aspect[0].aspect-delta-details.deltas[0].vdu-delta[0].id', /vdu-id='other-VM' not defined in vdu/, lineOfText(text, '- id: other-VM'));
  });

  it('collects every problem of a descriptor into one list and one ValidationError', () => {
    let text = replaceOnce(SAMPLE_VNFD, 'mgmt-cp: mgmt-ext', 'mgmt-cp: nope');
    text = replaceOnce(text, '      - vdu-id: vm\n', '      - vdu-id: vmY\n');
    text = replaceOnce(text, '      num-virtual-cpu: 1', '      num-virtual-cpu: two');
    expect(problemsOf(text)).toHaveLength(3);
    let thrown: unknown;
    try {
      parseVnfd(text, 't.yaml');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const err = thrown as ValidationError;
    expect(err.problems).toHaveLength(3);
    expect(err.message).toContain(`vnfd.mgmt-cp: mgmt-cp='nope' must match an existing ext-cpd`);
    expect(err.message).toContain(`(t.yaml:${lineOfText(text, 'mgmt-cp: nope')})`);
  });
});

describe('VNFD schema errors (path and line)', () => {
  it('missing mandatory fields are reported at the field, on the parent line', () => {
    const text = replaceOnce(SAMPLE_VNFD, '  product-name: t-vnf\n', '');
    expectProblem(problemsOf(text), 'vnfd.product-name', /^'product-name' is a mandatory field and it is not defined$/, 1);
    const noName = replaceOnce(SAMPLE_VNFD, '    name: vm\n', '');
    expectProblem(problemsOf(noName), 'vnfd.vdu[0].name', /'name' is a mandatory field/, lineOfText(noName, '  - id: vm\n    sw-image'));
    const noCpd = replaceOnce(SAMPLE_VNFD, '      vdu-id: vm\n      cpd: eth0\n', '      vdu-id: vm\n');
    expectProblem(problemsOf(noCpd), 'vnfd.ext-cpd[0].int-cpd.cpd', /'cpd' is a mandatory field/, lineOfText(noCpd, '    int-cpd:\n      vdu-id: vm'));
  });

  it('a VDU needs an image and a compute description unless it is a PDU', () => {
    const text = replaceOnce(SAMPLE_VNFD, '    sw-image-desc: img\n', '');
    expectProblem(problemsOf(text), 'vnfd.vdu[0].sw-image-desc', /'sw-image-desc' is a mandatory field/);
    const pdu = replaceOnce(text, '    virtual-compute-desc: small\n', '    pdu-type: gateway\n');
    expect(problemsOf(pdu).filter((p) => p.path.startsWith('vnfd.vdu[0].'))).toEqual([]);
  });

  it('wrong types name the expected type and what was found', () => {
    const cpu = replaceOnce(SAMPLE_VNFD, 'num-virtual-cpu: 1', 'num-virtual-cpu: two');
    expectProblem(problemsOf(cpu), 'vnfd.virtual-compute-desc[0].virtual-cpu.num-virtual-cpu', /^must be an integer from 0 to 65535 \(found 'two'\)$/, lineOfText(cpu, 'num-virtual-cpu: two'));
    const neg = replaceOnce(SAMPLE_VNFD, 'min-number-of-instances: 1', 'min-number-of-instances: -1');
    expectProblem(problemsOf(neg), 'vnfd.df[0].vdu-profile[0].min-number-of-instances', /must be an integer from 0 to 65535 \(found -1\)/, lineOfText(neg, 'min-number-of-instances: -1'));
    const version = replaceOnce(SAMPLE_VNFD, "version: '1.0'", 'version: [1]');
    expectProblem(problemsOf(version), 'vnfd.version', /^must be a string or a number \(OSM writes 'version: 1.0' unquoted\) \(found a list\)$/, 4);
    const cpds = replaceOnce(SAMPLE_VNFD, '    int-cpd:\n    - id: eth0\n    - id: eth1\n      int-virtual-link-desc: internal\n', '    int-cpd: eth0\n');
    expectProblem(problemsOf(cpds), 'vnfd.vdu[0].int-cpd', /^must be a list \(found 'eth0'\)$/, lineOfText(cpds, 'int-cpd: eth0'));
    const ssh = replaceOnce(SAMPLE_VNFD, '        - id: t-vnf\n', '        - id: t-vnf\n          config-access:\n            ssh-access:\n              required: maybe\n');
    expectProblem(problemsOf(ssh), 'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2[0].config-access.ssh-access.required', /must be a boolean \(true or false\) \(found 'maybe'\)/, lineOfText(ssh, 'required: maybe'));
  });

  it('accepts what OSM accepts: digit strings for numbers, version as a number, extra fields', () => {
    let text = replaceOnce(SAMPLE_VNFD, 'min-number-of-instances: 1', "min-number-of-instances: '1'");
    text = replaceOnce(text, "version: '1.0'", 'version: 2.10');
    text = replaceOnce(text, '  mgmt-cp: mgmt-ext\n', '  mgmt-cp: mgmt-ext\n  vendor-specific:\n    anything: [1, 2]\n');
    const vnfd = parseVnfd(text, 't.yaml');
    expect(vnfd.version).toBe('2.10');
    expect(vnfd.df[0].vduProfile[0].minNumberOfInstances).toBe(1);
    expect((vnfd.raw.vnfd as Record<string, unknown>)['vendor-specific']).toEqual({ anything: [1, 2] });
  });

  it('accepts the RFC 7951 module-qualified envelope etsi-nfv-vnfd:vnfd', () => {
    const text = replaceOnce(SAMPLE_VNFD, 'vnfd:\n  id: t-vnf', 'etsi-nfv-vnfd:vnfd:\n  id: t-vnf');
    expect(parseVnfd(text).rootKey).toBe('etsi-nfv-vnfd:vnfd');
    const broken = replaceOnce(text, 'mgmt-cp: mgmt-ext', 'mgmt-cp: x');
    expectProblem(problemsOf(broken), 'etsi-nfv-vnfd:vnfd.mgmt-cp', /must match an existing ext-cpd/);
  });

  it('validateVnfd on an object reports paths and file, no lines', () => {
    const obj = load(replaceOnce(SAMPLE_VNFD, 'mgmt-cp: mgmt-ext', 'mgmt-cp: x'));
    const problems = validateVnfd(obj, 'from-api.json');
    expect(problems).toEqual([{ path: 'vnfd.mgmt-cp', message: expect.stringMatching(/mgmt-cp='x'/), file: 'from-api.json' }]);
  });
});

describe('descriptor format', () => {
  it.each([
    ['vnfd:vnfd-catalog', 'vnfd:vnfd-catalog:\n  vnfd:vnfd:\n  - vnfd:id: x\n'],
    ['vnfd-catalog', '# header\nvnfd-catalog:\n  vnfd:\n  - id: x\n'],
  ])('refuses the pre-SOL006 %s format and says how to convert', (key, text) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expectProblem(problems, key, /^ERROR: Unsupported descriptor format\. Please, use an ETSI SOL006 descriptor\. .*pre-SOL006.*osm package-translate/, lineOfText(text, `${key}:`));
  });

  it('refuses an NSD given as a VNFD, and a document without vnfd', () => {
    expectProblem(problemsOf('nsd:\n  nsd: []\n'), 'nsd', /expected a VNFD \(top-level 'vnfd'\) but this document is an NSD/, 1);
    expectProblem(problemsOf('other: 1\n'), 'vnfd', /'vnfd' is a mandatory field and it is not defined \(top-level keys: other\)/);
    expectProblem(problemsOf('- a\n'), '(root)', /must be a mapping/);
  });

  it('reports YAML syntax errors with file and line', () => {
    const { problems } = checkVnfdText('vnfd:\n  id: [x\n', 'broken.yaml');
    expect(problems).toEqual([expect.objectContaining({ path: '(yaml)', file: 'broken.yaml', line: expect.any(Number) })]);
  });
});
