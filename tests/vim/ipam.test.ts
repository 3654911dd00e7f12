/**
 * Management IPAM: CIDR arithmetic, and that allocation never hands out a
 * subnet overlapping anything in use, whatever the random picks are.
 */
import { ValidationError } from '../../common/index.js';
import { allocateSubnet, formatCidr, intToIpv4, ipv4ToInt, overlaps, parseCidr, type Cidr } from '../../vim/index.js';
import { prefixesFromAddrJson, prefixesFromRouteJson } from '../../vim/ipam.js';

/** A deterministic PRNG (mulberry32) so that failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CIDR helpers', () => {
  it('parses, clears host bits and formats', () => {
    expect(parseCidr('100.64.1.7/30')).toEqual({ network: ipv4ToInt('100.64.1.4'), prefixLength: 30 });
    expect(formatCidr(parseCidr('10.1.0.10/24'))).toBe('10.1.0.0/24');
    expect(formatCidr(parseCidr('203.0.113.2'))).toBe('203.0.113.2/32');
    expect(intToIpv4(ipv4ToInt('255.254.0.1'))).toBe('255.254.0.1');
  });

  it('rejects malformed prefixes naming the field', () => {
    for (const bad of ['10.0.0.256/24', '10.0.0/24', '10.0.0.1/33', '10.0.0.1/', 'a.b.c.d/8', '10.0.0.1/24/1', '010.0.0.1/8']) {
      expect(() => parseCidr(bad, 'ports[0].address')).toThrow(/ports\[0\]\.address/);
    }
  });

  it('detects overlap in both directions and adjacency as no overlap', () => {
    const c = (s: string): Cidr => parseCidr(s);
    expect(overlaps(c('100.64.0.0/10'), c('100.64.5.4/30'))).toBe(true);
    expect(overlaps(c('100.64.5.4/30'), c('100.64.0.0/10'))).toBe(true);
    expect(overlaps(c('100.64.5.4/30'), c('100.64.5.8/30'))).toBe(false);
    expect(overlaps(c('100.64.5.4/30'), c('100.64.5.6/32'))).toBe(true);
  });
});

describe('allocateSubnet', () => {
  it('returns a /30 with host .1 and router .2', () => {
    const a = allocateSubnet('100.64.0.0/29', [parseCidr('100.64.0.0/30')]);
    expect(a).toEqual({ subnet: '100.64.0.4/30', hostAddress: '100.64.0.5', routerAddress: '100.64.0.6', prefixLength: 30 });
  });

  it('never hands out a /30 that overlaps a used address, route or subnet', () => {
    const pool = '100.64.0.0/24'; // 64 /30s
    const random = prng(42);
    const used: Cidr[] = [parseCidr('100.64.0.0/27'), parseCidr('100.64.0.77/32'), parseCidr('100.64.0.128/26')];
    const handed: string[] = [];
    for (;;) {
      let a;
      try {
        a = allocateSubnet(pool, used, { random });
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as Error).message).toMatch(/no free \/30 left in pool 100\.64\.0\.0\/24/);
        break;
      }
      const c = parseCidr(a.subnet);
      expect(used.some((u) => overlaps(u, c))).toBe(false);
      handed.push(a.subnet);
      used.push(c);
    }
    // 64 - 8 (the /27) - 1 (the /32) - 16 (the /26) = 39 free /30s, each handed out exactly once.
    expect(handed).toHaveLength(39);
    expect(new Set(handed).size).toBe(39);
  });

  it('falls back to a scan when random picks keep hitting used space', () => {
    const used = [parseCidr('100.64.0.0/29')];
    expect(allocateSubnet('100.64.0.0/28', used, { random: () => 0 }).subnet).toBe('100.64.0.8/30');
  });

  it('ignores prefixes covering the whole pool (default route, a route for all of it)', () => {
    const a = allocateSubnet('100.64.0.0/29', [parseCidr('0.0.0.0/0'), parseCidr('100.64.0.0/10'), parseCidr('100.64.0.0/29')], { random: () => 0 });
    expect(a.subnet).toBe('100.64.0.0/30');
    // …but an address inside the pool blocks its /30 even when its own prefix covers the pool.
    const used = prefixesFromAddrJson(JSON.stringify([{ addr_info: [{ family: 'inet', local: '100.64.0.1', prefixlen: 10 }] }]));
    expect(allocateSubnet('100.64.0.0/29', used, { random: () => 0 }).subnet).toBe('100.64.0.4/30');
  });

  it('ignores used prefixes outside the pool, rejects impossible sizes', () => {
    expect(allocateSubnet('100.64.0.0/30', [parseCidr('10.0.0.0/8')]).subnet).toBe('100.64.0.0/30');
    expect(() => allocateSubnet('100.64.0.0/30', [], { prefixLength: 29 })).toThrow(ValidationError);
  });
});

describe('host prefixes from ip -j', () => {
  it('reads addresses with their prefix length and route destinations, skipping default', () => {
    const addr = JSON.stringify([
      { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      { ifname: 'q123456m', addr_info: [{ family: 'inet', local: '100.64.9.1', prefixlen: 30 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
    ]);
    expect(prefixesFromAddrJson(addr).map(formatCidr)).toEqual(['127.0.0.0/8', '127.0.0.1/32', '100.64.9.0/30', '100.64.9.1/32']);
    const routes = JSON.stringify([{ dst: 'default', gateway: '192.0.2.1' }, { dst: '192.0.2.0/24' }, { type: 'local', dst: '192.0.2.2' }]);
    expect(prefixesFromRouteJson(routes).map(formatCidr)).toEqual(['192.0.2.0/24', '192.0.2.2/32']);
  });
});
