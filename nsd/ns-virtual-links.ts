/**
 * The virtual links of a validated NSD in one deployment flavour (ETSI GS NFV-SOL 006
 * `nsd:virtual-link-desc` + `df.vnf-profile.virtual-link-connectivity`), each with what is
 * connected to it: the VNF profiles, through which of their VNFD's ext-cpds, with OSM's fixed
 * `ip-address` when given, and the SAPs on it. A connectivity entry's `virtual-link-profile-id`
 * may name a df `virtual-link-profile` (SOL006) or, as OSM writes it, the virtual link itself;
 * both are resolved to the link. Each link has a role in qnfv's VPN: `mgmt` (`mgmt-network`),
 * `wan` (protected by a `qnfv:security-profile`), or `lan` (a site LAN: every other link).
 */
import { ValidationError } from '../common/index.js';
import type { Nsd } from './nsd-model.js';
import { securityProfiles } from './security-profile.js';

/** A link's role in qnfv's VPN. */
export type NsLinkRole = 'mgmt' | 'wan' | 'lan';

/** One external CP of a VNF profile on a link. */
export interface NsLinkConnection {
  vnfProfileId: string;
  vnfdId: string;
  /** The ext-cpd of that VNFD (`constituent-cpd-id`). */
  extCpd: string;
  /** Fixed address (OSM `ip-address`), when given. */
  ipAddress?: string;
}

/** A virtual link of the NS in one flavour. */
export interface NsVirtualLink {
  id: string;
  role: NsLinkRole;
  mgmtNetwork: boolean;
  /** OSM: an existing VIM network to attach to. */
  vimNetworkName?: string;
  /** The df virtual-link-profiles of this link. */
  profileIds: string[];
  /** The security profile protecting it (role `wan`). */
  securityProfile?: string;
  connections: NsLinkConnection[];
  /** SAPs on this link. */
  sapd: string[];
}

/** Every virtual link of the NSD with its connections in flavour `dfId` (default: the first df); throws ValidationError for an unknown flavour. */
export function nsVirtualLinks(nsd: Nsd, dfId?: string): NsVirtualLink[] {
  const df = dfId === undefined ? nsd.df[0] : nsd.df.find((d) => d.id === dfId);
  if (!df) throw new ValidationError(`NSD ${nsd.id} has no flavour '${dfId ?? ''}'`, [{ path: 'flavourId', message: `'${dfId ?? ''}' is not a df of NSD ${nsd.id} (dfs: ${nsd.df.map((d) => d.id).join(', ') || 'none'})` }]);
  const protectedBy = new Map(securityProfiles(nsd).map((p) => [p.virtualLinkDesc, p.id]));
  const profiles = new Map(df.vnfProfile.map((vp) => [vp.id, vp]));
  const linkOfProfile = new Map(df.virtualLinkProfile.map((p) => [p.id, p.virtualLinkDescId]));
  const links = new Map(
    nsd.virtualLinkDesc.map((vl): [string, NsVirtualLink] => {
      const securityProfile = protectedBy.get(vl.id);
      return [
        vl.id,
        {
          id: vl.id,
          role: vl.mgmtNetwork ? 'mgmt' : securityProfile !== undefined ? 'wan' : 'lan',
          mgmtNetwork: vl.mgmtNetwork,
          ...(vl.vimNetworkName !== undefined ? { vimNetworkName: vl.vimNetworkName } : {}),
          profileIds: df.virtualLinkProfile.filter((p) => p.virtualLinkDescId === vl.id).map((p) => p.id),
          ...(securityProfile !== undefined ? { securityProfile } : {}),
          connections: [],
          sapd: nsd.sapd.filter((s) => s.virtualLinkDesc === vl.id).map((s) => s.id),
        },
      ];
    }),
  );
  for (const vp of df.vnfProfile) {
    for (const vlc of vp.virtualLinkConnectivity) {
      const link = links.get(linkOfProfile.get(vlc.virtualLinkProfileId) ?? vlc.virtualLinkProfileId);
      if (!link) continue; // not possible in a validated NSD
      for (const cc of vlc.constituentCpdId) {
        const owner = profiles.get(cc.constituentBaseElementId) ?? vp;
        link.connections.push({ vnfProfileId: owner.id, vnfdId: owner.vnfdId, extCpd: cc.constituentCpdId, ...(cc.ipAddress !== undefined ? { ipAddress: cc.ipAddress } : {}) });
      }
    }
  }
  return [...links.values()];
}

/** The site LANs: links that are neither the management network nor protected by a security profile. */
export function siteLans(nsd: Nsd, dfId?: string): NsVirtualLink[] {
  return nsVirtualLinks(nsd, dfId).filter((l) => l.role === 'lan');
}
