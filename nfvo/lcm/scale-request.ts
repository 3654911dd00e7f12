/**
 * The scale request: ETSI SOL005 ScaleNsRequest with `scaleType` SCALE_NS and
 * `scaleNsData` naming sites. A site is a VNF profile of the NSD (one router,
 * its LAN and site host): `vnfInstanceToBeAdded[].vnfProfileId` adds one,
 * placed in the domain given by `scaleNsData.locationConstraints`
 * (`vnfProfileId` + `locationConstraints.vimId`, as in InstantiateNsRequest);
 * `vnfInstanceToBeRemoved[]` removes one by VNF instance id (or profile id).
 * qnfv creates the added VNF instances itself, so `vnfInstanceId` is not
 * taken in `vnfInstanceToBeAdded`. Only optional sites (NSD
 * `min-number-of-instances: 0`) can be removed, and a profile holds one site.
 * Turned here into what to add where and what to remove, or a
 * ValidationError listing every problem.
 */
import { ValidationError, type Problem } from '../../common/index.js';
import type { ParamsForVnf } from './instantiate-request.js';

export interface ScaleNsRequest {
  scaleType: string;
  scaleNsData?: {
    vnfInstanceToBeAdded?: { vnfProfileId?: string; vnfInstanceId?: string }[];
    vnfInstanceToBeRemoved?: string[];
    locationConstraints?: { vnfProfileId: string; locationConstraints?: { vimId?: string } }[];
    scaleNsByStepsData?: unknown;
    scaleNsToLevelData?: unknown;
    additionalParamsForNs?: Record<string, unknown>;
    additionalParamsForVnf?: ParamsForVnf[];
  };
  scaleVnfData?: unknown[];
  scaleTime?: string;
}

/** Sites to add (VNF profile → VIM account id or name as given) and to remove (VNF profile ids). */
export interface ScalePlan {
  add: Map<string, string>;
  /** VNF profile → the request field that placed it (for problems about that account). */
  addPaths: Map<string, string>;
  remove: string[];
}

/** What the check needs about the NS: its profiles (with minimum counts) and its deployed VNF instances. */
export interface ScaleContext {
  profiles: { id: string; minInstances?: number }[];
  deployed: { id: string; vnfProfileId: string }[];
}

export function interpretScaleRequest(req: ScaleNsRequest, nsCtx: ScaleContext): ScalePlan {
  const problems: Problem[] = [];
  const profileIds = nsCtx.profiles.map((p) => p.id);
  const deployed = new Set(nsCtx.deployed.map((v) => v.vnfProfileId));
  if (req.scaleType === 'SCALE_VNF') {
    problems.push({ path: 'scaleType', message: 'SCALE_VNF (more VDUs inside a VNF) is not supported: a qnfv site is one router; add or remove whole sites with SCALE_NS' });
  } else if (req.scaleType !== 'SCALE_NS') {
    problems.push({ path: 'scaleType', message: `'${req.scaleType}' is not SCALE_NS or SCALE_VNF` });
  }
  const data = req.scaleNsData;
  if (data?.scaleNsByStepsData !== undefined || data?.scaleNsToLevelData !== undefined) {
    const field = data.scaleNsByStepsData !== undefined ? 'scaleNsByStepsData' : 'scaleNsToLevelData';
    problems.push({ path: `scaleNsData.${field}`, message: 'NS scaling aspects and levels are not supported: name the sites in vnfInstanceToBeAdded / vnfInstanceToBeRemoved' });
  }

  // Removals first: a site can be removed and added elsewhere in one request (a move).
  const remove: string[] = [];
  (data?.vnfInstanceToBeRemoved ?? []).forEach((ref, i) => {
    const path = `scaleNsData.vnfInstanceToBeRemoved[${i}]`;
    const v = nsCtx.deployed.find((x) => x.id === ref || x.vnfProfileId === ref);
    if (!v) {
      problems.push({ path, message: `'${ref}' is not a VNF instance of this NS (${nsCtx.deployed.map((x) => `${x.vnfProfileId} = ${x.id}`).join(', ') || 'none'})` });
      return;
    }
    const min = nsCtx.profiles.find((p) => p.id === v.vnfProfileId)?.minInstances ?? 1;
    if (min > 0) problems.push({ path, message: `site ${v.vnfProfileId} cannot be removed: the NSD gives its vnf-profile min-number-of-instances ${min}` });
    else if (remove.includes(v.vnfProfileId)) problems.push({ path, message: `site ${v.vnfProfileId} is named twice` });
    else remove.push(v.vnfProfileId);
  });

  const add = new Map<string, string>();
  const addPaths = new Map<string, string>();
  const toAdd: string[] = [];
  (data?.vnfInstanceToBeAdded ?? []).forEach((a, i) => {
    const path = `scaleNsData.vnfInstanceToBeAdded[${i}]`;
    if (a.vnfInstanceId !== undefined) problems.push({ path: `${path}.vnfInstanceId`, message: 'qnfv creates the VNF instance of an added site: give vnfProfileId only' });
    if (a.vnfProfileId === undefined) {
      problems.push({ path: `${path}.vnfProfileId`, message: `is required: the site (VNF profile) to add (${profileIds.join(', ')})` });
    } else if (!profileIds.includes(a.vnfProfileId)) {
      problems.push({ path: `${path}.vnfProfileId`, message: `'${a.vnfProfileId}' is not a VNF profile of this NS's flavour (${profileIds.join(', ')})` });
    } else if (deployed.has(a.vnfProfileId) && !remove.includes(a.vnfProfileId)) {
      problems.push({ path: `${path}.vnfProfileId`, message: `site ${a.vnfProfileId} is deployed already (one VNF instance per site)` });
    } else if (toAdd.includes(a.vnfProfileId)) {
      problems.push({ path: `${path}.vnfProfileId`, message: `site ${a.vnfProfileId} is named twice` });
    } else {
      toAdd.push(a.vnfProfileId);
    }
  });
  (data?.locationConstraints ?? []).forEach((c, i) => {
    const path = `scaleNsData.locationConstraints[${i}]`;
    if (!toAdd.includes(c.vnfProfileId)) {
      problems.push({ path: `${path}.vnfProfileId`, message: `'${c.vnfProfileId}' is not a site this request adds (${toAdd.join(', ') || 'none'})` });
    } else if (!c.locationConstraints?.vimId) {
      problems.push({ path: `${path}.locationConstraints.vimId`, message: 'is required: the VIM account (domain) of the added site' });
    } else {
      add.set(c.vnfProfileId, c.locationConstraints.vimId);
      addPaths.set(c.vnfProfileId, `${path}.locationConstraints.vimId`);
    }
  });
  for (const vp of toAdd) {
    if (!add.has(vp) && !problems.some((p) => p.path.startsWith('scaleNsData.locationConstraints'))) {
      problems.push({ path: 'scaleNsData.locationConstraints', message: `no VIM account (domain) given for added site '${vp}': add { vnfProfileId: '${vp}', locationConstraints: { vimId } }` });
    }
  }
  if (problems.length === 0 && toAdd.length === 0 && remove.length === 0) {
    problems.push({ path: 'scaleNsData', message: 'names no site to add (vnfInstanceToBeAdded) or remove (vnfInstanceToBeRemoved)' });
  }
  if (problems.length > 0) throw new ValidationError('invalid ScaleNsRequest', problems);
  return { add, addPaths, remove };
}
