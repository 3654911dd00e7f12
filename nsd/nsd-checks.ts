/**
 * Semantic checks of an ETSI GS NFV-SOL 006 NSD beyond its schema, with OSM's rules and messages
 * where it has them (`osm_nbi/descriptor_topics.py`, design/MANO-NOTES.md §1.3 rule 7): exactly
 * one element in `nsd.nsd`; unique keys; every `vnf-profile.vnfd-id` in `vnfd-id`; every
 * `virtual-link-profile-id` names a df virtual-link-profile or (as OSM writes it) a
 * virtual-link-desc; `constituent-base-element-id` names a profile of the same df; df
 * virtual-link-profiles and SAPs name existing links, and a virtual-link-profile's `flavour-id`
 * names a `df` of its link; a management link carries no `virtual-link-protocol-data`; an
 * external CP of a VNF profile sits on one virtual link, and a fixed `ip-address` is given once
 * per link; a SAP is on a link or on a VNF's external CP (a choice), the VNF being in `vnfd-id`;
 * then qnfv's security profiles (security-profile.ts).
 */
import { boolAt, checkUniqueKeys, checkUniqueValues, has, keySet, listAt, listIds, numAt, objAt, strAt, type PathSegment, type ProblemList } from '../vnfd/index.js';
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
  vlds.forEach((vld, i) => checkUniqueKeys(listAt(vld, 'df'), [...at, 'virtual-link-desc', i, 'df'], out));
  const vldFlavours = new Map(vlds.map((v) => [strAt(v, 'id') ?? '', keySet(listAt(v, 'df'))]));
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
      const flavour = strAt(vlp, 'flavour-id');
      const flavours = vld === undefined ? undefined : vldFlavours.get(vld);
      if (flavours && flavour !== undefined && !flavours.has(flavour)) {
        out.add([...dfAt, 'virtual-link-profile', j, 'flavour-id'], `flavour-id='${flavour}' is not a df of virtual-link-desc '${vld}' (dfs: ${listIds(flavours)})`);
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
      const min = numAt(vp, 'min-number-of-instances') ?? 1;
      const max = numAt(vp, 'max-number-of-instances') ?? 1;
      if (max < min) {
        out.add([...vpAt, has(vp, 'max-number-of-instances') ? 'max-number-of-instances' : 'min-number-of-instances'], `max-number-of-instances (${max}) must be >= min-number-of-instances (${min}); both default to 1`);
      }
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
    const vlpToVld = new Map(vlps.map((v) => [strAt(v, 'id') ?? '', strAt(v, 'virtual-link-desc-id') ?? '']));
    checkConnections(df, dfAt, (ref) => vlpToVld.get(ref) ?? (vldIds.has(ref) ? ref : undefined), out);
  });

  listAt(el, 'sapd').forEach((sap, i) => {
    const sapId = strAt(sap, 'id') ?? '?';
    const vl = strAt(sap, 'virtual-link-desc');
    if (vl !== undefined && !vldIds.has(vl)) out.add([...at, 'sapd', i, 'virtual-link-desc'], `sapd[id='${sapId}']:virtual-link-desc='${vl}' does not match any virtual-link-desc id (ids: ${listIds(vldIds)})`);
    const vnf = objAt(sap, 'vnf');
    if (vnf && has(sap, 'virtual-link-desc')) out.add([...at, 'sapd', i], `sapd[id='${sapId}'] has both virtual-link-desc and vnf; a SOL006 sapd is on a virtual link or on a VNF's external CP, not both`);
    const vnfdId = strAt(vnf, 'vnfd-id');
    if (vnfdId !== undefined && !vnfdIds.has(vnfdId)) out.add([...at, 'sapd', i, 'vnf', 'vnfd-id'], `sapd[id='${sapId}']:vnf:vnfd-id='${vnfdId}' does not match any vnfd-id (vnfd-id: ${listIds(vnfdIds)})`);
  });
  checkSecurityProfiles(el, at, out);
}

/** An external CP of a VNF profile sits on one virtual link; a fixed ip-address is given once per link. */
function checkConnections(df: unknown, dfAt: readonly PathSegment[], linkOf: (ref: string) => string | undefined, out: ProblemList): void {
  const cpLink = new Map<string, string>();
  const ipOwner = new Map<string, string>();
  listAt(df, 'vnf-profile').forEach((vp, j) => {
    listAt(vp, 'virtual-link-connectivity').forEach((vlc, k) => {
      const link = linkOf(strAt(vlc, 'virtual-link-profile-id') ?? '');
      if (link === undefined) return; // reported above
      listAt(vlc, 'constituent-cpd-id').forEach((cc, m) => {
        const ccAt = [...dfAt, 'vnf-profile', j, 'virtual-link-connectivity', k, 'constituent-cpd-id', m];
        const base = strAt(cc, 'constituent-base-element-id');
        const cpd = strAt(cc, 'constituent-cpd-id');
        if (base !== undefined && cpd !== undefined) {
          const key = `${base}\u0000${cpd}`;
          const first = cpLink.get(key);
          if (first === undefined) cpLink.set(key, link);
          else if (first === link) out.add([...ccAt, 'constituent-cpd-id'], `ext-cpd '${cpd}' of vnf-profile '${base}' is listed twice on virtual link '${link}'`);
          else out.add([...ccAt, 'constituent-cpd-id'], `ext-cpd '${cpd}' of vnf-profile '${base}' is connected to virtual links '${first}' and '${link}'; an external CP attaches to one link`);
        }
        const ip = strAt(cc, 'ip-address');
        if (ip === undefined) return;
        const key = `${link}\u0000${ip.toLowerCase()}`;
        const owner = ipOwner.get(key);
        if (owner !== undefined) out.add([...ccAt, 'ip-address'], `ip-address '${ip}' on virtual link '${link}' is already given to ${owner}`);
        else ipOwner.set(key, `ext-cpd '${cpd ?? '?'}' of vnf-profile '${base ?? '?'}'`);
      });
    });
  });
}
