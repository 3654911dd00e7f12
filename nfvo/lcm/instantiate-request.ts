/**
 * The instantiate request: ETSI SOL005 InstantiateNsRequest (6.5.2.11) with
 * OSM's per-VNF placement (`vimAccountId` for the NS and `vnf[]` with
 * `member-vnf-index` + `vimAccountId`, as OSM's NBI accepts) or SOL005
 * `locationConstraints` (`vnfProfileId` + `locationConstraints.vimId`), and
 * OSM's `vld[].ip-profile` for addressing. Turned here into a placement
 * (VNF profile → VIM account) and address overrides, or a ValidationError
 * listing every problem.
 */
import { ValidationError, type Problem } from '../../common/index.js';
import type { AddressOverrides } from './ip-plan.js';

export interface InstantiateNsRequest {
  nsFlavourId?: string;
  vimAccountId?: string;
  vnf?: { 'member-vnf-index': string; vimAccountId: string }[];
  locationConstraints?: { vnfProfileId: string; locationConstraints?: { vimId?: string } }[];
  vld?: { name: string; 'ip-profile'?: { 'subnet-address'?: string; 'gateway-address'?: string } }[];
  additionalParamsForNs?: { tunnelSubnet?: string; [k: string]: unknown };
  additionalParamsForVnf?: ParamsForVnf[];
}

/** SOL005 ParamsForVnf, or OSM's `member-vnf-index` form: the values of one VNF's day-1 primitives. */
export interface ParamsForVnf {
  vnfProfileId?: string;
  'member-vnf-index'?: string;
  additionalParams?: Record<string, unknown>;
}

/**
 * Each VNF's `additionalParams` by VNF profile, and where in the request it
 * came from (`${field}[i].additionalParams`); an entry naming no profile of
 * `profiles` is a problem.
 */
export function paramsForVnf(list: ParamsForVnf[] | undefined, profiles: string[], field: string, problems: Problem[]): Map<string, { params: Record<string, unknown>; path: string }> {
  const out = new Map<string, { params: Record<string, unknown>; path: string }>();
  (list ?? []).forEach((e, i) => {
    const vp = e.vnfProfileId ?? e['member-vnf-index'];
    if (vp === undefined) problems.push({ path: `${field}[${i}]`, message: 'names no VNF: give vnfProfileId (or member-vnf-index)' });
    else if (!profiles.includes(vp)) problems.push({ path: `${field}[${i}].vnfProfileId`, message: `'${vp}' is not a VNF profile of this NSD (${profiles.join(', ')})` });
    else out.set(vp, { params: e.additionalParams ?? {}, path: `${field}[${i}].additionalParams` });
  });
  return out;
}

/** Placement and addressing derived from a request. */
export interface InstantiatePlan {
  flavourId: string;
  /** VNF profile id → VIM account id or name as given. */
  placement: Map<string, string>;
  /** VNF profile id → the request field its placement came from (for problems about that account). */
  placementPaths: Map<string, string>;
  overrides: AddressOverrides;
}

/**
 * Check the request against the NS's VNF profiles and flavours. A profile in
 * `optionalProfiles` (NSD `min-number-of-instances: 0`) may be left without a
 * domain: that site is not deployed (scaling can add it later). A blanket
 * `vimAccountId` places every mandatory profile, and an optional one only
 * when it is named in `vnf[]` or `locationConstraints`.
 */
export function interpretInstantiateRequest(req: InstantiateNsRequest, vnfProfiles: string[], flavours: string[], links: string[], optionalProfiles: ReadonlySet<string> = new Set()): InstantiatePlan {
  const problems: Problem[] = [];
  const flavourId = req.nsFlavourId ?? flavours[0] ?? '';
  if (!flavours.includes(flavourId)) problems.push({ path: 'nsFlavourId', message: `'${flavourId}' is not a flavour of this NSD (${flavours.join(', ')})` });

  const placement = new Map<string, string>();
  const placementPaths = new Map<string, string>();
  const place = (vp: string, account: string, path: string): void => {
    placement.set(vp, account);
    placementPaths.set(vp, path);
  };
  if (req.vimAccountId) for (const vp of vnfProfiles) if (!optionalProfiles.has(vp)) place(vp, req.vimAccountId, 'vimAccountId');
  (req.vnf ?? []).forEach((v, i) => {
    if (!vnfProfiles.includes(v['member-vnf-index'])) {
      problems.push({ path: `vnf[${i}].member-vnf-index`, message: `'${v['member-vnf-index']}' is not a VNF profile of this NSD (${vnfProfiles.join(', ')})` });
    } else if (!v.vimAccountId) {
      problems.push({ path: `vnf[${i}].vimAccountId`, message: 'is required' });
    } else {
      place(v['member-vnf-index'], v.vimAccountId, `vnf[${i}].vimAccountId`);
    }
  });
  (req.locationConstraints ?? []).forEach((c, i) => {
    if (!vnfProfiles.includes(c.vnfProfileId)) {
      problems.push({ path: `locationConstraints[${i}].vnfProfileId`, message: `'${c.vnfProfileId}' is not a VNF profile of this NSD` });
    } else if (c.locationConstraints?.vimId) {
      place(c.vnfProfileId, c.locationConstraints.vimId, `locationConstraints[${i}].locationConstraints.vimId`);
    }
  });
  for (const vp of vnfProfiles) {
    if (!placement.has(vp) && !optionalProfiles.has(vp)) problems.push({ path: 'vimAccountId', message: `no VIM account (domain) given for VNF profile '${vp}': set vimAccountId or vnf[].vimAccountId` });
  }

  const overrides: AddressOverrides = { links: {} };
  (req.vld ?? []).forEach((v, i) => {
    if (!links.includes(v.name)) {
      problems.push({ path: `vld[${i}].name`, message: `'${v.name}' is not a virtual link of this NSD (${links.join(', ')})` });
      return;
    }
    const subnet = v['ip-profile']?.['subnet-address'];
    const gateway = v['ip-profile']?.['gateway-address'];
    if (subnet) overrides.links![v.name] = { subnet, gateway };
    else if (gateway) problems.push({ path: `vld[${i}].ip-profile.subnet-address`, message: 'is required with gateway-address' });
  });
  const tunnelSubnet = req.additionalParamsForNs?.tunnelSubnet;
  if (typeof tunnelSubnet === 'string') overrides.tunnelSubnet = tunnelSubnet;
  else if (tunnelSubnet !== undefined) problems.push({ path: 'additionalParamsForNs.tunnelSubnet', message: 'must be a string a.b.c.d/len' });
  if (problems.length > 0) throw new ValidationError('invalid InstantiateNsRequest', problems);
  return { flavourId, placement, placementPaths, overrides };
}
