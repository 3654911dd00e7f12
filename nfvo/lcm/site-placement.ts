/**
 * A rule of site placement shared by instantiate and scale: a tunnel's key
 * comes from the QKD link between its two domains' nodes, so both ends in one
 * domain would ask a node for a key shared with itself (the HM refuses that
 * when keys are fetched). One problem per protected link and domain, naming
 * every site placed there together, at the request field that placed the last
 * of them.
 */
import type { Problem } from '../../common/index.js';
import type { VimAccount } from '../model.js';
import type { PlannedTunnel } from './instantiate.js';

export function sameDomainProblems(tunnels: PlannedTunnel[], placement: ReadonlyMap<string, VimAccount>, pathOf: (vnfId: string) => string): Problem[] {
  const together = new Map<string, { link: string; domain: string; sites: Set<string> }>();
  for (const t of tunnels) {
    const a = placement.get(t.master.vnfId);
    const b = placement.get(t.peer.vnfId);
    if (!a || !b || a.id !== b.id) continue;
    const key = `${t.profile.virtualLinkDesc}\u0000${a.id}`;
    const g = together.get(key) ?? { link: t.profile.virtualLinkDesc, domain: a.name, sites: new Set<string>() };
    g.sites.add(t.master.vnfId).add(t.peer.vnfId);
    together.set(key, g);
  }
  return [...together.values()].map((g) => {
    const sites = [...g.sites];
    return {
      path: pathOf(sites[sites.length - 1]!),
      message: `${sites.join(', ')} share protected link ${g.link} but are all placed in '${g.domain}': a QKD-keyed tunnel needs its ends in two domains`,
    };
  });
}
