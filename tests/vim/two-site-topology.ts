/**
 * The two-site VPN topology that the VIM driver tests build (a helper, not a
 * test file): sites `a` and `b`, each a LAN `lan-<site>` (10.1.0.0/24 and
 * 10.2.0.0/24) with its router at .1 and its host at .10, both routers on one
 * WAN `wan` (203.0.113.1 and .2), each with a static route to the other
 * site's LAN via the other router's WAN address.
 */
import type { HostSpec, PortSpec, RouteSpec } from '../../vim/index.js';

/** One of the two sites. */
export type Site = 'a' | 'b';

/** The site's number: its LAN is 10.<n>.0.0/24, its router's WAN address 203.0.113.<n>. */
function siteNumber(site: Site): 1 | 2 {
  return site === 'a' ? 1 : 2;
}

/** The ports and routes of the site's router. */
export function siteRouterWiring(site: Site): { ports: PortSpec[]; routes: RouteSpec[] } {
  const n = siteNumber(site);
  const peer = 3 - n;
  return {
    ports: [
      { name: 'lan0', network: `lan-${site}`, address: `10.${n}.0.1/24` },
      { name: 'wan0', network: 'wan', address: `203.0.113.${n}/24` },
    ],
    routes: [{ prefix: `10.${peer}.0.0/24`, via: `203.0.113.${peer}` }],
  };
}

/** The site's host `host-<site>` on its LAN, the router as its gateway. */
export function siteHost(instanceId: string, site: Site): HostSpec {
  const n = siteNumber(site);
  return { instanceId, id: `host-${site}`, port: { network: `lan-${site}`, address: `10.${n}.0.10/24` }, gateway: `10.${n}.0.1` };
}
