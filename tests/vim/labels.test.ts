/**
 * Names and labels (CONTRACTS.md): namespace names, 15-character interface
 * names with a stable hash, alias labels that round-trip, id checks.
 */
import { ValidationError } from '../../common/index.js';
import { bridgeName, formatLabels, installationPrefix, mgmtLinkName, networkNamespace, nodeNamespace, parseLabels, portPeerName } from '../../vim/index.js';
import { checkId, checkInstallationId, linkName } from '../../vim/labels.js';

const install = '0123abcd-ffff-4444-8888-000000000000';
const inst = '9f8e7d6c-5b4a-4321-8765-123456789abc';

describe('names', () => {
  it('builds namespace names from the first 8 characters of the ids', () => {
    expect(nodeNamespace(install, inst, 'router-a')).toBe('qnfv-0123abcd-9f8e7d6c-router-a');
    expect(networkNamespace(install, inst, 'wan')).toBe('qnfv-0123abcd-9f8e7d6c-net-wan');
    expect(installationPrefix(install)).toBe('qnfv-0123abcd-');
  });

  it('builds q<6hex><role> interface names within 15 characters, stable and distinct per id', () => {
    const m = mgmtLinkName(install, inst, 'router-a');
    expect(m).toMatch(/^q[0-9a-f]{6}m$/);
    expect(mgmtLinkName(install, inst, 'router-a')).toBe(m);
    expect(mgmtLinkName(install, inst, 'router-b')).not.toBe(m);
    expect(mgmtLinkName(`${install}x`, inst, 'router-a')).not.toBe(m);
    expect(portPeerName(install, inst, 'router-a', 'wan0')).toBe(`${m.slice(0, 7)}wan0`);
    expect(portPeerName(install, inst, 'router-a', 'abcdefgh')).toHaveLength(15);
    expect(bridgeName(install, inst, 'wan')).toMatch(/^q[0-9a-f]{6}b$/);
    expect(() => linkName('abcdef', 'toolongrole')).toThrow(/longer than 15/);
  });
});

describe('labels', () => {
  it('round-trips every role, with and without a domain', () => {
    const router = { installationId: install, instanceId: inst, domain: 'edge-1', role: 'router' as const, id: 'router-a' };
    expect(formatLabels(router)).toBe(`qnfv.install=${install},qnfv.instance=${inst},qnfv.domain=edge-1,qnfv.role=router,qnfv.vnf=router-a`);
    expect(parseLabels(formatLabels(router))).toEqual(router);
    const net = { installationId: install, instanceId: inst, role: 'network' as const, id: 'wan' };
    expect(formatLabels(net)).toBe(`qnfv.install=${install},qnfv.instance=${inst},qnfv.role=network,qnfv.vl=wan`);
    expect(parseLabels(formatLabels(net))).toEqual(net);
    const host = { ...router, role: 'host' as const, id: 'h1' };
    expect(parseLabels(formatLabels(host))).toEqual(host);
  });

  it('ignores aliases that are not ours or are incomplete', () => {
    for (const alias of [undefined, '', 'docker0 bridge', 'qnfv.install=x', `qnfv.install=${install},qnfv.instance=${inst},qnfv.role=router`, 'qnfv.role=nonsense,qnfv.install=a,qnfv.instance=b']) {
      expect(parseLabels(alias)).toBeUndefined();
    }
  });
});

describe('id checks', () => {
  it('accepts NFV-style ids and refuses what would break names, files or batch lines', () => {
    for (const ok of [inst, 'router-a', 'vnf_1', 'a.b']) expect(() => checkId(ok, 'vnfId')).not.toThrow();
    for (const bad of ['', '-a', 'a b', 'a/b', 'a,b', 'a=b', '.hidden', 'x'.repeat(65)]) expect(() => checkId(bad, 'vnfId')).toThrow(ValidationError);
    expect(() => checkInstallationId('t1234567')).not.toThrow();
    for (const bad of ['t123456', 'ab-cdefgh', '']) expect(() => checkInstallationId(bad)).toThrow(/installationId/);
  });
});
