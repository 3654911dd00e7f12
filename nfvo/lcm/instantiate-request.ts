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
}

/** Placement and addressing derived from a request. */
export interface InstantiatePlan {
  flavourId: string;
  /** VNF profile id → VIM account id or name as given. */
  placement: Map<string, string>;
  overrides: AddressOverrides;
}

/** Check the request against the NS's VNF profiles and flavours. */
export function interpretInstantiateRequest(req: InstantiateNsRequest, vnfProfiles: string[], flavours: string[], links: string[]): InstantiatePlan {
  const problems: Problem[] = [];
  const flavourId = req.nsFlavourId ?? flavours[0] ?? '';
  if (!flavours.includes(flavourId)) problems.push({ path: 'nsFlavourId', message: `'${flavourId}' is not a flavour of this NSD (${flavours.join(', ')})` });

  const placement = new Map<string, string>();
  if (req.vimAccountId) for (const vp of vnfProfiles) placement.set(vp, req.vimAccountId);
  (req.vnf ?? []).forEach((v, i) => {
    if (!vnfProfiles.includes(v['member-vnf-index'])) {
      problems.push({ path: `vnf[${i}].member-vnf-index`, message: `'${v['member-vnf-index']}' is not a VNF profile of this NSD (${vnfProfiles.join(', ')})` });
    } else if (!v.vimAccountId) {
      problems.push({ path: `vnf[${i}].vimAccountId`, message: 'is required' });
    } else {
      placement.set(v['member-vnf-index'], v.vimAccountId);
    }
  });
  (req.locationConstraints ?? []).forEach((c, i) => {
    if (!vnfProfiles.includes(c.vnfProfileId)) {
      problems.push({ path: `locationConstraints[${i}].vnfProfileId`, message: `'${c.vnfProfileId}' is not a VNF profile of this NSD` });
    } else if (c.locationConstraints?.vimId) {
      placement.set(c.vnfProfileId, c.locationConstraints.vimId);
    }
  });
  for (const vp of vnfProfiles) {
    if (!placement.has(vp)) problems.push({ path: 'vimAccountId', message: `no VIM account (domain) given for VNF profile '${vp}': set vimAccountId or vnf[].vimAccountId` });
  }

  const overrides: AddressOverrides = { links: {} };
  (req.vld ?? []).forEach((v, i) => {
    if (!links.includes(v.name)) {
      problems.push({ path: `vld[${i}].name`, message: `'${v.name}' is not a virtual link of this NSD (${links.join(', ')})` });
      return;
    }
    const subnet = v['ip-profile']?.['subnet-address'];
    if (subnet) overrides.links![v.name] = { subnet, gateway: v['ip-profile']?.['gateway-address'] };
  });
  if (typeof req.additionalParamsForNs?.tunnelSubnet === 'string') overrides.tunnelSubnet = req.additionalParamsForNs.tunnelSubnet;
  if (problems.length > 0) throw new ValidationError('invalid InstantiateNsRequest', problems);
  return { flavourId, placement, overrides };
}
