/**
 * Semantic checks of an ETSI GS NFV-SOL 006 NSD beyond its schema, with OSM's rules and messages
 * where it has them (`osm_nbi/descriptor_topics.py`, design/MANO-NOTES.md §1.3 rule 7): exactly
 * one element in `nsd.nsd`; unique keys; every `vnf-profile.vnfd-id` in `vnfd-id`; every
 * `virtual-link-profile-id` names a df virtual-link-profile or (as OSM writes it) a
 * virtual-link-desc; `constituent-base-element-id` names a profile of the same df; df
 * virtual-link-profiles and SAPs name existing links; a management link carries no
 * `virtual-link-protocol-data`; then qnfv's security profiles (security-profile.ts).
 */
import { boolAt, checkUniqueKeys, checkUniqueValues, has, keySet, listAt, listIds, strAt, type PathSegment, type ProblemList } from '../vnfd/index.js';
import { checkSecurityProfiles } from './security-profile.js';

/** Run every semantic check on the object under `nsd:` (at path `root`). */
export function checkNsd(nsdRoot: unknown, root: readonly PathSegment[], out: ProblemList): void {
  const elements = listAt(nsdRoot, 'nsd');
  if (elements.length > 1) out.add([...root, 'nsd'], `'nsd' must be a list of only one element (found ${elements.length}); onboard each NSD separately`);
  elements.forEach((el, i) => checkNsdElement(el, [...root, 'nsd', i], out));
}

function checkNsdElement(el: unknown, at: readonly PathSegment[], out: ProblemList): void {
  const vnfdIds = new Set(listAt(el, 'vnfd-id').filter((v): v is string => typeof v === 'string'));
  const vlds = listAt(el, 'virtual-link-desc');
  const vldIds = keySet(vlds);
  checkUniqueValues(listAt(el, 'vnfd-id'), [...at, 'vnfd-id'], out, 'vnfd-id');
  for (const key of ['virtual-link-desc', 'df', 'sapd']) checkUniqueKeys(listAt(el, key), [...at, key], out);
  const mgmtVlds = new Set(vlds.filter((v) => boolAt(v, 'mgmt-network') === true).map((v) => strAt(v, 'id')));

  listAt(el, 'df').forEach((df, i) => {
    const dfAt = [...at, 'df', i];
    const dfId = strAt(df, 'id') ?? '?';
    const vlps = listAt(df, 'virtual-link-profile');
    const vlpIds = keySet(vlps);
    const profileIds = new Set([...keySet(listAt(df, 'vnf-profile')), ...keySet(listAt(df, 'pnf-profile')), ...keySet(listAt(df, 'ns-profile'))]);
    checkUniqueKeys(listAt(df, 'vnf-profile'), [...dfAt, 'vnf-profile'], out);
    checkUniqueKeys(vlps, [...dfAt, 'virtual-link-profile'], out);

    vlps.forEach((vlp, j) => {
      const vld = strAt(vlp, 'virtual-link-desc-id');
      if (vld !== undefined && !vldIds.has(vld)) {
        out.add([...dfAt, 'virtual-link-profile', j, 'virtual-link-desc-id'], `virtual-link-desc-id='${vld}' does not match any virtual-link-desc id (ids: ${listIds(vldIds)})`);
      }
      if (vld !== undefined && mgmtVlds.has(vld) && has(vlp, 'virtual-link-protocol-data')) {
        out.add(
          [...dfAt, 'virtual-link-profile', j, 'virtual-link-protocol-data'],
          `Error at df[id='${dfId}']:virtual-link-profile[id='${strAt(vlp, 'id') ?? '?'}']:virtual-link-protocol-data You cannot set a virtual-link-protocol-data when mgmt-network is True`,
        );
      }
    });

    listAt(df, 'vnf-profile').forEach((vp, j) => {
      const vpAt = [...dfAt, 'vnf-profile', j];
      const vpId = strAt(vp, 'id') ?? '?';
      const vnfdId = strAt(vp, 'vnfd-id');
      if (vnfdId !== undefined && !vnfdIds.has(vnfdId)) {
        out.add([...vpAt, 'vnfd-id'], `Error at df[id='${dfId}']:vnf_profile[id='${vpId}']:vnfd-id='${vnfdId}' does not match any vnfd-id (vnfd-id: ${listIds(vnfdIds)})`);
      }
      checkUniqueKeys(listAt(vp, 'virtual-link-connectivity'), [...vpAt, 'virtual-link-connectivity'], out, 'virtual-link-profile-id');
      listAt(vp, 'virtual-link-connectivity').forEach((vlc, k) => {
        const vlcAt = [...vpAt, 'virtual-link-connectivity', k];
        const ref = strAt(vlc, 'virtual-link-profile-id');
        if (ref !== undefined && !vlpIds.has(ref) && !vldIds.has(ref)) {
          out.add([...vlcAt, 'virtual-link-profile-id'], `virtual-link-profile-id='${ref}' matches no virtual-link-desc (ids: ${listIds(vldIds)}) and no virtual-link-profile of df '${dfId}'`);
        }
        listAt(vlc, 'constituent-cpd-id').forEach((cc, m) => {
          const base = strAt(cc, 'constituent-base-element-id');
          if (base !== undefined && !profileIds.has(base)) {
            out.add([...vlcAt, 'constituent-cpd-id', m, 'constituent-base-element-id'], `constituent-base-element-id='${base}' does not name a vnf-profile of df '${dfId}' (vnf-profile ids: ${listIds(profileIds)})`);
          }
        });
      });
    });
  });

  listAt(el, 'sapd').forEach((sap, i) => {
    const vl = strAt(sap, 'virtual-link-desc');
    if (vl !== undefined && !vldIds.has(vl)) out.add([...at, 'sapd', i, 'virtual-link-desc'], `sapd[id='${strAt(sap, 'id') ?? '?'}']:virtual-link-desc='${vl}' does not match any virtual-link-desc id (ids: ${listIds(vldIds)})`);
  });
  checkSecurityProfiles(el, at, out);
}
