/** IPv4 prefix arithmetic of the address plan (nfvo/lcm/ipv4.ts). */
import { ValidationError } from '../../../common/index.js';
import { contains, formatIpv4, formatPrefix, hostAddress, maskOf, overlaps, parseIpv4, parsePrefix } from '../../../nfvo/lcm/ipv4.js';

describe('parseIpv4 / formatIpv4', () => {
  it('round-trips dotted quads through unsigned 32-bit integers, including the top bit', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('10.1.0.1')).toBe(0x0a010001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('203.0.113.2')).toBe(0xcb007102);
    for (const a of ['0.0.0.0', '10.1.0.10', '128.0.0.1', '198.51.100.2', '255.255.255.255']) expect(formatIpv4(parseIpv4(a))).toBe(a);
  });

  it.each(['', '10.1.0', '10.1.0.1.2', '256.0.0.1', '10.1.0.-1', 'a.b.c.d', '10.1.0.1/24', '1234.1.1.1'])('refuses %p, naming the field', (bad) => {
    expect(() => parseIpv4(bad, 'vld[0].gateway')).toThrow(ValidationError);
    expect(() => parseIpv4(bad, 'vld[0].gateway')).toThrow(/^vld\[0\]\.gateway: /);
  });
});

describe('parsePrefix', () => {
  it('parses a.b.c.d/len', () => {
    expect(parsePrefix('10.1.0.0/24')).toEqual({ network: 0x0a010000, length: 24 });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ network: 0, length: 0 });
    expect(parsePrefix('198.51.100.7/32')).toEqual({ network: parseIpv4('198.51.100.7'), length: 32 });
    expect(formatPrefix(parsePrefix('203.0.113.0/24'))).toBe('203.0.113.0/24');
  });

  it('refuses host bits and suggests the network address', () => {
    expect(() => parsePrefix('10.1.0.5/24', 'subnet')).toThrow("subnet: '10.1.0.5/24' has host bits set (did you mean 10.1.0.0/24?)");
    expect(() => parsePrefix('255.255.255.255/1')).toThrow(/did you mean 128\.0\.0\.0\/1/);
  });

  // The length must be decimal digits: Number() would read '' as 0, '0x18' as 24 and '1e1' as 10.
  it.each(['10.1.0.0', '10.1.0.0/', '0.0.0.0/', '10.0.0.0/0x8', '10.0.0.0/1e1', '10.1.0.0/ 24', '10.1.0.0/+24', '10.1.0.0/33', '10.1.0.0/-1', '10.1.0.0/2.5', '10.1.0.0/24/1', '10.1.0/24', 'x/24'])('refuses %p', (bad) => {
    expect(() => parsePrefix(bad, 'f')).toThrow(ValidationError);
    expect(() => parsePrefix(bad, 'f')).toThrow(/^f: /);
  });
});

describe('masks, hosts, containment, overlap', () => {
  it('maskOf covers 0 and 32', () => {
    expect(maskOf(0)).toBe(0);
    expect(maskOf(8)).toBe(0xff000000);
    expect(maskOf(24)).toBe(0xffffff00);
    expect(maskOf(32)).toBe(0xffffffff);
  });

  it('hostAddress returns usable hosts only (not the network or broadcast address)', () => {
    const lan = parsePrefix('10.1.0.0/24');
    expect(hostAddress(lan, 1)).toBe('10.1.0.1');
    expect(hostAddress(lan, 10)).toBe('10.1.0.10');
    expect(hostAddress(lan, 254)).toBe('10.1.0.254');
    expect(() => hostAddress(lan, 0)).toThrow('host number 0 does not fit in 10.1.0.0/24');
    expect(() => hostAddress(lan, 255)).toThrow(ValidationError);
    const p29 = parsePrefix('10.1.0.8/29');
    expect(hostAddress(p29, 6)).toBe('10.1.0.14');
    expect(() => hostAddress(p29, 7)).toThrow(/does not fit/);
    expect(() => hostAddress(parsePrefix('10.1.0.0/31'), 1)).toThrow(/does not fit/);
    expect(hostAddress(parsePrefix('200.0.0.0/8'), 1)).toBe('200.0.0.1');
  });

  it('contains and overlaps', () => {
    const lan = parsePrefix('10.1.0.0/24');
    expect(contains(lan, '10.1.0.1')).toBe(true);
    expect(contains(lan, '10.1.0.255')).toBe(true);
    expect(contains(lan, '10.1.1.1')).toBe(false);
    expect(contains(parsePrefix('200.0.0.0/8'), '200.255.0.1')).toBe(true);
    expect(overlaps(lan, parsePrefix('10.0.0.0/8'))).toBe(true);
    expect(overlaps(parsePrefix('10.0.0.0/8'), lan)).toBe(true);
    expect(overlaps(lan, parsePrefix('10.1.0.128/25'))).toBe(true);
    expect(overlaps(lan, parsePrefix('10.2.0.0/24'))).toBe(false);
    expect(overlaps(parsePrefix('192.0.2.0/24'), parsePrefix('192.0.3.0/24'))).toBe(false);
    expect(overlaps(parsePrefix('0.0.0.0/0'), parsePrefix('203.0.113.0/24'))).toBe(true);
  });
});
