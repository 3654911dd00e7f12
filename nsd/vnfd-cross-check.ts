/**
 * Checks an NSD against the VNFDs it uses, as OSM's NBI does when an NSD is onboarded
 * (`_check_descriptor_dependencies` in `osm_nbi/descriptor_topics.py`): every `vnfd-id` names
 * an onboarded VNFD, and every `constituent-cpd-id` is an `ext-cpd` of the VNFD of the VNF profile
 * it belongs to; a vnf-profile's `flavour-id`, when given, names a df of that VNFD; a SAP on a
 * VNF's external CP names an ext-cpd of that VNFD. ETSI GS NFV-SOL
 * 006 leafrefs across descriptors (`deref(../vnfd-id)`).
 */
import type { Problem } from '../common/index.js';
import { listIds, ProblemList, type Vnfd } from '../vnfd/index.js';
import type { Nsd } from './nsd-model.js';

/** Problems of `nsd` against the onboarded VNFDs (by VNFD id); empty when everything resolves. */
export function checkNsdAgainstVnfds(nsd: Nsd, vnfdsById: ReadonlyMap<string, Vnfd>): Problem[] {
  const out = new ProblemList({ file: nsd.file, positions: nsd.positions });
  const at = [nsd.rootKey, 'nsd', 0];
  nsd.vnfdId.forEach((id, i) => {
    if (!vnfdsById.has(id)) out.add([...at, 'vnfd-id', i], `Descriptor error at 'vnfd-id'='${id}' references a non existing vnfd (onboarded: ${listIds(vnfdsById.keys())})`);
  });
  nsd.df.forEach((df, i) => {
    const profiles = new Map(df.vnfProfile.map((vp) => [vp.id, vp]));
    df.vnfProfile.forEach((vp, j) => {
      const vpAt = [...at, 'df', i, 'vnf-profile', j];
      const own = vnfdsById.get(vp.vnfdId);
      if (own && vp.flavourId !== undefined && !own.df.some((d) => d.id === vp.flavourId)) {
        out.add([...vpAt, 'flavour-id'], `flavour-id='${vp.flavourId}' is not a df of vnfd '${own.id}' (dfs: ${listIds(own.df.map((d) => d.id))})`);
      }
      vp.virtualLinkConnectivity.forEach((vlc, k) => {
        vlc.constituentCpdId.forEach((cc, m) => {
          const vnfd = vnfdsById.get(profiles.get(cc.constituentBaseElementId)?.vnfdId ?? vp.vnfdId);
          if (!vnfd) return; // the missing VNFD is reported once, above
          if (!vnfd.extCpd.some((cp) => cp.id === cc.constituentCpdId)) {
            out.add(
              [...vpAt, 'virtual-link-connectivity', k, 'constituent-cpd-id', m, 'constituent-cpd-id'],
              `Error at df[id='${df.id}']:vnf-profile[id='${vp.id}']:virtual-link-connectivity[virtual-link-profile-id='${vlc.virtualLinkProfileId}']:constituent-cpd-id='${cc.constituentCpdId}' references a non existing ext-cpd:id inside vnfd '${vnfd.id}' (ext-cpd ids: ${listIds(vnfd.extCpd.map((cp) => cp.id))})`,
            );
          }
        });
      });
    });
  });
  nsd.sapd.forEach((sap, i) => {
    const vnfd = sap.vnf ? vnfdsById.get(sap.vnf.vnfdId) : undefined;
    if (sap.vnf && vnfd && !vnfd.extCpd.some((cp) => cp.id === sap.vnf?.extCpdId)) {
      out.add([...at, 'sapd', i, 'vnf', 'ext-cpd-id'], `sapd[id='${sap.id}']:vnf:ext-cpd-id='${sap.vnf.extCpdId}' references a non existing ext-cpd:id inside vnfd '${vnfd.id}' (ext-cpd ids: ${listIds(vnfd.extCpd.map((cp) => cp.id))})`);
    }
  });
  return out.items;
}
