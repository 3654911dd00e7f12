import { ValidationError } from '../../../common/index.js';
import { newFlowKey, readFlowKey, type FlowKey } from '../../../virtual-router/esp/ipv4-packet.js';
import { compileSelector, selectorMatches } from '../../../virtual-router/esp/traffic-selector.js';
import { icmpPacket, udpPacket } from './helpers/fixtures.js';

function flow(p: Buffer): FlowKey {
  const k = newFlowKey();
  readFlowKey(p, 0, 20, p.length, k);
  return k;
}

describe('traffic selectors (RFC 4301 §4.4.1.1; local = source, remote = destination)', () => {
  it('matches prefixes by source and destination, not the other way round', () => {
    const sel = compileSelector({ localPrefix: '10.1.0.0/16', remotePrefix: '10.2.0.0/24', innerProtocol: 'any' }, 'ts');
    expect(selectorMatches(sel, flow(udpPacket('10.1.200.1', '10.2.0.9', 1, 2, '')))).toBe(true);
    expect(selectorMatches(sel, flow(udpPacket('10.2.0.9', '10.1.200.1', 1, 2, '')))).toBe(false);
    expect(selectorMatches(sel, flow(udpPacket('10.1.0.1', '10.2.1.9', 1, 2, '')))).toBe(false);
  });

  it('matches protocol and port ranges; a packet without ports matches only ANY ports (OPAQUE)', () => {
    const sel = compileSelector(
      { localPrefix: '0.0.0.0/0', remotePrefix: '0.0.0.0/0', innerProtocol: 17, remotePorts: [{ start: 50, end: 60 }, { start: 500, end: 500 }] },
      'ts',
    );
    expect(selectorMatches(sel, flow(udpPacket('1.1.1.1', '2.2.2.2', 9, 55, '')))).toBe(true);
    expect(selectorMatches(sel, flow(udpPacket('1.1.1.1', '2.2.2.2', 9, 500, '')))).toBe(true);
    expect(selectorMatches(sel, flow(udpPacket('1.1.1.1', '2.2.2.2', 9, 61, '')))).toBe(false);
    const anyPorts = compileSelector({ localPrefix: '0.0.0.0/0', remotePrefix: '0.0.0.0/0', innerProtocol: 'any', localPorts: [{ start: 0, end: 65535 }] }, 'ts');
    const somePorts = compileSelector({ localPrefix: '0.0.0.0/0', remotePrefix: '0.0.0.0/0', innerProtocol: 256, localPorts: [{ start: 1, end: 100 }] }, 'ts');
    const icmp = flow(icmpPacket('1.1.1.1', '2.2.2.2'));
    expect(icmp.srcPort).toBe(-1);
    expect(selectorMatches(anyPorts, icmp)).toBe(true);
    expect(selectorMatches(somePorts, icmp)).toBe(false);
  });

  it('treats non-first fragments as having no ports', () => {
    const p = udpPacket('1.1.1.1', '2.2.2.2', 9, 55, 'xxxx');
    p.writeUInt16BE(0x0001, 6);
    expect(flow(p).dstPort).toBe(-1);
  });

  it('names the field of every problem', () => {
    try {
      compileSelector(
        { localPrefix: '10.0.0.0/40', remotePrefix: 'fe80::/130', innerProtocol: 300, remotePorts: [{ start: 9, end: 1 }] },
        'trafficSelector',
      );
      throw new Error('not reached');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).problems.map((x) => x.path)).toEqual([
        'trafficSelector.localPrefix',
        'trafficSelector.remotePrefix',
        'trafficSelector.innerProtocol',
        'trafficSelector.remotePorts[0]',
      ]);
    }
  });
});
