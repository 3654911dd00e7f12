/**
 * Semantic checks of an ETSI GS NFV-SOL 006 VNFD beyond its schema: the leafrefs of the YANG
 * model resolve and list keys are unique, following OSM's onboarding rules (`osm_nbi/
 * descriptor_topics.py`, design/MANO-NOTES.md §1.3 rules 3, 4, 6) with OSM's messages where it
 * has them. Runs even when the schema pass failed, so it reads the data tolerantly.
 * Rules: VDUs need a `mgmt-cp` that names an ext-cpd; unique ids in every keyed list (monitoring
 * parameters unique across the VNFD, as OSM requires); ext-cpd binds to an existing (vdu-id, cpd)
 * or internal VL, not both; int-cpd internal VLs, VDU image/compute/storage refs, vdu-profile,
 * instantiation-level (and the df's default one), scaling-aspect (VDU deltas, monitoring
 * parameters, scaling-config-action primitives), alarm and virtual-link-profile refs resolve;
 * vdu-profile min ≤ max; the day1-2 rules are day12-checks.ts's.
 */
import { checkDay12, day12List } from './day12-checks.js';
import type { ProblemList } from './problem-list.js';
import { checkUniqueKeys, keySet, listIds } from './reference-checks.js';
import { has, listAt, numAt, objAt, strAt, strListAt } from './tree.js';
import type { PathSegment } from './yaml-source.js';

/** Names the checks share. */
interface VnfdIndex {
  vnfdId?: string;
  vduIds: Set<string>;
  extCpdIds: Set<string>;
  ivldIds: Set<string>;
  intCpdsByVdu: Map<string, Set<string>>;
  monitoringParamIds: Set<string>;
}

/** Run every semantic check on the object under `vnfd:` (at path `root`). */
export function checkVnfd(vnfd: unknown, root: readonly PathSegment[], out: ProblemList): void {
  const vdus = listAt(vnfd, 'vdu');
  const index: VnfdIndex = {
    vnfdId: strAt(vnfd, 'id'),
    vduIds: keySet(vdus),
    extCpdIds: keySet(listAt(vnfd, 'ext-cpd')),
    ivldIds: keySet(listAt(vnfd, 'int-virtual-link-desc')),
    intCpdsByVdu: new Map(vdus.map((v) => [strAt(v, 'id') ?? '', keySet(listAt(v, 'int-cpd'))])),
    monitoringParamIds: new Set(),
  };
  for (const key of ['sw-image-desc', 'virtual-compute-desc', 'virtual-storage-desc', 'vdu', 'ext-cpd', 'int-virtual-link-desc', 'df']) {
    checkUniqueKeys(listAt(vnfd, key), [...root, key], out);
  }
  checkMgmtCp(vnfd, root, index, out);
  checkVdus(vnfd, root, index, out);
  checkExtCpds(vnfd, root, index, out);
  checkMonitoringParameters(vnfd, root, index, out);
  listAt(vnfd, 'df').forEach((df, i) => checkDf(df, [...root, 'df', i], vnfd, index, out));
}

/** OSM rule: a VNFD with VDUs has a `mgmt-cp`, and it names an ext-cpd. */
function checkMgmtCp(vnfd: unknown, root: readonly PathSegment[], index: VnfdIndex, out: ProblemList): void {
  const mgmtCp = strAt(vnfd, 'mgmt-cp');
  if (mgmtCp === undefined) {
    if (index.vduIds.size > 0 && !has(vnfd, 'mgmt-cp')) out.add([...root, 'mgmt-cp'], "'mgmt-cp' is a mandatory field and it is not defined");
    return;
  }
  if (!index.extCpdIds.has(mgmtCp)) {
    out.add([...root, 'mgmt-cp'], `mgmt-cp='${mgmtCp}' must match an existing ext-cpd (ext-cpd ids: ${listIds(index.extCpdIds)})`);
  }
}

/** VDU-local rules: unique int-cpds, their internal VLs, image/compute/storage refs. */
function checkVdus(vnfd: unknown, root: readonly PathSegment[], index: VnfdIndex, out: ProblemList): void {
  const images = keySet(listAt(vnfd, 'sw-image-desc'));
  const computes = keySet(listAt(vnfd, 'virtual-compute-desc'));
  const storages = keySet(listAt(vnfd, 'virtual-storage-desc'));
  listAt(vnfd, 'vdu').forEach((vdu, i) => {
    const at = [...root, 'vdu', i];
    const vduId = strAt(vdu, 'id') ?? '?';
    checkUniqueKeys(listAt(vdu, 'int-cpd'), [...at, 'int-cpd'], out);
    listAt(vdu, 'int-cpd').forEach((cpd, j) => {
      const ivld = strAt(cpd, 'int-virtual-link-desc');
      if (ivld !== undefined && !index.ivldIds.has(ivld)) {
        out.add(
          [...at, 'int-cpd', j, 'int-virtual-link-desc'],
          `vdu[id='${vduId}']:int-cpd[id='${strAt(cpd, 'id') ?? '?'}']:int-virtual-link-desc='${ivld}' must match an existing int-virtual-link-desc (ids: ${listIds(index.ivldIds)})`,
        );
      }
    });
    const image = strAt(vdu, 'sw-image-desc');
    if (image !== undefined && !images.has(image)) out.add([...at, 'sw-image-desc'], `sw-image-desc='${image}' does not match any sw-image-desc id (ids: ${listIds(images)})`);
    strListAt(vdu, 'alternative-sw-image-desc').forEach((alt, k) => {
      if (!images.has(alt)) out.add([...at, 'alternative-sw-image-desc', k], `alternative-sw-image-desc '${alt}' does not match any sw-image-desc id`);
    });
    const compute = strAt(vdu, 'virtual-compute-desc');
    if (compute !== undefined && !computes.has(compute)) {
      out.add([...at, 'virtual-compute-desc'], `vdu[virtual-compute-desc='${compute}'] not defined in vnfd (virtual-compute-desc ids: ${listIds(computes)})`);
    }
    strListAt(vdu, 'virtual-storage-desc').forEach((storage, k) => {
      if (!storages.has(storage)) out.add([...at, 'virtual-storage-desc', k], `vdu[virtual-storage-desc='${storage}'] not defined in vnfd (virtual-storage-desc ids: ${listIds(storages)})`);
    });
  });
}

/** ext-cpd binds to an existing (vdu-id, cpd) or an existing internal VL, not to both. */
function checkExtCpds(vnfd: unknown, root: readonly PathSegment[], index: VnfdIndex, out: ProblemList): void {
  listAt(vnfd, 'ext-cpd').forEach((cp, i) => {
    const at = [...root, 'ext-cpd', i];
    const id = strAt(cp, 'id') ?? '?';
    const intCpd = objAt(cp, 'int-cpd');
    const ivld = strAt(cp, 'int-virtual-link-desc');
    if (intCpd && ivld !== undefined) {
      out.add(at, `ext-cpd[id='${id}'] has both int-cpd and int-virtual-link-desc; SOL006 cp-connection is a choice of one`);
    }
    if (intCpd) {
      const vduId = strAt(intCpd, 'vdu-id');
      const cpd = strAt(intCpd, 'cpd');
      const cpds = vduId === undefined ? undefined : index.intCpdsByVdu.get(vduId);
      if (vduId !== undefined && cpds === undefined) {
        out.add([...at, 'int-cpd', 'vdu-id'], `ext-cpd[id='${id}']:int-cpd must match an existing vdu int-cpd: vdu-id='${vduId}' matches no vdu (vdu ids: ${listIds(index.vduIds)})`);
      } else if (cpds && cpd !== undefined && !cpds.has(cpd)) {
        out.add([...at, 'int-cpd', 'cpd'], `ext-cpd[id='${id}']:int-cpd must match an existing vdu int-cpd: vdu '${vduId}' has no int-cpd '${cpd}' (its int-cpds: ${listIds(cpds)})`);
      }
    }
    if (ivld !== undefined && !index.ivldIds.has(ivld)) {
      out.add([...at, 'int-virtual-link-desc'], `ext-cpd[id='${id}']:int-virtual-link-desc='${ivld}' must match an existing int-virtual-link-desc (ids: ${listIds(index.ivldIds)})`);
    }
  });
}

/** OSM rule: monitoring-parameter ids are unique across VDUs, deployment flavours and internal VLs. */
function checkMonitoringParameters(vnfd: unknown, root: readonly PathSegment[], index: VnfdIndex, out: ProblemList): void {
  const where = new Map<string, string>();
  const visit = (list: unknown[], at: readonly PathSegment[], owner: string): void => {
    list.forEach((mp, k) => {
      const id = strAt(mp, 'id');
      if (id === undefined) return;
      if (where.has(id)) out.add([...at, k, 'id'], `Duplicated monitoring-parameter id in ${owner}:monitoring-parameter[id='${id}'] (first in ${where.get(id)})`);
      else where.set(id, owner);
      index.monitoringParamIds.add(id);
    });
  };
  listAt(vnfd, 'vdu').forEach((vdu, i) => visit(listAt(vdu, 'monitoring-parameter'), [...root, 'vdu', i, 'monitoring-parameter'], `vdu[id='${strAt(vdu, 'id') ?? '?'}']`));
  listAt(vnfd, 'df').forEach((df, i) => visit(listAt(df, 'monitoring-parameter'), [...root, 'df', i, 'monitoring-parameter'], `df[id='${strAt(df, 'id') ?? '?'}']`));
  listAt(vnfd, 'int-virtual-link-desc').forEach((vl, i) =>
    visit(listAt(vl, 'monitoring-parameters'), [...root, 'int-virtual-link-desc', i, 'monitoring-parameters'], `int-virtual-link-desc[id='${strAt(vl, 'id') ?? '?'}']`),
  );
  listAt(vnfd, 'vdu').forEach((vdu, i) =>
    listAt(vdu, 'alarm').forEach((alarm, k) => {
      const ref = strAt(alarm, 'vnf-monitoring-param-ref');
      if (ref !== undefined && !index.monitoringParamIds.has(ref)) {
        out.add([...root, 'vdu', i, 'alarm', k, 'vnf-monitoring-param-ref'], `vdu[id='${strAt(vdu, 'id') ?? '?'}']:alarm[id='${strAt(alarm, 'alarm-id') ?? '?'}']:vnf-monitoring-param-ref='${ref}' not defined in any monitoring-param`);
      }
    }),
  );
}

/** Deployment-flavour rules: profiles, levels, scaling, VL profiles and day-1/2 configuration. */
function checkDf(df: unknown, at: readonly PathSegment[], vnfd: unknown, index: VnfdIndex, out: ProblemList): void {
  const dfId = strAt(df, 'id') ?? '?';
  const vdus = listIds(index.vduIds);
  checkUniqueKeys(listAt(df, 'vdu-profile'), [...at, 'vdu-profile'], out);
  listAt(df, 'vdu-profile').forEach((p, i) => {
    const id = strAt(p, 'id');
    if (id !== undefined && !index.vduIds.has(id)) out.add([...at, 'vdu-profile', i, 'id'], `df[id='${dfId}']:vdu-profile id='${id}' does not match any vdu id (vdu ids: ${vdus})`);
    const min = numAt(p, 'min-number-of-instances') ?? 1;
    const max = numAt(p, 'max-number-of-instances') ?? 1;
    if (max < min) {
      out.add([...at, 'vdu-profile', i, has(p, 'max-number-of-instances') ? 'max-number-of-instances' : 'min-number-of-instances'], `max-number-of-instances (${max}) must be >= min-number-of-instances (${min}); both default to 1`);
    }
  });
  checkUniqueKeys(listAt(df, 'instantiation-level'), [...at, 'instantiation-level'], out);
  listAt(df, 'instantiation-level').forEach((level, i) => {
    checkUniqueKeys(listAt(level, 'vdu-level'), [...at, 'instantiation-level', i, 'vdu-level'], out, 'vdu-id');
    listAt(level, 'vdu-level').forEach((vl, j) => {
      const vduId = strAt(vl, 'vdu-id');
      if (vduId !== undefined && !index.vduIds.has(vduId)) {
        out.add([...at, 'instantiation-level', i, 'vdu-level', j, 'vdu-id'], `df[id='${dfId}']:instantiation-level[id='${strAt(level, 'id') ?? '?'}']:vdu-level vdu-id='${vduId}' does not match any vdu id (vdu ids: ${vdus})`);
      }
    });
  });
  listAt(df, 'virtual-link-profile').forEach((vlp, i) => {
    const id = strAt(vlp, 'id');
    if (id !== undefined && !index.ivldIds.has(id)) out.add([...at, 'virtual-link-profile', i, 'id'], `df[id='${dfId}']:virtual-link-profile='${id}' must match an existing int-virtual-link-desc`);
  });
  const levelIds = keySet(listAt(df, 'instantiation-level'));
  const defaultLevel = strAt(df, 'default-instantiation-level');
  if (defaultLevel !== undefined && !levelIds.has(defaultLevel)) {
    out.add([...at, 'default-instantiation-level'], `df[id='${dfId}']:default-instantiation-level='${defaultLevel}' does not match any instantiation-level id (ids: ${listIds(levelIds)})`);
  }
  checkScalingAspects(df, at, dfId, index, out);
  checkDay12(df, at, { ...index, kduNames: keySet(listAt(vnfd, 'kdu'), 'name') }, out);
}

/**
 * OSM rule: a scaling-config-action runs a config primitive of the VNF-level day1-2 entry, so that
 * entry must exist and define a config-primitive of that name.
 */
function checkScalingConfigActions(df: unknown, sa: unknown, saAt: readonly PathSegment[], dfId: string, index: VnfdIndex, out: ProblemList): void {
  const actions = listAt(sa, 'scaling-config-action');
  if (actions.length === 0) return;
  const saId = strAt(sa, 'id') ?? '?';
  const configs = day12List(df);
  if (!configs.some((c) => strAt(c, 'id') === index.vnfdId)) {
    out.add([...saAt, 'scaling-config-action'], `'day1-2 configuration' not defined in the descriptor but it is referenced by df[id='${dfId}']:scaling-aspect[id='${saId}']:scaling-config-action`);
    return;
  }
  const names = new Set(configs.flatMap((c) => listAt(c, 'config-primitive').map((p) => strAt(p, 'name'))));
  actions.forEach((action, k) => {
    const ref = strAt(action, 'vnf-config-primitive-name-ref');
    if (ref !== undefined && !names.has(ref)) {
      out.add(
        [...saAt, 'scaling-config-action', k, 'vnf-config-primitive-name-ref'],
        `df[id='${dfId}']:scaling-aspect[id='${saId}']:scaling-config-action:vnf-config-primitive-name-ref='${ref}' does not match any day1-2 configuration:config-primitive:name`,
      );
    }
  });
}

/** scaling-aspect: VDU deltas name VDUs, scaling criteria name monitoring parameters, config actions name primitives. */
function checkScalingAspects(df: unknown, at: readonly PathSegment[], dfId: string, index: VnfdIndex, out: ProblemList): void {
  checkUniqueKeys(listAt(df, 'scaling-aspect'), [...at, 'scaling-aspect'], out);
  listAt(df, 'scaling-aspect').forEach((sa, i) => {
    const saAt = [...at, 'scaling-aspect', i];
    const saId = strAt(sa, 'id') ?? '?';
    listAt(objAt(sa, 'aspect-delta-details'), 'deltas').forEach((delta, j) => {
      listAt(delta, 'vdu-delta').forEach((vd, k) => {
        const id = strAt(vd, 'id');
        if (id !== undefined && !index.vduIds.has(id)) {
          out.add([...saAt, 'aspect-delta-details', 'deltas', j, 'vdu-delta', k, 'id'], `df[id='${dfId}']:scaling-aspect[id='${saId}']:aspect-delta-details[delta='${strAt(delta, 'id') ?? '?'}']: vdu-id='${id}' not defined in vdu`);
        }
      });
    });
    checkScalingConfigActions(df, sa, saAt, dfId, index, out);
    listAt(sa, 'scaling-policy').forEach((sp, j) => {
      listAt(sp, 'scaling-criteria').forEach((sc, k) => {
        const ref = strAt(sc, 'vnf-monitoring-param-ref');
        if (ref !== undefined && !index.monitoringParamIds.has(ref)) {
          out.add([...saAt, 'scaling-policy', j, 'scaling-criteria', k, 'vnf-monitoring-param-ref'], `df[id='${dfId}']:scaling-aspect[id='${saId}']: vnf-monitoring-param-ref='${ref}' not defined in any monitoring-param`);
        }
      });
    });
  });
}
