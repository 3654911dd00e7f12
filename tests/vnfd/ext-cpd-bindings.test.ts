/**
 * ext-cpd → int-cpd → VDU (or → internal virtual link) mapping of a VNFD: the multi-VDU OSM
 * example, the sample VNFD (an ext-cpd on an internal VL) and the bundled router.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledVnfPackagePath, extCpdBinding, extCpdBindings, loadVnfPackage, parseVnfd } from '../../vnfd/index.js';
import { CORPUS } from './helpers.js';
import { SAMPLE_VNFD } from './sample-vnfd.js';

describe('extCpdBindings', () => {
  it('maps each ext-cpd of a multi-VDU VNF to its VDU, int-cpd and interface; marks the mgmt-cp', () => {
    const file = join(CORPUS, 'accept', 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml');
    const vnfd = parseVnfd(readFileSync(file, 'utf8'), file);
    expect(extCpdBindings(vnfd)).toEqual([
      { extCpd: 'vnf-mgmt-ext', mgmt: true, vduId: 'mgmtVM', intCpd: 'mgmtVM-eth0-int', interfaces: [{ name: 'mgmtVM-eth0', position: 1, virtualInterfaceType: 'PARAVIRT' }], members: [] },
      { extCpd: 'vnf-data-ext', mgmt: false, vduId: 'dataVM', intCpd: 'dataVM-eth0-int', interfaces: [{ name: 'dataVM-eth0', position: 1, virtualInterfaceType: 'PARAVIRT' }], members: [] },
    ]);
  });

  it('an ext-cpd on an internal virtual link lists the VDU CPs on that link', () => {
    const vnfd = parseVnfd(SAMPLE_VNFD);
    expect(extCpdBinding(vnfd, 'data-ext')).toEqual({ extCpd: 'data-ext', mgmt: false, intVirtualLinkDesc: 'internal', interfaces: [], members: [{ vduId: 'vm', intCpd: 'eth1' }] });
    expect(extCpdBinding(vnfd, 'nope')).toBeUndefined();
  });

  it("gives the router's management, LAN and WAN interfaces by position", () => {
    const { vnfd } = loadVnfPackage(bundledVnfPackagePath());
    expect(extCpdBindings(vnfd).map((b) => [b.extCpd, b.mgmt, b.vduId, b.intCpd, b.interfaces[0]?.position])).toEqual([
      ['mgmt-ext', true, 'router', 'mgmt', 1],
      ['lan-ext', false, 'router', 'lan', 2],
      ['wan-ext', false, 'router', 'wan', 3],
    ]);
  });
});
