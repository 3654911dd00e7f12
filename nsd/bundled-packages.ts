/**
 * The example packages that ship with qnfv, in OSM folder layout: the QKD virtual router VNF
 * (`vnfd/packages/qnfv_router_vnf`), the two-site QKD-secured VPN NS
 * (`nsd/packages/qnfv_qkd_vpn_ns`, the demo's) and its three-site full-mesh variant
 * (`nsd/packages/qnfv_qkd_vpn_mesh3_ns`). Resolved from the project root (vnfd/project-root.ts),
 * so they are found both from the TypeScript sources and from compiled `dist/` code (tsc does
 * not copy YAML).
 */
import { join } from 'node:path';
import { bundledVnfPackagePath, projectRoot } from '../vnfd/index.js';

/** Folders of the bundled packages. */
export interface BundledPackagePaths {
  /** VNF package of the QKD virtual router (VNFD `qnfv-router-vnf`). */
  routerVnf: string;
  /** NS package of the two-site QKD-secured VPN (NSD `qnfv-qkd-vpn-ns`): one tunnel. */
  qkdVpnNs: string;
  /**
   * NS package of the three-site full-mesh QKD-secured VPN (NSD `qnfv-qkd-vpn-mesh3-ns`): sites
   * a, b and c on one protected WAN, so three tunnels (a–b, a–c, b–c). Uses the same router VNF.
   */
  qkdVpnMesh3Ns: string;
}

/** Folders of the product's own example packages (onboard `routerVnf` first). */
export function bundledPackagePaths(): BundledPackagePaths {
  const nsPackages = join(projectRoot(), 'nsd', 'packages');
  return {
    routerVnf: bundledVnfPackagePath(),
    qkdVpnNs: join(nsPackages, 'qnfv_qkd_vpn_ns'),
    qkdVpnMesh3Ns: join(nsPackages, 'qnfv_qkd_vpn_mesh3_ns'),
  };
}
