/**
 * The NSD's virtual links with what is connected to them, and the site LANs: on the bundled
 * QKD VPN (mgmt, two site LANs, a protected WAN), on the sample NSD (a connection through a df
 * virtual-link-profile, a fixed address, a SAP) and on the OSM multi-VDU example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../common/index.js';
import { bundledPackagePaths, loadNsPackage, nsVirtualLinks, parseNsd, siteLans } from '../../nsd/index.js';
import { CORPUS } from '../vnfd/helpers.js';
import { SAMPLE_NSD } from './sample-nsd.js';

describe('nsVirtualLinks / siteLans', () => {
  it('the bundled QKD VPN: management network, two site LANs, the protected WAN', () => {
    const { nsd } = loadNsPackage(bundledPackagePaths().qkdVpnNs);
    const links = nsVirtualLinks(nsd);
    expect(links.map((l) => [l.id, l.role, l.securityProfile, l.connections.map((c) => `${c.vnfProfileId}:${c.extCpd}`)])).toEqual([
      ['mgmtnet', 'mgmt', undefined, ['site-a:mgmt-ext', 'site-b:mgmt-ext']],
      ['site-a-lan', 'lan', undefined, ['site-a:lan-ext']],
      ['site-b-lan', 'lan', undefined, ['site-b:lan-ext']],
      ['wan', 'wan', 'wan-qkd-hybrid', ['site-a:wan-ext', 'site-b:wan-ext']],
    ]);
    expect(siteLans(nsd)).toEqual([
      { id: 'site-a-lan', role: 'lan', mgmtNetwork: false, profileIds: [], connections: [{ vnfProfileId: 'site-a', vnfdId: 'qnfv-router-vnf', extCpd: 'lan-ext' }], sapd: [] },
      { id: 'site-b-lan', role: 'lan', mgmtNetwork: false, profileIds: [], connections: [{ vnfProfileId: 'site-b', vnfdId: 'qnfv-router-vnf', extCpd: 'lan-ext' }], sapd: [] },
    ]);
  });

  it('resolves a connection made through a df virtual-link-profile; keeps fixed addresses and SAPs', () => {
    const links = nsVirtualLinks(parseNsd(SAMPLE_NSD));
    const byId = new Map(links.map((l) => [l.id, l]));
    expect(byId.get('wan')).toMatchObject({ role: 'wan', securityProfile: 'wan-sec', profileIds: ['wan-profile'], connections: [{ vnfProfileId: 'b', vnfdId: 't-vnf', extCpd: 'data-ext' }] });
    expect(byId.get('lan-a')).toMatchObject({ role: 'lan', sapd: ['sap-a'], connections: [{ vnfProfileId: 'a', extCpd: 'data-ext', ipAddress: '10.0.0.1' }] });
  });

  it('keeps OSM vim-network-name and fixed ip-address per constituent CP', () => {
    const file = join(CORPUS, 'accept', 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml');
    const links = nsVirtualLinks(parseNsd(readFileSync(file, 'utf8'), file), 'default-df');
    expect(links.map((l) => [l.id, l.role, l.vimNetworkName, l.connections.map((c) => c.ipAddress)])).toEqual([
      ['mgmtnet', 'mgmt', 'osm-ext', ['172.21.18.81']],
      ['datanet', 'lan', 'osm-ext', ['172.21.18.82']],
    ]);
  });

  it('refuses an unknown flavour', () => {
    expect(() => nsVirtualLinks(parseNsd(SAMPLE_NSD), 'gold')).toThrow(ValidationError);
    expect(() => siteLans(parseNsd(SAMPLE_NSD), 'gold')).toThrow(/NSD t-ns has no flavour 'gold'/);
  });
});
