import type { Problem } from '../../common/index.js';
import { checkNsdText, parseNsd, securityProfiles } from '../../nsd/index.js';
import { expectProblem, lineOfText, replaceOnce } from '../vnfd/helpers.js';
import { SAMPLE_NSD } from './sample-nsd.js';

const problemsOf = (text: string): Problem[] => checkNsdText(text, 'n.yaml').problems;
const SP = 'nsd.nsd[0].qnfv:security-profile[0]';

/** The sample with its one profile replaced by `profile` (YAML lines at 4-space indent). */
function withProfile(profile: string): string {
  const start = SAMPLE_NSD.indexOf('    qnfv:security-profile:\n');
  return `${SAMPLE_NSD.slice(0, start)}    qnfv:security-profile:\n${profile}`;
}

const MINIMAL = `    - id: p
      virtual-link-desc: wan
      key-sources: [QKD]
      lifetime:
        soft: {time: 10}
        hard: {time: 20}
`;

describe('qnfv:security-profile typed view', () => {
  it('applies the documented defaults', () => {
    expect(securityProfiles(parseNsd(withProfile(MINIMAL)))).toEqual([
      {
        id: 'p',
        virtualLinkDesc: 'wan',
        keySources: ['QKD'],
        combiner: 'kdf',
        singleSourcePolicy: 'require-all',
        qkdInterface: 'etsi-014',
        esp: { encryption: 'AES-GCM-16-256', esn: false, replayWindow: 64 },
        lifetime: { soft: { time: 10 }, hard: { time: 20 } },
      },
    ]);
  });

  it('keeps every value that is given', () => {
    const profile = `    - id: full
      description: all fields
      virtual-link-desc: lan-a
      key-sources: [ML-KEM-1024, X25519]
      combiner: xor
      single-source-policy: allow-degraded
      qkd-interface: etsi-004
      esp:
        encryption: AES-CBC-128-HMAC-SHA-256-128
        esn: true
        replay-window: 4096
      lifetime:
        soft: {time: 100, bytes: 1000000, packets: 5000}
        hard: {time: 200, bytes: 2000000, packets: 9000}
`;
    expect(securityProfiles(parseNsd(withProfile(profile)))).toEqual([
      {
        id: 'full',
        description: 'all fields',
        virtualLinkDesc: 'lan-a',
        keySources: ['ML-KEM-1024', 'X25519'],
        combiner: 'xor',
        singleSourcePolicy: 'allow-degraded',
        qkdInterface: 'etsi-004',
        esp: { encryption: 'AES-CBC-128-HMAC-SHA-256-128', esn: true, replayWindow: 4096 },
        lifetime: { soft: { time: 100, bytes: 1000000, packets: 5000 }, hard: { time: 200, bytes: 2000000, packets: 9000 } },
      },
    ]);
  });

  it('is empty for an NSD without profiles (OSM NSDs)', () => {
    const start = SAMPLE_NSD.indexOf('    qnfv:security-profile:\n');
    expect(securityProfiles(parseNsd(SAMPLE_NSD.slice(0, start)))).toEqual([]);
  });
});

describe('qnfv:security-profile semantic checks', () => {
  it('virtual-link-desc must name a link of the NSD', () => {
    const text = withProfile(replaceOnce(MINIMAL, 'virtual-link-desc: wan', 'virtual-link-desc: wan9'));
    expectProblem(problemsOf(text), `${SP}.virtual-link-desc`, /^security-profile\[id='p'\]:virtual-link-desc='wan9' does not match any virtual-link-desc id/, lineOfText(text, 'wan9'));
  });

  it('one profile per link, unique ids', () => {
    const text = withProfile(MINIMAL + MINIMAL);
    const problems = problemsOf(text);
    expectProblem(problems, 'nsd.nsd[0].qnfv:security-profile[1].virtual-link-desc', /virtual-link-desc 'wan' is already protected by security-profile 'p'/);
    expectProblem(problems, 'nsd.nsd[0].qnfv:security-profile[1].id', /qnfv:security-profile\[id='p'\] is already used/);
  });

  it('each soft limit must be below the hard one', () => {
    const text = withProfile(replaceOnce(replaceOnce(MINIMAL, 'soft: {time: 10}', 'soft: {time: 20, bytes: 5}'), 'hard: {time: 20}', 'hard: {time: 20, bytes: 4}'));
    const problems = problemsOf(text);
    expectProblem(problems, `${SP}.lifetime.soft.time`, /^soft time limit \(20\) must be less than the hard time limit \(20\)/, lineOfText(text, 'soft: {'));
    expectProblem(problems, `${SP}.lifetime.soft.bytes`, /^soft bytes limit \(5\) must be less than the hard bytes limit \(4\)/);
  });

  it('xor needs exactly two sources', () => {
    const three = withProfile(replaceOnce(MINIMAL, 'key-sources: [QKD]', 'key-sources: [QKD, ML-KEM-512, X25519]\n      combiner: xor'));
    expectProblem(problemsOf(three), `${SP}.combiner`, /^combiner xor needs exactly two different key sources \(found 3\)/, lineOfText(three, 'combiner: xor'));
    const two = withProfile(replaceOnce(MINIMAL, 'key-sources: [QKD]', 'key-sources: [QKD, ML-KEM-512]\n      combiner: xor'));
    expect(problemsOf(two)).toEqual([]);
  });

  it('no key source twice', () => {
    const text = withProfile(replaceOnce(MINIMAL, 'key-sources: [QKD]', 'key-sources:\n      - QKD\n      - ML-KEM-512\n      - QKD'));
    expectProblem(problemsOf(text), `${SP}.key-sources[2]`, /^key source 'QKD' is listed twice$/, lineOfText(text, '- QKD\n      - ML') + 2);
  });

  it('the unprefixed key is refused, not silently ignored', () => {
    const text = SAMPLE_NSD.replace('    qnfv:security-profile:\n', '    security-profile:\n');
    expectProblem(problemsOf(text), 'nsd.nsd[0].security-profile', /go under 'qnfv:security-profile'/, lineOfText(text, 'security-profile:'));
  });
});

describe('qnfv:security-profile schema (closed: typos fail)', () => {
  it('enumerations list the allowed values', () => {
    const text = withProfile(replaceOnce(MINIMAL, 'key-sources: [QKD]', 'key-sources: [QKD, ML-KEM-2048]\n      combiner: hkdf'));
    const problems = problemsOf(text);
    expectProblem(problems, `${SP}.key-sources[1]`, /^must be one of QKD, ML-KEM-512, ML-KEM-768, ML-KEM-1024, X25519 \(found 'ML-KEM-2048'\)$/, lineOfText(text, 'key-sources: ['));
    expectProblem(problems, `${SP}.combiner`, /^must be one of kdf, hmac, xor \(found 'hkdf'\)$/, lineOfText(text, 'combiner: hkdf'));
  });

  it('replay window 64..4096, ESP transform names', () => {
    const text = withProfile(`${MINIMAL}      esp:\n        encryption: AES-GCM-8-256\n        replay-window: 32\n`);
    const problems = problemsOf(text);
    expectProblem(problems, `${SP}.esp.replay-window`, /^must be an integer from 64 to 4096 \(found 32\)$/, lineOfText(text, 'replay-window: 32'));
    expectProblem(problems, `${SP}.esp.encryption`, /must be one of AES-GCM-16-256, AES-GCM-16-128, AES-CBC-256-HMAC-SHA-256-128, AES-CBC-128-HMAC-SHA-256-128/);
  });

  it('unknown fields are named', () => {
    const text = withProfile(`${MINIMAL}      combinor: kdf\n`);
    expectProblem(problemsOf(text), `${SP}.combinor`, /^unknown field 'combinor'$/, lineOfText(text, 'combinor: kdf'));
  });

  it('lifetime, soft and hard are mandatory; a limit set needs at least one limit', () => {
    const noLifetime = withProfile('    - id: p\n      virtual-link-desc: wan\n      key-sources: [QKD]\n');
    expectProblem(problemsOf(noLifetime), `${SP}.lifetime`, /^'lifetime' is a mandatory field and it is not defined$/);
    const emptyHard = withProfile(replaceOnce(MINIMAL, 'hard: {time: 20}', 'hard: {}'));
    expectProblem(problemsOf(emptyHard), `${SP}.lifetime.hard`, /must be a mapping with at least one of time \(seconds\), bytes, packets/, lineOfText(emptyHard, 'hard: {}'));
    const zero = withProfile(replaceOnce(MINIMAL, 'soft: {time: 10}', 'soft: {time: 0}'));
    expectProblem(problemsOf(zero), `${SP}.lifetime.soft.time`, /^must be a positive integer \(found 0\)$/);
    const noSources = withProfile(replaceOnce(MINIMAL, 'key-sources: [QKD]', 'key-sources: []'));
    expectProblem(problemsOf(noSources), `${SP}.key-sources`, /^must have at least 1 item$/);
  });
});
