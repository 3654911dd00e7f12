/**
 * InstantiateNsRequest → placement and address overrides
 * (nfvo/lcm/instantiate-request.ts): OSM's vimAccountId / vnf[].member-vnf-index,
 * SOL005 locationConstraints, vld ip-profiles, and every problem listed.
 */
import { ValidationError, type Problem } from '../../../common/index.js';
import { interpretInstantiateRequest, type InstantiateNsRequest } from '../../../nfvo/lcm/instantiate-request.js';

const PROFILES = ['site-a', 'site-b'];
const FLAVOURS = ['default-df'];
const LINKS = ['mgmtnet', 'site-a-lan', 'site-b-lan', 'wan'];
const interpret = (req: InstantiateNsRequest) => interpretInstantiateRequest(req, PROFILES, FLAVOURS, LINKS);

function problemsOf(req: InstantiateNsRequest): Problem[] {
  try {
    interpret(req);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^invalid InstantiateNsRequest: /);
    return (err as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('placement', () => {
  it('OSM: one vimAccountId for the whole NS places every VNF profile there, flavour defaults to the first', () => {
    const plan = interpret({ vimAccountId: 'dom-a' });
    expect(plan.flavourId).toBe('default-df');
    expect([...plan.placement]).toEqual([
      ['site-a', 'dom-a'],
      ['site-b', 'dom-a'],
    ]);
    expect(plan.overrides).toEqual({ links: {} });
  });

  it('OSM: vnf[].member-vnf-index with its own vimAccountId, overriding the NS-wide one', () => {
    const plan = interpret({ nsFlavourId: 'default-df', vimAccountId: 'dom-a', vnf: [{ 'member-vnf-index': 'site-b', vimAccountId: 'dom-b' }] });
    expect(plan.placement).toEqual(
      new Map([
        ['site-a', 'dom-a'],
        ['site-b', 'dom-b'],
      ]),
    );
  });

  it('SOL005: locationConstraints[].locationConstraints.vimId per vnfProfileId', () => {
    const plan = interpret({
      locationConstraints: [
        { vnfProfileId: 'site-a', locationConstraints: { vimId: 'uuid-a' } },
        { vnfProfileId: 'site-b', locationConstraints: { vimId: 'uuid-b' } },
      ],
    });
    expect(plan.placement).toEqual(
      new Map([
        ['site-a', 'uuid-a'],
        ['site-b', 'uuid-b'],
      ]),
    );
  });

  it('a VNF profile without any placement is a problem at vimAccountId', () => {
    expect(problemsOf({ vnf: [{ 'member-vnf-index': 'site-a', vimAccountId: 'dom-a' }] })).toEqual([
      { path: 'vimAccountId', message: "no VIM account (domain) given for VNF profile 'site-b': set vimAccountId or vnf[].vimAccountId" },
    ]);
    expect(problemsOf({ locationConstraints: [{ vnfProfileId: 'site-a', locationConstraints: {} }] }).map((p) => p.message)).toEqual([
      expect.stringContaining("'site-a'"),
      expect.stringContaining("'site-b'"),
    ]);
  });
});

describe('addressing', () => {
  it('vld ip-profiles become link overrides, tunnelSubnet comes from additionalParamsForNs', () => {
    const plan = interpret({
      vimAccountId: 'd',
      vld: [
        { name: 'site-a-lan', 'ip-profile': { 'subnet-address': '172.16.0.0/24', 'gateway-address': '172.16.0.254' } },
        { name: 'wan', 'ip-profile': { 'subnet-address': '100.64.0.0/24' } },
      ],
      additionalParamsForNs: { tunnelSubnet: '100.100.0.0/24', other: 1 },
    });
    expect(plan.overrides).toEqual({
      links: { 'site-a-lan': { subnet: '172.16.0.0/24', gateway: '172.16.0.254' }, wan: { subnet: '100.64.0.0/24', gateway: undefined } },
      tunnelSubnet: '100.100.0.0/24',
    });
  });

  it('a gateway-address without subnet-address is not silently dropped', () => {
    expect(problemsOf({ vimAccountId: 'd', vld: [{ name: 'site-a-lan', 'ip-profile': { 'gateway-address': '10.1.0.254' } }] })).toEqual([
      { path: 'vld[0].ip-profile.subnet-address', message: expect.stringContaining('gateway-address') },
    ]);
  });

  it('a tunnelSubnet that is not a string is a problem', () => {
    expect(problemsOf({ vimAccountId: 'd', additionalParamsForNs: { tunnelSubnet: 24 as unknown as string } })).toEqual([
      { path: 'additionalParamsForNs.tunnelSubnet', message: expect.stringContaining('a.b.c.d/len') },
    ]);
  });
});

describe('every problem listed with its path', () => {
  it('unknown flavour, VNF profiles and links, a missing vimAccountId, and the unplaced profiles', () => {
    const problems = problemsOf({
      nsFlavourId: 'big-df',
      vnf: [
        { 'member-vnf-index': 'site-z', vimAccountId: 'dom-a' },
        { 'member-vnf-index': 'site-a', vimAccountId: '' },
      ],
      locationConstraints: [{ vnfProfileId: 'site-q', locationConstraints: { vimId: 'x' } }],
      vld: [{ name: 'lan-x', 'ip-profile': { 'subnet-address': '10.9.0.0/24' } }],
    });
    expect(problems).toEqual([
      { path: 'nsFlavourId', message: "'big-df' is not a flavour of this NSD (default-df)" },
      { path: 'vnf[0].member-vnf-index', message: "'site-z' is not a VNF profile of this NSD (site-a, site-b)" },
      { path: 'vnf[1].vimAccountId', message: 'is required' },
      { path: 'locationConstraints[0].vnfProfileId', message: "'site-q' is not a VNF profile of this NSD" },
      { path: 'vimAccountId', message: expect.stringContaining("'site-a'") },
      { path: 'vimAccountId', message: expect.stringContaining("'site-b'") },
      { path: 'vld[0].name', message: "'lan-x' is not a virtual link of this NSD (mgmtnet, site-a-lan, site-b-lan, wan)" },
    ]);
  });

  it('an NSD without flavours cannot be instantiated', () => {
    expect(() => interpretInstantiateRequest({ vimAccountId: 'd' }, PROFILES, [], LINKS)).toThrow(/nsFlavourId: '' is not a flavour/);
  });
});
