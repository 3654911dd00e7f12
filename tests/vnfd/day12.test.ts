/**
 * The day-1/2 part of the VNFD model (OSM IM `df.lcm-operations-configuration.operate-vnf-op-config
 * .day1-2`), scaling config actions and flavour levels: each new rule with a failing descriptor
 * (path, message, line), and the accessors the NFVO/VCA use (targets, primitives in order,
 * parameter resolution as OSM's LCM does it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../../common/index.js';
import { checkVnfdText, day12Target, day12Targets, findPrimitive, parseVnfd, resolvePrimitiveParameters, type Day12Primitive } from '../../vnfd/index.js';
import { CORPUS, expectProblem, lineOfText, replaceOnce } from './helpers.js';
import { SAMPLE_VNFD } from './sample-vnfd.js';

const problemsOf = (text: string): Problem[] => checkVnfdText(text, 't.yaml').problems;
const BASE = 'vnfd.df[0].lcm-operations-configuration.operate-vnf-op-config.day1-2';

/** The sample VNFD with a VNF-level configuration (day 1, 2 and terminate) and a VDU-level one. */
const DAY12 = replaceOnce(
  SAMPLE_VNFD,
  `          config-primitive:
          - name: touch
            execution-environment-ref: ee
`,
  `          initial-config-primitive:
          - seq: 2
            name: configure
            execution-environment-ref: ee
            parameter:
            - name: ssh-hostname
              value: <rw_mgmt_ip>
            - name: tunnel_id
              data-type: INTEGER
              value: <tunnel_id>
          - seq: '1'
            name: prepare
            parameter:
            - name: mode
              value: fast
          config-primitive:
          - name: touch
            execution-environment-ref: ee
            parameter:
            - name: filename
              data-type: STRING
              default-value: /tmp/touched
            - name: count
              data-type: INTEGER
              default-value: 1
            - name: verbose
              data-type: BOOLEAN
              mandatory: false
            - name: peer
              data-type: STRING
          terminate-config-primitive:
          - seq: 1
            name: cleanup
            execution-environment-ref: ee
        - id: vm
          config-access:
            ssh-access:
              required: true
              default-user: ubuntu
          execution-environment-list:
          - id: vm-ee
            helm-chart: eechart
            helm-version: v3
          config-primitive:
          - name: restart
    scaling-aspect:
    - id: scale-vm
      max-scale-level: 2
      aspect-delta-details:
        deltas:
        - id: one-more
          vdu-delta:
          - id: vm
            number-of-instances: 1
      scaling-config-action:
      - trigger: post-scale-out
        vnf-config-primitive-name-ref: touch
`,
);

describe('day1-2 model checks (path and line)', () => {
  it('the day1-2 sample is valid and typed', () => {
    expect(problemsOf(DAY12)).toEqual([]);
    const df = parseVnfd(DAY12).df[0];
    expect(df.scalingAspect).toEqual([{ id: 'scale-vm', maxScaleLevel: 2, vduDelta: [{ vduId: 'vm', numberOfInstances: 1 }], scalingConfigAction: [{ trigger: 'post-scale-out', vnfConfigPrimitiveNameRef: 'touch' }] }]);
    expect(df.day12[1].executionEnvironmentList).toEqual([{ id: 'vm-ee', helmChart: 'eechart', helmVersion: 'v3' }]);
    expect(df.day12[0].configPrimitive[0].parameter[2]).toEqual({ name: 'verbose', dataType: 'BOOLEAN', mandatory: false });
  });

  it('initial and terminate primitives are keyed by seq: required and unique', () => {
    const dup = replaceOnce(DAY12, "          - seq: '1'\n", '          - seq: 2\n');
    expectProblem(problemsOf(dup), `${BASE}[0].initial-config-primitive[1].seq`, /^initial-config-primitive\[seq=2\] is already used by initial-config-primitive\[name='configure'\]; seq orders the primitives and must be unique$/, lineOfText(dup, '          - seq: 2\n            name: prepare'));
    const none = replaceOnce(DAY12, '          - seq: 1\n            name: cleanup\n', '          - name: cleanup\n');
    expectProblem(problemsOf(none), `${BASE}[0].terminate-config-primitive[0].seq`, /^'seq' is a mandatory field and it is not defined$/, lineOfText(none, '- name: cleanup'));
  });

  it.each([
    ['<rw_mgmt_ip', /^parameter 'ssh-hostname': '<rw_mgmt_ip' is an unterminated substitution: write <name>/],
    ['rw_mgmt_ip>', /^parameter 'ssh-hostname': 'rw_mgmt_ip>' is an unterminated substitution/],
    ['< rw_mgmt_ip>', /^parameter 'ssh-hostname': '< rw_mgmt_ip>' starts with < and ends with >, so OSM takes it as a substitution, but it is not a valid <name>/],
    ['<>', /is not a valid <name>/],
    ['ssh://<rw_mgmt_ip>:22', /^parameter 'ssh-hostname': 'ssh:\/\/<rw_mgmt_ip>:22' embeds <rw_mgmt_ip>: OSM substitutes only a whole value written <name>/],
  ])('substitution syntax: %s', (value, message) => {
    const text = replaceOnce(DAY12, 'value: <rw_mgmt_ip>', `value: '${value}'`);
    expectProblem(problemsOf(text), `${BASE}[0].initial-config-primitive[0].parameter[0].value`, message, lineOfText(text, `value: '${value}'`));
  });

  it('literal values fit the data-type; data-type is STRING, INTEGER or BOOLEAN', () => {
    let text = replaceOnce(DAY12, '              default-value: 1\n', '              default-value: many\n');
    text = replaceOnce(text, '              mandatory: false\n', '              mandatory: false\n              default-value: perhaps\n');
    text = replaceOnce(text, '            - name: peer\n              data-type: STRING', '            - name: peer\n              data-type: FLOAT');
    const problems = problemsOf(text);
    const at = `${BASE}[0].config-primitive[0].parameter`;
    expectProblem(problems, `${at}[1].default-value`, /^parameter 'count': default-value "many" is not an INTEGER$/, lineOfText(text, 'default-value: many'));
    expectProblem(problems, `${at}[2].default-value`, /^parameter 'verbose': default-value "perhaps" is not a BOOLEAN \(true or false\)$/, lineOfText(text, 'default-value: perhaps'));
    expectProblem(problems, `${at}[3].data-type`, /^must be one of STRING, INTEGER, BOOLEAN \(found 'FLOAT'\)$/, lineOfText(text, 'data-type: FLOAT'));
    expect(problems).toHaveLength(3);
  });

  it('an execution environment is a juju charm or a helm chart, not both and not neither', () => {
    const both = replaceOnce(DAY12, '            helm-chart: eechart\n', '            helm-chart: eechart\n            juju:\n              charm: simple\n');
    expectProblem(problemsOf(both), `${BASE}[1].execution-environment-list[0]`, /^execution-environment-list\[id='vm-ee'\] has both juju and helm-chart; the OSM IM charm-type is a choice of one$/, lineOfText(both, '- id: vm-ee'));
    const neither = replaceOnce(DAY12, '            helm-chart: eechart\n            helm-version: v3\n', '            external-connection-point-ref: mgmt-ext\n');
    expectProblem(problemsOf(neither), `${BASE}[1].execution-environment-list[0]`, /names neither a juju charm nor a helm-chart/, lineOfText(neither, '- id: vm-ee'));
  });

  it('a scaling-config-action names a config primitive of the VNF-level day1-2 entry', () => {
    const unknown = replaceOnce(DAY12, 'vnf-config-primitive-name-ref: touch', 'vnf-config-primitive-name-ref: reboot');
    expectProblem(
      problemsOf(unknown),
      'vnfd.df[0].scaling-aspect[0].scaling-config-action[0].vnf-config-primitive-name-ref',
      /^df\[id='default-df'\]:scaling-aspect\[id='scale-vm'\]:scaling-config-action:vnf-config-primitive-name-ref='reboot' does not match any day1-2 configuration:config-primitive:name$/,
      lineOfText(unknown, 'name-ref: reboot'),
    );
    const vduOnly = DAY12.replace(/ {8}- id: t-vnf\n[\s\S]*?(?= {8}- id: vm\n)/, '');
    expectProblem(problemsOf(vduOnly), 'vnfd.df[0].scaling-aspect[0].scaling-config-action', /^'day1-2 configuration' not defined in the descriptor but it is referenced by df\[id='default-df'\]:scaling-aspect\[id='scale-vm'\]:scaling-config-action$/, lineOfText(vduOnly, 'scaling-config-action:'));
    const trigger = replaceOnce(DAY12, 'trigger: post-scale-out', 'trigger: sometimes');
    expectProblem(problemsOf(trigger), 'vnfd.df[0].scaling-aspect[0].scaling-config-action[0].trigger', /^must be one of pre-scale-in, post-scale-in, pre-scale-out, post-scale-out \(found 'sometimes'\)$/);
  });

  it("the df's default-instantiation-level and a VDU alarm's monitoring parameter resolve", () => {
    let text = replaceOnce(DAY12, '    instantiation-level:\n', '    default-instantiation-level: big\n    instantiation-level:\n');
    text = replaceOnce(text, '    int-cpd:\n    - id: eth0\n', '    alarm:\n    - alarm-id: hot\n      vnf-monitoring-param-ref: cpu\n    int-cpd:\n    - id: eth0\n');
    const problems = problemsOf(text);
    expectProblem(problems, 'vnfd.df[0].default-instantiation-level', /^df\[id='default-df'\]:default-instantiation-level='big' does not match any instantiation-level id \(ids: 'default'\)$/, lineOfText(text, 'default-instantiation-level: big'));
    expectProblem(problems, 'vnfd.vdu[0].alarm[0].vnf-monitoring-param-ref', /^vdu\[id='vm'\]:alarm\[id='hot'\]:vnf-monitoring-param-ref='cpu' not defined in any monitoring-param$/, lineOfText(text, 'vnf-monitoring-param-ref: cpu'));
  });
});

describe('day-1/2 accessors', () => {
  const vnfd = parseVnfd(DAY12, 't.yaml');

  it('lists the targets: the VNF and a VDU, primitives in seq order, environments resolved', () => {
    const targets = day12Targets(vnfd);
    expect(targets.map((t) => [t.level, t.id])).toEqual([
      ['vnf', 't-vnf'],
      ['vdu', 'vm'],
    ]);
    const vnf = targets[0];
    expect(vnf.initial.map((p) => [p.seq, p.name, p.executionEnvironment?.id])).toEqual([
      [1, 'prepare', 'ee'], // no execution-environment-ref: the first environment, as OSM does
      [2, 'configure', 'ee'],
    ]);
    expect(vnf.config.map((p) => p.name)).toEqual(['touch']);
    expect(vnf.terminate.map((p) => p.name)).toEqual(['cleanup']);
    expect(vnf.initial[1].parameters).toEqual([
      { name: 'ssh-hostname', dataType: 'STRING', value: '<rw_mgmt_ip>', mandatory: false, substitution: 'rw_mgmt_ip' },
      { name: 'tunnel_id', dataType: 'INTEGER', value: '<tunnel_id>', mandatory: false, substitution: 'tunnel_id' },
    ]);
    expect(vnf.config[0].parameters.map((p) => [p.name, p.mandatory])).toEqual([
      ['filename', false],
      ['count', false],
      ['verbose', false],
      ['peer', true],
    ]);
    expect(targets[1]).toMatchObject({ sshAccess: { required: true, defaultUser: 'ubuntu' }, executionEnvironments: [{ id: 'vm-ee', helmChart: 'eechart' }] });
  });

  it('finds one target or primitive by scope', () => {
    expect(day12Target(vnfd)?.id).toBe('t-vnf');
    expect(day12Target(vnfd, { vduId: 'vm' })?.config.map((p) => p.name)).toEqual(['restart']);
    expect(day12Target(vnfd, { dfId: 'no-such-df' })).toBeUndefined();
    expect(findPrimitive(vnfd, 'touch')?.kind).toBe('config');
    expect(findPrimitive(vnfd, 'configure', { kind: 'initial' })?.seq).toBe(2);
    expect(findPrimitive(vnfd, 'restart', { vduId: 'vm' })?.executionEnvironment?.id).toBe('vm-ee');
    expect(findPrimitive(vnfd, 'restart')).toBeUndefined();
  });

  describe('resolvePrimitiveParameters (OSM LCM semantics)', () => {
    const configure = findPrimitive(vnfd, 'configure', { kind: 'initial' }) as Day12Primitive;
    const touch = findPrimitive(vnfd, 'touch') as Day12Primitive;

    it('substitutes <rw_mgmt_ip> and <param> from the instantiation parameters; INTEGER becomes a number', () => {
      expect(resolvePrimitiveParameters(configure, { instantiationParams: { rw_mgmt_ip: '192.0.2.10', tunnel_id: '42' } })).toEqual({ values: { 'ssh-hostname': '192.0.2.10', tunnel_id: 42 }, problems: [] });
    });

    it('names a substitution that was not provided, and a value of the wrong type', () => {
      const missing = resolvePrimitiveParameters(configure, { instantiationParams: { rw_mgmt_ip: '192.0.2.10' } });
      expect(missing.problems).toEqual([{ path: 'additionalParamsForVnf.tunnel_id', message: 'Parameter tunnel_id needed to execute primitive configure not provided' }]);
      const bad = resolvePrimitiveParameters(configure, { instantiationParams: { rw_mgmt_ip: 'x', tunnel_id: 'forty-two' } });
      expect(bad.problems).toEqual([{ path: 'primitive_params.tunnel_id', message: 'Parameter tunnel_id of primitive configure must be integer (found "forty-two")' }]);
    });

    it('operator values win over defaults; defaults fill the rest; mandatory: false may stay unset', () => {
      expect(resolvePrimitiveParameters(touch, { params: { peer: 'site-b', count: '3', verbose: 'TRUE' } })).toEqual({ values: { filename: '/tmp/touched', count: 3, verbose: 'true', peer: 'site-b' }, problems: [] });
      expect(resolvePrimitiveParameters(touch, { params: { peer: 'site-b' } }).values).toEqual({ filename: '/tmp/touched', count: 1, peer: 'site-b' });
    });

    it('reports a missing mandatory parameter, a bad BOOLEAN and an undeclared parameter', () => {
      const { problems } = resolvePrimitiveParameters(touch, { params: { verbose: 'maybe', colour: 'red' } });
      expect(problems).toEqual([
        { path: 'primitive_params.verbose', message: 'Parameter verbose of primitive touch must be true or false (found "maybe")' },
        { path: 'primitive_params.peer', message: 'Parameter peer needed to execute primitive touch not provided' },
        { path: 'primitive_params.colour', message: "'colour' is not a parameter of primitive touch (its parameters: filename, count, verbose, peer)" },
      ]);
    });
  });

  it('reads the corpus: a VNF-level charm with many substitutions, a VDU-level native charm', () => {
    const file = join(CORPUS, 'reject', 'atnog-interdomain-vnf-charm-not-bundled', 'interdomain_vnf', 'interdomain_vnfd.yaml');
    const interdomain = parseVnfd(readFileSync(file, 'utf8'), file); // the descriptor is valid; its package lacks the charm
    const vnf = day12Target(interdomain);
    expect(vnf?.executionEnvironments[0]).toEqual({ id: 'configure-vnf', juju: { charm: 'tunnel-as-a-service' }, externalConnectionPointRef: 'interdomain-eth0-ext' });
    expect(vnf?.initial[0].parameters.flatMap((p) => (p.substitution ? [p.substitution] : []))).toEqual(['rw_mgmt_ip', 'tunnel_address', 'tunnel_peer_address', 'tunnel_id', 'vsi_id']);
    expect(vnf?.config.map((p) => p.name)).toContain('add-peer');
    const addPeer = findPrimitive(interdomain, 'add-peer') as Day12Primitive;
    expect(resolvePrimitiveParameters(addPeer, { params: { peer_endpoint: '198.51.100.2:51820', peer_public_key: 'k' } }).values).toEqual({ peer_endpoint: '198.51.100.2:51820', peer_public_key: 'k', allowed_networks: 'null' });

    const nativeFile = join(CORPUS, 'accept', 'native_charm_vnf', 'native_charm_vnfd.yaml');
    const native = parseVnfd(readFileSync(nativeFile, 'utf8'), nativeFile);
    expect(day12Targets(native).map((t) => [t.level, t.id])).toEqual([['vdu', 'mgmtVM']]);
    expect(findPrimitive(native, 'touch', { vduId: 'mgmtVM', kind: 'initial' })?.parameters[0]).toEqual({ name: 'filename', dataType: 'STRING', value: '/home/ubuntu/first-touch', mandatory: false });
  });
});
