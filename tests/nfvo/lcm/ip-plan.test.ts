/**
 * The address plan (nfvo/lcm/ip-plan.ts): defaults for the bundled NSD's
 * topology, per-instance overrides, and every problem collected with its path.
 */
import { ValidationError, type Problem } from '../../../common/index.js';
import { planAddresses, type AddressOverrides, type NsTopology } from '../../../nfvo/lcm/ip-plan.js';

/** The topology of nsd/packages/qnfv_qkd_vpn_ns (df default-df), as the catalog derives it. */
const BUNDLED: NsTopology = {
  virtualLinks: [
    { id: 'mgmtnet', mgmt: true },
    { id: 'site-a-lan', mgmt: false },
    { id: 'site-b-lan', mgmt: false },
    { id: 'wan', mgmt: false },
  ],
  wanLinks: ['wan'],
  vnfProfiles: [
    { id: 'site-a', vnfdId: 'qnfv-router-vnf', links: ['mgmtnet', 'site-a-lan', 'wan'] },
    { id: 'site-b', vnfdId: 'qnfv-router-vnf', links: ['mgmtnet', 'site-b-lan', 'wan'] },
  ],
};

/** Three sites on one WAN (a full mesh of tunnels). */
const THREE_SITES: NsTopology = {
  virtualLinks: [...BUNDLED.virtualLinks, { id: 'site-c-lan', mgmt: false }],
  wanLinks: ['wan'],
  vnfProfiles: [...BUNDLED.vnfProfiles, { id: 'site-c', vnfdId: 'qnfv-router-vnf', links: ['site-c-lan', 'wan'] }],
};

/** The problems of the ValidationError `fn` throws (fails when it does not throw one). */
function problemsOf(fn: () => unknown): Problem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

const plan = (o?: AddressOverrides, topo: NsTopology = BUNDLED) => planAddresses(topo, o);

describe('default address plan of the bundled NSD', () => {
  const p = plan();

  it('gives the site LANs 10.1.0.0/24 and 10.2.0.0/24 in NSD order, the WAN 203.0.113.0/24, and nothing for mgmt', () => {
    expect(p.networks).toEqual([
      { id: 'site-a-lan', kind: 'lan', subnet: '10.1.0.0/24' },
      { id: 'site-b-lan', kind: 'lan', subnet: '10.2.0.0/24' },
      { id: 'wan', kind: 'wan', subnet: '203.0.113.0/24' },
    ]);
  });

  it('puts each router at .1 on its LAN, .1/.2 on the WAN, with tunnel endpoints 198.51.100.1/.2', () => {
    expect(p.routers).toEqual([
      {
        vnfId: 'site-a',
        vnfdId: 'qnfv-router-vnf',
        ports: [
          { name: 'lan0', network: 'site-a-lan', address: '10.1.0.1/24' },
          { name: 'wan0', network: 'wan', address: '203.0.113.1/24' },
        ],
        tunnelAddress: '198.51.100.1',
        wanAddress: '203.0.113.1',
        lanSubnets: ['10.1.0.0/24'],
        routes: [{ prefix: '198.51.100.2/32', via: '203.0.113.2' }],
      },
      {
        vnfId: 'site-b',
        vnfdId: 'qnfv-router-vnf',
        ports: [
          { name: 'lan0', network: 'site-b-lan', address: '10.2.0.1/24' },
          { name: 'wan0', network: 'wan', address: '203.0.113.2/24' },
        ],
        tunnelAddress: '198.51.100.2',
        wanAddress: '203.0.113.2',
        lanSubnets: ['10.2.0.0/24'],
        routes: [{ prefix: '198.51.100.1/32', via: '203.0.113.1' }],
      },
    ]);
  });

  it('puts a site host at .10 of each LAN with the router as gateway', () => {
    expect(p.hosts).toEqual([
      { id: 'host-site-a-lan', network: 'site-a-lan', address: '10.1.0.10/24', gateway: '10.1.0.1', vnfId: 'site-a' },
      { id: 'host-site-b-lan', network: 'site-b-lan', address: '10.2.0.10/24', gateway: '10.2.0.1', vnfId: 'site-b' },
    ]);
  });

  it('routes every router to every peer tunnel endpoint via that peer’s WAN address (three sites)', () => {
    const three = plan(undefined, THREE_SITES);
    expect(three.networks.map((n) => [n.id, n.subnet])).toContainEqual(['site-c-lan', '10.3.0.0/24']);
    expect(three.routers.map((r) => [r.vnfId, r.tunnelAddress, r.wanAddress, r.routes])).toEqual([
      ['site-a', '198.51.100.1', '203.0.113.1', [{ prefix: '198.51.100.2/32', via: '203.0.113.2' }, { prefix: '198.51.100.3/32', via: '203.0.113.3' }]],
      ['site-b', '198.51.100.2', '203.0.113.2', [{ prefix: '198.51.100.1/32', via: '203.0.113.1' }, { prefix: '198.51.100.3/32', via: '203.0.113.3' }]],
      ['site-c', '198.51.100.3', '203.0.113.3', [{ prefix: '198.51.100.1/32', via: '203.0.113.1' }, { prefix: '198.51.100.2/32', via: '203.0.113.2' }]],
    ]);
  });
});

describe('overrides', () => {
  it('takes a link subnet and gateway from vld ip-profile', () => {
    const p = plan({ links: { 'site-a-lan': { subnet: '172.16.5.0/24', gateway: '172.16.5.254' }, wan: { subnet: '100.64.0.0/29' } } });
    const a = p.routers[0]!;
    expect(a.ports).toEqual([
      { name: 'lan0', network: 'site-a-lan', address: '172.16.5.254/24' },
      { name: 'wan0', network: 'wan', address: '100.64.0.1/29' },
    ]);
    expect(a.lanSubnets).toEqual(['172.16.5.0/24']);
    expect(p.routers[1]!.routes).toEqual([{ prefix: '198.51.100.1/32', via: '100.64.0.1' }]);
    expect(p.hosts[0]).toEqual({ id: 'host-site-a-lan', network: 'site-a-lan', address: '172.16.5.10/24', gateway: '172.16.5.254', vnfId: 'site-a' });
  });

  it('overriding one LAN does not renumber the others (defaults follow NSD order)', () => {
    const p = plan({ links: { 'site-a-lan': { subnet: '172.16.0.0/24' } } });
    expect(p.networks.map((n) => [n.id, n.subnet])).toEqual([
      ['site-a-lan', '172.16.0.0/24'],
      ['site-b-lan', '10.2.0.0/24'],
      ['wan', '203.0.113.0/24'],
    ]);
  });

  it('moves the site host to .11 when the gateway is .10', () => {
    const p = plan({ links: { 'site-b-lan': { subnet: '10.2.0.0/24', gateway: '10.2.0.10' } } });
    expect(p.hosts[1]).toMatchObject({ address: '10.2.0.11/24', gateway: '10.2.0.10' });
  });

  it('takes tunnel endpoints from tunnelSubnet', () => {
    const p = plan({ tunnelSubnet: '100.100.0.0/30' });
    expect(p.routers.map((r) => r.tunnelAddress)).toEqual(['100.100.0.1', '100.100.0.2']);
    expect(p.routers[0]!.routes).toEqual([{ prefix: '100.100.0.2/32', via: '203.0.113.2' }]);
  });
});

describe('problems, all collected with their paths', () => {
  it('a gateway outside its subnet', () => {
    expect(problemsOf(() => plan({ links: { 'site-a-lan': { subnet: '10.1.0.0/24', gateway: '10.9.0.1' } } }))).toEqual([
      { path: 'vld[site-a-lan]', message: expect.stringMatching(/gateway-address 10\.9\.0\.1 is not in 10\.1\.0\.0\/24/) },
    ]);
  });

  it.each(['10.1.0.0', '10.1.0.255'])('a gateway that is the network or broadcast address (%s)', (gw) => {
    expect(problemsOf(() => plan({ links: { 'site-a-lan': { subnet: '10.1.0.0/24', gateway: gw } } }))).toEqual([
      { path: 'vld[site-a-lan]', message: expect.stringContaining(gw) },
    ]);
  });

  it('a gateway that is not an address', () => {
    expect(problemsOf(() => plan({ links: { 'site-a-lan': { subnet: '10.1.0.0/24', gateway: 'router' } } }))).toEqual([
      { path: 'vld[site-a-lan]', message: expect.stringContaining("'router' is not an IPv4 address") },
    ]);
  });

  it('host bits, a bad prefix and a too small subnet, every one listed', () => {
    const problems = problemsOf(() =>
      plan({ links: { 'site-a-lan': { subnet: '10.1.0.5/24' }, 'site-b-lan': { subnet: 'ten/24' }, wan: { subnet: '203.0.113.0/30' } } }),
    );
    expect(problems).toEqual([
      { path: 'vld[site-a-lan]', message: expect.stringContaining('has host bits set (did you mean 10.1.0.0/24?)') },
      { path: 'vld[site-b-lan]', message: expect.stringContaining("'ten' is not an IPv4 address") },
      { path: 'vld[wan]', message: expect.stringContaining('too small') },
    ]);
  });

  it('a LAN too small for the router (.1) and the site host (.10)', () => {
    expect(problemsOf(() => plan({ links: { 'site-a-lan': { subnet: '10.1.0.0/29' } } }))).toEqual([
      { path: 'vld[site-a-lan]', message: expect.stringContaining('10.1.0.0/29') },
    ]);
    // /28 holds .10: accepted.
    expect(plan({ links: { 'site-a-lan': { subnet: '10.1.0.0/28' } } }).hosts[0]!.address).toBe('10.1.0.10/28');
  });

  it('a tunnel subnet too small for every router', () => {
    expect(problemsOf(() => plan({ tunnelSubnet: '198.51.100.0/31' }))).toEqual([
      { path: 'additionalParamsForNs.tunnelSubnet', message: expect.stringContaining('198.51.100.0/31') },
    ]);
    expect(problemsOf(() => plan({ tunnelSubnet: '100.100.0.0/30' }, THREE_SITES))).toEqual([
      { path: 'additionalParamsForNs.tunnelSubnet', message: expect.stringContaining('100.100.0.0/30') },
    ]);
  });

  it('a WAN subnet too small for every router', () => {
    const wanOf = (n: number): NsTopology => ({
      virtualLinks: [{ id: 'wan', mgmt: false }, ...Array.from({ length: n }, (_, i) => ({ id: `lan${i}`, mgmt: false }))],
      wanLinks: ['wan'],
      vnfProfiles: Array.from({ length: n }, (_, i) => ({ id: `r${i}`, vnfdId: 'v', links: [`lan${i}`, 'wan'] })),
    });
    expect(plan({ links: { wan: { subnet: '203.0.113.0/29' } } }, wanOf(6)).routers).toHaveLength(6);
    expect(problemsOf(() => plan({ links: { wan: { subnet: '203.0.113.0/29' } } }, wanOf(7)))).toEqual([
      { path: 'vld[wan]', message: expect.stringContaining('203.0.113.0/29') },
    ]);
  });

  it('a bad tunnelSubnet names the request field', () => {
    expect(problemsOf(() => plan({ tunnelSubnet: '198.51.100.1/24' }))).toEqual([
      { path: 'additionalParamsForNs.tunnelSubnet', message: expect.stringContaining('host bits') },
    ]);
  });

  it('overlapping subnets, naming both links', () => {
    expect(problemsOf(() => plan({ links: { 'site-b-lan': { subnet: '10.1.0.0/16' } } }))).toEqual([
      { path: 'vld[site-b-lan]', message: '10.1.0.0/16 overlaps 10.1.0.0/24 of site-a-lan' },
    ]);
    expect(problemsOf(() => plan({ links: { 'site-a-lan': { subnet: '10.2.0.0/24' } } }))).toEqual([
      { path: 'vld[site-b-lan]', message: '10.2.0.0/24 overlaps 10.2.0.0/24 of site-a-lan' },
    ]);
  });

  it('a tunnel subnet overlapping a link', () => {
    expect(problemsOf(() => plan({ tunnelSubnet: '203.0.113.128/25' }))).toEqual([
      { path: 'additionalParamsForNs.tunnelSubnet', message: '203.0.113.128/25 overlaps 203.0.113.0/24 of wan' },
    ]);
  });

  it('refuses 192.0.2.0/24 (the host machine’s own network) for links and tunnel endpoints', () => {
    expect(problemsOf(() => plan({ links: { wan: { subnet: '192.0.2.0/24' } }, tunnelSubnet: '192.0.0.0/16' }))).toEqual([
      { path: 'vld[wan]', message: "192.0.2.0/24 overlaps 192.0.2.0/24, the host machine's own network" },
      { path: 'additionalParamsForNs.tunnelSubnet', message: '192.0.0.0/16 overlaps 192.0.2.0/24 of wan' },
      { path: 'additionalParamsForNs.tunnelSubnet', message: "192.0.0.0/16 overlaps 192.0.2.0/24, the host machine's own network" },
    ]);
    expect(problemsOf(() => plan({ links: { 'site-a-lan': { subnet: '192.0.2.128/25' } } }))).toEqual([
      { path: 'vld[site-a-lan]', message: expect.stringContaining('overlaps 192.0.2.0/24') },
    ]);
  });

  it('a topology without protected link, a router without WAN or with two LANs', () => {
    expect(problemsOf(() => planAddresses({ ...BUNDLED, wanLinks: [] }))).toContainEqual({ path: 'nsd.security-profile', message: 'no virtual link is protected by a security profile' });
    const topo: NsTopology = {
      virtualLinks: [...BUNDLED.virtualLinks, { id: 'extra-lan', mgmt: false }],
      wanLinks: ['wan'],
      vnfProfiles: [
        { id: 'site-a', vnfdId: 'v', links: ['site-a-lan', 'extra-lan', 'wan'] },
        { id: 'site-b', vnfdId: 'v', links: ['site-b-lan'] },
      ],
    };
    expect(problemsOf(() => planAddresses(topo))).toEqual([
      { path: 'df.vnf-profile[site-a]', message: 'must connect to exactly one site LAN virtual link (found 2)' },
      { path: 'df.vnf-profile[site-b]', message: 'is not connected to any protected (WAN) virtual link' },
    ]);
  });

  it('the error message lists every problem too', () => {
    expect(() => plan({ links: { 'site-a-lan': { subnet: '10.1.0.5/24' }, 'site-b-lan': { subnet: '10.2.0.0/24', gateway: '10.3.0.1' } } })).toThrow(
      /address plan: vld\[site-a-lan\]: .*host bits.*; vld\[site-b-lan\]: .*10\.3\.0\.1 is not in/,
    );
  });
});
